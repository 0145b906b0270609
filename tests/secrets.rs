//! No secret is printed or recorded, even when the server reflects the request's headers into its answer (as error
//! pages and debugging proxies do): not the API key, not the credentials in `LANGGRAPH_URL`, not the basic-auth token
//! the client makes of them.

mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use langgraph_conformance::{load_file, Settings};

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
        support::run_spec(&s, "secrets::reflect", &spec),
    )
    .await
    .expect("the harness never hangs")
    .map_err(|e| e.to_string());
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

/// The reproductions of the hardening issue, run as people run the suite (the binary, with reports), against a server
/// that reflects secrets: a key just before the 2,000-character body preview ends, and in a 60-character event-name
/// preview; a key in upper and lower case; a step's own credential headers; a spec file that is a link to a file
/// outside the specs folder. Nothing of any of them reaches the console, `junit.xml` or `report.json`.
#[tokio::test(flavor = "multi_thread")]
async fn no_part_of_a_secret_is_printed_whatever_form_or_place_it_comes_back_in() {
    const KEY: &str = "SeKrit-abc-123";
    const OWN: [&str; 3] = ["step-token-4567", "access-key-89ab", "sig-0f1e2d3c"];
    let tmp = temp("e2e");
    let specs = tmp.join("specs");
    std::fs::create_dir_all(&specs).unwrap();
    let spec = |name: &str, path: &str, extra: &str, expect: &str| {
        std::fs::write(
            specs.join(format!("{name}.yaml")),
            format!(
                "version: 1\nname: {name}\nsteps:\n  - name: ask\n    request: {{method: POST, path: {path}, json: {{a: 1}}{extra}}}\n    expect:\n{expect}"
            ),
        )
        .unwrap();
    };
    spec("cut", "/cut", "", "      status: 200\n");
    spec("cases", "/cases", "", "      status: 200\n");
    spec(
        "event_name",
        "/event",
        "",
        "      stream: {sequence: [metadata, end]}\n",
    );
    spec(
        "own_headers",
        "/echo",
        &format!(
            ", headers: {{authorization: 'Bearer {}', x-access-key: '{}', x-signature: '{}'}}",
            OWN[0], OWN[1], OWN[2]
        ),
        "      status: 200\n",
    );
    // A link named like a spec, to a file outside the specs folder; its YAML error must not quote it.
    std::fs::write(tmp.join("outside.txt"), format!("password: {KEY}\n{{\n")).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(tmp.join("outside.txt"), specs.join("linked.yaml")).unwrap();

    let answer = |name: &str, text: String| {
        let p = tmp.join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    let json_400 =
        "HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\n";
    let routes = vec![
        (
            "/cut".to_string(),
            answer(
                "cut.http",
                format!("{json_400}{}x-api-key: {KEY}{}", "a".repeat(1981), "b".repeat(100)),
            ),
        ),
        (
            "/cases".to_string(),
            answer(
                "cases.http",
                format!(
                    "{json_400}X-API-KEY: {} x-api-key: {}",
                    KEY.to_uppercase(),
                    KEY.to_lowercase()
                ),
            ),
        ),
        (
            "/event".to_string(),
            answer(
                "event.http",
                format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\nevent: metadata\r\ndata: {{}}\r\n\r\nevent: {}{KEY}{}\r\ndata: {{}}\r\n\r\n",
                    "e".repeat(52),
                    "f".repeat(40)
                ),
            ),
        ),
        (
            "/echo".to_string(),
            answer("echo.http", format!("{json_400}you sent:\n<<ECHO>>")),
        ),
    ];
    let server = support::raw_server::start_routed(routes).await;
    let reports = tmp.join("reports");
    let (url, dir, rep) = (server.url.clone(), specs.clone(), reports.clone());
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_langgraph-conformance"))
            .args(["--url", &url, "--specs"])
            .arg(&dir)
            .arg("--report-dir")
            .arg(&rep)
            .env("LANGGRAPH_API_KEY", KEY)
            .env_remove("LANGSMITH_API_KEY")
            .env_remove("LANGGRAPH_TARGET_CONFIG")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let heads = server.requests.lock().unwrap().join("\n");
    for own in OWN {
        assert!(heads.contains(own), "the step sent {own}: {heads}");
    }
    let console = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(console.contains("test result: FAILED"), "{console}");
    for (what, text) in [
        ("the console", console.clone()),
        (
            "junit.xml",
            std::fs::read_to_string(reports.join("junit.xml")).unwrap(),
        ),
        (
            "report.json",
            std::fs::read_to_string(reports.join("report.json")).unwrap(),
        ),
    ] {
        let lower = text.to_lowercase();
        // No part of the key: not even its first characters before a cut.
        assert!(!lower.contains("sekrit"), "{what}:\n{text}");
        for own in OWN {
            assert!(!lower.contains(own), "{own} in {what}:\n{text}");
        }
        assert!(
            text.contains("<redacte") || text.contains("&lt;redacte"),
            "{what} shows where it was hidden:\n{text}"
        );
        assert!(
            !text.contains("password"),
            "the linked file is not quoted in {what}:\n{text}"
        );
    }
    assert!(
        console.contains("linked.yaml:1:1"),
        "the error still says where: {console}"
    );
    std::fs::remove_dir_all(&tmp).unwrap();
}

/// A one-character key blanked that character out of every report. It is hidden now only where it stands alone,
/// and the run says so at its start.
#[tokio::test(flavor = "multi_thread")]
async fn a_one_character_key_is_hidden_where_it_stands_alone_and_the_run_says_why() {
    let tmp = temp("short-key");
    let specs = tmp.join("specs");
    std::fs::create_dir_all(&specs).unwrap();
    std::fs::write(
        specs.join("echo.yaml"),
        "version: 1\nname: echo\nsteps:\n  - name: ask\n    request: {method: GET, path: /keep}\n    expect: {status: 200}\n",
    )
    .unwrap();
    let answer = tmp.join("echo.http");
    std::fs::write(
        &answer,
        "HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\nkeep the key: k\n",
    )
    .unwrap();
    let server = support::raw_server::start_routed(vec![("/".into(), answer)]).await;
    let (url, dir) = (server.url.clone(), specs.clone());
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_langgraph-conformance"))
            .args(["--url", &url, "--specs"])
            .arg(&dir)
            .env("LANGGRAPH_API_KEY", "k")
            .env_remove("LANGSMITH_API_KEY")
            .env_remove("LANGGRAPH_TARGET_CONFIG")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stdout.contains("response body: keep the key: <redacted>"),
        "{stdout}"
    );
    assert!(
        stderr.contains("warning: the API key is only 1 character(s) long, so reports hide it only where it stands alone"),
        "{stderr}"
    );
    std::fs::remove_dir_all(&tmp).unwrap();
}
