//! Golden tests of the harness's own messages, and of its verdicts against servers that misbehave.
//!
//! - `golden/malformed/*.yaml`: specs with a mistake; the error must match `*.err`.
//! - `golden/failures/*.yaml`: each is run against a loopback server that answers with `*.http` (or `*.1.http`,
//!   `*.2.http`, ... for several requests); the spec must fail, with the report in `*.err`.
//! - `golden/blocked/*.yaml`: a set-up step fails; the spec is blocked, not failed, with the report in `*.err`.
//! - `golden/timing/*.yaml`: slow answers; the spec fails with the report in `*.err`, timings normalised.
//! - `golden/tolerated/*.yaml`: wire variations real servers produce; the spec must pass.
//! - `golden/warnings/*.yaml`: `should`s that do not hold; the spec passes with the warnings in `*.err`, and fails
//!   with the same report when the run is strict.
//! - `golden/_shared/*.yaml`: shared steps the cases use (`use: thread/create`), some with a mistake on purpose.
//!
//! The cases are under `tests/golden/`. `BLESS=1 cargo test --lib golden` rewrites the `.err` files from the current
//! output (never where `CI` is set); review the diff.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::exec::spec::run;
use crate::outcome::{SpecOutcome, State};
use crate::report::render_outcome;
use crate::runner::plan::load_file;
use crate::runner::plan::run_spec;
use crate::support;
use crate::target::Settings;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn settings(url: Option<&str>) -> Settings {
    let url = url.map(str::to_string);
    Settings::from_lookup(
        |k| {
            if k == "LANGGRAPH_URL" {
                url.clone()
            } else {
                None
            }
        },
        &root(),
    )
    .expect("settings")
}

fn cases(dir: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(root().join("tests/golden").join(dir))
        .expect("golden folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    v.sort();
    assert!(!v.is_empty(), "no cases in {dir}");
    v
}

fn shown(path: &Path) -> PathBuf {
    path.strip_prefix(root())
        .expect("under the project")
        .to_path_buf()
}

/// Compares with the golden `.err` file (see `crate::golden` for BLESS). Returns a description of the mismatch.
fn golden(path: &Path, actual: &str) -> Option<String> {
    crate::golden::check(&path.with_extension("err"), actual)
        .err()
        .map(|e| e.to_string())
}

fn responses(spec: &Path) -> Vec<PathBuf> {
    let single = spec.with_extension("http");
    if single.exists() {
        return vec![single];
    }
    (1..)
        .map(|i| spec.with_extension(format!("{i}.http")))
        .take_while(|p| p.exists())
        .collect()
}

/// A retried step's note says how many attempts it took and how long: timing, not behaviour.
fn without_timing(report: &str) -> String {
    let re = regex::Regex::new(r"retried: \d+ attempt\(s\) in [\d.]+s").expect("static regex");
    re.replace_all(report, "retried: N attempt(s) in Ts")
        .into_owned()
}

/// Runs a spec against the raw server and gives its verdict, and the server's URL.
fn verdict_against_raw(spec_path: &Path, strict: bool) -> (SpecOutcome, String) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let server = support::raw_server::start(responses(spec_path)).await;
        let mut s = settings(Some(&server.url));
        s.strict = strict;
        let spec = load_file(spec_path, shown(spec_path), &s).expect("the case's spec is valid");
        let client = crate::transport::client();
        let v = tokio::time::timeout(Duration::from_secs(20), run(&s, &client, "case", &spec))
            .await
            .unwrap_or_else(|_| panic!("{}: the harness hung", spec_path.display()));
        (v, server.url.clone())
    })
}

/// Runs a spec against the raw server; the outer timeout proves the harness never hangs on a misbehaving server.
fn run_against_raw(spec_path: &Path) -> (Result<(), String>, String) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let server = support::raw_server::start(responses(spec_path)).await;
        let s = settings(Some(&server.url));
        let spec = load_file(spec_path, shown(spec_path), &s).expect("the case's spec is valid");
        let client = crate::transport::client();
        let name = spec_path
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let out =
            tokio::time::timeout(Duration::from_secs(20), run_spec(&s, &client, &name, &spec))
                .await
                .unwrap_or_else(|_| panic!("{}: the harness hung", spec_path.display()));
        (out.map_err(|e| e.to_string()), server.url.clone())
    })
}

#[test]
fn malformed_specs_are_reported_at_file_line_column() {
    let s = settings(None);
    let mut problems = Vec::new();
    for case in cases("malformed") {
        match load_file(&case, shown(&case), &s) {
            Ok(_) => problems.push(format!(
                "{}: loaded, but it should be refused",
                case.display()
            )),
            Err(e) => problems.extend(golden(&case, &e.to_string())),
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn failures_say_where_and_why() {
    let mut problems = Vec::new();
    for case in cases("failures") {
        match run_against_raw(&case) {
            (Ok(()), _) => problems.push(format!(
                "{}: passed, but the server breaks it",
                case.display()
            )),
            (Err(report), url) => problems.extend(golden(
                &case,
                &without_timing(&report.replace(&url, "http://SERVER")),
            )),
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

#[test]
fn should_level_failures_warn_and_fail_only_when_strict() {
    let mut problems = Vec::new();
    for case in cases("warnings") {
        let (v, url) = verdict_against_raw(&case, false);
        if v.failed() || v.musts_failed() > 0 || v.shoulds_failed() == 0 {
            problems.push(format!(
                "{}: expected warnings only, got {v:?}",
                case.display()
            ));
        }
        problems.extend(golden(
            &case,
            &render_outcome(&v).replace(&url, "http://SERVER"),
        ));
        let (strict, _) = verdict_against_raw(&case, true);
        if !strict.failed() || strict.shoulds_failed() != v.shoulds_failed() {
            problems.push(format!(
                "{}: a strict run must fail it: {strict:?}",
                case.display()
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

#[test]
fn a_failed_set_up_blocks_the_spec_and_says_which() {
    let mut problems = Vec::new();
    for case in cases("blocked") {
        let (v, url) = verdict_against_raw(&case, false);
        if !matches!(v.state, State::Blocked(_)) {
            problems.push(format!(
                "{}: expected blocked, got {:?}",
                case.display(),
                v.state
            ));
        }
        problems.extend(golden(
            &case,
            &render_outcome(&v).replace(&url, "http://SERVER"),
        ));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

/// Answers that come late, and retries whose window closes mid-attempt: timings are normalised before comparing.
#[test]
fn late_answers_and_closed_windows_say_what_the_server_did() {
    let re = regex::Regex::new(r"(after|into this attempt,?) [\d.]+s|[\d.]+s into")
        .expect("static regex");
    let mut problems = Vec::new();
    for case in cases("timing") {
        match run_against_raw(&case) {
            (Ok(()), _) => problems.push(format!(
                "{}: passed, but the server breaks it",
                case.display()
            )),
            (Err(report), url) => {
                let report = without_timing(&report.replace(&url, "http://SERVER"));
                problems.extend(golden(&case, &re.replace_all(&report, "$1 Ts")));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

#[test]
fn tolerated_wire_variations_pass() {
    let mut problems = Vec::new();
    for case in cases("tolerated") {
        if let (Err(report), _) = run_against_raw(&case) {
            problems.push(format!(
                "{}: failed, but this is valid:\n{report}",
                case.display()
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

#[test]
fn the_api_key_is_sent_but_never_printed() {
    let case = root().join("tests/golden/failures/status_mismatch.yaml");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let server = support::raw_server::start(responses(&case)).await;
        let url = server.url.clone();
        let s = Settings::from_lookup(
            |k| match k {
                "LANGGRAPH_URL" => Some(url.clone()),
                "LANGSMITH_API_KEY" => Some("lsv2_sekrit".into()),
                _ => None,
            },
            &root(),
        )
        .expect("settings");
        let spec = load_file(&case, shown(&case), &s).expect("valid");
        let report = run_spec(&s, &crate::transport::client(), "k", &spec)
            .await
            .unwrap_err()
            .to_string();
        assert!(!report.contains("lsv2_sekrit"), "{report}");
        assert!(report.contains("x-api-key: $LANGSMITH_API_KEY"), "{report}");
        let heads = server
            .requests
            .lock()
            .unwrap()
            .join("\n")
            .to_ascii_lowercase();
        assert!(heads.contains("x-api-key: lsv2_sekrit"), "{heads}");
    });
}

#[test]
fn a_retried_step_is_sent_until_it_holds_and_clean_up_runs_after() {
    let case = root().join("tests/golden/tolerated/retry_until_idle.yaml");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let server = support::raw_server::start(responses(&case)).await;
        let s = settings(Some(&server.url));
        let spec = load_file(&case, shown(&case), &s).expect("valid");
        let v = run(&s, &crate::transport::client(), "k", &spec).await;
        assert!(!v.failed(), "{}", render_outcome(&v));
        let heads = server.requests.lock().unwrap().clone();
        let lines: Vec<&str> = heads
            .iter()
            .map(|h| h.lines().next().unwrap_or(""))
            .collect();
        assert_eq!(
            lines,
            [
                "POST /threads HTTP/1.1",
                "GET /threads/t-1 HTTP/1.1",
                "GET /threads/t-1 HTTP/1.1",
                "GET /threads/t-1 HTTP/1.1",
                "DELETE /threads/t-1 HTTP/1.1"
            ]
        );
    });
}
