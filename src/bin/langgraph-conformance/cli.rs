//! The command line: each setting as a flag (the environment variable of the same meaning is read when the flag is
//! not given), and libtest's own arguments passed through.

/// A command line that cannot be taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CliError {
    /// An option that takes a value, without one; `what` is the form of the value.
    NeedsValue { flag: String, what: &'static str },
    /// `--var` with a value that is not `NAME=VALUE`.
    VarForm { value: String },
    /// An option this command does not know: the nearest one, if any is near.
    UnknownOption {
        flag: String,
        near: Option<&'static str>,
    },
}

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CliError::NeedsValue { flag, what } => write!(f, "{flag} needs a value ({what})"),
            CliError::VarForm { value } => write!(
                f,
                "--var {value}: write NAME=VALUE, e.g. --var assistant_id=my_graph"
            ),
            CliError::UnknownOption {
                flag,
                near: Some(n),
            } => write!(f, "unknown option `{flag}`; did you mean `{n}`?"),
            CliError::UnknownOption { flag, near: None } => {
                write!(f, "unknown option `{flag}` (see --help)")
            }
        }
    }
}

impl std::error::Error for CliError {}

/// A setting: its flag, the environment variable it stands for, the form of its value (`None`: a switch), and what
/// it does. One table, so that `--help` and parsing never disagree.
pub struct Setting {
    pub flag: &'static str,
    pub var: &'static str,
    pub value: Option<&'static str>,
    pub help: &'static str,
}

pub const SETTINGS: &[Setting] = &[
    Setting { flag: "--url", var: "LANGGRAPH_URL", value: Some("URL"), help: "the deployment to test; without it, the embedded fixture (the reference server's recorded answers)" },
    Setting { flag: "--target-config", var: "LANGGRAPH_TARGET_CONFIG", value: Some("FILE"), help: "a target file: your graph's variables, its capabilities, its known failures" },
    Setting { flag: "--capabilities", var: "LANGGRAPH_CAPABILITIES", value: Some("LIST"), help: "comma-separated capabilities of the target, replacing the target file's" },
    Setting { flag: "--timeout", var: "LANGGRAPH_TIMEOUT", value: Some("DURATION"), help: "the default time a step may take (30s)" },
    Setting { flag: "--specs", var: "LANGGRAPH_SPECS", value: Some("DIR"), help: "run the specs in DIR instead of the bundled ones" },
    Setting { flag: "--tags", var: "LANGGRAPH_TAGS", value: Some("LIST"), help: "run specs with one of these tags, less !-tags: stream,threads,!crons" },
    Setting { flag: "--report-dir", var: "LANGGRAPH_REPORT_DIR", value: Some("DIR"), help: "also write junit.xml and report.json there" },
    Setting { flag: "--concurrency", var: "LANGGRAPH_CONCURRENCY", value: Some("N"), help: "specs run at once (64)" },
    Setting { flag: "--run-concurrency", var: "LANGGRAPH_RUN_CONCURRENCY", value: Some("N"), help: "of them, specs that start runs (8)" },
    Setting { flag: "--strict", var: "LANGGRAPH_STRICT", value: None, help: "a `should` that does not hold fails its spec; a blocked spec fails" },
    Setting { flag: "--known-failures", var: "LANGGRAPH_KNOWN_FAILURES", value: Some("ignore"), help: "ignore the target file's known_failures" },
    Setting { flag: "--record", var: "LANGGRAPH_RECORD", value: Some("1|force"), help: "record what the live server answers as the fixture (into --record-dir; by default the recordings this command carries, in its cache folder)" },
    Setting { flag: "--record-dir", var: "LANGGRAPH_RECORD_DIR", value: Some("DIR"), help: "where recordings go" },
    Setting { flag: "--drift-check", var: "LANGGRAPH_DRIFT_CHECK", value: None, help: "also fail a spec when the server answers otherwise than its recording" },
    Setting { flag: "--diff", var: "LANGGRAPH_DIFF", value: None, help: "differential mode: also compare each answer with the reference's, and report where it departs (--diff=fail: a departure fails its spec)" },
    Setting { flag: "--reference-url", var: "LANGGRAPH_REFERENCE_URL", value: Some("URL"), help: "with --diff: a live reference server to run each spec against side by side, instead of the recordings" },
];

/// libtest's arguments this command passes on: switches, then those that take a value.
const LIBTEST_SWITCHES: &[&str] = &[
    "--list",
    "--exact",
    "--ignored",
    "--include-ignored",
    "-q",
    "--quiet",
    "--nocapture",
];
const LIBTEST_VALUES: &[&str] = &["--skip", "--format", "--test-threads", "--color"];

/// What the command line says.
#[derive(Debug, Default, PartialEq)]
pub struct Command {
    /// Settings given as flags, by their environment variable.
    pub settings: Vec<(String, String)>,
    /// Arguments for libtest, without the program name.
    pub libtest: Vec<String>,
    pub help: bool,
    pub version: bool,
}

/// A message of the library, which names settings by their environment variables, in this command's words: a
/// setting given as a flag, or not given at all, by its flag (`--url must start with ...`, `--record needs --url`);
/// one set in the environment by its variable, where the user will look for it.
pub fn as_given(message: &str, command: &Command) -> String {
    let mut out = message.to_string();
    for s in SETTINGS {
        let flagged = command.settings.iter().any(|(k, _)| k == s.var);
        if flagged || std::env::var_os(s.var).is_none() {
            let var = regex::Regex::new(&format!(r"\b{}\b", s.var))
                .expect("a setting's name is a pattern");
            out = var.replace_all(&out, s.flag).into_owned();
            out = out.replace(
                &format!("unset {}", s.flag),
                &format!("leave out {}", s.flag),
            );
        }
    }
    out
}

pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Command, CliError> {
    let mut c = Command::default();
    let mut args = args.into_iter();
    while let Some(a) = args.next() {
        let (flag, inline) = match a.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (a.clone(), None),
        };
        let mut value = |what: &'static str| {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| CliError::NeedsValue {
                    flag: flag.clone(),
                    what,
                })
        };
        if let Some(s) = SETTINGS.iter().find(|s| s.flag == flag) {
            // A switch takes an inline value too: `--diff=fail`, `--strict=0`.
            let v = match s.value {
                Some(what) => value(what)?,
                None => inline.clone().unwrap_or_else(|| "1".to_string()),
            };
            c.settings.push((s.var.to_string(), v));
        } else if flag == "--var" {
            let v = value("NAME=VALUE")?;
            let (name, val) = v
                .split_once('=')
                .ok_or_else(|| CliError::VarForm { value: v.clone() })?;
            c.settings.push((
                format!("LANGGRAPH_VAR_{}", name.to_ascii_uppercase()),
                val.to_string(),
            ));
        } else if flag == "-h" || flag == "--help" {
            c.help = true;
        } else if flag == "-V" || flag == "--version" {
            c.version = true;
        } else if LIBTEST_SWITCHES.contains(&flag.as_str()) {
            c.libtest.push(a);
        } else if LIBTEST_VALUES.contains(&flag.as_str()) {
            let v = value("a value")?;
            c.libtest.extend([flag, v]);
        } else if a.starts_with('-') {
            let known = SETTINGS
                .iter()
                .map(|s| s.flag)
                .chain(["--var", "--help"])
                .chain(LIBTEST_SWITCHES.iter().copied())
                .chain(LIBTEST_VALUES.iter().copied());
            let near = langgraph_conformance::setting_names::closest(&flag, known);
            return Err(CliError::UnknownOption { flag, near });
        } else {
            c.libtest.push(a);
        }
    }
    Ok(c)
}

pub fn help() -> String {
    let mut out = String::from(
        "langgraph-conformance: runs the conformance specs against a LangGraph Platform deployment\n\n\
         usage: langgraph-conformance [OPTIONS] [FILTER]\n\
         \x20      langgraph-conformance matrix [OPTIONS] NAME=TARGET_FILE[@URL] ...\n\
         \x20        (several deployments side by side: `langgraph-conformance matrix --help`)\n\n\
         FILTER selects specs whose name contains it (runs::join); --exact makes it whole.\n\n\
         settings (each also read from its environment variable when the flag is not given):\n",
    );
    for s in SETTINGS {
        let left = match (s.value, s.flag) {
            (Some(v), _) => format!("{} {v}", s.flag),
            (None, "--diff") => "--diff[=fail]".to_string(),
            (None, _) => s.flag.to_string(),
        };
        out.push_str(&format!("  {left:28} {}  [{}]\n", s.help, s.var));
    }
    out.push_str(&format!(
        "  {:28} override one variable of the target file  [LANGGRAPH_VAR_<NAME>]\n\n",
        "--var NAME=VALUE"
    ));
    out.push_str(
        "the API key is read from LANGGRAPH_API_KEY (or LANGSMITH_API_KEY) only, never from a flag, so that it shows\n\
         in no process list; it is never printed.\n\n\
         test selection and output, as libtest takes them:\n\
         \x20 --list, --exact, --ignored, --include-ignored, --skip FILTER, --format pretty|terse|json, --test-threads N,\n\
         \x20 -q/--quiet, --color auto|always|never\n\n\
         -h, --help: this text; -V, --version: the version.\n\n\
         exit status: 0 every spec that ran passed (or failed as the target's known_failures expect), 101 a spec\n\
         failed, 2 a setting or folder that cannot be used.\n",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_words(words: &str) -> Result<Command, CliError> {
        parse(words.split_whitespace().map(str::to_string))
    }

    #[test]
    fn messages_name_a_flag_given_as_a_flag() {
        let c = parse_words("--record-dir out --target-config t.yaml").unwrap();
        let m = "LANGGRAPH_RECORD_DIR is set; LANGGRAPH_TARGET_CONFIG means nothing here: unset LANGGRAPH_TARGET_CONFIG";
        assert_eq!(
            as_given(m, &c),
            "--record-dir is set; --target-config means nothing here: leave out --target-config"
        );
        // A name inside a longer one is not taken for it.
        let c = parse_words("--record 1").unwrap();
        let m = as_given("LANGGRAPH_RECORD, LANGGRAPH_RECORD_DIR", &c);
        assert!(m.starts_with("--record, "), "{m}");
        assert!(!m.contains("--record_DIR"), "{m}");
    }

    #[test]
    fn flags_become_settings_and_the_rest_goes_to_libtest() {
        let c = parse_words(
            "--url http://127.0.0.1:2024 --strict --var assistant_id=my_graph --exact runs::join",
        )
        .unwrap();
        assert_eq!(
            c.settings,
            vec![
                (
                    "LANGGRAPH_URL".to_string(),
                    "http://127.0.0.1:2024".to_string()
                ),
                ("LANGGRAPH_STRICT".into(), "1".into()),
                ("LANGGRAPH_VAR_ASSISTANT_ID".into(), "my_graph".into()),
            ]
        );
        assert_eq!(c.libtest, ["--exact", "runs::join"]);
        let c = parse_words("--diff --diff=fail --reference-url http://127.0.0.1:9").unwrap();
        assert_eq!(
            c.settings,
            vec![
                ("LANGGRAPH_DIFF".to_string(), "1".to_string()),
                ("LANGGRAPH_DIFF".into(), "fail".into()),
                (
                    "LANGGRAPH_REFERENCE_URL".into(),
                    "http://127.0.0.1:9".into()
                ),
            ]
        );
        let c = parse_words("--tags=stream --test-threads 4").unwrap();
        assert_eq!(
            c.settings,
            vec![("LANGGRAPH_TAGS".to_string(), "stream".to_string())]
        );
        assert_eq!(c.libtest, ["--test-threads", "4"]);
    }

    #[test]
    fn mistakes_are_named() {
        assert_eq!(
            parse_words("--urll x").unwrap_err(),
            CliError::UnknownOption {
                flag: "--urll".into(),
                near: Some("--url")
            }
        );
        assert_eq!(
            parse_words("--urll x").unwrap_err().to_string(),
            "unknown option `--urll`; did you mean `--url`?"
        );
        assert_eq!(
            parse_words("--url").unwrap_err().to_string(),
            "--url needs a value (URL)"
        );
        assert!(parse_words("--var x")
            .unwrap_err()
            .to_string()
            .contains("NAME=VALUE"));
    }

    #[test]
    fn every_setting_but_the_key_has_a_flag() {
        use langgraph_conformance::setting_names::SETTINGS as NAMES;
        for n in NAMES.iter().filter(|n| n.name != "LANGGRAPH_API_KEY") {
            assert!(
                SETTINGS.iter().any(|s| s.var == n.name),
                "{} has no flag",
                n.name
            );
        }
        for s in SETTINGS {
            assert!(
                NAMES.iter().any(|n| n.name == s.var),
                "{} is no setting",
                s.var
            );
        }
    }

    #[test]
    fn the_help_names_every_setting() {
        let h = help();
        for s in SETTINGS {
            assert!(h.contains(s.flag) && h.contains(s.var), "{}", s.flag);
        }
    }
}
