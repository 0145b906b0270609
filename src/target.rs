//! What the suite runs against, from the environment: a live URL or the embedded fixture, the API key, variables
//! for graph-dependent values, and the capabilities the target's graph has.

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use serde_json::Value;

use crate::secrets::{display_url, ApiKey, Secrets};
use crate::setting_names::{check_names, parse_bool, NotABool, SettingNameError};
use crate::spec::duration::{parse_duration, DurationError};
use crate::template::{is_name, Vars};
use crate::version::VersionError;

/// Why the settings cannot be used. No variant holds a credential: a URL is kept as it is shown, without them.
#[derive(Debug)]
#[non_exhaustive]
pub enum SettingsError {
    /// A `LANGGRAPH_*` name that is no setting, or a live-only one without a URL.
    Name(SettingNameError),
    /// A setting that is set but is not UTF-8.
    NotUtf8 {
        /// The setting.
        name: String,
    },
    /// The API key holds a control character.
    KeyControl {
        /// The variable it came from.
        var: &'static str,
    },
    /// A URL setting that is not http or https.
    NotHttp {
        /// The setting.
        setting: &'static str,
        /// Its value, without credentials.
        url: String,
    },
    /// The target file cannot be read.
    TargetFileUnreadable {
        /// The target file.
        path: PathBuf,
        /// Why not.
        source: std::io::Error,
    },
    /// The target file is not one: YAML that does not read, or an unknown key.
    TargetFileInvalid {
        /// The target file.
        path: PathBuf,
        /// Where in the file, as line and column, when the YAML reader knows.
        at: Option<(usize, usize)>,
        /// What the YAML reader said, without its quote of the file.
        message: String,
        /// The YAML reader's error (boxed, so that its type is no part of this crate's API).
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A target file `version` other than 1.
    TargetFileVersion {
        /// The target file.
        path: PathBuf,
        /// The version it gives.
        version: u32,
    },
    /// The target file's `api_version` is no version.
    ApiVersion {
        /// The target file, as given.
        file: String,
        /// Why it is none.
        source: VersionError,
    },
    /// `LANGGRAPH_RECORD` is none of 1, force, 0.
    RecordMode {
        /// Its value.
        value: String,
    },
    /// A boolean setting that is no boolean.
    NotABool(NotABool),
    /// `LANGGRAPH_RECORD` without `LANGGRAPH_URL`.
    RecordWithoutUrl,
    /// `LANGGRAPH_DRIFT_CHECK` without `LANGGRAPH_URL`.
    DriftCheckWithoutUrl,
    /// `LANGGRAPH_TIMEOUT` is no duration.
    Timeout(DurationError),
    /// A `LANGGRAPH_VAR_<NAME>` that names no variable of the target.
    OverridesNothing {
        /// The variable, as set.
        name: String,
        /// The overrides there are.
        known: Vec<String>,
    },
    /// A variable of the target whose name is no variable name.
    NotAVariableName {
        /// The name.
        name: String,
    },
    /// An item of `LANGGRAPH_TAGS` that is no tag.
    NotATag {
        /// The item.
        part: String,
    },
    /// A count setting that is no number from 1 to 256.
    NotACount {
        /// The setting.
        name: &'static str,
        /// Its value.
        value: String,
        /// What it counts.
        what: &'static str,
    },
    /// `LANGGRAPH_DIFF` is none of 0, 1, fail.
    DiffMode {
        /// Its value.
        value: String,
    },
    /// `LANGGRAPH_REFERENCE_URL` without `LANGGRAPH_DIFF`.
    ReferenceWithoutDiff,
    /// `LANGGRAPH_REFERENCE_URL` with credentials in it.
    ReferenceCredentials,
    /// A tag of `LANGGRAPH_TAGS` that no spec has.
    NoSpecHasTag {
        /// The tag.
        tag: String,
        /// The nearest tag a spec has.
        near: Option<String>,
        /// Every tag in use, when none is near.
        in_use: Vec<String>,
    },
    /// A capability the target declares that no spec needs.
    NoSpecNeeds {
        /// The capability.
        capability: String,
        /// Where it is declared: the target file or `LANGGRAPH_CAPABILITIES`.
        declared_in: String,
        /// The nearest capability a spec needs.
        near: Option<String>,
        /// Every capability known, when none is near.
        in_use: Vec<String>,
    },
}

/// "; did you mean `near`?", or "; the names in use: ..." when no name is near.
fn or_nearest(near: &Option<String>, in_use: &[String]) -> String {
    match near {
        Some(n) => format!("; did you mean `{n}`?"),
        None => format!("; the names in use: {}", in_use.join(", ")),
    }
}

impl fmt::Display for SettingsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SettingsError::Name(e) => write!(f, "{e}"),
            SettingsError::NotUtf8 { name } => {
                write!(f, "{name} is set but is not valid UTF-8; set it to text")
            }
            SettingsError::KeyControl { var } => write!(
                f,
                "{var} contains a control character, which an HTTP header cannot carry"
            ),
            SettingsError::NotHttp { setting, url } => write!(
                f,
                "{setting} must start with http:// or https:// (got {url:?})"
            ),
            SettingsError::TargetFileUnreadable { path, source } => {
                write!(f, "cannot read {}: {source}", path.display())
            }
            SettingsError::TargetFileInvalid {
                path, at, message, ..
            } => {
                let at = at
                    .map(|(line, column)| format!(":{line}:{column}"))
                    .unwrap_or_default();
                write!(f, "{}{at}: {message}", path.display())
            }
            SettingsError::TargetFileVersion { path, version } => write!(
                f,
                "{}: target file version {version} is not supported (expected 1)",
                path.display()
            ),
            SettingsError::ApiVersion { file, source } => write!(f, "{file}: api_version: {source}"),
            SettingsError::RecordMode { value } => write!(
                f,
                "LANGGRAPH_RECORD={value:?}: write 1 to record the specs that pass, force to record all, 0 for none"
            ),
            SettingsError::NotABool(e) => write!(f, "{e}"),
            SettingsError::RecordWithoutUrl => f.write_str(
                "LANGGRAPH_RECORD needs LANGGRAPH_URL: recordings are made from a live server",
            ),
            SettingsError::DriftCheckWithoutUrl => f.write_str(
                "LANGGRAPH_DRIFT_CHECK needs LANGGRAPH_URL: it compares a live server with the recordings",
            ),
            SettingsError::Timeout(e) => write!(f, "LANGGRAPH_TIMEOUT: {e}"),
            SettingsError::OverridesNothing { name, known } => write!(
                f,
                "{name} overrides no variable: the target defines {} (a spec's own `vars` cannot be overridden)",
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            ),
            SettingsError::NotAVariableName { name } => write!(
                f,
                "`{name}` is not a variable name (letters, digits and `_`)"
            ),
            SettingsError::NotATag { part } => write!(f, "LANGGRAPH_TAGS: `{part}` is not a tag"),
            SettingsError::NotACount { name, value, what } => write!(
                f,
                "{name}: `{value}` is not a number of {what} from 1 to 256"
            ),
            SettingsError::DiffMode { value } => write!(
                f,
                "LANGGRAPH_DIFF: `{value}` is not 1 (report departures) or fail (fail a spec on one)"
            ),
            SettingsError::ReferenceWithoutDiff => f.write_str(
                "LANGGRAPH_REFERENCE_URL is the differential mode's reference: set LANGGRAPH_DIFF=1 too",
            ),
            SettingsError::ReferenceCredentials => f.write_str(
                "LANGGRAPH_REFERENCE_URL cannot carry credentials: the reference is a server of your own, and \
                 nothing of the target's is sent to it",
            ),
            SettingsError::NoSpecHasTag { tag, near, in_use } => write!(
                f,
                "LANGGRAPH_TAGS: no spec has the tag `{tag}`{}",
                or_nearest(near, in_use)
            ),
            SettingsError::NoSpecNeeds {
                capability,
                declared_in,
                near,
                in_use,
            } => write!(
                f,
                "{declared_in}: no spec needs the capability `{capability}`{}",
                or_nearest(near, in_use)
            ),
        }
    }
}

impl std::error::Error for SettingsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SettingsError::Name(e) => Some(e),
            SettingsError::TargetFileUnreadable { source, .. } => Some(source),
            SettingsError::TargetFileInvalid { source, .. } => Some(source.as_ref()),
            SettingsError::ApiVersion { source, .. } => Some(source),
            SettingsError::NotABool(e) => Some(e),
            SettingsError::Timeout(e) => Some(e),
            _ => None,
        }
    }
}

impl From<SettingNameError> for SettingsError {
    fn from(e: SettingNameError) -> Self {
        SettingsError::Name(e)
    }
}

impl From<NotABool> for SettingsError {
    fn from(e: NotABool) -> Self {
        SettingsError::NotABool(e)
    }
}

pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Whether and when a live run writes what the server answered into the record folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordMode {
    /// Nothing is recorded (`LANGGRAPH_RECORD` unset or `0`).
    Off,
    /// `LANGGRAPH_RECORD=1`: specs that pass.
    Passed,
    /// `LANGGRAPH_RECORD=force`: every spec, failed or not.
    Force,
}

/// Everything a run needs to know: what it runs against, which specs, how, and where what it reads and writes is.
/// Made from settings by their environment variables' names ([`Settings::from_lookup`]); its fields may be changed
/// after.
#[derive(Debug, Clone)]
pub struct Settings {
    /// A live deployment; `None` runs the embedded fixture.
    pub url: Option<String>,
    /// `LANGGRAPH_API_KEY` (or `LANGSMITH_API_KEY`): sent as `x-api-key`, never printed.
    pub api_key: Option<ApiKey>,
    /// Write what the live target answered into `record_dir`.
    pub record: RecordMode,
    /// `LANGGRAPH_STRICT=1`: a `should` that does not hold fails its test too.
    pub strict: bool,
    /// `LANGGRAPH_RECORD_DIR`: where recordings are written (by default, `recordings_dir`).
    pub record_dir: PathBuf,
    /// Compare what the live target answered with the committed recordings (ids and timestamps aside).
    pub drift_check: bool,
    /// The recordings the embedded fixture replays and the drift check and differential mode compare with:
    /// `fixtures/recordings/` under the root given.
    pub recordings_dir: PathBuf,
    /// `LANGGRAPH_SPECS`: the specs folder (by default, `specs/` under the root given).
    pub specs_dir: PathBuf,
    /// The suite's shared steps (`specs/_shared` under the root given), for specs with no `_shared` folder of their
    /// own: a folder of one's own specs can use them.
    pub(crate) suite_shared: PathBuf,
    /// `LANGGRAPH_TIMEOUT`: how long a step may take unless it says (30 s).
    pub default_timeout: Duration,
    /// The capabilities of the target's graph and deployment: a spec that `requires` one it lacks is skipped.
    pub capabilities: HashSet<String>,
    /// The target's variables (`${assistant_id}`): the conformance graph's, with the target file's and
    /// `LANGGRAPH_VAR_*` over them.
    pub vars: Vars,
    /// Where the capabilities came from, for the message on specs skipped for lack of one.
    pub capabilities_from: String,
    /// `LANGGRAPH_CAPABILITIES` gave the whole list: nothing found on the target changes it.
    pub capabilities_fixed: bool,
    /// Optional parts the target file names: they stand whatever is found (a difference is noted). The parts it
    /// does not name are found out.
    pub parts_declared: HashSet<String>,
    /// Capabilities found missing on the target, each with the answer that says so.
    pub found_missing: std::collections::HashMap<String, String>,
    /// The target's API version (the official Python server's release): from the target file's `api_version`, or
    /// found in `/info`. Specs whose `since` is newer are skipped; `None` holds the target to the newest.
    pub api_version: Option<String>,
    /// The specs the target is known to fail (from its target file).
    pub known_failures: Vec<KnownFailure>,
    /// `LANGGRAPH_REPORT_DIR`: where to write `junit.xml` and `report.json`.
    pub report_dir: Option<PathBuf>,
    /// `LANGGRAPH_TAGS`: which specs to run by their tags.
    pub tags: TagFilter,
    /// `LANGGRAPH_CONCURRENCY`: how many specs run at once unless `--test-threads` says (specs wait on the network,
    /// not on the processor, so more than the core count).
    pub concurrency: usize,
    /// `LANGGRAPH_RUN_CONCURRENCY`: how many of them may be specs that start runs. A deployment executes a bounded
    /// number of runs at once and queues the rest, and a spec waiting on a queued run can run out of time.
    pub run_concurrency: usize,
    /// The differential mode: `LANGGRAPH_DIFF`, `LANGGRAPH_REFERENCE_URL`, and the target file's `same_graph` and
    /// `tolerated_departures`.
    pub diff: DiffSettings,
    /// The secrets of the key and URL they were made from: every spec scrubs its report with them, and making them
    /// compiles a pattern.
    secrets_made: std::sync::OnceLock<(Option<String>, Option<String>, std::sync::Arc<Secrets>)>,
}

/// Specs at once by default. Specs wait on the network, not on the processor: against a server 25 ms away, a suite of
/// 100 specs takes 4.4 times as long as its longest spec with 8 at once, 1.3 times with 64 (`cargo bench -- suite`).
pub const DEFAULT_CONCURRENCY: usize = 64;

/// Specs that start runs at once by default. The reference server (`langgraph dev`) executes 10 runs at once; with 64
/// specs starting runs, a run waited in its queue past a spec's 15 s (`runs::after_seconds`). With 8, its suite has
/// passed every run since they were first run in parallel, and takes no longer than with more.
pub const DEFAULT_RUN_CONCURRENCY: usize = 8;

/// A target description: `fixtures/target.yaml` for the conformance graph, or a user's file for their deployment.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TargetFile {
    version: u32,
    #[serde(default)]
    description: Option<String>,
    /// The deployment, when the file describes one (`LANGGRAPH_URL` wins over it).
    #[serde(default)]
    url: Option<String>,
    /// The specs this target is known to fail, each with why: a run passes when exactly these fail.
    #[serde(default)]
    known_failures: Vec<KnownFailure>,
    #[serde(default)]
    capabilities: Option<Vec<String>>,
    /// The release of the official Python server whose API the target implements (`0.10.3`).
    #[serde(default)]
    api_version: Option<String>,
    #[serde(default)]
    vars: serde_json::Map<String, Value>,
    /// Differential mode: whether the target serves the graph the recordings were made with.
    #[serde(default)]
    same_graph: Option<bool>,
    /// Differential mode: departures this target is known to make, each with why.
    #[serde(default)]
    tolerated_departures: Vec<ToleratedDeparture>,
}

/// A spec the target is known to fail, and why, in one line.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KnownFailure {
    /// The spec's test name, `threads::create`.
    pub spec: String,
    /// How it fails, in one line: the run notes when it fails otherwise.
    pub reason: String,
    /// The target fails it only sometimes (a race of its own): a pass is no reason to take it off the list, and
    /// each run says which it was.
    #[serde(default)]
    pub intermittent: bool,
}

/// `LANGGRAPH_TAGS=stream,!crons`: the specs to run by their tags. A spec runs when it has one of the included tags
/// (or none are named) and none of the excluded ones.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TagFilter {
    /// Tags of which a spec must have one (any, when empty).
    pub include: Vec<String>,
    /// Tags of which a spec must have none (`!crons`).
    pub exclude: Vec<String>,
}

impl TagFilter {
    /// Reads `stream,!crons`: tags separated by commas, each excluded with a `!` in front.
    pub fn parse(s: &str) -> Result<TagFilter, SettingsError> {
        let mut f = TagFilter::default();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (list, tag) = match part.strip_prefix('!') {
                Some(t) => (&mut f.exclude, t.trim()),
                None => (&mut f.include, part),
            };
            if tag.is_empty() || tag.contains(char::is_whitespace) {
                return Err(SettingsError::NotATag {
                    part: part.to_string(),
                });
            }
            list.push(tag.to_string());
        }
        Ok(f)
    }

    /// Whether it selects every spec.
    pub fn is_empty(&self) -> bool {
        self.include.is_empty() && self.exclude.is_empty()
    }

    /// Whether a spec with these tags runs.
    pub fn selects(&self, tags: &[String]) -> bool {
        (self.include.is_empty() || tags.iter().any(|t| self.include.contains(t)))
            && !tags.iter().any(|t| self.exclude.contains(t))
    }
}

fn read_target_file(path: &Path) -> Result<TargetFile, SettingsError> {
    let text =
        std::fs::read_to_string(path).map_err(|source| SettingsError::TargetFileUnreadable {
            path: path.to_path_buf(),
            source,
        })?;
    parse_target_file(path, &text)
}

/// The conformance graph's target file as this crate was built with it: the defaults of a root that has none, so
/// that a front end testing a deployment with specs of its own needs no copy of this repository.
const BUILT_IN_DEFAULTS: &str = include_str!("../fixtures/target.yaml");

/// The conformance graph's defaults: `<root>/fixtures/target.yaml`, or the built-in copy when the root has no such
/// file (the recordings, made with these defaults, are then the root's business).
fn read_defaults(root: &Path) -> Result<TargetFile, SettingsError> {
    let path = root.join("fixtures").join("target.yaml");
    match std::fs::metadata(&path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => parse_target_file(
            Path::new("fixtures/target.yaml (built in)"),
            BUILT_IN_DEFAULTS,
        ),
        _ => read_target_file(&path),
    }
}

/// A target file's text, `path` naming it in messages.
fn parse_target_file(path: &Path, text: &str) -> Result<TargetFile, SettingsError> {
    let mut o = serde_saphyr::Options::default();
    o.strict_booleans = true;
    let t: TargetFile = serde_saphyr::from_str_with_options(text, o).map_err(|source| {
        SettingsError::TargetFileInvalid {
            path: path.to_path_buf(),
            at: source
                .location()
                .map(|l| (l.line() as usize, l.column() as usize)),
            message: source.without_snippet().to_string(),
            source: Box::new(source),
        }
    })?;
    if t.version != 1 {
        return Err(SettingsError::TargetFileVersion {
            path: path.to_path_buf(),
            version: t.version,
        });
    }
    let _ = &t.description;
    Ok(t)
}

/// The project folder, where `specs/` and `fixtures/` are, for the test binary alone: the package cargo runs it for
/// (`CARGO_MANIFEST_DIR`), or this package's folder as built. A front end gives its root to
/// [`Settings::from_lookup`] instead.
pub(crate) fn project_root() -> PathBuf {
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
) -> Option<SettingsError> {
    vars.into_iter().find_map(|(name, value)| {
        let name = name.to_str()?;
        let ours = name.starts_with("LANGGRAPH_") || API_KEY_VARS.contains(&name);
        (ours && value.to_str().is_none()).then(|| SettingsError::NotUtf8 {
            name: name.to_string(),
        })
    })
}

/// The API key from the first variable that has one, with quotes pasted along with it taken off.
fn api_key(lookup: &impl Fn(&str) -> Option<String>) -> Result<Option<ApiKey>, SettingsError> {
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
        return Err(SettingsError::KeyControl { var });
    }
    Ok(Some(ApiKey { value, var }))
}

impl Settings {
    /// The secret values of this run, to keep out of what is printed and recorded.
    pub(crate) fn secrets(&self) -> std::sync::Arc<Secrets> {
        let key = self.api_key.as_ref().map(|k| k.value.clone());
        let make = || std::sync::Arc::new(Secrets::new(key.as_deref(), self.url.as_deref()));
        let (k, u, made) = self
            .secrets_made
            .get_or_init(|| (key.clone(), self.url.clone(), make()));
        // The fields are public: should the key or URL change after the secrets were made, they are made anew.
        if *k == key && *u == self.url {
            std::sync::Arc::clone(made)
        } else {
            make()
        }
    }

    /// The settings from the environment, with the specs and fixtures of the package cargo runs for
    /// (`CARGO_MANIFEST_DIR`; see [`project_root`]).
    pub(crate) fn from_env() -> Result<Settings, SettingsError> {
        if let Some(e) = unreadable_setting(std::env::vars_os()) {
            return Err(e);
        }
        let names = crate::setting_names::given_in_env();
        let overrides: Vec<String> = names
            .iter()
            .filter(|k| k.starts_with("LANGGRAPH_VAR_"))
            .cloned()
            .collect();
        let s = Self::from_lookup_and_names(
            crate::setting_names::env_value,
            &project_root(),
            &overrides,
        )?;
        s.check_names(names.iter().map(String::as_str))?;
        Ok(s)
    }

    /// Takes in what the target was found to have: the capabilities, unless declared (then a difference is only
    /// noted), and the API version, unless the target file gives one. Returns the lines to show.
    pub(crate) fn apply(&mut self, d: &crate::discovery::Discovery) -> Vec<String> {
        let mut lines = Vec::new();
        if let Some(s) = &d.server {
            lines.push(format!("server: {s}"));
        }
        if self.api_version.is_none() {
            self.api_version = d.api_version.clone();
        }
        let (mut found, mut missing) = (Vec::new(), Vec::new());
        for f in &d.findings {
            let said = format!("{} ({})", f.capability, f.why);
            let declared = self.capabilities_fixed || self.parts_declared.contains(f.capability);
            if declared {
                if f.present != self.capabilities.contains(f.capability) {
                    let how = if f.present { "leaves out" } else { "declares" };
                    lines.push(format!(
                        "note: {} {how} {said}; the declaration stands",
                        self.capabilities_from
                    ));
                }
                continue;
            }
            if f.present {
                self.capabilities.insert(f.capability.to_string());
                found.push(said);
            } else {
                self.capabilities.remove(f.capability);
                self.found_missing
                    .insert(f.capability.to_string(), f.why.clone());
                missing.push(said);
            }
        }
        if !found.is_empty() {
            lines.push(format!("capabilities found: {}", found.join(", ")));
        }
        if !missing.is_empty() {
            lines.push(format!("capabilities missing: {}", missing.join(", ")));
        }
        if let Some(why) = &d.unknown_graph {
            lines.push(format!("warning: {why}"));
        }
        lines
    }

    /// The graph the specs run, as the variables say.
    pub(crate) fn graph_id(&self) -> Option<&str> {
        self.vars.get("graph_id").and_then(Value::as_str)
    }

    /// Why a spec that needs `capability` is skipped here.
    pub(crate) fn lacks(&self, capability: &str) -> String {
        match self.found_missing.get(capability) {
            Some(why) => format!("{capability} (found missing: {why})"),
            None => format!("{capability} (not in {})", self.capabilities_from),
        }
    }

    /// Refuses a `LANGGRAPH_*` name that is no setting, and one that means nothing on the embedded fixture when
    /// there is no URL. `names` are the settings given (variables set, flags).
    pub fn check_names<'a>(
        &self,
        names: impl IntoIterator<Item = &'a str>,
    ) -> Result<(), SettingsError> {
        Ok(check_names(names, self.url.is_some())?)
    }

    /// The settings `lookup` gives by their environment variables' names (`LANGGRAPH_URL`, ...; `None` for one not
    /// set), over the defaults of `root`. `root` is a folder laid out as this package: `fixtures/target.yaml` (the
    /// conformance graph's variables and capabilities, which the recordings were made with), `fixtures/recordings/`
    /// (what the embedded fixture replays) and `specs/` (unless `LANGGRAPH_SPECS` names another folder). Nothing else
    /// is read from it; the folders can be changed in the fields after.
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
        root: &Path,
    ) -> Result<Settings, SettingsError> {
        Self::from_lookup_and_names(lookup, root, &[])
    }

    /// As [`Settings::from_lookup`]; `var_names_in_env` are the `LANGGRAPH_VAR_*` variables set, so that one that
    /// overrides nothing is an error.
    pub fn from_lookup_and_names(
        lookup: impl Fn(&str) -> Option<String>,
        root: &Path,
        var_names_in_env: &[String],
    ) -> Result<Settings, SettingsError> {
        let mut config = lookup("LANGGRAPH_TARGET_CONFIG")
            .map(|p| read_target_file(Path::new(&p)).map(|t| (p, t)))
            .transpose()?;
        let url = target_url(&lookup, config.as_ref().and_then(|(_, t)| t.url.clone()))?;
        let api_key = api_key(&lookup)?;
        let record = record_mode(&lookup)?;
        let flag = |name: &str| lookup(name).map(|v| parse_bool(name, &v)).transpose();
        let strict = flag("LANGGRAPH_STRICT")?.unwrap_or(false);
        if record != RecordMode::Off && url.is_none() {
            return Err(SettingsError::RecordWithoutUrl);
        }
        let drift_check = flag("LANGGRAPH_DRIFT_CHECK")?.unwrap_or(false);
        if drift_check && url.is_none() {
            return Err(SettingsError::DriftCheckWithoutUrl);
        }
        let recordings_dir = root.join("fixtures").join("recordings");
        let record_dir = lookup("LANGGRAPH_RECORD_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| recordings_dir.clone());
        let specs_dir = lookup("LANGGRAPH_SPECS")
            .map(PathBuf::from)
            .unwrap_or_else(|| root.join("specs"));
        let default_timeout = match lookup("LANGGRAPH_TIMEOUT") {
            Some(t) => parse_duration(&t).map_err(SettingsError::Timeout)?,
            None => DEFAULT_TIMEOUT,
        };

        let defaults = read_defaults(root)?;
        let recorded_vars: Vars = defaults.vars.clone().into_iter().collect();
        let diff_file = match (&url, config.as_mut()) {
            (Some(_), Some((_, t))) => (t.same_graph, std::mem::take(&mut t.tolerated_departures)),
            _ => (None, Vec::new()),
        };
        let mut graph = Graph::defaults(defaults);
        // The fixture was recorded with the defaults, so overrides only apply to a live target.
        if url.is_some() {
            if let Some((p, t)) = config {
                graph.take_target_file(&p, t, &lookup)?;
            }
            graph.take_overrides(&lookup);
        }
        let Graph {
            vars,
            capabilities,
            capabilities_from,
            capabilities_fixed,
            parts_declared,
            api_version,
            known_failures,
        } = graph;
        check_var_overrides(var_names_in_env, &vars)?;
        if let Some(bad) = vars.keys().find(|k| !is_name(k)) {
            return Err(SettingsError::NotAVariableName { name: bad.clone() });
        }
        let diff = DiffSettings::read(&lookup, diff_file, recorded_vars, &vars)?;
        Ok(Settings {
            url,
            api_key,
            record,
            strict,
            record_dir,
            drift_check,
            recordings_dir,
            specs_dir,
            suite_shared: root.join("specs").join(crate::spec::shared::FOLDER),
            default_timeout,
            capabilities,
            vars,
            capabilities_from,
            capabilities_fixed,
            parts_declared,
            found_missing: Default::default(),
            api_version,
            known_failures,
            report_dir: lookup("LANGGRAPH_REPORT_DIR").map(PathBuf::from),
            tags: TagFilter::parse(&lookup("LANGGRAPH_TAGS").unwrap_or_default())?,
            concurrency: bounded(
                &lookup,
                "LANGGRAPH_CONCURRENCY",
                DEFAULT_CONCURRENCY,
                "specs",
            )?,
            run_concurrency: bounded(
                &lookup,
                "LANGGRAPH_RUN_CONCURRENCY",
                DEFAULT_RUN_CONCURRENCY,
                "specs that start runs",
            )?,
            diff,
            secrets_made: std::sync::OnceLock::new(),
        })
    }
}

/// `LANGGRAPH_URL`, or the target file's `url`, without a trailing slash; an http(s) URL or none.
fn target_url(
    lookup: &impl Fn(&str) -> Option<String>,
    from_file: Option<String>,
) -> Result<Option<String>, SettingsError> {
    let url = lookup("LANGGRAPH_URL")
        .or(from_file)
        .map(|u| u.trim_end_matches('/').to_string());
    match &url {
        Some(u) if !(u.starts_with("http://") || u.starts_with("https://")) => {
            Err(SettingsError::NotHttp {
                setting: "LANGGRAPH_URL",
                url: display_url(u),
            })
        }
        _ => Ok(url),
    }
}

/// `LANGGRAPH_RECORD`: 1 (what passed), force (everything), 0 or unset (nothing).
fn record_mode(lookup: &impl Fn(&str) -> Option<String>) -> Result<RecordMode, SettingsError> {
    Ok(match lookup("LANGGRAPH_RECORD") {
        None => RecordMode::Off,
        Some(v) if v.trim().eq_ignore_ascii_case("force") => RecordMode::Force,
        Some(v) => match parse_bool("LANGGRAPH_RECORD", &v) {
            Ok(true) => RecordMode::Passed,
            Ok(false) => RecordMode::Off,
            Err(_) => return Err(SettingsError::RecordMode { value: v }),
        },
    })
}

/// What the settings know of the graph behind the target: the conformance graph's defaults, then what the target
/// file and the overrides say of a live target.
struct Graph {
    vars: Vars,
    capabilities: HashSet<String>,
    capabilities_from: String,
    capabilities_fixed: bool,
    parts_declared: HashSet<String>,
    api_version: Option<String>,
    known_failures: Vec<KnownFailure>,
}

impl Graph {
    /// The conformance graph's, from `fixtures/target.yaml`.
    fn defaults(defaults: TargetFile) -> Graph {
        Graph {
            vars: defaults.vars.into_iter().collect(),
            capabilities: expand_capabilities(defaults.capabilities.unwrap_or_default()),
            capabilities_from: "the conformance graph (fixtures/target.yaml)".to_string(),
            capabilities_fixed: false,
            parts_declared: HashSet::new(),
            api_version: None,
            known_failures: Vec::new(),
        }
    }

    /// The target file at `path`: its API version, known failures, variables and capabilities.
    fn take_target_file(
        &mut self,
        path: &str,
        t: TargetFile,
        lookup: &impl Fn(&str) -> Option<String>,
    ) -> Result<(), SettingsError> {
        if let Some(v) = &t.api_version {
            crate::version::Version::parse(v).map_err(|source| SettingsError::ApiVersion {
                file: path.to_string(),
                source,
            })?;
        }
        self.api_version = t.api_version;
        // The matrix wants what really passes and fails, baseline or not.
        if lookup("LANGGRAPH_KNOWN_FAILURES").as_deref() != Some("ignore") {
            self.known_failures = t.known_failures;
        }
        self.vars.extend(t.vars);
        if let Some(c) = t.capabilities {
            self.capabilities = expand_capabilities(c);
            self.capabilities_from = path.to_string();
            self.parts_declared = OPTIONAL_PARTS
                .iter()
                .filter(|part| self.capabilities.contains(**part))
                .map(|part| part.to_string())
                .collect();
        }
        Ok(())
    }

    /// `LANGGRAPH_CAPABILITIES` (the whole list: nothing found on the target changes it) and `LANGGRAPH_VAR_<NAME>`.
    fn take_overrides(&mut self, lookup: &impl Fn(&str) -> Option<String>) {
        if let Some(c) = lookup("LANGGRAPH_CAPABILITIES") {
            self.capabilities = expand_capabilities(
                c.split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty()),
            );
            self.capabilities_from = "LANGGRAPH_CAPABILITIES".into();
            self.capabilities_fixed = true;
        }
        for name in self.vars.keys().cloned().collect::<Vec<_>>() {
            if let Some(v) = lookup(&format!("LANGGRAPH_VAR_{}", name.to_ascii_uppercase())) {
                self.vars.insert(name, env_value(&v));
            }
        }
    }
}

/// The differential mode: each answer of the target is also compared with the reference's answer to the same request
/// (see `crate::departures`).
#[derive(Debug, Clone, Default)]
pub struct DiffSettings {
    /// `LANGGRAPH_DIFF`.
    pub mode: DiffMode,
    /// `LANGGRAPH_REFERENCE_URL`: a live reference server, which runs each spec side by side with the target; unset:
    /// the committed recordings are the reference.
    pub reference_url: Option<String>,
    /// Whether the target serves the graph the recordings were made with, so that graph state is compared against
    /// them: the target file's `same_graph` when it says, otherwise whether the target's variables are those of
    /// `fixtures/target.yaml` (the embedded fixture always is). A live reference serves the target's own graph, so
    /// against one graph state is always compared.
    pub same_graph: bool,
    /// The target file's `tolerated_departures`.
    pub tolerated: Vec<ToleratedDeparture>,
    /// The variables the recordings were made with: those of `fixtures/target.yaml`.
    pub recorded_vars: Vars,
}

/// `LANGGRAPH_DIFF`: off (unset, `0`), on (`1`: departures are findings), or `fail` (a departure fails its spec).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DiffMode {
    /// Answers are not compared.
    #[default]
    Off,
    /// Departures are reported, as findings.
    Report,
    /// A departure the target file does not tolerate fails its spec.
    Fail,
}

/// A departure a target is known to make: the spec, where (`where` as reports give it; `*` matches any text), and
/// why, in one line.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToleratedDeparture {
    /// The spec's test name.
    pub spec: String,
    /// Where in its answers, as reports give it (`$.interrupts`, `header content-location`), `*` matching any text.
    pub r#where: String,
    /// Why the target departs there, in one line.
    pub reason: String,
}

impl ToleratedDeparture {
    /// Whether this entry covers a departure of `spec` at `place`.
    pub fn covers(&self, spec: &str, place: &str) -> bool {
        self.spec == spec && glob(&self.r#where, place)
    }
}

/// `pattern` with each `*` standing for any text (none included), matched against the whole of `text`.
fn glob(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or("");
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        return rest.is_empty();
    };
    for p in middle {
        match rest.find(p) {
            Some(i) => rest = &rest[i + p.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

impl DiffSettings {
    /// Whether answers are compared at all.
    pub fn on(&self) -> bool {
        self.mode != DiffMode::Off
    }

    fn read(
        lookup: &impl Fn(&str) -> Option<String>,
        (same_graph, tolerated): (Option<bool>, Vec<ToleratedDeparture>),
        recorded_vars: Vars,
        vars: &Vars,
    ) -> Result<DiffSettings, SettingsError> {
        let mode = match lookup("LANGGRAPH_DIFF").as_deref().map(str::trim) {
            None | Some("0" | "false" | "off") => DiffMode::Off,
            Some("1" | "true" | "on") => DiffMode::Report,
            Some("fail") => DiffMode::Fail,
            Some(other) => {
                return Err(SettingsError::DiffMode {
                    value: other.to_string(),
                })
            }
        };
        let reference_url =
            lookup("LANGGRAPH_REFERENCE_URL").map(|u| u.trim_end_matches('/').to_string());
        if let Some(u) = &reference_url {
            if mode == DiffMode::Off {
                return Err(SettingsError::ReferenceWithoutDiff);
            }
            if !(u.starts_with("http://") || u.starts_with("https://")) {
                return Err(SettingsError::NotHttp {
                    setting: "LANGGRAPH_REFERENCE_URL",
                    url: display_url(u),
                });
            }
            if display_url(u) != *u {
                return Err(SettingsError::ReferenceCredentials);
            }
        }
        let same_graph = same_graph.unwrap_or_else(|| {
            recorded_vars.len() == vars.len()
                && recorded_vars.iter().all(|(k, v)| vars.get(k) == Some(v))
        });
        Ok(DiffSettings {
            mode,
            reference_url,
            same_graph,
            tolerated,
            recorded_vars,
        })
    }
}

/// A count setting from 1 to 256, or `default` when unset.
fn bounded(
    lookup: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: usize,
    what: &'static str,
) -> Result<usize, SettingsError> {
    let Some(c) = lookup(name) else {
        return Ok(default);
    };
    c.trim()
        .parse::<usize>()
        .ok()
        .filter(|n| (1..=256).contains(n))
        .ok_or(SettingsError::NotACount {
            name,
            value: c,
            what,
        })
}

/// The graph facts the conformance graph has: what `conformance-graph`, the capability of earlier versions, stands for.
pub const CONFORMANCE_GRAPH: [&str; 6] = [
    "echo-reply",
    "input-delay",
    "input-custom",
    "input-subgraph",
    "input-interrupt",
    "input-fail",
];

/// The optional parts of the API a deployment may lack, as capabilities.
pub const OPTIONAL_PARTS: [&str; 7] = [
    "crons",
    "store",
    "webhooks",
    "resumable-streams",
    "thread-prune",
    "thread-storage",
    "thread-stream",
];

/// Capabilities with shorthands spelled out.
pub fn expand_capabilities<I: IntoIterator<Item = String>>(caps: I) -> HashSet<String> {
    let mut out = HashSet::new();
    for c in caps {
        if c == "conformance-graph" {
            out.extend(CONFORMANCE_GRAPH.iter().map(|s| s.to_string()));
        } else {
            out.insert(c);
        }
    }
    out
}

/// A `LANGGRAPH_VAR_<NAME>` must name a variable of the target: a typo would otherwise change nothing, silently.
fn check_var_overrides(set: &[String], vars: &Vars) -> Result<(), SettingsError> {
    for env_name in set {
        let name = env_name["LANGGRAPH_VAR_".len()..].to_ascii_lowercase();
        if !vars.contains_key(&name) {
            let mut known: Vec<String> = vars
                .keys()
                .map(|k| format!("LANGGRAPH_VAR_{}", k.to_ascii_uppercase()))
                .collect();
            known.sort();
            return Err(SettingsError::OverridesNothing {
                name: env_name.clone(),
                known,
            });
        }
    }
    Ok(())
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

    fn settings(env: &[(&str, &str)]) -> Result<Settings, SettingsError> {
        let env: HashMap<String, String> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_lookup(
            |k| env.get(k).cloned(),
            Path::new(env!("CARGO_MANIFEST_DIR")),
        )
    }

    /// A front end with specs of its own, in a folder that is no copy of this repository, still has the
    /// conformance graph's defaults; a root's own target file is read when it has one.
    #[test]
    fn a_root_without_a_target_file_has_the_built_in_defaults() {
        let empty = std::env::temp_dir().join(format!("no-target-file-{}", std::process::id()));
        std::fs::create_dir_all(&empty).unwrap();
        let lookup = |k: &str| (k == "LANGGRAPH_URL").then(|| "http://127.0.0.1:9".to_string());
        let s = Settings::from_lookup(lookup, &empty).unwrap();
        let ours = settings(&[("LANGGRAPH_URL", "http://127.0.0.1:9")]).unwrap();
        assert_eq!(s.vars, ours.vars);
        assert_eq!(s.capabilities, ours.capabilities);
        std::fs::create_dir_all(empty.join("fixtures")).unwrap();
        std::fs::write(empty.join("fixtures/target.yaml"), "version: 2\n").unwrap();
        let e = Settings::from_lookup(lookup, &empty).unwrap_err();
        assert!(matches!(e, SettingsError::TargetFileVersion { .. }), "{e}");
        let _ = std::fs::remove_dir_all(&empty);
    }

    #[test]
    fn fixture_by_default_with_the_conformance_graph() {
        let s = settings(&[]).unwrap();
        assert!(s.url.is_none());
        assert!(s.capabilities.contains("input-interrupt"));
        assert!(s.capabilities.contains("crons"));
        let s = settings(&[
            ("LANGGRAPH_URL", "http://h"),
            ("LANGGRAPH_CAPABILITIES", "conformance-graph, store"),
        ])
        .unwrap();
        let mut caps: Vec<&str> = s.capabilities.iter().map(String::as_str).collect();
        caps.sort_unstable();
        assert_eq!(
            caps,
            [
                "echo-reply",
                "input-custom",
                "input-delay",
                "input-fail",
                "input-interrupt",
                "input-subgraph",
                "store"
            ]
        );
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
    fn an_override_of_no_variable_is_an_error_that_lists_the_known_ones() {
        let env = |k: &str| match k {
            "LANGGRAPH_URL" => Some("http://127.0.0.1:9".to_string()),
            "LANGGRAPH_VAR_ASISTANT_ID" => Some("x".to_string()),
            _ => None,
        };
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let e = Settings::from_lookup_and_names(env, root, &["LANGGRAPH_VAR_ASISTANT_ID".into()])
            .unwrap_err();
        assert!(
            matches!(&e, SettingsError::OverridesNothing { name, known }
                if name == "LANGGRAPH_VAR_ASISTANT_ID" && known.contains(&"LANGGRAPH_VAR_ASSISTANT_ID".to_string())),
            "{e:?}"
        );
        let e = e.to_string();
        assert!(
            e.starts_with("LANGGRAPH_VAR_ASISTANT_ID overrides no variable"),
            "{e}"
        );
        assert!(e.contains("LANGGRAPH_VAR_ASSISTANT_ID"), "{e}");
        assert!(
            Settings::from_lookup_and_names(env, root, &["LANGGRAPH_VAR_ASSISTANT_ID".into()])
                .is_ok()
        );
    }

    #[test]
    fn record_modes_and_strictness() {
        let s = settings(&[
            ("LANGGRAPH_URL", "http://h"),
            ("LANGGRAPH_RECORD", "force"),
            ("LANGGRAPH_STRICT", "1"),
        ])
        .unwrap();
        assert_eq!(s.record, RecordMode::Force);
        assert!(s.strict);
        let s = settings(&[("LANGGRAPH_URL", "http://h"), ("LANGGRAPH_RECORD", "1")]).unwrap();
        assert_eq!(s.record, RecordMode::Passed);
        assert!(!s.strict);
    }

    #[test]
    fn secrets_are_made_once_and_follow_the_key() {
        let mut s = settings(&[("LANGGRAPH_API_KEY", "first-key-123")]).unwrap();
        let a = s.secrets();
        assert!(std::sync::Arc::ptr_eq(&a, &s.secrets()), "made once");
        assert_eq!(a.scrub("x first-key-123"), "x <redacted>");
        s.api_key.as_mut().unwrap().value = "second-key-456".into();
        assert_eq!(s.secrets().scrub("second-key-456"), "<redacted>");
    }

    #[test]
    fn concurrency_is_bounded() {
        assert_eq!(settings(&[]).unwrap().concurrency, DEFAULT_CONCURRENCY);
        assert_eq!(
            settings(&[("LANGGRAPH_CONCURRENCY", "3")])
                .unwrap()
                .concurrency,
            3
        );
        for bad in ["0", "many", "1000"] {
            assert!(settings(&[("LANGGRAPH_CONCURRENCY", bad)])
                .unwrap_err()
                .to_string()
                .starts_with("LANGGRAPH_CONCURRENCY"));
        }
    }

    #[test]
    fn tags_include_and_exclude() {
        let f = TagFilter::parse("stream, !crons,threads").unwrap();
        assert_eq!(f.include, ["stream", "threads"]);
        assert_eq!(f.exclude, ["crons"]);
        let t = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(f.selects(&t(&["stream"])));
        assert!(!f.selects(&t(&["stream", "crons"])));
        assert!(!f.selects(&t(&["store"])));
        let only_out = TagFilter::parse("!crons").unwrap();
        assert!(only_out.selects(&t(&[])));
        assert!(!only_out.selects(&t(&["crons"])));
        assert!(TagFilter::parse("a b").is_err());
        assert!(TagFilter::parse("").unwrap().is_empty());
    }

    #[test]
    fn a_target_file_gives_the_url_and_the_known_failures() {
        let dir = std::env::temp_dir().join(format!("lgc-target-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("js.yaml");
        std::fs::write(
            &file,
            "version: 1\nurl: http://127.0.0.1:2025/\ncapabilities: [store]\nknown_failures:\n  - {spec: errors::thread_get_missing, reason: errors are plain text}\n",
        )
        .unwrap();
        let f = file.to_string_lossy().into_owned();
        let s = settings(&[("LANGGRAPH_TARGET_CONFIG", &f)]).unwrap();
        assert_eq!(s.url.as_deref(), Some("http://127.0.0.1:2025"));
        assert_eq!(s.known_failures[0].spec, "errors::thread_get_missing");
        let s = settings(&[
            ("LANGGRAPH_TARGET_CONFIG", &f),
            ("LANGGRAPH_URL", "http://h"),
        ])
        .unwrap();
        assert_eq!(s.url.as_deref(), Some("http://h"), "the environment wins");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn bad_settings_are_explained() {
        assert!(settings(&[("LANGGRAPH_RECORD", "1")])
            .unwrap_err()
            .to_string()
            .contains("needs LANGGRAPH_URL"));
        assert!(settings(&[("LANGGRAPH_URL", "localhost:2024")])
            .unwrap_err()
            .to_string()
            .contains("http://"));
        assert!(settings(&[("LANGGRAPH_TIMEOUT", "soon")])
            .unwrap_err()
            .to_string()
            .contains("LANGGRAPH_TIMEOUT"));
        let huge = settings(&[("LANGGRAPH_TIMEOUT", "100000000000000000000")])
            .unwrap_err()
            .to_string();
        assert!(huge.contains("at most a day"), "{huge}");
        let e = settings(&[("LANGGRAPH_URL", "me:hunter2@localhost:2024")])
            .unwrap_err()
            .to_string();
        assert!(!e.contains("hunter2"), "{e}");
        let e = settings(&[("LANGGRAPH_API_KEY", "lsv2\u{1b}x")]).unwrap_err();
        assert!(matches!(
            e,
            SettingsError::KeyControl {
                var: "LANGGRAPH_API_KEY"
            }
        ));
        assert_eq!(
            e.to_string(),
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
        let shown = |name: &str| unreadable_setting(env(name)).map(|e| e.to_string());
        assert_eq!(
            shown("LANGGRAPH_API_KEY").as_deref(),
            Some("LANGGRAPH_API_KEY is set but is not valid UTF-8; set it to text")
        );
        assert!(shown("LANGSMITH_API_KEY")
            .unwrap()
            .starts_with("LANGSMITH_API_KEY "));
        assert!(shown("LANGGRAPH_URL").is_some());
        assert_eq!(shown("OTHER"), None);
    }
}
