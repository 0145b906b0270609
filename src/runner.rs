//! The test binary's main: every spec file becomes one libtest-mimic trial named from its path, run against the
//! target the environment describes, on one shared tokio runtime and HTTP client.

use std::collections::HashSet;
use std::process::ExitCode;
use std::sync::Arc;

use libtest_mimic::{Arguments, Failed, Trial};

use crate::exec::{run_step, Ctx};
use crate::fixture;
use crate::report::{render, StepContext};
use crate::secrets::{display_url, Secrets};
use crate::source::Source;
use crate::spec::template::render_json;
use crate::spec::{discover, load_spec, Spec, SpecFile};
use crate::target::Settings;

struct Shared {
    settings: Settings,
    client: reqwest::Client,
    runtime: tokio::runtime::Runtime,
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
        eprintln!("{}", target_line(&settings));
    }
    let shared = Arc::new(Shared {
        client: crate::transport::client(),
        settings,
        runtime,
    });
    let mut skipped = Vec::new();
    let trials = trials(&shared, files, &mut skipped);
    let conclusion = libtest_mimic::run(&args, trials);
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

/// The line that says, at the start, what the suite runs against; it never shows the URL's credentials.
fn target_line(settings: &Settings) -> String {
    let line = match &settings.url {
        Some(u) if settings.record => format!(
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

fn trials(shared: &Arc<Shared>, files: Vec<SpecFile>, skipped: &mut Vec<String>) -> Vec<Trial> {
    files
        .into_iter()
        .map(|file| {
            let loaded = load_file(&file.path, display_path(&file), &shared.settings);
            let missing: Vec<String> = match &loaded {
                Ok(spec) => spec
                    .requires
                    .iter()
                    .filter(|r| !shared.settings.capabilities.contains(*r))
                    .cloned()
                    .collect(),
                Err(_) => Vec::new(),
            };
            if !missing.is_empty() {
                skipped.push(format!("{}: needs {}", file.test_name, missing.join(", ")));
            }
            let shared = Arc::clone(shared);
            let name = file.test_name.clone();
            Trial::test(file.test_name.clone(), move || match loaded {
                Err(msg) => Err(Failed::from(msg)),
                Ok(spec) => shared
                    .runtime
                    .block_on(run_spec(&shared.settings, &shared.client, &name, &spec))
                    .map_err(Failed::from),
            })
            .with_ignored_flag(!missing.is_empty())
        })
        .collect()
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

/// Runs one loaded spec against the target `s` describes. The error is the failure report, ready to print. Neither
/// the report nor the recording carries a secret value, even when the server echoes one back.
pub async fn run_spec(
    s: &Settings,
    client: &reqwest::Client,
    test_name: &str,
    spec: &Spec,
) -> Result<(), String> {
    let secrets = s.secrets();
    run_steps_and_record(s, client, test_name, spec, &secrets)
        .await
        .map_err(|report| secrets.scrub(&report))
}

async fn run_steps_and_record(
    s: &Settings,
    client: &reqwest::Client,
    test_name: &str,
    spec: &Spec,
    secrets: &Secrets,
) -> Result<(), String> {
    // The fixture server lives as long as this function: it is dropped (and stopped) when the spec ends.
    let (base, _server) = match &s.url {
        Some(u) => (u.clone(), None),
        None => {
            let dir = fixture::dir_for(&s.recordings_dir, test_name)
                .map_err(|e| format!("error: {e}"))?;
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
        api_key: s.api_key.as_ref(),
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
        // Scrubbed before both uses: a recording never holds a secret, and the drift check then compares like
        // with like.
        let rec: Vec<fixture::Exchange> = rec.iter().map(|e| secrets.scrub_exchange(e)).collect();
        if s.record {
            let dir =
                fixture::dir_for(&s.record_dir, test_name).map_err(|e| format!("error: {e}"))?;
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
    let dir = fixture::dir_for(recordings, test_name).map_err(|e| format!("error: {e}"))?;
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
