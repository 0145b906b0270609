//! Redirects are not followed: whatever 3xx the target answers, and wherever its `location` points, nothing reaches
//! the other origin (not the request, not the API key), and the 3xx is the step's answer, checked and recorded as
//! the target's.

mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use langgraph_conformance::{load_file, Settings};

const KEY: &str = "lsv2_sk_redirect_test";

const EXPECTS_200: &str = "\
version: 1
name: the target answers
steps:
  - name: run
    request: {method: POST, path: /runs/wait, json: {assistant_id: agent, input: {}}}
    expect:
      status: 200
";

/// Expects the redirect and follows it by hand, to the target: `location` is captured like any header. A value in a
/// path stays one segment (its `?` would be sent as `%3F`), so the path is captured without the query.
fn expects_redirect(code: u16) -> String {
    format!(
        "\
version: 1
name: a redirect is an answer
steps:
  - name: run
    request: {{method: POST, path: /runs/wait, json: {{assistant_id: agent, input: {{}}}}}}
    capture:
      next: {{header: location, regex: '^(?:https?:)?//[^/]+/([^?]*)'}}
    expect:
      status: {code}
  - name: where it points, on the target
    request: {{method: GET, path: '/${{next}}'}}
    expect:
      status: 200
"
    )
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn redirect_answer(code: u16, location: &str) -> String {
    format!("HTTP/1.1 {code} Elsewhere\r\nlocation: {location}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
}

const OK: &str =
    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}";

fn settings(url: &str, record_dir: &Path) -> Settings {
    let record_dir = record_dir.to_string_lossy().into_owned();
    Settings::from_lookup(
        |k| match k {
            "LANGGRAPH_URL" => Some(url.to_string()),
            "LANGGRAPH_API_KEY" => Some(KEY.to_string()),
            "LANGGRAPH_RECORD" => Some("force".to_string()),
            "LANGGRAPH_RECORD_DIR" => Some(record_dir.clone()),
            _ => None,
        },
        Path::new(env!("CARGO_MANIFEST_DIR")),
    )
    .expect("settings")
}

async fn run(
    spec_path: &Path,
    answers: Vec<PathBuf>,
    record_dir: &Path,
) -> (Result<(), String>, Vec<String>) {
    let server = support::raw_server::start(answers).await;
    let s = settings(&server.url, record_dir);
    let spec = load_file(spec_path, spec_path.to_path_buf(), &s).expect("valid spec");
    let out = tokio::time::timeout(
        Duration::from_secs(20),
        support::run_spec(&s, "redirect", &spec),
    )
    .await
    .expect("the harness never hangs")
    .map_err(|e| e.to_string());
    let heads = server.requests.lock().unwrap().clone();
    (out, heads)
}

#[tokio::test]
async fn no_request_and_no_key_leaves_the_target() {
    let other = support::other_origin::start().await;
    let tmp = std::env::temp_dir().join(format!("lgc-redirects-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).unwrap();
    let records = tmp.join("recordings");
    let expects_200 = write(&tmp, "expects_200.yaml", EXPECTS_200);
    let ok = write(&tmp, "ok.http", OK);
    let mut problems = Vec::new();
    for code in 300..=308u16 {
        let spec = write(
            &tmp,
            &format!("expects_{code}.yaml"),
            &expects_redirect(code),
        );
        for location in [
            format!("http://{}/stolen?x=1", other.authority),
            format!("//{}/stolen?x=1", other.authority),
        ] {
            let answer = write(&tmp, "redirect.http", &redirect_answer(code, &location));

            // Expecting 200: a failure that says the server redirected, and where.
            let (out, _) = run(&expects_200, vec![answer.clone()], &records).await;
            match out {
                Ok(()) => problems.push(format!("{code} to {location}: passed")),
                Err(report) => {
                    let note = format!(
                        "= the server redirected to {location} (status {code}); redirects are not followed"
                    );
                    if !report.contains(&format!("error: status {code}, expected 200"))
                        || !report.contains(&note)
                    {
                        problems.push(format!(
                            "{code} to {location}: report without the note:\n{report}"
                        ));
                    }
                }
            }
            // What is recorded is the target's answer.
            let recorded = std::fs::read(records.join("redirect").join("001.http")).unwrap();
            if !recorded.starts_with(format!("HTTP/1.1 {code} ").as_bytes()) {
                problems.push(format!(
                    "{code} to {location}: recorded {}",
                    String::from_utf8_lossy(&recorded)
                ));
            }

            // Expecting the 3xx: it passes, and its `location` can be captured and used.
            let (out, heads) = run(&spec, vec![answer, ok.clone()], &records).await;
            if let Err(report) = out {
                problems.push(format!(
                    "{code} to {location}: expecting it failed:\n{report}"
                ));
            } else if !heads[1].starts_with("GET /stolen HTTP/1.1") {
                problems.push(format!("{code} to {location}: step 2 sent {}", heads[1]));
            }
            if !heads[0]
                .to_ascii_lowercase()
                .contains(&format!("x-api-key: {KEY}"))
            {
                problems.push(format!(
                    "{code}: the target did not get the key: {}",
                    heads[0]
                ));
            }
        }
    }
    let received = other.received.lock().unwrap().clone();
    assert!(
        received.is_empty(),
        "{} request(s) reached the other origin, the first:\n{}",
        received.len(),
        String::from_utf8_lossy(&received[0])
    );
    assert_eq!(other.connections(), 0);
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
    std::fs::remove_dir_all(&tmp).unwrap();
}
