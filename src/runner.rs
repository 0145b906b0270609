//! The test binary's main: every spec file becomes one libtest-mimic trial named from its path, run against the
//! target the environment describes, on one shared tokio runtime and HTTP client.

use std::collections::HashSet;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use libtest_mimic::{Arguments, Failed, Trial};

use crate::exec::spec::Verdict;
use crate::source::Source;
use crate::spec::{discover, load_spec, Spec, SpecFile};
use crate::target::Settings;

struct Shared {
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
    let files = match discover(&settings.specs_dir) {
        Ok(f) => f,
        Err(e) => {
            eprintln!(
                "error: cannot read the specs folder {}: {e}",
                settings.specs_dir.display()
            );
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
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
    let shared = Arc::new(Shared {
        client: crate::transport::client(),
        settings,
        runtime,
        tally: Mutex::new(Tally::default()),
    });
    let mut skipped = Vec::new();
    let trials = trials(&shared, files, &mut skipped);
    let conclusion = libtest_mimic::run(&args, trials);
    if !args.list {
        summarise(&shared);
    }
    if !args.list && !skipped.is_empty() && conclusion.num_ignored > 0 {
        eprintln!(
            "\nignored for lack of a capability ({}):",
            shared.settings.capabilities_from
        );
        for s in &skipped {
            eprintln!("  {s}");
        }
    }
    conclusion.exit_code()
}

fn trials(shared: &Arc<Shared>, files: Vec<SpecFile>, skipped: &mut Vec<String>) -> Vec<Trial> {
    files
        .into_iter()
        .map(|file| {
            let loaded = load_file(&file.path, display_path(&file), &shared.settings);
            let missing: Vec<String> = match &loaded {
                Ok(spec) => {
                    let mut m: Vec<String> =
                        crate::target::expand_capabilities(spec.requires.iter().cloned())
                            .into_iter()
                            .filter(|r| !shared.settings.capabilities.contains(r))
                            .collect();
                    m.sort();
                    m
                }
                Err(_) => Vec::new(),
            };
            if !missing.is_empty() {
                skipped.push(format!("{}: needs {}", file.test_name, missing.join(", ")));
            }
            let shared = Arc::clone(shared);
            let name = file.test_name.clone();
            Trial::test(file.test_name.clone(), move || match loaded {
                Err(msg) => Err(Failed::from(msg)),
                Ok(spec) => {
                    let v = shared.runtime.block_on(crate::exec::spec::run(
                        &shared.settings,
                        &shared.client,
                        &name,
                        &spec,
                    ));
                    shared.count(&name, &v);
                    if v.failed {
                        Err(Failed::from(v.report))
                    } else {
                        Ok(())
                    }
                }
            })
            .with_ignored_flag(!missing.is_empty())
        })
        .collect()
}

impl Shared {
    fn count(&self, name: &str, v: &Verdict) {
        let mut t = self.tally.lock().unwrap_or_else(|p| p.into_inner());
        t.musts_failed += v.musts_failed;
        t.shoulds_failed += v.shoulds_failed;
        if !v.failed && !v.report.is_empty() {
            t.warnings.push((name.to_string(), v.report.clone()));
        }
    }
}

/// The warnings of specs that passed, and the count of expectations that did not hold, by level.
fn summarise(shared: &Shared) {
    let t = shared.tally.lock().unwrap_or_else(|p| p.into_inner());
    let mut warnings = t.warnings.clone();
    warnings.sort();
    for (name, report) in &warnings {
        eprintln!("\n---- {name} passed, with warnings ----\n{report}");
    }
    if t.musts_failed + t.shoulds_failed > 0 {
        let strict = match (t.shoulds_failed, shared.settings.strict) {
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

/// Reads and checks one spec file; `shown_as` is the path its messages name. The error is ready to print.
pub fn load_file(
    path: &std::path::Path,
    shown_as: std::path::PathBuf,
    settings: &Settings,
) -> Result<Spec, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("error: cannot read {}: {e}", path.display()))?;
    let globals: HashSet<String> = settings.vars.keys().cloned().collect();
    load_spec(Arc::new(Source::new(shown_as, text)), &globals).map_err(|e| e.to_string())
}

/// The path shown in messages: relative to the working directory when it can be, so editors can open it.
fn display_path(file: &SpecFile) -> std::path::PathBuf {
    let cwd = std::env::current_dir().unwrap_or_default();
    file.path
        .strip_prefix(&cwd)
        .map(|p| p.to_path_buf())
        .unwrap_or_else(|_| file.path.clone())
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
