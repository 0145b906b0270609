//! The settings the suite reads from the environment, by name: one table, so that reading them, refusing a name
//! that is none of them, `--help`, and the binary's flags never disagree. A setting that is mistyped or that means
//! nothing where it is given is an error, never a silent no-op: a CI job with `LANGGRAPH_TAGS=strem` must not go
//! green having run nothing.

use std::fmt;

/// The nearest of some names, for a front end's own did-you-mean (its flags), as the settings' own messages have.
pub use crate::spelling::closest;

/// A `LANGGRAPH_*` name that is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SettingNameError {
    /// No setting of this suite (nor of the official servers): the nearest setting, if one is near.
    Unknown {
        /// The name, as given.
        name: String,
        /// The nearest setting.
        near: Option<&'static str>,
    },
    /// A setting (or a variable override) that means something only against a live target, given without a URL.
    FixtureOnly {
        /// The setting.
        name: String,
    },
}

impl fmt::Display for SettingNameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SettingNameError::Unknown {
                name,
                near: Some(n),
            } => write!(f, "{name} is not a setting of this suite; did you mean {n}?"),
            SettingNameError::Unknown { name, near: None } => write!(
                f,
                "{name} is not a setting of this suite; see --help for the settings"
            ),
            SettingNameError::FixtureOnly { name } => write!(
                f,
                "{name} means nothing on the embedded fixture, whose answers were recorded from the conformance \
                 graph: set LANGGRAPH_URL to test a deployment, or unset {name}"
            ),
        }
    }
}

impl std::error::Error for SettingNameError {}

/// A boolean setting whose value is no boolean.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct NotABool {
    /// The setting.
    pub name: String,
    /// Its value, as given.
    pub value: String,
}

impl fmt::Display for NotABool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}={:?}: write 1, true or yes to turn it on, 0, false or no to turn it off",
            self.name, self.value
        )
    }
}

impl std::error::Error for NotABool {}

/// What kind of value a setting takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Free text (a URL, a path, a list).
    Text,
    /// `1`/`true`/`yes` or `0`/`false`/`no`.
    Bool,
}

/// One setting.
#[derive(Debug)]
pub struct Setting {
    /// The environment variable, `LANGGRAPH_URL`.
    pub name: &'static str,
    /// What kind of value it takes.
    pub kind: Kind,
    /// It only means something against a live target (`LANGGRAPH_URL`).
    pub live_only: bool,
    /// For `--help`: the form of the value (`URL`, `DIR`).
    pub value: &'static str,
    /// What it does, in a line.
    pub help: &'static str,
}

const fn text(name: &'static str, value: &'static str, help: &'static str) -> Setting {
    Setting {
        name,
        kind: Kind::Text,
        live_only: false,
        value,
        help,
    }
}

/// Every setting, in the order `--help` lists them.
pub const SETTINGS: &[Setting] = &[
    text(
        "LANGGRAPH_URL",
        "URL",
        "the deployment to test; unset: the embedded fixture",
    ),
    text(
        "LANGGRAPH_API_KEY",
        "KEY",
        "sent as x-api-key (falls back to LANGSMITH_API_KEY); never printed",
    ),
    Setting {
        live_only: true,
        ..text(
            "LANGGRAPH_TARGET_CONFIG",
            "FILE",
            "a target file: your graph's variables, capabilities, known failures",
        )
    },
    Setting {
        live_only: true,
        ..text(
            "LANGGRAPH_CAPABILITIES",
            "LIST",
            "the target's capabilities, replacing those found or declared (empty: none)",
        )
    },
    text(
        "LANGGRAPH_TIMEOUT",
        "DURATION",
        "the default time a step may take (30s)",
    ),
    Setting {
        kind: Kind::Bool,
        ..text(
            "LANGGRAPH_STRICT",
            "BOOL",
            "a should that does not hold fails its spec, and so does a blocked spec",
        )
    },
    text(
        "LANGGRAPH_SPECS",
        "DIR",
        "another specs folder (default specs/)",
    ),
    Setting {
        live_only: true,
        ..text(
            "LANGGRAPH_RECORD",
            "1|force",
            "record what the live server answers into the fixture",
        )
    },
    text(
        "LANGGRAPH_RECORD_DIR",
        "DIR",
        "where recordings go (default fixtures/recordings)",
    ),
    Setting {
        live_only: true,
        kind: Kind::Bool,
        ..text(
            "LANGGRAPH_DRIFT_CHECK",
            "BOOL",
            "also fail a spec the server answers otherwise than its recording",
        )
    },
    text(
        "LANGGRAPH_REPORT_DIR",
        "DIR",
        "also write junit.xml and report.json there",
    ),
    text(
        "LANGGRAPH_TAGS",
        "LIST",
        "run the specs with one of these tags, less !-tags: stream,!crons",
    ),
    text(
        "LANGGRAPH_CONCURRENCY",
        "N",
        "specs at once (64); --test-threads overrides it",
    ),
    text(
        "LANGGRAPH_RUN_CONCURRENCY",
        "N",
        "of them, specs that start runs (8)",
    ),
    Setting {
        live_only: true,
        ..text(
            "LANGGRAPH_KNOWN_FAILURES",
            "ignore",
            "ignore the target file's known_failures",
        )
    },
    text(
        "LANGGRAPH_DIFF",
        "1|fail",
        "compare every answer with the reference's; fail: a departure fails its spec",
    ),
    Setting {
        live_only: true,
        ..text(
            "LANGGRAPH_REFERENCE_URL",
            "URL",
            "a live reference server to compare with, instead of the recordings",
        )
    },
];

/// Overrides one variable of the target: `LANGGRAPH_VAR_ASSISTANT_ID=my_graph` (live targets only).
pub const VAR_PREFIX: &str = "LANGGRAPH_VAR_";

/// Names of the official servers' own settings: a job that starts a server and runs the suite in one environment
/// has them set, and they are not ours to refuse.
const SERVERS_OWN: &[&str] = &[
    "LANGGRAPH_AUTH",
    "LANGGRAPH_AUTH_TYPE",
    "LANGGRAPH_AES_KEY",
    "LANGGRAPH_API_URL",
    "LANGGRAPH_CHECKPOINTER",
    "LANGGRAPH_CLOUD_LICENSE_KEY",
    "LANGGRAPH_CONFIG",
    "LANGGRAPH_DEFAULT_RECURSION_LIMIT",
    "LANGGRAPH_ENCRYPTION",
    "LANGGRAPH_HTTP",
    "LANGGRAPH_RUNTIME_EDITION",
    "LANGGRAPH_SCHEMA_RESOLVE_TIMEOUT_MS",
    "LANGGRAPH_CLI_NO_ANALYTICS",
    "LANGGRAPH_SERVER_URL",
    "LANGGRAPH_STORE",
    "LANGGRAPH_TTL",
    "LANGGRAPH_UI",
    "LANGGRAPH_UI_CONFIG",
    "LANGGRAPH_WEBHOOKS",
];

/// A setting's value in the environment. A variable set but empty counts as unset, but for the capabilities, where
/// empty means "none".
pub fn env_value(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty() || name == "LANGGRAPH_CAPABILITIES")
}

/// The `LANGGRAPH_` names the environment gives a value, as [`env_value`] reads them.
pub fn given_in_env() -> Vec<String> {
    std::env::vars_os()
        .filter_map(|(k, v)| {
            k.into_string()
                .ok()
                .filter(|k| !v.is_empty() || k == "LANGGRAPH_CAPABILITIES")
        })
        .filter(|k| k.starts_with("LANGGRAPH_"))
        .collect()
}

/// The setting named `name`, if it is one.
pub fn setting(name: &str) -> Option<&'static Setting> {
    SETTINGS.iter().find(|s| s.name == name)
}

/// Refuses a `LANGGRAPH_*` name that is not a setting (with the nearest one), and a setting that means nothing on
/// the embedded fixture when no URL is given. `names` are the variables set.
pub fn check_names<'a>(
    names: impl IntoIterator<Item = &'a str>,
    live: bool,
) -> Result<(), SettingNameError> {
    for name in names {
        if !name.starts_with("LANGGRAPH_") || name.starts_with(VAR_PREFIX) {
            if name.starts_with(VAR_PREFIX) && !live {
                return Err(fixture_only(name));
            }
            continue;
        }
        match setting(name) {
            Some(s) if s.live_only && !live => return Err(fixture_only(name)),
            Some(_) => {}
            None if SERVERS_OWN.contains(&name) => {}
            None => {
                return Err(SettingNameError::Unknown {
                    name: name.to_string(),
                    near: closest(name, SETTINGS.iter().map(|s| s.name)),
                });
            }
        }
    }
    Ok(())
}

fn fixture_only(name: &str) -> SettingNameError {
    SettingNameError::FixtureOnly {
        name: name.to_string(),
    }
}

/// A boolean setting: `1`, `true`, `yes` or `0`, `false`, `no` (any case); anything else is refused.
pub fn parse_bool(name: &str, value: &str) -> Result<bool, NotABool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" => Ok(true),
        "0" | "false" | "no" => Ok(false),
        _ => Err(NotABool {
            name: name.to_string(),
            value: value.to_string(),
        }),
    }
}

/// The settings, for `--help`.
pub fn help() -> String {
    let mut out = String::from("settings, from the environment:\n");
    for s in SETTINGS {
        let live = if s.live_only {
            " (live targets only)"
        } else {
            ""
        };
        out.push_str(&format!(
            "  {:28} {:10} {}{live}\n",
            s.name, s.value, s.help
        ));
    }
    out.push_str(&format!(
        "  {:28} {:10} overrides one variable of the target (live targets only)\n",
        format!("{VAR_PREFIX}<NAME>"),
        "VALUE"
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mistyped_name_is_refused_with_the_nearest() {
        assert_eq!(
            check_names(["LANGGRAPH_CONCURENCY"], true).unwrap_err(),
            SettingNameError::Unknown {
                name: "LANGGRAPH_CONCURENCY".into(),
                near: Some("LANGGRAPH_CONCURRENCY")
            }
        );
        assert_eq!(
            check_names(["LANGGRAPH_CONCURENCY"], true)
                .unwrap_err()
                .to_string(),
            "LANGGRAPH_CONCURENCY is not a setting of this suite; did you mean LANGGRAPH_CONCURRENCY?"
        );
        assert!(check_names(["LANGGRAPH_TAG"], true)
            .unwrap_err()
            .to_string()
            .contains("did you mean LANGGRAPH_TAGS?"));
        assert!(check_names(
            [
                "LANGGRAPH_URL",
                "LANGGRAPH_STORE",
                "PATH",
                "LANGSMITH_API_KEY"
            ],
            true
        )
        .is_ok());
    }

    #[test]
    fn live_settings_are_refused_on_the_fixture() {
        for name in [
            "LANGGRAPH_TARGET_CONFIG",
            "LANGGRAPH_CAPABILITIES",
            "LANGGRAPH_VAR_ASSISTANT_ID",
        ] {
            let e = check_names([name], false).unwrap_err().to_string();
            assert!(
                e.starts_with(&format!("{name} means nothing on the embedded fixture")),
                "{e}"
            );
            assert!(check_names([name], true).is_ok());
        }
    }

    #[test]
    fn booleans_are_words_or_digits() {
        for on in ["1", "true", "YES", " yes "] {
            assert_eq!(parse_bool("X", on), Ok(true));
        }
        for off in ["0", "false", "No"] {
            assert_eq!(parse_bool("X", off), Ok(false));
        }
        for bad in ["", "y", "on", "2"] {
            assert!(parse_bool("X", bad).is_err(), "{bad:?}");
        }
    }
}
