//! The test binary's main: every spec file becomes one libtest-mimic trial named from its path ([`plan`]), run
//! against the target the environment describes, each test thread with a runtime and HTTP client of its own; after
//! the run, what it found, in the forms people and CI read ([`outputs`]).

pub mod outputs;
pub mod plan;
mod slots;

use std::process::ExitCode;
use std::time::Instant;

use libtest_mimic::{Arguments, FormatSetting, Trial};

pub use plan::{load_file, run_spec, Planned, Prepare, Suite};

use crate::secrets::display_url;
use crate::target::{RecordMode, Settings};

/// Runs the suite as a libtest-compatible test binary (`cargo test --test conformance -- ARGS`), with the settings
/// from the environment.
pub fn main() -> ExitCode {
    let args = Arguments::from_args();
    let settings = match Settings::from_env() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    run(settings, args, Progress::Off)
}

/// Whether a line on standard error counts the specs as they finish (for a terminal).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    Off,
    Line,
}

/// Runs the suite with these settings and libtest arguments (name filters, `--exact`, `--list`, `--ignored`, ...):
/// prints what libtest prints, then the summary, and writes the reports the settings ask for. The exit code is
/// libtest's: 0 when every spec that ran passed (or failed as the target's baseline expects), 101 otherwise, 2 for
/// a setting or folder that cannot be used.
pub fn run(settings: Settings, mut args: Arguments, progress: Progress) -> ExitCode {
    if !args.list {
        announce_target(&settings);
    }
    // `--test-threads` (and nextest, which runs one spec per process) still decide.
    args.test_threads = args.test_threads.or(Some(settings.concurrency));
    let suite = match Suite::new(settings) {
        Ok(s) => {
            s.show_progress(progress == Progress::Line);
            s
        }
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    // A run loads the specs it selects; a listing reads their headers (requires, tags), and nextest's terse listing
    // only their names.
    let terse_list = args.list && matches!(args.format, Some(FormatSetting::Terse));
    let prepare = match (args.list, terse_list) {
        (false, _) => Prepare::Specs,
        (true, true) if !args.ignored && suite.settings.tags.is_empty() => Prepare::Names,
        (true, _) => Prepare::Headers,
    };
    // libtest-mimic's name filter, applied before reading: `cargo test NAME` and nextest (a process per test) read
    // one spec, not the whole folder.
    // Only the name filters decide here: with `--ignored`, which specs are ignored is known only once read.
    let selected = |name: &str| {
        let probe = Trial::test(name, || Ok(())).with_ignored_flag(args.ignored);
        !args.is_filtered_out(&probe)
    };
    let planned = match suite.plan(prepare, selected) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let stale = suite.unknown_known_failures(&planned);
    if !stale.is_empty() {
        eprintln!(
            "error: the target's known_failures names specs that do not exist: {}",
            stale.join(", ")
        );
        return ExitCode::from(2);
    }
    let planned: Vec<Planned> = planned
        .into_iter()
        .filter(|p| suite.settings.tags.selects(&p.tags))
        .collect();
    if args.list && !terse_list {
        let listed: Vec<&Planned> = planned
            .iter()
            .filter(|p| !args.is_filtered_out(&p.probe()))
            .filter(|p| !args.ignored || !p.missing.is_empty())
            .collect();
        outputs::list(&listed);
        return ExitCode::SUCCESS;
    }
    let ignored: Vec<_> = planned
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
        return conclusion.exit_code();
    }
    let mut results = suite.results();
    // Under nextest, each process is handed one test by name: the ignored ones are reported by every process (the
    // parts of a report are merged by name), so that they do not vanish from it.
    let under_nextest = std::env::var_os("NEXTEST_RUN_ID").is_some();
    if !(args.ignored || args.include_ignored) {
        results.extend(
            ignored
                .into_iter()
                .filter(|(_, name)| under_nextest || shown.contains(name))
                .map(|(r, _)| r),
        );
    }
    results.sort_by(|a, b| a.name.cmp(&b.name));
    let written = outputs::after_run(&suite.settings, &results, started.elapsed());
    match (written, conclusion.exit_code()) {
        (Err(e), _) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
        (Ok(()), code) => code,
    }
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
            "target: the embedded fixture (set LANGGRAPH_URL to test a live deployment)".to_string()
        }
    };
    settings.secrets().scrub(&line)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(env: &[(&str, &str)]) -> Settings {
        Settings::from_lookup(
            |k| {
                env.iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            },
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")),
        )
        .expect("settings")
    }

    #[test]
    fn the_target_line_never_shows_credentials() {
        let s = settings(&[("LANGGRAPH_URL", "https://me:hunter2@example.com/base/")]);
        assert_eq!(
            target_line(&s),
            "target: https://<redacted>@example.com/base"
        );
        let s = settings(&[("LANGGRAPH_URL", "http://127.0.0.1:2024")]);
        assert_eq!(target_line(&s), "target: http://127.0.0.1:2024");
        assert!(target_line(&settings(&[])).contains("embedded fixture"));
    }
}
