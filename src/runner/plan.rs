//! Planning a run: one test per entry of the specs folder, named from its path, with what can be known before it
//! runs (its tags, the capabilities it lacks). The specs a run selects are loaded up front, on every core; each test
//! runs its spec when libtest-mimic calls it, and records how it came out.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use libtest_mimic::{Completion, Failed, Trial};

use super::Error;
use crate::outcome::SpecOutcome;
use crate::results::{FirstFailure, Outcome, SpecResult};
use crate::source::SpecError;
use crate::spec::read::{read_source, SourceError};
use crate::spec::{discover, Spec, SpecFile};
use crate::target::{Settings, SettingsError};

/// The specs folder cannot be read.
#[derive(Debug)]
#[non_exhaustive]
pub struct SpecsFolderError {
    /// The folder.
    pub dir: PathBuf,
    /// Why it cannot be read.
    pub source: std::io::Error,
}

impl fmt::Display for SpecsFolderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cannot read the specs folder {}: {}",
            self.dir.display(),
            self.source
        )
    }
}

impl std::error::Error for SpecsFolderError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// Why a spec file gives no spec; shown, it is the report to print.
#[derive(Debug)]
#[non_exhaustive]
pub enum LoadError {
    /// The file cannot be read, or is not UTF-8.
    Read(SourceError),
    /// The spec is not valid.
    Invalid(SpecError),
    /// Loading it panicked (a bug in the harness).
    Panicked {
        /// The file, as messages show it.
        file: String,
        /// What the panic said.
        why: String,
    },
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Read(e) => write!(f, "{e}"),
            LoadError::Invalid(e) => write!(f, "{e}"),
            LoadError::Panicked { file, why } => write!(
                f,
                "error: loading {file} panicked, which is a bug in the harness: {why}"
            ),
        }
    }
}

impl std::error::Error for LoadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            LoadError::Read(e) => Some(e),
            LoadError::Invalid(e) => Some(e),
            LoadError::Panicked { .. } => None,
        }
    }
}

/// Why a spec's test failed, with the report libtest shows under the test's name (what the error displays as).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TestFailure {
    /// The spec failed, or could not be loaded.
    Failed { report: String },
    /// A set-up step failed, in a strict run.
    Blocked { report: String },
    /// The target's known_failures says the spec fails, and it now fails first otherwise, in a strict run.
    FailsOtherwise { report: String },
    /// The target's known_failures says the spec fails, and it passed.
    Passed { report: String },
}

impl TestFailure {
    pub fn report(&self) -> &str {
        match self {
            TestFailure::Failed { report }
            | TestFailure::Blocked { report }
            | TestFailure::FailsOtherwise { report }
            | TestFailure::Passed { report } => report,
        }
    }
}

impl fmt::Display for TestFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.report())
    }
}

impl std::error::Error for TestFailure {}

/// A spec that failed, as `run_spec` found it; shown, it is the failure report.
#[cfg(test)]
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SpecFailed(pub Box<SpecOutcome>);

#[cfg(test)]
impl fmt::Display for SpecFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::report::render_outcome(&self.0))
    }
}

#[cfg(test)]
impl std::error::Error for SpecFailed {}

/// What planning reads of a spec file before the tests run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prepare {
    /// Nothing: only its name is needed (a terse listing).
    Names,
    /// Its `requires` and `tags`, to mark it ignored and select it by tag (a listing).
    Headers,
    /// The whole spec, loaded and checked (a run): on all cores at once, and once only, since the test then uses it.
    Specs,
}

/// What every trial shares: the settings, the target's known failures, and the results so far.
pub struct Suite {
    pub settings: Settings,
    /// Spec name → why the target is known to fail it.
    /// Spec name → why the target is known to fail it, and whether only sometimes.
    known_failures: HashMap<String, (String, bool)>,
    results: Mutex<Vec<SpecResult>>,
    run_slots: super::slots::Slots,
    /// Count finished specs on standard error, on one line that rewrites itself.
    progress: std::sync::atomic::AtomicBool,
}

/// One spec file's test, ready to hand to libtest-mimic or to run directly.
pub struct Planned {
    pub name: String,
    /// The spec file, as messages show it.
    pub file: String,
    pub tags: Vec<String>,
    /// What the spec needs that the target lacks (capabilities, with why; a newer API): the test is ignored.
    pub missing: Vec<String>,
    run: Box<dyn FnOnce() -> Result<Completion, TestFailure> + Send>,
}

impl Planned {
    /// Loads and runs the spec; the error says why its test failed, and shows as the report. A blocked spec is
    /// ignored at run time, with the reason.
    pub fn run(self) -> Result<Completion, TestFailure> {
        (self.run)()
    }

    /// A trial that stands for this one in libtest-mimic's filters, without running anything.
    pub fn probe(&self) -> Trial {
        Trial::test(self.name.clone(), || Ok(())).with_ignored_flag(!self.missing.is_empty())
    }

    /// How a spec skipped for lack of a capability is reported.
    pub fn skipped(&self) -> SpecResult {
        SpecResult::skipped(
            &self.name,
            &self.file,
            self.tags.clone(),
            format!("needs {}", self.missing.join(", ")),
        )
    }

    pub fn into_trial(self) -> Trial {
        let ignored = !self.missing.is_empty();
        let run = self.run;
        Trial::ignorable_test(self.name, move || run().map_err(Failed::from))
            .with_ignored_flag(ignored)
    }
}

impl Suite {
    pub fn new(settings: Settings) -> Arc<Suite> {
        let known_failures = settings
            .known_failures
            .iter()
            .map(|k| (k.spec.clone(), (k.reason.clone(), k.intermittent)))
            .collect();
        Arc::new(Suite {
            run_slots: super::slots::Slots::new(settings.run_concurrency),
            settings,
            known_failures,
            results: Mutex::new(Vec::new()),
            progress: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// Whether finished specs are counted on standard error as they come.
    pub fn show_progress(&self, on: bool) {
        self.progress
            .store(on, std::sync::atomic::Ordering::Relaxed);
    }

    /// How every spec that ran came out, in the order they finished.
    pub fn results(&self) -> Vec<SpecResult> {
        self.results
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn record(&self, r: SpecResult) {
        let mut all = self.results.lock().unwrap_or_else(|p| p.into_inner());
        all.push(r);
        if self.progress.load(std::sync::atomic::Ordering::Relaxed) {
            let t = crate::results::Totals::of(all.iter());
            eprint!(
                "\r\x1b[2K{} done: {} passed, {} failed, {} blocked, {} expected to fail; last {}",
                all.len(),
                t.passed,
                t.failed,
                t.blocked,
                t.expected_failures,
                all.last().map_or("", |r| r.name.as_str())
            );
        }
    }

    /// Refuses tag and capability names that no spec uses: a typo (`LANGGRAPH_TAGS=strem`, a capability `stores`)
    /// would otherwise select nothing, or skip what it meant to run, and say nothing.
    pub fn check_names_in_specs(&self) -> Result<(), Error> {
        let files = self.spec_files()?;
        let headers = parallel_map(files, |f| Header::read(&f.path));
        let tags: std::collections::BTreeSet<&str> = headers
            .iter()
            .flat_map(|h| h.tags.iter().map(String::as_str))
            .collect();
        let mut caps: std::collections::BTreeSet<&str> = headers
            .iter()
            .flat_map(|h| h.requires.iter().map(String::as_str))
            .collect();
        caps.extend(crate::target::CONFORMANCE_GRAPH);
        caps.extend(crate::target::OPTIONAL_PARTS);
        let t = &self.settings.tags;
        for tag in t.include.iter().chain(&t.exclude) {
            if !tags.contains(tag.as_str()) {
                let (near, in_use) = nearest(tag, &tags);
                return Err(Error::Settings(SettingsError::NoSpecHasTag {
                    tag: tag.clone(),
                    near,
                    in_use,
                }));
            }
        }
        let mut declared: Vec<&String> = self.settings.capabilities.iter().collect();
        declared.sort();
        for c in declared {
            if !caps.contains(c.as_str()) {
                let (near, in_use) = nearest(c, &caps);
                return Err(Error::Settings(SettingsError::NoSpecNeeds {
                    capability: c.clone(),
                    declared_in: self.settings.capabilities_from.clone(),
                    near,
                    in_use,
                }));
            }
        }
        Ok(())
    }

    /// The entries of the specs folder.
    fn spec_files(&self) -> Result<Vec<SpecFile>, SpecsFolderError> {
        let dir = &self.settings.specs_dir;
        discover(dir).map_err(|source| SpecsFolderError {
            dir: dir.clone(),
            source,
        })
    }

    /// Known failures that name no spec: a baseline that went stale, or a typo.
    pub fn unknown_known_failures(&self, planned: &[Planned]) -> Vec<String> {
        let mut out: Vec<String> = self
            .known_failures
            .keys()
            .filter(|k| !planned.iter().any(|p| &p.name == *k))
            .cloned()
            .collect();
        out.sort();
        out
    }

    /// Tolerated departures that name no spec.
    pub fn unknown_tolerated_departures(&self, planned: &[Planned]) -> Vec<String> {
        let mut out: Vec<String> = self
            .settings
            .diff
            .tolerated
            .iter()
            .map(|t| t.spec.clone())
            .filter(|k| !planned.iter().any(|p| &p.name == k))
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// One test per entry of the specs folder, in its order. `prepare` says what is read of each file that
    /// `selected` (a test-name filter) lets through; the others are left unread, to be loaded by their test if it
    /// ever runs. A spec that cannot be loaded fails its own test, whenever it is loaded.
    pub fn plan(
        self: &Arc<Self>,
        prepare: Prepare,
        selected: impl Fn(&str) -> bool + Sync,
    ) -> Result<Vec<Planned>, SpecsFolderError> {
        let files = self.spec_files()?;
        Ok(parallel_map(files, |file| {
            let prepare = match selected(&file.test_name) {
                true => prepare,
                false => Prepare::Names,
            };
            self.planned(file, prepare)
        }))
    }

    fn planned(self: &Arc<Self>, file: SpecFile, prepare: Prepare) -> Planned {
        let shown = display_path(&file.path);
        let shown_text = shown.display().to_string();
        let suite = Arc::clone(self);
        let name = file.test_name.clone();
        if let Some(problem) = file.problem {
            let report = format!("error: {shown_text}: {problem}");
            return Planned {
                name: file.test_name,
                file: shown_text.clone(),
                tags: Vec::new(),
                missing: Vec::new(),
                run: Box::new(move || suite.finish_unloadable(&name, &shown_text, report)),
            };
        }
        let (header, loaded) = match prepare {
            Prepare::Names => (Header::default(), None),
            Prepare::Headers => (Header::read(&file.path), None),
            Prepare::Specs => {
                let loaded = load_file(&file.path, shown.clone(), &self.settings);
                let header = match &loaded {
                    Ok(spec) => Header {
                        requires: spec.requires.clone(),
                        tags: spec.tags.clone(),
                        since: spec.since.as_ref().map(|v| v.to_string()),
                    },
                    Err(_) => Header::default(),
                };
                (header, Some(loaded))
            }
        };
        let mut missing: Vec<String> = crate::target::expand_capabilities(header.requires)
            .into_iter()
            .filter(|r| !self.settings.capabilities.contains(r))
            .map(|r| self.settings.lacks(&r))
            .collect();
        missing.sort();
        let since = header
            .since
            .as_deref()
            .and_then(|v| crate::version::Version::parse(v).ok());
        let target = self
            .settings
            .api_version
            .as_deref()
            .and_then(|v| crate::version::Version::parse(v).ok());
        missing.extend(crate::version::too_new(since.as_ref(), target.as_ref()));
        let tags = header.tags.clone();
        Planned {
            name: file.test_name,
            file: shown_text.clone(),
            tags: header.tags,
            missing,
            run: Box::new(move || {
                let loaded =
                    loaded.unwrap_or_else(|| load_file(&file.path, shown, &suite.settings));
                let spec = match loaded {
                    Ok(s) => s,
                    Err(e) => return suite.finish_unloadable(&name, &shown_text, e.to_string()),
                };
                let _slot = spec.starts_runs.then(|| suite.run_slots.take());
                let started = Instant::now();
                let (settings, name_ref, spec_ref) = (&suite.settings, &name, &spec);
                let o = match on_this_thread(|client| async move {
                    crate::exec::spec::run(settings, &client, name_ref, spec_ref).await
                }) {
                    Ok(o) => o,
                    Err(e) => {
                        let report = format!("error: cannot start the async runtime: {e}");
                        return suite.finish_unloadable(&name, &shown_text, report);
                    }
                };
                suite.finish(name, shown_text, tags, started, &o)
            }),
        }
    }

    /// Records how a spec came out, the target's known failures considered, and gives the test's verdict.
    fn finish(
        &self,
        name: String,
        file: String,
        tags: Vec<String>,
        started: Instant,
        o: &SpecOutcome,
    ) -> Result<Completion, TestFailure> {
        let mut r = SpecResult::of(name, file, tags, started.elapsed(), o);
        let verdict = self.judge(&mut r);
        self.record(r);
        verdict
    }

    /// The test's verdict for a result, and its outcome with the target's baseline applied. A blocked spec passes
    /// its test (its subject was not tested; the spec of the set-up's operation fails), unless the run is strict.
    fn judge(&self, r: &mut SpecResult) -> Result<Completion, TestFailure> {
        let known = self.known_failures.get(&r.name).cloned();
        if let (Outcome::Passed, Some((why, true))) = (&r.outcome, &known) {
            r.report = format!(
                "note: passed this time; the target's known_failures says it fails sometimes ({why})\n{}",
                r.report
            );
            return Ok(Completion::Completed);
        }
        let known = known.map(|(why, _)| why);
        match (&r.outcome, known) {
            (Outcome::Passed, None) => Ok(Completion::Completed),
            (Outcome::Blocked(why), _) if !self.settings.strict => {
                Ok(Completion::ignored_with(format!("blocked: {why}")))
            }
            (Outcome::Blocked(_), _) => Err(TestFailure::Blocked {
                report: r.report.clone(),
            }),
            (Outcome::Failed, None) => Err(TestFailure::Failed {
                report: r.report.clone(),
            }),
            (Outcome::Failed, Some(why)) => {
                let now = r.first_failure.as_ref().map_or("", |f| f.message.as_str());
                if !crate::results::matrix::same_failure(&why, now) {
                    let note = format!(
                        "note: the target's known_failures says this spec fails with \"{why}\", but it now fails \
                         first with \"{}\"; update the baseline (scripts/matrix)\n",
                        crate::results::matrix::short(now)
                    );
                    r.report = format!("{note}\n{}", r.report);
                    if self.settings.strict {
                        r.outcome = Outcome::Failed;
                        return Err(TestFailure::FailsOtherwise {
                            report: r.report.clone(),
                        });
                    }
                }
                r.outcome = Outcome::ExpectedFailure(why);
                Ok(Completion::Completed)
            }
            (Outcome::Passed, Some(why)) => {
                r.report = format!(
                    "error: this spec passes, but the target's known_failures says it fails ({why}); \
                     remove it from the list, so that it cannot fail again unnoticed\n{}",
                    r.report
                );
                r.outcome = Outcome::Failed;
                Err(TestFailure::Passed {
                    report: r.report.clone(),
                })
            }
            (Outcome::Skipped(_) | Outcome::ExpectedFailure(_), _) => Ok(Completion::Completed),
        }
    }

    /// A spec that could not be loaded (or found) fails, unless the target is known to fail it.
    fn finish_unloadable(
        &self,
        name: &str,
        file: &str,
        report: String,
    ) -> Result<Completion, TestFailure> {
        let first = report.lines().next().unwrap_or("").to_string();
        let mut r = SpecResult {
            name: name.into(),
            file: file.into(),
            tags: Vec::new(),
            outcome: Outcome::Failed,
            duration: std::time::Duration::ZERO,
            musts_failed: 0,
            shoulds_failed: 0,
            clean_up_problems: 0,
            first_failure: Some(FirstFailure {
                phase: "load".into(),
                step: 0,
                step_name: String::new(),
                at: file.to_string(),
                message: first.strip_prefix("error: ").unwrap_or(&first).to_string(),
            }),
            unmet: Vec::new(),
            report,
            diff: None,
        };
        let verdict = self.judge(&mut r);
        self.record(r);
        verdict
    }
}

thread_local! {
    /// The runtime and HTTP client of this test thread: a spec runs where its connections live, so no request or
    /// body chunk crosses threads on its way.
    static LOCAL: std::cell::OnceCell<(tokio::runtime::Runtime, reqwest::Client)> =
        const { std::cell::OnceCell::new() };
}

/// Runs `work` to its end on this thread's runtime, with this thread's client; an error when the runtime cannot start.
fn on_this_thread<F: std::future::Future>(
    work: impl FnOnce(reqwest::Client) -> F,
) -> std::io::Result<F::Output> {
    LOCAL.with(|cell| {
        if cell.get().is_none() {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            let _ = cell.set((runtime, crate::transport::client()));
        }
        let (runtime, client) = cell.get().expect("set just above");
        // A client is a handle: the clone shares this thread's connection pool.
        Ok(runtime.block_on(work(client.clone())))
    })
}

/// What a spec file says of itself that is needed before it runs: the capabilities it needs and its tags, read
/// without loading the spec. Anything wrong gives nothing: the test then runs, and its load reports the problem.
#[derive(Debug, Default, serde::Deserialize)]
pub struct Header {
    #[serde(default)]
    pub requires: Vec<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub since: Option<String>,
}

impl Header {
    fn read(path: &std::path::Path) -> Header {
        let read = || {
            let src = read_source(path, path.to_path_buf()).ok()?;
            serde_saphyr::from_str_with_options::<Header>(
                &src.text,
                crate::spec::load::yaml_options(),
            )
            .ok()
        };
        std::panic::catch_unwind(read)
            .ok()
            .flatten()
            .unwrap_or_default()
    }
}

/// The name nearest `name` among `known`; when none is near, all of them (in use).
fn nearest(name: &str, known: &std::collections::BTreeSet<&str>) -> (Option<String>, Vec<String>) {
    match crate::spelling::closest(name, known.iter().copied()) {
        Some(n) => (Some(n.to_string()), Vec::new()),
        None => (None, known.iter().map(|k| k.to_string()).collect()),
    }
}

/// Reads and checks one spec file; `shown_as` is the path its messages name. The error shows as the report to print.
/// A panic while loading (a bug in the harness) is an error too, so it fails this spec's test and no other.
pub fn load_file(
    path: &std::path::Path,
    shown_as: std::path::PathBuf,
    settings: &Settings,
) -> Result<Spec, LoadError> {
    let shown = shown_as.display().to_string();
    panic_as_error(&shown, || {
        let src = read_source(path, shown_as).map_err(LoadError::Read)?;
        let globals: HashSet<String> = settings.vars.keys().cloned().collect();
        let suite_shared = Some(settings.suite_shared.as_path());
        crate::spec::load::load_spec_beside(Arc::new(src), &globals, suite_shared)
            .map_err(LoadError::Invalid)
    })
}

/// `f` over `items` on every core, the results in the items' order. Loading specs is processor work, so a suite of
/// many specs loads in a fraction of the time one thread would take.
fn parallel_map<T: Send, R: Send>(items: Vec<T>, f: impl Fn(T) -> R + Sync) -> Vec<R> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    // Below this, starting threads costs more than it saves.
    const PER_THREAD: usize = 16;
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(items.len() / PER_THREAD);
    if threads <= 1 {
        return items.into_iter().map(f).collect();
    }
    let inputs: Vec<Mutex<Option<T>>> = items.into_iter().map(|t| Mutex::new(Some(t))).collect();
    let outputs: Vec<Mutex<Option<R>>> = inputs.iter().map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let take = |m: &Mutex<Option<T>>| m.lock().unwrap_or_else(|p| p.into_inner()).take();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(input) = inputs.get(i) else { break };
                if let Some(item) = take(input) {
                    let r = f(item);
                    *outputs[i].lock().unwrap_or_else(|p| p.into_inner()) = Some(r);
                }
            });
        }
    });
    outputs
        .into_iter()
        .map(|m| {
            m.into_inner()
                .unwrap_or_else(|p| p.into_inner())
                .expect("every item was mapped")
        })
        .collect()
}

/// Runs `load`, turning a panic into an error that names the spec.
fn panic_as_error<T>(
    shown: &str,
    load: impl FnOnce() -> Result<T, LoadError>,
) -> Result<T, LoadError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(load)).unwrap_or_else(|panic| {
        let why = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        Err(LoadError::Panicked {
            file: shown.to_string(),
            why,
        })
    })
}

/// The path shown in messages: relative to the working directory when it can be, so editors can open it.
fn display_path(path: &std::path::Path) -> std::path::PathBuf {
    let cwd = std::env::current_dir().unwrap_or_default();
    path.strip_prefix(&cwd)
        .map(|p| p.to_path_buf())
        .unwrap_or_else(|_| path.to_path_buf())
}

/// Runs one loaded spec against the target `s` describes. The error holds what came of a spec that failed, and shows
/// as the failure report; warnings (`should`s that did not hold) of a spec that passed are dropped:
/// `exec::spec::run` has them. For the tests: a front end has [`crate::run_one`].
#[cfg(test)]
pub async fn run_spec(
    s: &Settings,
    client: &reqwest::Client,
    test_name: &str,
    spec: &Spec,
) -> Result<(), SpecFailed> {
    let o = crate::exec::spec::run(s, client, test_name, spec).await;
    if o.failed() {
        Err(SpecFailed(Box::new(o)))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_while_loading_is_that_spec_s_error() {
        let r: Result<(), LoadError> = panic_as_error("specs/x.yaml", || panic!("boom {}", 1));
        assert_eq!(
            r.unwrap_err().to_string(),
            "error: loading specs/x.yaml panicked, which is a bug in the harness: boom 1"
        );
        assert_eq!(panic_as_error("specs/x.yaml", || Ok(5)).unwrap(), 5);
    }
}
