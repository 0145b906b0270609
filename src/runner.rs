//! The test binary's main: every spec file becomes one libtest-mimic trial named from its path, run against the
//! target the environment describes, on one shared tokio runtime and HTTP client.

use std::collections::HashSet;
use std::process::ExitCode;
use std::sync::Arc;

use libtest_mimic::{Arguments, Failed, Trial};

use crate::exec::{run_step, Ctx};
use crate::fixture;
use crate::report::{render, StepContext};
use crate::spec::read::read_source;
use crate::spec::template::render_json;
use crate::spec::{discover, load_spec, Spec, SpecFile};
use crate::target::Settings;

/// What every trial shares: the settings, one HTTP client and one runtime.
pub struct Suite {
    settings: Settings,
    client: reqwest::Client,
    runtime: tokio::runtime::Runtime,
}

/// One spec file's test, ready to hand to libtest-mimic or to run directly.
pub struct Planned {
    pub name: String,
    /// Capabilities the spec needs that the target lacks: the test is ignored.
    pub missing: Vec<String>,
    run: Box<dyn FnOnce() -> Result<(), String> + Send>,
}

impl Planned {
    /// Loads and runs the spec; the error is the report, ready to print.
    pub fn run(self) -> Result<(), String> {
        (self.run)()
    }

    pub fn into_trial(self) -> Trial {
        let ignored = !self.missing.is_empty();
        let run = self.run;
        Trial::test(self.name, move || run().map_err(Failed::from)).with_ignored_flag(ignored)
    }
}

/// Runs the suite as a libtest-compatible test binary (`cargo test --test conformance -- ARGS`).
pub fn main() -> ExitCode {
    let args = Arguments::from_args();
    let settings = match Settings::from_env() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    if !args.list {
        match &settings.url {
            Some(u) if settings.record => eprintln!(
                "target: {u} (recording into {})",
                settings.record_dir.display()
            ),
            Some(u) => eprintln!("target: {u}"),
            None => eprintln!(
                "target: the embedded fixture (set LANGGRAPH_URL to test a live deployment)"
            ),
        }
    }
    let suite = match Suite::new(settings) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    // A listing needs only the names, unless it lists the ignored tests.
    let planned = match suite.plan(!args.list || args.ignored) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let skipped: Vec<String> = planned
        .iter()
        .filter(|p| !p.missing.is_empty())
        .map(|p| format!("{}: needs {}", p.name, p.missing.join(", ")))
        .collect();
    let trials = planned.into_iter().map(Planned::into_trial).collect();
    let conclusion = libtest_mimic::run(&args, trials);
    if !args.list && !skipped.is_empty() && conclusion.num_ignored > 0 {
        eprintln!(
            "\nignored for lack of a capability ({}):",
            suite.settings.capabilities_from
        );
        for s in &skipped {
            eprintln!("  {s}");
        }
    }
    conclusion.exit_code()
}

impl Suite {
    pub fn new(settings: Settings) -> Result<Arc<Suite>, String> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the async runtime: {e}"))?;
        Ok(Arc::new(Suite {
            client: crate::transport::client(),
            settings,
            runtime,
        }))
    }

    /// One test per entry of the specs folder. Specs are loaded inside their own test, so a spec that cannot be
    /// loaded fails alone; up front, only `requires` is read (when `read_requires`), to mark tests ignored.
    pub fn plan(self: &Arc<Self>, read_requires: bool) -> Result<Vec<Planned>, String> {
        let dir = &self.settings.specs_dir;
        let files = discover(dir)
            .map_err(|e| format!("cannot read the specs folder {}: {e}", dir.display()))?;
        Ok(files
            .into_iter()
            .map(|file| self.planned(file, read_requires))
            .collect())
    }

    fn planned(self: &Arc<Self>, file: SpecFile, read_requires: bool) -> Planned {
        let shown = display_path(&file.path);
        if let Some(problem) = file.problem {
            return Planned {
                name: file.test_name,
                missing: Vec::new(),
                run: Box::new(move || Err(format!("error: {}: {problem}", shown.display()))),
            };
        }
        let missing = if read_requires {
            requires(&file.path)
                .into_iter()
                .filter(|r| !self.settings.capabilities.contains(r))
                .collect()
        } else {
            Vec::new()
        };
        let suite = Arc::clone(self);
        let name = file.test_name.clone();
        Planned {
            name: file.test_name,
            missing,
            run: Box::new(move || {
                let spec = load_file(&file.path, shown, &suite.settings)?;
                suite
                    .runtime
                    .block_on(run_spec(&suite.settings, &suite.client, &name, &spec))
            }),
        }
    }
}

/// The capabilities a spec file says it needs, read without loading the spec. Anything wrong gives none: the test
/// then runs, and its load reports the problem.
fn requires(path: &std::path::Path) -> Vec<String> {
    #[derive(serde::Deserialize)]
    struct Requires {
        #[serde(default)]
        requires: Vec<String>,
    }
    let read = || {
        let src = read_source(path, path.to_path_buf()).ok()?;
        serde_saphyr::from_str_with_options::<Requires>(
            &src.text,
            crate::spec::load::yaml_options(),
        )
        .ok()
    };
    std::panic::catch_unwind(read)
        .ok()
        .flatten()
        .map(|r| r.requires)
        .unwrap_or_default()
}

/// Reads and checks one spec file; `shown_as` is the path its messages name. The error is ready to print. A panic
/// while loading (a bug in the harness) is an error too, so it fails this spec's test and no other.
pub fn load_file(
    path: &std::path::Path,
    shown_as: std::path::PathBuf,
    settings: &Settings,
) -> Result<Spec, String> {
    let shown = shown_as.display().to_string();
    panic_as_error(&shown, || {
        let src = read_source(path, shown_as)?;
        let globals: HashSet<String> = settings.vars.keys().cloned().collect();
        load_spec(Arc::new(src), &globals).map_err(|e| e.to_string())
    })
}

/// Runs `load`, turning a panic into an error that names the spec.
fn panic_as_error<T>(shown: &str, load: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(load)).unwrap_or_else(|panic| {
        let why = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        Err(format!(
            "error: loading {shown} panicked, which is a bug in the harness: {why}"
        ))
    })
}

/// The path shown in messages: relative to the working directory when it can be, so editors can open it.
fn display_path(path: &std::path::Path) -> std::path::PathBuf {
    let cwd = std::env::current_dir().unwrap_or_default();
    path.strip_prefix(&cwd)
        .map(|p| p.to_path_buf())
        .unwrap_or_else(|_| path.to_path_buf())
}

/// Runs one loaded spec against the target `s` describes. The error is the failure report, ready to print.
pub async fn run_spec(
    s: &Settings,
    client: &reqwest::Client,
    test_name: &str,
    spec: &Spec,
) -> Result<(), String> {
    // The fixture server lives as long as this function: it is dropped (and stopped) when the spec ends.
    let (base, _server) = match &s.url {
        Some(u) => (u.clone(), None),
        None => {
            let dir = fixture::dir_for(&s.recordings_dir, test_name);
            let exchanges = fixture::load(&dir).map_err(|e| {
                format!(
                    "error: no recording for this spec in the embedded fixture ({e})\n\
                     record it from a live server: LANGGRAPH_RECORD=1 LANGGRAPH_URL=<url> cargo test --test conformance -- {test_name}"
                )
            })?;
            let server = fixture::serve(exchanges).await;
            (server.uri(), Some(server))
        }
    };
    let mut vars = s.vars.clone();
    for (k, v) in &spec.vars {
        let value = render_json(v, &vars)
            .map_err(|e| format!("error: in the spec's variable `{k}`: {e}"))?;
        vars.insert(k.clone(), value);
    }
    let ctx = Ctx {
        client,
        base: &base,
        api_key: s.api_key.as_deref(),
        default_timeout: s.default_timeout,
    };
    let mut recording = (s.record || s.drift_check).then(Vec::new);
    let mut outcome = Ok(());
    for (i, step) in spec.steps.iter().enumerate() {
        if let Err(e) = run_step(&ctx, i + 1, step, &mut vars, recording.as_mut()).await {
            let sc = StepContext {
                number: i + 1,
                of: spec.steps.len(),
                name: &step.name,
                line: step.loc.line,
                curl: e.curl.as_deref(),
            };
            outcome = Err(render(&spec.source, &sc, &e.failures));
            break;
        }
    }
    if let Some(rec) = recording {
        if s.record {
            let dir = fixture::dir_for(&s.record_dir, test_name);
            fixture::save(&dir, &rec).map_err(|e| {
                format!(
                    "error: cannot write the recording into {}: {e}",
                    dir.display()
                )
            })?;
        }
        if s.drift_check && outcome.is_ok() {
            outcome = drift(&s.recordings_dir, test_name, &rec);
        }
    }
    outcome
}

/// Whether the live server still answers as the committed recording says, ids and timestamps aside.
fn drift(
    recordings: &std::path::Path,
    test_name: &str,
    live: &[fixture::Exchange],
) -> Result<(), String> {
    let dir = fixture::dir_for(recordings, test_name);
    let committed = fixture::load(&dir)
        .map_err(|e| format!("error: no committed recording to compare with ({e})"))?;
    let (want, got) = (fixture::normalize(&committed), fixture::normalize(live));
    if want == got {
        return Ok(());
    }
    Err(format!(
        "error: the server no longer answers as the committed recording in {} says (ids and timestamps aside)
            = diff (- recording, + server):
{}
if the change is expected, record again:          LANGGRAPH_RECORD=1 LANGGRAPH_URL=<url> cargo test --test conformance -- --exact {test_name}
",
        dir.display(),
        crate::report::diff(&want, &got).lines().map(|l| format!("     {l}\n")).collect::<String>()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_while_loading_is_that_spec_s_error() {
        let r: Result<(), String> = panic_as_error("specs/x.yaml", || panic!("boom {}", 1));
        assert_eq!(
            r.unwrap_err(),
            "error: loading specs/x.yaml panicked, which is a bug in the harness: boom 1"
        );
        assert_eq!(panic_as_error("specs/x.yaml", || Ok(5)), Ok(5));
    }
}
