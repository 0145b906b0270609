//! The suite as a library call, for front ends that are not a test binary: run the specs a settings value points
//! at, and get each spec's result as data, with nothing printed.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use super::outputs::ReportError;
use super::plan::{Planned, Prepare, SpecsFolderError, Suite};
use super::reachable::Unreachable;
use crate::outcome::SpecOutcome;
use crate::results::SpecResult;
use crate::spec::Spec;
use crate::target::{Settings, SettingsError};

/// Why the suite could not run at all (a spec that fails is a result, not an error). Each variant holds the error of
/// what refused, with the value concerned and the underlying error as its `source()`; shown, it is the line the test
/// binary prints after `error: `.
///
/// ```
/// use langgraph_conformance::{run_specs, Error, Settings, SettingsError};
///
/// let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
/// let settings = Settings::from_lookup(|name| (name == "LANGGRAPH_TAGS").then(|| "strem".into()), root)?;
/// let e = run_specs(settings, |_| true).unwrap_err();
/// assert_eq!(e.to_string(), "LANGGRAPH_TAGS: no spec has the tag `strem`; did you mean `stream`?");
/// match e {
///     Error::Settings(SettingsError::NoSpecHasTag { tag, near, .. }) => {
///         assert_eq!((tag.as_str(), near.as_deref()), ("strem", Some("stream")));
///     }
///     other => panic!("{other:?}"),
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The settings cannot be used: a name that is no setting, a value out of range, a target file that does not
    /// read, a tag or capability that no spec uses.
    Settings(SettingsError),
    /// The specs folder cannot be read.
    Specs(SpecsFolderError),
    /// The target does not answer.
    Unreachable(Unreachable),
    /// `--test-threads 0` (the test binary only).
    NoTestThreads,
    /// The target's `known_failures` names specs that do not exist (the test binary only).
    UnknownKnownFailures {
        /// The names that name no spec.
        specs: Vec<String>,
    },
    /// The target's `tolerated_departures` names specs that do not exist (the test binary only).
    UnknownToleratedDepartures {
        /// The names that name no spec.
        specs: Vec<String>,
    },
    /// The reports cannot be written (the test binary only).
    Reports(ReportError),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Settings(e) => write!(f, "{e}"),
            Error::Specs(e) => write!(f, "{e}"),
            Error::Unreachable(e) => write!(f, "{e}"),
            Error::NoTestThreads => f.write_str("--test-threads 0 runs nothing: give 1 or more"),
            Error::UnknownKnownFailures { specs } => write!(
                f,
                "the target's known_failures names specs that do not exist: {}",
                specs.join(", ")
            ),
            Error::UnknownToleratedDepartures { specs } => write!(
                f,
                "the target's tolerated_departures names specs that do not exist: {}",
                specs.join(", ")
            ),
            Error::Reports(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Settings(e) => Some(e),
            Error::Specs(e) => Some(e),
            Error::Unreachable(e) => Some(e),
            Error::Reports(e) => Some(e),
            Error::NoTestThreads
            | Error::UnknownKnownFailures { .. }
            | Error::UnknownToleratedDepartures { .. } => None,
        }
    }
}

impl From<SettingsError> for Error {
    fn from(e: SettingsError) -> Self {
        Error::Settings(e)
    }
}

impl From<SpecsFolderError> for Error {
    fn from(e: SpecsFolderError) -> Self {
        Error::Specs(e)
    }
}

impl From<Unreachable> for Error {
    fn from(e: Unreachable) -> Self {
        Error::Unreachable(e)
    }
}

impl From<ReportError> for Error {
    fn from(e: ReportError) -> Self {
        Error::Reports(e)
    }
}

/// Runs every spec of `settings.specs_dir` that `selected` lets through (by test name, `threads::create`), as
/// many at once as `settings.concurrency` says, and returns the results in name order. Specs the target lacks a
/// capability for are in the results as skipped; the target's known failures are applied as in a test run.
///
/// ```
/// use langgraph_conformance::{run_specs, Outcome, Settings};
///
/// // No LANGGRAPH_URL: the embedded fixture, which answers as the reference server did.
/// let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
/// let settings = Settings::from_lookup(|_name| None, root)?;
/// let results = run_specs(settings, |name| name.starts_with("meta::"))?;
/// assert_eq!(results.len(), 2);
/// assert!(results.iter().all(|r| r.outcome == Outcome::Passed));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// Against a deployment, give the lookup its URL (and whatever else the environment would):
/// `Settings::from_lookup(|name| (name == "LANGGRAPH_URL").then(|| url.clone()), root)`.
pub fn run_specs(
    mut settings: Settings,
    selected: impl Fn(&str) -> bool + Sync,
) -> Result<Vec<SpecResult>, Error> {
    if let Some(url) = settings.url.clone() {
        super::reachable::check(&url, settings.api_key.as_ref())?;
        let found =
            crate::discovery::discover(&url, settings.api_key.as_ref(), settings.graph_id());
        settings.apply(&found);
    }
    let workers = settings.concurrency;
    let suite = Suite::new(settings);
    suite.check_names_in_specs()?;
    let planned: Vec<Planned> = suite
        .plan(Prepare::Specs, &selected)?
        .into_iter()
        .filter(|p| selected(&p.name) && suite.settings.tags.selects(&p.tags))
        .collect();
    let mut results: Vec<SpecResult> = planned
        .iter()
        .filter(|p| !p.missing.is_empty())
        .map(Planned::skipped)
        .collect();
    let to_run: Vec<Mutex<Option<Planned>>> = planned
        .into_iter()
        .filter(|p| p.missing.is_empty())
        .map(|p| Mutex::new(Some(p)))
        .collect();
    let next = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..workers.min(to_run.len()).max(1) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(slot) = to_run.get(i) else { break };
                let taken = slot.lock().unwrap_or_else(|p| p.into_inner()).take();
                if let Some(p) = taken {
                    // The result is recorded by the suite; the returned verdict is for libtest.
                    let _ = p.run();
                }
            });
        }
    });
    results.extend(suite.results());
    results.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(results)
}

thread_local! {
    /// This thread's HTTP client for [`run_one`]: a spec after another on one thread reuses its connections, as the
    /// test binary's threads do. A connection made on a runtime that has ended is closed, and the pool drops it.
    static CLIENT: reqwest::Client = crate::transport::client();
}

/// Runs one loaded spec (see [`crate::load_file`]) against the target `settings` describes, and says how it went. No
/// text of the outcome carries a secret value; [`crate::render_outcome`] renders it for people, and
/// [`SpecOutcome::failed`] is the verdict. `test_name` (`threads::create`) names the spec's recording, which the
/// embedded fixture replays and a recording run writes.
///
/// The HTTP client is this thread's, made on first use, so that specs run one after another reuse its connections.
/// Unlike [`run_specs`], nothing is checked first: neither that the target answers nor what it has.
///
/// ```
/// use langgraph_conformance::{load_file, run_one, Settings};
///
/// let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
/// let settings = Settings::from_lookup(|_name| None, root)?;
/// let path = root.join("specs/meta/ok.yaml");
/// let spec = load_file(&path, "specs/meta/ok.yaml".into(), &settings)?;
/// let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
/// let outcome = runtime.block_on(run_one(&settings, "meta::ok", &spec));
/// assert!(!outcome.failed(), "{}", langgraph_conformance::render_outcome(&outcome));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub async fn run_one(settings: &Settings, test_name: &str, spec: &Spec) -> SpecOutcome {
    let client = CLIENT.with(reqwest::Client::clone);
    crate::exec::spec::run(settings, &client, test_name, spec).await
}
