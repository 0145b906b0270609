//! The reproductions of the hardening issue that need a server: each bad input against a loopback server that sends
//! it, with what the harness must do instead of what it did.

mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use langgraph_conformance::{load_file, render_outcome, run_one, Settings, SpecOutcome};

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
    let out = tokio::time::timeout(Duration::from_secs(30), run_one(&s, "hostile::case", &spec))
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
        (
            "abc?admin=1",
            "GET /threads/abc%3Fadmin=1/state?limit=1 HTTP/1.1",
        ),
        (
            "abc/../../admin",
            "GET /threads/abc%2F..%2F..%2Fadmin/state?limit=1 HTTP/1.1",
        ),
        ("a\\\\b", "GET /threads/a%5Cb/state?limit=1 HTTP/1.1"),
    ] {
        let spec = "version: 1\nname: splice\nsteps:\n  - request: {method: POST, path: /threads, json: {}}\n    capture: {id: {body: $.thread_id}}\n    expect: {status: 200}\n  - request: {method: GET, path: '/threads/${id}/state', query: {limit: 1}}\n    expect: {status: 200}\n";
        let (path, files) = case(
            "splice",
            spec,
            &[
                json_answer(&format!("{{\"thread_id\":\"{id}\"}}")),
                json_answer("{}"),
            ],
        );
        let (out, lines) = against(&path, files, &[], &support::scratch("none")).await;
        assert!(!out.failed(), "{}", render_outcome(&out));
        assert_eq!(lines[1], sent, "{id}");
    }
    let spec = "version: 1\nname: dots\nsteps:\n  - request: {method: POST, path: /threads, json: {}}\n    capture: {id: {body: $.thread_id}}\n    expect: {status: 200}\n  - request: {method: GET, path: '/threads/${id}/state'}\n    expect: {status: 200}\n";
    let (path, files) = case(
        "dots",
        spec,
        &[json_answer("{\"thread_id\":\"..\"}"), json_answer("{}")],
    );
    let (out, lines) = against(&path, files, &[], &support::scratch("none")).await;
    assert!(out.failed());
    let report = render_outcome(&out);
    assert!(
        report.contains("whose segment `..` the HTTP client would resolve"),
        "{report}"
    );
    assert_eq!(lines.len(), 1, "the bent request is not sent: {lines:?}");
}

/// Runs a one-step spec (`GET /ok`, expecting 200, with `extra` in the step) against `url`; its report.
async fn report_against(url: &str, extra: &str) -> String {
    let dir = support::scratch("message");
    let path = dir.join("message.yaml");
    std::fs::write(
        &path,
        format!("version: 1\nname: message\nsteps:\n  - request: {{method: GET, path: /ok}}\n{extra}    expect: {{status: 200}}\n"),
    )
    .unwrap();
    let s: Settings = support::settings_from(&[("LANGGRAPH_URL", url)], &dir);
    let spec = load_file(&path, path.clone(), &s).expect("valid spec");
    let out = tokio::time::timeout(
        Duration::from_secs(40),
        run_one(&s, "hostile::message", &spec),
    )
    .await
    .expect("the harness never hangs");
    assert!(out.failed());
    render_outcome(&out)
}

/// A TLS server on a loopback port presenting `cert` (DER) with `key` (PKCS#8 DER); its https URL.
fn tls_server(cert: &str, key: &str) -> String {
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/tls");
    let cert = CertificateDer::from(std::fs::read(dir.join(cert)).unwrap());
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
        std::fs::read(dir.join(key)).unwrap(),
    ));
    let config = std::sync::Arc::new(
        rustls::ServerConfig::builder()
            .with_no_client_auth()
            .with_single_cert(vec![cert], key)
            .unwrap(),
    );
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!(
        "https://127.0.0.1:{}",
        listener.local_addr().unwrap().port()
    );
    std::thread::spawn(move || {
        for sock in listener.incoming() {
            let Ok(mut sock) = sock else { return };
            let mut conn = rustls::ServerConnection::new(config.clone()).unwrap();
            let _ = conn.complete_io(&mut sock);
        }
    });
    url
}

/// Each message says what happened and what to do, not only what the library said.
#[tokio::test(flavor = "multi_thread")]
async fn failures_to_connect_say_what_happened_and_what_to_do() {
    // A CA's certificate presented as the server's own: was `invalid peer certificate: Other(OtherError(CaUsedAsEndEntity))`.
    let r = report_against(&tls_server("ca.der", "ca.key.der"), "").await;
    assert!(
        r.contains("the server presents a certificate authority's (CA) certificate as its own"),
        "{r}"
    );
    // A certificate of a CA this machine does not trust.
    let r = report_against(&tls_server("leaf.der", "leaf.key.der"), "").await;
    assert!(
        r.contains("not signed by an authority this machine trusts"),
        "{r}"
    );

    // https:// to a plain-HTTP port that answers at once.
    let plain = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = plain.local_addr().unwrap().port();
    std::thread::spawn(move || {
        use std::io::Write;
        for sock in plain.incoming() {
            let Ok(mut sock) = sock else { return };
            let _ = sock.write_all(
                b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
            );
        }
    });
    let r = report_against(&format!("https://127.0.0.1:{port}"), "").await;
    assert!(r.contains("the server did not answer in TLS"), "{r}");
    assert!(r.contains("use http://"), "{r}");

    // https:// to a plain-HTTP port that waits for a request line the TLS handshake never sends: was "operation
    // timed out" after 10 s.
    let quiet = support::raw_server::start(vec![]).await;
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_port = silent.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for sock in silent.incoming() {
            held.push(sock);
        }
    });
    drop(quiet);
    let t = std::time::Instant::now();
    let r = report_against(&format!("https://127.0.0.1:{silent_port}"), "").await;
    assert!(t.elapsed() < Duration::from_secs(20), "{:?}", t.elapsed());
    assert!(r.contains("could not connect within 10s"), "{r}");
    assert!(r.contains("never answered the TLS handshake"), "{r}");

    // A connection the server never accepts: was "no response within 30s".
    let never = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let r = report_against(
        &format!("http://{}", never.local_addr().unwrap()),
        "    timeout: 1s\n",
    )
    .await;
    assert!(r.contains("not one byte of an answer came back"), "{r}");
    assert!(
        r.contains("check it, or give the step a longer `timeout`"),
        "{r}"
    );
    drop(never);
}

/// Recording a retried step kept every attempt: 526 answers of 1 MB reached a gigabyte in 15 s. Now the recording
/// keeps the first and the last attempts, and the report says how many were left out.
#[tokio::test(flavor = "multi_thread")]
async fn a_retried_step_keeps_a_bounded_recording() {
    let dir = support::scratch("retry-record");
    let answer = dir.join("busy.http");
    std::fs::write(
        &answer,
        format!(
            "HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{}",
            1 << 20,
            "b".repeat(1 << 20)
        ),
    )
    .unwrap();
    let server = support::raw_server::start_routed(vec![("/".into(), answer)]).await;
    let spec_path = dir.join("retry.yaml");
    std::fs::write(
        &spec_path,
        "version: 1\nname: retry\nsteps:\n  - request: {method: GET, path: /busy}\n    retry: {every: 1ms, within: 3s}\n    expect: {status: 200}\n",
    )
    .unwrap();
    let recordings = dir.join("recordings");
    let rec = recordings.to_string_lossy().into_owned();
    for mode in [
        ("LANGGRAPH_RECORD", "force"),
        ("LANGGRAPH_DRIFT_CHECK", "1"),
    ] {
        let env = [
            ("LANGGRAPH_URL", server.url.as_str()),
            mode,
            ("LANGGRAPH_RECORD_DIR", rec.as_str()),
        ];
        let s: Settings = support::settings_from(&env, &recordings);
        let spec = load_file(&spec_path, spec_path.clone(), &s).expect("valid spec");
        let out = run_one(&s, "hostile::retry", &spec).await;
        let attempts = server.requests.lock().unwrap().len();
        server.requests.lock().unwrap().clear();
        assert!(attempts > 5, "{attempts} attempts");
        assert!(out.exchanges.len() <= 3, "{} kept", out.exchanges.len());
        let report = render_outcome(&out);
        assert!(
            report.contains("the recording keeps 3 of them (the first and the last)"),
            "{report}"
        );
    }
    let saved: Vec<_> = std::fs::read_dir(recordings.join("hostile/retry"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(saved.len(), 4, "{saved:?}");
}

/// A value of many megabytes in a request made reports of as many (a curl line with the whole body; `builder error
/// for url (...)` with the whole URL, and no cause). Both are bounded now, and say why.
#[tokio::test]
async fn a_huge_request_makes_a_short_report() {
    let mut vars = String::from("vars:\n  v0: xxxxxxxxxxxxxxxx\n");
    for i in 1..=19 {
        vars.push_str(&format!("  v{i}: '${{v{}}}${{v{}}}'\n", i - 1, i - 1));
    }
    let spec = format!(
        "version: 1\nname: huge\n{vars}steps:\n  - request: {{method: POST, path: /runs, json: {{input: '${{v19}}'}}}}\n    expect: {{status: 200}}\n  - request: {{method: GET, path: '/threads/${{v13}}'}}\n    expect: {{status: 200}}\n"
    );
    let (path, files) = case(
        "huge",
        &spec,
        &[
            "HTTP/1.1 500 Internal Server Error\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                .to_string(),
        ],
    );
    let (out, lines) = against(&path, files, &[], &support::scratch("none")).await;
    let report = render_outcome(&out);
    assert!(report.len() < 20_000, "{} bytes of report", report.len());
    assert!(
        report.contains("# cut short, so not the request as sent: the body (8388620 bytes)"),
        "{report}"
    );
    assert!(
        report.contains("cannot send the request: its URL is 131"),
        "the second step: {report}"
    );
    assert!(
        report.contains("a variable in the path or query holds a value that large?"),
        "{report}"
    );
    assert_eq!(lines.len(), 1, "the second request is not sent");
}

/// `LANGGRAPH_RECORD=force` of a stream that never ended replayed as a pass: the recording held what had arrived, and
/// the replay ended it cleanly. Now the recording says the answer is incomplete, and the replay fails as the live run
/// did; the same for a connection reset mid-body.
#[tokio::test(flavor = "multi_thread")]
async fn an_incomplete_answer_is_recorded_as_such_and_replays_as_the_same_failure() {
    let stream = "version: 1\nname: stall\nsteps:\n  - request: {method: POST, path: /runs/stream, json: {}}\n    timeout: 1s\n    expect:\n      stream: {sequence: [metadata, end]}\n";
    let body = "version: 1\nname: reset\nsteps:\n  - request: {method: GET, path: /threads}\n    expect:\n      status: 200\n      body: [{path: $, type: array}]\n";
    for (name, spec, answer, why) in [
        (
            "stall",
            stream,
            "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\nevent: metadata\r\ndata: {}\r\n\r\n<<STALL>>\n",
            "the stream did not end within 1s (the step's timeout)",
        ),
        (
            "reset",
            body,
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\nconnection: close\r\n\r\n[{\"a\": 1},<<PAUSE>><<RESET>>\n",
            "the connection failed while reading the body",
        ),
    ] {
        let (path, files) = case(name, spec, &[answer.to_string()]);
        let recordings = support::scratch("incomplete-recordings");
        let rec = recordings.to_string_lossy().into_owned();
        let record = [("LANGGRAPH_RECORD", "force"), ("LANGGRAPH_RECORD_DIR", rec.as_str())];
        let (live, _) = against(&path, files, &record, &recordings).await;
        let live_report = render_outcome(&live);
        assert!(live.failed() && live_report.contains(why), "{live_report}");
        let saved = std::fs::read_to_string(recordings.join("hostile/case/001.http")).unwrap();
        assert!(saved.contains("x-conformance-incomplete: "), "{name}: {saved}");

        // Replayed by the embedded fixture: the same failure, not a pass.
        let s: Settings = support::settings_from(&[], &recordings);
        let loaded = load_file(&path, path.clone(), &s).unwrap();
        let replay = tokio::time::timeout(Duration::from_secs(10), run_one(&s, "hostile::case", &loaded))
            .await
            .expect("the replay never hangs");
        let replay_report = render_outcome(&replay);
        assert!(replay.failed(), "{name} replayed as a pass");
        let first = |r: &str| r.lines().next().unwrap_or("").to_string();
        assert_eq!(first(&replay_report), first(&live_report), "{replay_report}");
    }
}
