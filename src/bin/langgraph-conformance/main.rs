//! `langgraph-conformance`: the suite as one command, for those who only want to test their deployment. It runs the
//! specs built into it (or `--specs DIR`) against `--url`, or on the embedded fixture, with every setting as a flag
//! or from the environment, and ends with the same summary, reports, baselines and exit codes as
//! `cargo test --test conformance`. `--help` lists the settings.

mod bundle;
mod cli;
mod matrix;

use std::io::IsTerminal as _;
use std::process::ExitCode;

use langgraph_conformance::runner::{self, Progress};
use langgraph_conformance::setting_names;
use langgraph_conformance::{Settings, SettingsError};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("matrix") {
        return matrix::main(args[1..].to_vec(), || Ok(bundle::root()?));
    }
    let command = match cli::parse(args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    if command.help {
        print!("{}", cli::help());
        return ExitCode::SUCCESS;
    }
    if command.version {
        println!("langgraph-conformance {}", env!("CARGO_PKG_VERSION"));
        return ExitCode::SUCCESS;
    }
    let root = match bundle::root() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let settings = match settings(&command, &root) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {}", cli::as_given(&e.to_string(), &command));
            return ExitCode::from(2);
        }
    };
    let mut libtest = vec!["langgraph-conformance".to_string()];
    // On a terminal, one line that counts the specs as they finish says more than a line per spec.
    let progress = match std::io::stderr().is_terminal() {
        true if !command
            .libtest
            .iter()
            .any(|a| a == "--format" || a == "--list") =>
        {
            libtest.extend(["--format".into(), "terse".into()]);
            Progress::Line
        }
        _ => Progress::Off,
    };
    libtest.extend(command.libtest.iter().cloned());
    // Only arguments `cli` let through reach libtest's parser, which ends the process itself on a bad value.
    let command = runner::CommandLine::parse(libtest.into_iter().skip(1).collect());
    runner::run(settings, command, progress)
}

/// The settings: a flag where one was given, the environment variable of the same meaning otherwise.
fn settings(command: &cli::Command, root: &std::path::Path) -> Result<Settings, SettingsError> {
    let flag = |name: &str| {
        command
            .settings
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let mut overrides: Vec<String> = std::env::vars_os()
        .filter_map(|(k, _)| k.into_string().ok())
        .filter(|k| k.starts_with("LANGGRAPH_VAR_"))
        .collect();
    overrides.extend(
        command
            .settings
            .iter()
            .map(|(k, _)| k.clone())
            .filter(|k| k.starts_with("LANGGRAPH_VAR_")),
    );
    overrides.sort();
    overrides.dedup();
    let s = Settings::from_lookup_and_names(
        |k| flag(k).or_else(|| setting_names::env_value(k)),
        root,
        &overrides,
    )?;
    let env = setting_names::given_in_env();
    let given = env.iter().chain(command.settings.iter().map(|(k, _)| k));
    s.check_names(given.map(String::as_str))?;
    Ok(s)
}
