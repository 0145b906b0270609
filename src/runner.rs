//! The test binary's main: every spec file becomes one libtest-mimic trial named from its path, run against the
//! target the environment describes, on one shared tokio runtime and HTTP client.

use std::collections::HashSet;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use libtest_mimic::{Arguments, Failed, Trial};

use crate::exec::spec::Verdict;
use crate::spec::read::read_source;
use crate::spec::{discover, load_spec, Spec, SpecFile};
use crate::target::Settings;

/// What every trial shares: the settings, one HTTP client and one runtime.
pub struct Suite {
    settings: Settings,
    client: reqwest::Client,
    runtime: tokio::runtime::Runtime,
    tally: Mutex<Tally>,
}

/// What the end-of-run summary counts: expectations that did not hold, by level, and the warnings to show.
#[derive(Default)]
struct Tally {
    musts_failed: usize,
    shoulds_failed: usize,
    /// Test name and report of each spec that passed with `should` warnings.
    warnings: Vec<(String, String)>,
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
            Some(u) if settings.record != crate::target::RecordMode::Off => eprintln!(
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
    if !args.list {
        suite.summarise();
    }
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
            tally: Mutex::new(Tally::default()),
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
            let mut m: Vec<String> = crate::target::expand_capabilities(requires(&file.path))
                .into_iter()
                .filter(|r| !self.settings.capabilities.contains(r))
                .collect();
            m.sort();
            m
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
                let v = suite.runtime.block_on(crate::exec::spec::run(
                    &suite.settings,
                    &suite.client,
                    &name,
                    &spec,
                ));
                suite.count(&name, &v);
                if v.failed {
                    Err(v.report)
                } else {
                    Ok(())
                }
            }),
        }
    }

    fn count(&self, name: &str, v: &Verdict) {
        let mut t = self.tally.lock().unwrap_or_else(|p| p.into_inner());
        t.musts_failed += v.musts_failed;
        t.shoulds_failed += v.shoulds_failed;
        if !v.failed && !v.report.is_empty() {
            t.warnings.push((name.to_string(), v.report.clone()));
        }
    }

    /// The warnings of specs that passed, and the count of expectations that did not hold, by level.
    fn summarise(&self) {
        let t = self.tally.lock().unwrap_or_else(|p| p.into_inner());
        let mut warnings = t.warnings.clone();
        warnings.sort();
        for (name, report) in &warnings {
            eprintln!("\n---- {name} passed, with warnings ----\n{report}");
        }
        if t.musts_failed + t.shoulds_failed > 0 {
            let strict = match (t.shoulds_failed, self.settings.strict) {
                (0, _) => "",
                (_, true) => " (LANGGRAPH_STRICT is set: the shoulds fail their tests too)",
                (_, false) => " (the shoulds are warnings; LANGGRAPH_STRICT=1 makes them fail)",
            };
            eprintln!(
                "\nexpectations not met: {} must, {} should{strict}",
                t.musts_failed, t.shoulds_failed
            );
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

/// Runs one loaded spec against the target `s` describes. The error is the failure report, ready to print; warnings
/// (`should`s that did not hold) of a spec that passed are dropped: `exec::spec::run` has them.
pub async fn run_spec(
    s: &Settings,
    client: &reqwest::Client,
    test_name: &str,
    spec: &Spec,
) -> Result<(), String> {
    let v = crate::exec::spec::run(s, client, test_name, spec).await;
    if v.failed {
        Err(v.report)
    } else {
        Ok(())
    }
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
