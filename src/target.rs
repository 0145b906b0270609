//! What the suite runs against, from the environment: a live URL or the embedded fixture, the API key, variables
//! for graph-dependent values, and the capabilities the target's graph has.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use serde_json::Value;

use crate::secrets::{display_url, ApiKey, Secrets};
use crate::spec::load::parse_duration;
use crate::spec::template::{is_name, Vars};

pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, Clone)]
pub struct Settings {
    /// A live deployment; `None` runs the embedded fixture.
    pub url: Option<String>,
    pub api_key: Option<ApiKey>,
    /// Write what the live target answered into `record_dir`.
    pub record: bool,
    pub record_dir: PathBuf,
    /// Compare what the live target answered with the committed recordings (ids and timestamps aside).
    pub drift_check: bool,
    pub recordings_dir: PathBuf,
    pub specs_dir: PathBuf,
    pub default_timeout: Duration,
    pub capabilities: HashSet<String>,
    pub vars: Vars,
    /// Where the capabilities came from, for the message on specs skipped for lack of one.
    pub capabilities_from: String,
}

/// A target description: `fixtures/target.yaml` for the conformance graph, or a user's file for their deployment.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TargetFile {
    version: u32,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    capabilities: Option<Vec<String>>,
    #[serde(default)]
    vars: serde_json::Map<String, Value>,
}

fn read_target_file(path: &Path) -> Result<TargetFile, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut o = serde_saphyr::Options::default();
    o.strict_booleans = true;
    let t: TargetFile = serde_saphyr::from_str_with_options(&text, o).map_err(|e| {
        let at = e
            .location()
            .map(|l| format!(":{}:{}", l.line(), l.column()))
            .unwrap_or_default();
        format!("{}{at}: {}", path.display(), e.without_snippet())
    })?;
    if t.version != 1 {
        return Err(format!(
            "{}: target file version {} is not supported (expected 1)",
            path.display(),
            t.version
        ));
    }
    let _ = &t.description;
    Ok(t)
}

/// The project folder: where `specs/` and `fixtures/` are.
pub fn project_root() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")))
}

/// The variables the API key is read from, in order.
const API_KEY_VARS: [&str; 2] = ["LANGGRAPH_API_KEY", "LANGSMITH_API_KEY"];

/// A setting that is set but cannot be read as text: named, so it is not taken for unset (which would, for the API
/// key, quietly run without it). The value is not shown: it may be the key.
fn unreadable_setting(
    vars: impl IntoIterator<Item = (std::ffi::OsString, std::ffi::OsString)>,
) -> Option<String> {
    vars.into_iter().find_map(|(name, value)| {
        let name = name.to_str()?;
        let ours = name.starts_with("LANGGRAPH_") || API_KEY_VARS.contains(&name);
        (ours && value.to_str().is_none())
            .then(|| format!("{name} is set but is not valid UTF-8; set it to text"))
    })
}

/// The API key from the first variable that has one, with quotes pasted along with it taken off.
fn api_key(lookup: &impl Fn(&str) -> Option<String>) -> Result<Option<ApiKey>, String> {
    let Some((var, raw)) = API_KEY_VARS
        .iter()
        .find_map(|var| lookup(var).map(|v| (*var, v)))
    else {
        return Ok(None);
    };
    let value = raw
        .trim()
        .trim_matches(|c| c == '"' || c == '\'')
        .to_string();
    if value.chars().any(char::is_control) {
        return Err(format!(
            "{var} contains a control character, which an HTTP header cannot carry"
        ));
    }
    Ok(Some(ApiKey { value, var }))
}

impl Settings {
    /// The secret values of this run, to keep out of what is printed and recorded.
    pub fn secrets(&self) -> Secrets {
        Secrets::new(
            self.api_key.as_ref().map(|k| k.value.as_str()),
            self.url.as_deref(),
        )
    }

    pub fn from_env() -> Result<Settings, String> {
        if let Some(e) = unreadable_setting(std::env::vars_os()) {
            return Err(e);
        }
        Self::from_lookup(
            // An empty variable counts as unset, but for the capabilities, where empty means "none".
            |k| {
                std::env::var(k)
                    .ok()
                    .filter(|v| !v.is_empty() || k == "LANGGRAPH_CAPABILITIES")
            },
            &project_root(),
        )
    }

    /// `lookup` reads one environment variable; `vars_from_env` lists `LANGGRAPH_VAR_*`.
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
        root: &Path,
    ) -> Result<Settings, String> {
        let url = lookup("LANGGRAPH_URL").map(|u| u.trim_end_matches('/').to_string());
        if let Some(u) = &url {
            if !(u.starts_with("http://") || u.starts_with("https://")) {
                return Err(format!(
                    "LANGGRAPH_URL must start with http:// or https:// (got {:?})",
                    display_url(u)
                ));
            }
        }
        let api_key = api_key(&lookup)?;
        let record = lookup("LANGGRAPH_RECORD").is_some_and(|v| v != "0" && v != "false");
        if record && url.is_none() {
            return Err(
                "LANGGRAPH_RECORD needs LANGGRAPH_URL: recordings are made from a live server"
                    .into(),
            );
        }
        let drift_check = lookup("LANGGRAPH_DRIFT_CHECK").is_some_and(|v| v != "0" && v != "false");
        if drift_check && url.is_none() {
            return Err("LANGGRAPH_DRIFT_CHECK needs LANGGRAPH_URL: it compares a live server with the recordings".into());
        }
        let recordings_dir = root.join("fixtures").join("recordings");
        let record_dir = lookup("LANGGRAPH_RECORD_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| recordings_dir.clone());
        let specs_dir = lookup("LANGGRAPH_SPECS")
            .map(PathBuf::from)
            .unwrap_or_else(|| root.join("specs"));
        let default_timeout = match lookup("LANGGRAPH_TIMEOUT") {
            Some(t) => parse_duration(&t)
                .ok_or_else(|| format!("LANGGRAPH_TIMEOUT: `{t}` is not a duration (e.g. 30s)"))?,
            None => DEFAULT_TIMEOUT,
        };

        let defaults_path = root.join("fixtures").join("target.yaml");
        let defaults = read_target_file(&defaults_path)?;
        let mut vars: Vars = defaults.vars.into_iter().collect();
        let mut capabilities: HashSet<String> = defaults
            .capabilities
            .unwrap_or_default()
            .into_iter()
            .collect();
        let mut capabilities_from = "the conformance graph (fixtures/target.yaml)".to_string();

        // The fixture was recorded with the defaults, so overrides only apply to a live target.
        if url.is_some() {
            if let Some(p) = lookup("LANGGRAPH_TARGET_CONFIG") {
                let t = read_target_file(Path::new(&p))?;
                vars.extend(t.vars);
                if let Some(c) = t.capabilities {
                    capabilities = c.into_iter().collect();
                    capabilities_from = p.clone();
                }
            }
            if let Some(c) = lookup("LANGGRAPH_CAPABILITIES") {
                capabilities = c
                    .split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect();
                capabilities_from = "LANGGRAPH_CAPABILITIES".into();
            }
            for name in vars.keys().cloned().collect::<Vec<_>>() {
                if let Some(v) = lookup(&format!("LANGGRAPH_VAR_{}", name.to_ascii_uppercase())) {
                    vars.insert(name, env_value(&v));
                }
            }
        }
        if let Some(bad) = vars.keys().find(|k| !is_name(k)) {
            return Err(format!(
                "`{bad}` is not a variable name (letters, digits and `_`)"
            ));
        }
        Ok(Settings {
            url,
            api_key,
            record,
            record_dir,
            drift_check,
            recordings_dir,
            specs_dir,
            default_timeout,
            capabilities,
            vars,
            capabilities_from,
        })
    }
}

/// A variable given in the environment: JSON when it is an object or array, otherwise the text itself.
fn env_value(s: &str) -> Value {
    match serde_json::from_str::<Value>(s) {
        Ok(v @ (Value::Object(_) | Value::Array(_))) => v,
        _ => Value::String(s.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(env: &[(&str, &str)]) -> Result<Settings, String> {
        let env: HashMap<String, String> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_lookup(
            |k| env.get(k).cloned(),
            Path::new(env!("CARGO_MANIFEST_DIR")),
        )
    }

    #[test]
    fn fixture_by_default_with_the_conformance_graph() {
        let s = settings(&[]).unwrap();
        assert!(s.url.is_none());
        assert!(s.capabilities.contains("conformance-graph"));
        assert_eq!(s.vars["assistant_id"], "agent");
    }

    #[test]
    fn live_target_with_key_and_overrides() {
        let s = settings(&[
            ("LANGGRAPH_URL", "http://127.0.0.1:9/"),
            ("LANGSMITH_API_KEY", "\"k\""),
            ("LANGGRAPH_VAR_ASSISTANT_ID", "my_graph"),
            ("LANGGRAPH_VAR_CHAT_INPUT", "{\"messages\": []}"),
            ("LANGGRAPH_CAPABILITIES", ""),
        ])
        .unwrap();
        assert_eq!(s.url.as_deref(), Some("http://127.0.0.1:9"));
        assert_eq!(
            s.api_key,
            Some(ApiKey {
                value: "k".into(),
                var: "LANGSMITH_API_KEY"
            })
        );
        assert_eq!(s.vars["assistant_id"], "my_graph");
        assert_eq!(s.vars["chat_input"], serde_json::json!({"messages": []}));
        assert!(s.capabilities.is_empty());
    }

    #[test]
    fn bad_settings_are_explained() {
        assert!(settings(&[("LANGGRAPH_RECORD", "1")])
            .unwrap_err()
            .contains("needs LANGGRAPH_URL"));
        assert!(settings(&[("LANGGRAPH_URL", "localhost:2024")])
            .unwrap_err()
            .contains("http://"));
        assert!(settings(&[("LANGGRAPH_TIMEOUT", "soon")])
            .unwrap_err()
            .contains("LANGGRAPH_TIMEOUT"));
        let e = settings(&[("LANGGRAPH_URL", "me:hunter2@localhost:2024")]).unwrap_err();
        assert!(!e.contains("hunter2"), "{e}");
        let e = settings(&[("LANGGRAPH_API_KEY", "lsv2\u{1b}x")]).unwrap_err();
        assert_eq!(
            e,
            "LANGGRAPH_API_KEY contains a control character, which an HTTP header cannot carry"
        );
    }

    #[test]
    fn the_key_comes_from_the_first_variable_that_has_it() {
        let s = settings(&[("LANGGRAPH_API_KEY", " 'a' "), ("LANGSMITH_API_KEY", "b")]).unwrap();
        assert_eq!(
            s.api_key,
            Some(ApiKey {
                value: "a".into(),
                var: "LANGGRAPH_API_KEY"
            })
        );
        assert_eq!(settings(&[]).unwrap().api_key, None);
    }

    #[cfg(unix)]
    #[test]
    fn a_setting_that_is_not_utf8_is_an_error_not_unset() {
        use std::ffi::OsString;
        use std::os::unix::ffi::OsStringExt;
        let bad = || OsString::from_vec(b"lsv2_\xff".to_vec());
        let env = |name: &str| {
            vec![
                (OsString::from("PATH"), bad()),
                (OsString::from(name), bad()),
            ]
        };
        assert_eq!(
            unreadable_setting(env("LANGGRAPH_API_KEY")).as_deref(),
            Some("LANGGRAPH_API_KEY is set but is not valid UTF-8; set it to text")
        );
        assert!(unreadable_setting(env("LANGSMITH_API_KEY"))
            .unwrap()
            .starts_with("LANGSMITH_API_KEY "));
        assert!(unreadable_setting(env("LANGGRAPH_URL")).is_some());
        assert_eq!(unreadable_setting(env("OTHER")), None);
    }
}
