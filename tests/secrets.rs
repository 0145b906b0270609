//! No secret is printed or recorded, even when the server reflects the request's headers into its answer (as error
//! pages and debugging proxies do): not the API key, not the credentials in `LANGGRAPH_URL`, not the basic-auth token
//! the client makes of them.

mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use langgraph_conformance::runner::{load_file, run_spec};
use langgraph_conformance::target::Settings;

const KEY: &str = "lsv2_sk_reflected_0123";
/// What may never appear: the key, the URL's password (as written and decoded), and base64("me:p@ss").
const SECRETS: [&str; 4] = [KEY, "p%40ss", "p@ss", "bWU6cEBzcw=="];

const SPEC: &str = "\
version: 1
name: a server that reflects what it was sent
steps:
  - name: post
    request:
      method: POST
      path: /runs/wait
      json: {assistant_id: agent}
    expect:
      status: 200
";

const REFLECTED_ERROR: &str =
    "HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\nyou sent:\n<<ECHO>>";
const REFLECTED_OK: &str =
    "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\nyou sent:\n<<ECHO>>";

fn settings(server_url: &str, env: &[(&str, &str)], recordings: &Path) -> Settings {
    // The target's URL with credentials in it: the client sends them as basic auth.
    let url = server_url.replace("http://", "http://me:p%40ss@");
    let mut all = vec![("LANGGRAPH_URL", url.as_str()), ("LANGSMITH_API_KEY", KEY)];
    all.extend_from_slice(env);
    support::settings_from(&all, recordings)
}

/// Runs the spec against a server answering `answer`; returns the outcome and the request heads it received.
async fn run(
    tmp: &Path,
    answer: &str,
    env: &[(&str, &str)],
    recordings: &Path,
) -> (Result<(), String>, String) {
    let file = tmp.join("answer.http");
    std::fs::write(&file, answer).unwrap();
    let spec_path = tmp.join("reflect.yaml");
    std::fs::write(&spec_path, SPEC).unwrap();
    let server = support::raw_server::start(vec![file]).await;
    let s = settings(&server.url, env, recordings);
    let spec = load_file(&spec_path, spec_path.clone(), &s).expect("valid spec");
    let out = tokio::time::timeout(
        Duration::from_secs(20),
        run_spec(
            &s,
            &langgraph_conformance::transport::client(),
            "secrets::reflect",
            &spec,
        ),
    )
    .await
    .expect("the harness never hangs");
    let heads = server.requests.lock().unwrap().join("\n");
    (out, heads)
}

fn leaks(text: &str) -> Vec<&'static str> {
    SECRETS.into_iter().filter(|s| text.contains(s)).collect()
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    out.sort();
    out
}

fn temp(name: &str) -> PathBuf {
    let tmp = std::env::temp_dir().join(format!("lgc-secrets-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).unwrap();
    tmp
}

#[tokio::test]
async fn a_failure_report_never_shows_a_reflected_secret() {
    let tmp = temp("report");
    let (out, heads) = run(&tmp, REFLECTED_ERROR, &[], &tmp.join("none")).await;
    let lower = heads.to_ascii_lowercase();
    assert!(lower.contains(&format!("x-api-key: {KEY}")), "{heads}");
    assert!(
        lower.contains("authorization: basic bwu6cebzcw=="),
        "{heads}"
    );

    let report = out.expect_err("400 is not 200");
    assert_eq!(leaks(&report), Vec::<&str>::new(), "{report}");
    assert!(
        report.contains("x-api-key: <redacted>"),
        "the reflection is shown, scrubbed: {report}"
    );
    assert!(
        report.contains("authorization: Basic <redacted>"),
        "{report}"
    );
    assert!(
        report.contains("-H \"x-api-key: $LANGSMITH_API_KEY\""),
        "{report}"
    );
    assert!(report.contains("'http://<redacted>@127.0.0.1:"), "{report}");
    std::fs::remove_dir_all(&tmp).unwrap();
}

#[tokio::test]
async fn a_recording_never_holds_a_reflected_secret() {
    let tmp = temp("recording");
    let recordings = tmp.join("recordings");
    let dir = recordings.to_string_lossy().into_owned();
    let record = [
        ("LANGGRAPH_RECORD", "1"),
        ("LANGGRAPH_RECORD_DIR", dir.as_str()),
    ];
    let (out, _) = run(&tmp, REFLECTED_OK, &record, &recordings).await;
    out.expect("the spec passes");

    let saved = recordings.join("secrets").join("reflect");
    let files = files(&saved);
    assert_eq!(files.len(), 2, "{files:?}");
    for f in &files {
        let text = String::from_utf8_lossy(&std::fs::read(f).unwrap()).into_owned();
        assert_eq!(leaks(&text), Vec::<&str>::new(), "{}:\n{text}", f.display());
    }
    let response = std::fs::read_to_string(saved.join("001.http")).unwrap();
    assert!(response.contains("x-api-key: <redacted>"), "{response}");

    // Checked for drift on another run of the same server: the same scrubbed answer, so no drift.
    let (out, _) = run(
        &tmp,
        REFLECTED_OK,
        &[("LANGGRAPH_DRIFT_CHECK", "1")],
        &recordings,
    )
    .await;
    out.expect("a reflected secret is not drift");
    std::fs::remove_dir_all(&tmp).unwrap();
}
