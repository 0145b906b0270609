//! The test binary's main: every spec file becomes one libtest-mimic trial named from its path (`plan`), run
//! against the target the environment describes, each test thread with a runtime and HTTP client of its own; after
//! the run, what it found, in the forms people and CI read (`outputs`).
//!
//! A test binary is `fn main() -> ExitCode { langgraph_conformance::runner::main() }` (`harness = false`); a command
//! of its own makes its [`crate::Settings`] and [`CommandLine`] and calls [`run`].

mod command_line;
pub(crate) mod library;
pub(crate) mod outputs;
pub(crate) mod plan;
pub(crate) mod reachable;
mod slots;

use std::process::ExitCode;
use std::time::Instant;

use libtest_mimic::{Arguments, FormatSetting, Trial};

pub use command_line::CommandLine;
pub use outputs::target_info;

use library::Error;
use plan::{Planned, Prepare, Suite};
use reachable::Unreachable;

use crate::secrets::display_url;
use crate::target::{RecordMode, Settings};

/// Runs the suite as a libtest-compatible test binary (`cargo test --test conformance -- ARGS`), with the settings
/// from the environment. The specs and fixtures are those of the package cargo runs the test binary for (its
/// `CARGO_MANIFEST_DIR`, laid out as this one: see [`Settings::from_lookup`]); run elsewhere, those this package was
/// built from. A front end that keeps them somewhere else calls [`run`].
pub fn main() -> ExitCode {
    let command = CommandLine::parse(std::env::args().skip(1).collect());
    let settings = match Settings::from_env() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    run(settings, command, Progress::Off)
}

/// Whether a line on standard error counts the specs as they finish (for a terminal).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// Nothing but what libtest prints.
    Off,
    /// One line that counts the specs as they finish, rewritten in place.
    Line,
}

/// Runs the suite with these settings and libtest arguments (name filters, `--exact`, `--list`, `--ignored`, ...):
/// prints what libtest prints, then the summary, and writes the reports the settings ask for. The exit code is
/// libtest's: 0 when every spec that ran passed (or failed as the target's baseline expects), 101 otherwise, 2 for
/// a setting or folder that cannot be used.
pub fn run(settings: Settings, command: CommandLine, progress: Progress) -> ExitCode {
    // What refuses a run may quote the target (a connection error names its URL): never with its credentials.
    let secrets = settings.secrets();
    match run_or_refuse(settings, command, progress) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {}", secrets.scrub(&e.to_string()));
            ExitCode::from(2)
        }
    }
}

/// `run`, with what keeps the suite from running as an error.
fn run_or_refuse(
    mut settings: Settings,
    command: CommandLine,
    progress: Progress,
) -> Result<ExitCode, Error> {
    let CommandLine { mut args, filters } = command;
    // The name filters libtest-mimic cannot hold, applied beside its own.
    let more = CommandLine {
        args: Arguments {
            exact: args.exact,
            ..Arguments::default()
        },
        filters,
    };
    if args.test_threads == Some(0) {
        return Err(Error::NoTestThreads);
    }
    know_the_target(&mut settings, args.list)?;
    // `--test-threads` (and nextest, which runs one spec per process) still decide.
    args.test_threads = args.test_threads.or(Some(settings.concurrency));
    let suite = Suite::new(settings);
    suite.show_progress(progress == Progress::Line);
    suite.check_names_in_specs()?;
    let terse_list = args.list && matches!(args.format, Some(FormatSetting::Terse));
    let planned = plan(&suite, &args, &more, terse_list)?;
    if args.list && !terse_list {
        let listed: Vec<&Planned> = planned
            .iter()
            .filter(|p| !args.is_filtered_out(&p.probe()))
            .filter(|p| !args.ignored || !p.missing.is_empty())
            .collect();
        outputs::list(&listed);
        return Ok(ExitCode::SUCCESS);
    }
    let skipped: Vec<_> = planned
        .iter()
        .filter(|p| !p.missing.is_empty())
        .map(|p| (p.skipped(), p.name.clone()))
        .collect();
    let started = Instant::now();
    let trials: Vec<_> = planned.into_iter().map(Planned::into_trial).collect();
    // libtest-mimic's own filter, so that the reports name the same specs it ran.
    let shown: Vec<String> = trials
        .iter()
        .filter(|t| !args.is_filtered_out(t))
        .map(|t| t.name().to_string())
        .collect();
    let conclusion = libtest_mimic::run(&args, trials);
    if args.list {
        return Ok(conclusion.exit_code());
    }
    let mut results = suite.results();
    // Under nextest, each process is handed one test by name: the skipped ones are reported by every process (the
    // parts of a report are merged by name), so that they do not vanish from it.
    let under_nextest = std::env::var_os("NEXTEST_RUN_ID").is_some();
    if !(args.ignored || args.include_ignored) {
        results.extend(
            skipped
                .into_iter()
                .filter(|(_, name)| under_nextest || shown.contains(name))
                .map(|(r, _)| r),
        );
    }
    results.sort_by(|a, b| a.name.cmp(&b.name));
    outputs::after_run(&suite.settings, &results, started.elapsed())?;
    Ok(conclusion.exit_code())
}

/// Before anything runs: says what the suite runs against, checks that a live target answers, and finds out what
/// it has. A listing finds out too (silently): nextest learns from it which specs are skipped.
fn know_the_target(settings: &mut Settings, listing: bool) -> Result<(), Unreachable> {
    if !listing {
        announce_target(settings);
        if let Some(url) = &settings.url {
            reachable::check(url, settings.api_key.as_ref())?;
        }
    }
    if let Some(url) = settings.url.clone() {
        let found =
            crate::discovery::discover(&url, settings.api_key.as_ref(), settings.graph_id());
        let lines = settings.apply(&found);
        if !listing {
            for line in lines {
                eprintln!("{}", settings.secrets().scrub(&line));
            }
        }
    }
    Ok(())
}

/// The specs the arguments select, ready to run; the target's baselines checked against them. A run loads the specs
/// it selects; a listing reads their headers (requires, tags), and nextest's terse listing only their names.
fn plan(
    suite: &std::sync::Arc<Suite>,
    args: &Arguments,
    more: &CommandLine,
    terse_list: bool,
) -> Result<Vec<Planned>, Error> {
    let prepare = match (args.list, terse_list) {
        (false, _) => Prepare::Specs,
        (true, true) if !args.ignored && suite.settings.tags.is_empty() => Prepare::Names,
        (true, _) => Prepare::Headers,
    };
    // libtest-mimic's name filter, applied before reading: `cargo test NAME` and nextest (a process per test) read
    // one spec, not the whole folder. Only the name filters decide here: with `--ignored`, which specs are ignored
    // is known only once read.
    let selected = |name: &str| {
        let probe = Trial::test(name, || Ok(())).with_ignored_flag(args.ignored);
        !args.is_filtered_out(&probe) && more.selects(name)
    };
    let planned = suite.plan(prepare, selected)?;
    let stale = suite.unknown_known_failures(&planned);
    if !stale.is_empty() {
        return Err(Error::UnknownKnownFailures { specs: stale });
    }
    let stale = suite.unknown_tolerated_departures(&planned);
    if !stale.is_empty() {
        return Err(Error::UnknownToleratedDepartures { specs: stale });
    }
    Ok(planned
        .into_iter()
        .filter(|p| suite.settings.tags.selects(&p.tags) && more.selects(&p.name))
        .collect())
}

fn announce_target(settings: &Settings) {
    eprintln!("{}", target_line(settings));
    if let Some(n) = settings.secrets().notice() {
        eprintln!("warning: {n}");
    }
}

/// The line that says, at the start, what the suite runs against; it never shows the URL's credentials.
fn target_line(settings: &Settings) -> String {
    let line = match &settings.url {
        Some(u) if settings.record != RecordMode::Off => format!(
            "target: {} (recording into {})",
            display_url(u),
            settings.record_dir.display()
        ),
        Some(u) => format!("target: {}", display_url(u)),
        None => {
            "target: the embedded fixture (set LANGGRAPH_URL, or --url of the langgraph-conformance command, to test a live deployment)".to_string()
        }
    };
    let line = match (&settings.diff.reference_url, settings.diff.on()) {
        (_, false) => line,
        (Some(r), true) => format!("{line}\ndifferential mode: each answer compared with the live reference at {r}"),
        (None, true) if settings.diff.same_graph => {
            format!("{line}\ndifferential mode: each answer compared with the spec's recording")
        }
        (None, true) => format!(
            "{line}\ndifferential mode: each answer compared with the spec's recording, graph state aside (the target's \
             variables are not those the recordings were made with)"
        ),
    };
    settings.secrets().scrub(&line)
}

#[cfg(test)]
mod tests;
