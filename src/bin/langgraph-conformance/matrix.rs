//! `langgraph-conformance matrix`: the suite against several deployments, side by side. See [`HELP`].

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use langgraph_conformance::results::matrix::{build, Column};
use langgraph_conformance::runner::{self, Progress};
use langgraph_conformance::{Settings, SettingsError};

/// Why the matrix could not be made.
#[derive(Debug)]
enum MatrixError {
    /// An option that takes a value, without one.
    NeedsValue {
        flag: &'static str,
    },
    /// `--departures` with a value that is not `NAME=FILE`.
    DeparturesForm {
        value: String,
    },
    /// A target that is not `NAME=TARGET_FILE[@URL]`.
    TargetForm {
        value: String,
    },
    UnknownOption {
        option: String,
    },
    NoTargets,
    /// An option (`--baseline`, `--departures`) naming no target.
    NoSuchTarget {
        option: &'static str,
        name: String,
    },
    DeparturesWithoutDiff,
    /// A target's settings cannot be used.
    Settings {
        target: String,
        source: SettingsError,
    },
    /// A run wrote no report (it ended with `exit`).
    NoReport {
        target: String,
        report: PathBuf,
        exit: ExitCode,
        source: std::io::Error,
    },
    /// A report that is not JSON.
    Report {
        path: PathBuf,
        source: serde_json::Error,
    },
    /// A file that cannot be read or written.
    File {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A file without the marker of the section to replace.
    NoMarker {
        file: PathBuf,
        marker: String,
    },
    /// `--departures` for a target that ran without the differential mode.
    NotDiff {
        target: String,
    },
}

impl fmt::Display for MatrixError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MatrixError::NeedsValue { flag } => write!(f, "{flag} needs a value"),
            MatrixError::DeparturesForm { value } => {
                write!(f, "--departures {value}: write NAME=FILE")
            }
            MatrixError::TargetForm { value } => {
                write!(f, "`{value}`: write a target as NAME=TARGET_FILE[@URL]")
            }
            MatrixError::UnknownOption { option } => write!(f, "unknown option `{option}`"),
            MatrixError::NoTargets => {
                f.write_str("name at least one target: NAME=TARGET_FILE[@URL]")
            }
            MatrixError::NoSuchTarget { option, name } => {
                write!(f, "{option} {name}: no target of that name")
            }
            MatrixError::DeparturesWithoutDiff => f.write_str(
                "--departures needs --diff: departures are found in the differential mode",
            ),
            MatrixError::Settings { target, source } => write!(f, "target {target}: {source}"),
            MatrixError::NoReport {
                target,
                report,
                exit,
                source,
            } => write!(
                f,
                "the run against {target} wrote no report ({}; exit {exit:?}): {source}",
                report.display()
            ),
            MatrixError::Report { path, source } => write!(f, "{}: {source}", path.display()),
            MatrixError::File { path, source } => write!(f, "{}: {source}", path.display()),
            MatrixError::NoMarker { file, marker } => {
                write!(f, "{} has no `{marker}` marker", file.display())
            }
            MatrixError::NotDiff { target } => {
                write!(f, "target {target} ran without the differential mode")
            }
        }
    }
}

impl std::error::Error for MatrixError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            MatrixError::Settings { source, .. } => Some(source),
            MatrixError::NoReport { source, .. } | MatrixError::File { source, .. } => Some(source),
            MatrixError::Report { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// The error of reading or writing `path`.
fn file_error(path: &Path) -> impl FnOnce(std::io::Error) -> MatrixError + '_ {
    move |source| MatrixError::File {
        path: path.to_path_buf(),
        source,
    }
}

/// What `langgraph-conformance matrix --help` prints.
pub const HELP: &str = "\
langgraph-conformance matrix [OPTIONS] NAME=TARGET_FILE[@URL] ...

Runs the suite against each target (a target file, with its URL or the one given after `@`), one after the other in
this process, and writes a compatibility matrix of the runs: every spec, one column per target. Each run is the
suite with LANGGRAPH_TARGET_CONFIG, LANGGRAPH_URL and LANGGRAPH_REPORT_DIR set and the target's known failures
ignored, so the matrix shows what really passes and fails; other settings come from the environment.

  --out DIR                where to write matrix.md, matrix.json and each run's reports (default target/matrix)
  --specs DIR              the specs to run (default: those built into this command)
  --diff                   run each target in the differential mode (LANGGRAPH_DIFF=1): the matrix counts each
                           target's departures from the reference
  --departures NAME=FILE   with --diff: write the departures of target NAME, by kind and place, to FILE
  --readme FILE            replace the matrix section of FILE (between its `<!-- matrix` markers) with the table
  --baseline NAME          rewrite the known_failures of target NAME's file from what failed in its run
  -h, --help               this text
";

const START: &str = "<!-- matrix: generated by scripts/matrix (langgraph-conformance matrix) -->\n";
const END: &str = "<!-- matrix end -->\n";

#[derive(Debug)]
struct Target {
    name: String,
    file: PathBuf,
    url: Option<String>,
}

#[derive(Debug)]
struct Options {
    out: PathBuf,
    readme: Option<PathBuf>,
    baseline: Option<String>,
    diff: bool,
    /// Target name → the file its departures are written to.
    departures: Vec<(String, PathBuf)>,
    /// `--specs`: run these instead of the bundled specs.
    specs: Option<PathBuf>,
    help: bool,
    targets: Vec<Target>,
}

fn parse(args: impl Iterator<Item = String>) -> Result<Options, MatrixError> {
    let mut o = Options {
        out: PathBuf::from("target/matrix"),
        readme: None,
        baseline: None,
        diff: false,
        departures: Vec::new(),
        specs: None,
        help: false,
        targets: Vec::new(),
    };
    let mut args = args.peekable();
    while let Some(a) = args.next() {
        let mut value = |flag: &'static str| args.next().ok_or(MatrixError::NeedsValue { flag });
        match a.as_str() {
            "--out" => o.out = PathBuf::from(value("--out")?),
            "--readme" => o.readme = Some(PathBuf::from(value("--readme")?)),
            "--baseline" => o.baseline = Some(value("--baseline")?),
            "--diff" => o.diff = true,
            "--specs" => o.specs = Some(PathBuf::from(value("--specs")?)),
            "-h" | "--help" => o.help = true,
            "--departures" => {
                let v = value("--departures")?;
                let (name, file) = v
                    .split_once('=')
                    .ok_or_else(|| MatrixError::DeparturesForm { value: v.clone() })?;
                o.departures.push((name.into(), file.into()));
            }
            t if !t.starts_with('-') => {
                let (name, rest) = t.split_once('=').ok_or_else(|| MatrixError::TargetForm {
                    value: t.to_string(),
                })?;
                let (file, url) = match rest.split_once('@') {
                    Some((f, u)) => (f, Some(u.to_string())),
                    None => (rest, None),
                };
                o.targets.push(Target {
                    name: name.into(),
                    file: file.into(),
                    url,
                });
            }
            other => {
                return Err(MatrixError::UnknownOption {
                    option: other.to_string(),
                })
            }
        }
    }
    if o.help {
        return Ok(o);
    }
    if o.targets.is_empty() {
        return Err(MatrixError::NoTargets);
    }
    if let Some(b) = &o.baseline {
        if !o.targets.iter().any(|t| &t.name == b) {
            return Err(MatrixError::NoSuchTarget {
                option: "--baseline",
                name: b.clone(),
            });
        }
    }
    for (name, _) in &o.departures {
        if !o.targets.iter().any(|t| &t.name == name) {
            return Err(MatrixError::NoSuchTarget {
                option: "--departures",
                name: name.clone(),
            });
        }
        if !o.diff {
            return Err(MatrixError::DeparturesWithoutDiff);
        }
    }
    Ok(o)
}

/// Runs the suite against one target, in this process; its report.json. `root` holds the specs and recordings.
fn run(t: &Target, o: &Options, root: &Path) -> Result<serde_json::Value, MatrixError> {
    let (out, diff) = (&o.out, o.diff);
    let dir = out.join(&t.name);
    let _ = std::fs::remove_dir_all(&dir);
    let mut given = vec![
        ("LANGGRAPH_TARGET_CONFIG", t.file.display().to_string()),
        ("LANGGRAPH_REPORT_DIR", dir.display().to_string()),
        ("LANGGRAPH_KNOWN_FAILURES", "ignore".to_string()),
    ];
    if let Some(u) = &t.url {
        given.push(("LANGGRAPH_URL", u.clone()));
    }
    if diff {
        given.push(("LANGGRAPH_DIFF", "1".to_string()));
    }
    if let Some(s) = &o.specs {
        given.push(("LANGGRAPH_SPECS", s.display().to_string()));
    }
    // The rest (the API key, concurrency, ...) as the environment says; the URL only as the target says.
    let lookup = |k: &str| {
        given
            .iter()
            .find(|(name, _)| *name == k)
            .map(|(_, v)| v.clone())
            .or_else(|| {
                (k != "LANGGRAPH_URL")
                    .then(|| std::env::var(k).ok())
                    .flatten()
            })
    };
    let settings = Settings::from_lookup(lookup, root).map_err(|source| MatrixError::Settings {
        target: t.name.clone(),
        source,
    })?;
    eprintln!("matrix: running the suite against {}", t.name);
    let command = runner::CommandLine::parse(vec!["--quiet".into()]);
    let code = runner::run(settings, command, Progress::Off);
    let report = dir.join("report.json");
    let text = std::fs::read_to_string(&report).map_err(|source| MatrixError::NoReport {
        target: t.name.clone(),
        report: report.clone(),
        exit: code,
        source,
    })?;
    serde_json::from_str(&text).map_err(|source| MatrixError::Report {
        path: report,
        source,
    })
}

/// Replaces what lies between the markers in `file`.
fn replace_section(file: &Path, start: &str, end: &str, body: &str) -> Result<(), MatrixError> {
    let text = std::fs::read_to_string(file).map_err(file_error(file))?;
    let no_marker = |marker: &str| MatrixError::NoMarker {
        file: file.to_path_buf(),
        marker: marker.trim().to_string(),
    };
    let (before, rest) = text.split_once(start).ok_or_else(|| no_marker(start))?;
    let (_, after) = rest.split_once(end).ok_or_else(|| no_marker(end))?;
    std::fs::write(file, format!("{before}{start}{body}{end}{after}")).map_err(file_error(file))
}

/// Replaces the `known_failures` list at the end of a target file.
fn rewrite_baseline(file: &Path, yaml: &str) -> Result<(), MatrixError> {
    let text = std::fs::read_to_string(file).map_err(file_error(file))?;
    let keep = match text.find("\nknown_failures:") {
        Some(i) => &text[..=i],
        None => text.as_str(),
    };
    let mut new = keep.to_string();
    if !new.ends_with('\n') {
        new.push('\n');
    }
    new.push_str(&keep_intermittent(&text, yaml));
    std::fs::write(file, new).map_err(file_error(file))
}

/// The new list, with the old list's intermittent entries kept: one run that passed says nothing of a race.
fn keep_intermittent(old: &str, yaml: &str) -> String {
    #[derive(serde::Deserialize)]
    struct Old {
        #[serde(default)]
        known_failures: Vec<langgraph_conformance::KnownFailure>,
    }
    let sometimes: Vec<_> = serde_saphyr::from_str::<Old>(old)
        .map(|o| o.known_failures)
        .unwrap_or_default()
        .into_iter()
        .filter(|k| k.intermittent)
        .collect();
    let mut out = String::new();
    let mut listed = Vec::new();
    for line in yaml.lines() {
        let spec = line
            .split_once("{spec: ")
            .and_then(|(_, rest)| rest.split_once(','))
            .map(|(name, _)| name.trim());
        match spec.and_then(|n| sometimes.iter().find(|k| k.spec == n)) {
            Some(k) => {
                listed.push(k.spec.clone());
                let reason = serde_json::to_string(&k.reason).expect("a string serialises");
                out.push_str(&format!(
                    "  - {{spec: {}, reason: {reason}, intermittent: true}}\n",
                    k.spec
                ));
            }
            None => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    for k in sometimes.iter().filter(|k| !listed.contains(&k.spec)) {
        let reason = serde_json::to_string(&k.reason).expect("a string serialises");
        out.push_str(&format!(
            "  - {{spec: {}, reason: {reason}, intermittent: true}}\n",
            k.spec
        ));
    }
    out
}

/// The matrix of the targets `args` name (the words after `matrix`), with the specs and recordings under the folder
/// `root` gives, asked for only when there is a suite to run.
fn main_(
    args: Vec<String>,
    root: impl FnOnce() -> Result<PathBuf, Box<dyn std::error::Error>>,
) -> Result<(), Box<dyn std::error::Error>> {
    let o = parse(args.into_iter())?;
    if o.help {
        print!("{HELP}");
        return Ok(());
    }
    let root = root()?;
    std::fs::create_dir_all(&o.out).map_err(file_error(&o.out))?;
    let mut columns = Vec::new();
    for t in &o.targets {
        columns.push(Column {
            name: t.name.clone(),
            report: run(t, &o, &root)?,
        });
    }
    let m = build(&columns);
    let write = |name: &str, text: String| {
        let p = o.out.join(name);
        std::fs::write(&p, text).map_err(file_error(&p))
    };
    write("matrix.md", m.markdown(true))?;
    write("matrix.json", m.json())?;
    eprintln!(
        "matrix: {}/matrix.md, {}/matrix.json",
        o.out.display(),
        o.out.display()
    );
    if let Some(readme) = &o.readme {
        replace_section(readme, START, END, &format!("\n{}\n", m.markdown(false)))?;
        eprintln!("matrix: updated {}", readme.display());
    }
    for (name, file) in &o.departures {
        let i = o
            .targets
            .iter()
            .position(|t| &t.name == name)
            .expect("checked");
        let title = format!("Departures of `{name}` from the reference");
        let text = m
            .departures_markdown(i, &title)
            .ok_or_else(|| MatrixError::NotDiff {
                target: name.clone(),
            })?;
        std::fs::write(file, text).map_err(file_error(file))?;
        eprintln!(
            "matrix: wrote the departures of {name} to {}",
            file.display()
        );
    }
    if let Some(b) = &o.baseline {
        let i = o
            .targets
            .iter()
            .position(|t| &t.name == b)
            .expect("checked");
        rewrite_baseline(&o.targets[i].file, &m.known_failures_yaml(i))?;
        eprintln!(
            "matrix: rewrote the known_failures of {}",
            o.targets[i].file.display()
        );
    }
    Ok(())
}

/// `langgraph-conformance matrix ARGS`: exit 0 when the matrix was written, 2 when it could not be.
pub fn main(
    args: Vec<String>,
    root: impl FnOnce() -> Result<PathBuf, Box<dyn std::error::Error>>,
) -> ExitCode {
    match main_(args, root) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("matrix: error: {e}");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> impl Iterator<Item = String> + '_ {
        s.split_whitespace().map(str::to_string)
    }

    #[test]
    fn targets_and_options() {
        let o = parse(args(
            "--baseline js py=a.yaml js=b.yaml@http://127.0.0.1:9 --out m",
        ))
        .unwrap();
        assert_eq!(o.out, PathBuf::from("m"));
        assert_eq!(o.targets[1].url.as_deref(), Some("http://127.0.0.1:9"));
        assert_eq!(o.targets[0].url, None);
        assert!(matches!(parse(args("")), Err(MatrixError::NoTargets)));
        assert!(parse(args(""))
            .unwrap_err()
            .to_string()
            .contains("at least one target"));
        assert!(parse(args("--baseline x py=a.yaml"))
            .unwrap_err()
            .to_string()
            .contains("no target"));
        assert!(parse(args("a.yaml"))
            .unwrap_err()
            .to_string()
            .contains("NAME=TARGET_FILE"));
        let o = parse(args("--diff --departures js=d.md js=b.yaml")).unwrap();
        assert!(o.diff);
        assert_eq!(o.departures, [("js".to_string(), PathBuf::from("d.md"))]);
        assert!(parse(args("--departures js=d.md js=b.yaml"))
            .unwrap_err()
            .to_string()
            .contains("needs --diff"));
    }

    #[test]
    fn the_baseline_replaces_the_list_and_keeps_the_rest() {
        let f = std::env::temp_dir().join(format!("lgc-matrix-{}.yaml", std::process::id()));
        std::fs::write(
            &f,
            "version: 1\nvars: {a: 1}\nknown_failures:\n  - {spec: x, reason: y}\n",
        )
        .unwrap();
        rewrite_baseline(&f, "known_failures: []\n").unwrap();
        assert_eq!(
            std::fs::read_to_string(&f).unwrap(),
            "version: 1\nvars: {a: 1}\nknown_failures: []\n"
        );
        std::fs::remove_file(&f).unwrap();
    }

    #[test]
    fn intermittent_entries_outlive_a_run_that_passed() {
        let old = "version: 1\nknown_failures:\n  - {spec: a::x, reason: \"gone\"}\n  - {spec: b::y, reason: \"a race\", intermittent: true}\n";
        let new = "known_failures:\n  - {spec: c::z, reason: \"new\"}\n";
        assert_eq!(
            keep_intermittent(old, new),
            "known_failures:\n  - {spec: c::z, reason: \"new\"}\n  - {spec: b::y, reason: \"a race\", intermittent: true}\n"
        );
    }
}
