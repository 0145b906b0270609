//! The reproductions of the hardening issue that need a server: each bad input against a loopback server that sends
//! it, with what the harness must do instead of what it did.

mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use langgraph_conformance::exec::spec::run;
use langgraph_conformance::outcome::SpecOutcome;
use langgraph_conformance::report::render_outcome;
use langgraph_conformance::runner::load_file;
use langgraph_conformance::target::Settings;

/// Writes `text` as a spec and each answer as a response file, in a fresh folder.
fn case(name: &str, spec: &str, answers: &[String]) -> (PathBuf, Vec<PathBuf>) {
    let dir = support::scratch(name);
    let spec_path = dir.join(format!("{name}.yaml"));
    std::fs::write(&spec_path, spec).unwrap();
    let files = answers
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let p = dir.join(format!("{}.http", i + 1));
            std::fs::write(&p, a).unwrap();
            p
        })
        .collect();
    (spec_path, files)
}

fn json_answer(body: &str) -> String {
    format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
}

/// Runs the spec against a raw server answering `files` in order; the outcome and the request lines it received.
async fn against(
    spec_path: &Path,
    files: Vec<PathBuf>,
    env: &[(&str, &str)],
    recordings: &Path,
) -> (SpecOutcome, Vec<String>) {
    let server = support::raw_server::start(files).await;
    let mut all = vec![("LANGGRAPH_URL", server.url.as_str())];
    all.extend_from_slice(env);
    let s: Settings = support::settings_from(&all, recordings);
    let spec = load_file(spec_path, spec_path.to_path_buf(), &s).expect("valid spec");
    let client = langgraph_conformance::transport::client();
    let out = tokio::time::timeout(Duration::from_secs(30), run(&s, &client, "hostile::case", &spec))
        .await
        .expect("the harness never hangs");
    let lines = server
        .requests
        .lock()
        .unwrap()
        .iter()
        .map(|h| h.lines().next().unwrap_or("").to_string())
        .collect();
    (out, lines)
}

/// A captured value spliced into a path is one segment: `abc#frag` used to drop the rest of the path and the whole
/// query, and the spec passed; `abc?admin=1` added a parameter; `abc/../../admin` sent the request to `/admin`.
#[tokio::test]
async fn a_captured_value_cannot_bend_the_next_request() {
    for (id, sent) in [
        ("abc#frag", "GET /threads/abc%23frag/state?limit=1 HTTP/1.1"),
        ("abc?admin=1", "GET /threads/abc%3Fadmin=1/state?limit=1 HTTP/1.1"),
        ("abc/../../admin", "GET /threads/abc%2F..%2F..%2Fadmin/state?limit=1 HTTP/1.1"),
        ("a\\\\b", "GET /threads/a%5Cb/state?limit=1 HTTP/1.1"),
    ] {
        let spec = "version: 1\nname: splice\nsteps:\n  - request: {method: POST, path: /threads, json: {}}\n    capture: {id: {body: $.thread_id}}\n    expect: {status: 200}\n  - request: {method: GET, path: '/threads/${id}/state', query: {limit: 1}}\n    expect: {status: 200}\n";
        let (path, files) = case(
            "splice",
            spec,
            &[json_answer(&format!("{{\"thread_id\":\"{id}\"}}")), json_answer("{}")],
        );
        let (out, lines) = against(&path, files, &[], &support::scratch("none")).await;
        assert!(!out.failed(), "{}", render_outcome(&out));
        assert_eq!(lines[1], sent, "{id}");
    }
    let spec = "version: 1\nname: dots\nsteps:\n  - request: {method: POST, path: /threads, json: {}}\n    capture: {id: {body: $.thread_id}}\n    expect: {status: 200}\n  - request: {method: GET, path: '/threads/${id}/state'}\n    expect: {status: 200}\n";
    let (path, files) = case("dots", spec, &[json_answer("{\"thread_id\":\"..\"}"), json_answer("{}")]);
    let (out, lines) = against(&path, files, &[], &support::scratch("none")).await;
    assert!(out.failed());
    let report = render_outcome(&out);
    assert!(report.contains("whose segment `..` the HTTP client would resolve"), "{report}");
    assert_eq!(lines.len(), 1, "the bent request is not sent: {lines:?}");
}
