//! Recording, replay and the drift check, end to end: a spec is recorded from a loopback server, replayed by the
//! embedded fixture, and compared with servers that answer the same (but for ids and timestamps) or otherwise.

mod support;

use std::path::{Path, PathBuf};

use langgraph_conformance::{load_file, Settings};

const SPEC: &str = "\
version: 1
name: create then read a thread
steps:
  - request: {method: POST, path: /threads, json: {}}
    capture:
      thread_id: {body: $.thread_id}
    expect:
      status: 200
  - request: {method: GET, path: '/threads/${thread_id}'}
    expect:
      status: 200
      body:
        - {path: $.thread_id, equals: '${thread_id}'}
";

fn thread(id: &str, at: &str, status: &str) -> String {
    let body = format!(
        r#"{{"thread_id":"{id}","created_at":"{at}","status":"{status}","metadata":{{}}}}"#
    );
    format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
}

/// Two response files for the spec's two steps, in a fresh folder.
fn answers(dir: &Path, id: &str, at: &str, second_status: &str) -> Vec<PathBuf> {
    std::fs::create_dir_all(dir).unwrap();
    let files = [
        (dir.join("1.http"), thread(id, at, "idle")),
        (dir.join("2.http"), thread(id, at, second_status)),
    ];
    files
        .into_iter()
        .map(|(p, text)| {
            std::fs::write(&p, text).unwrap();
            p
        })
        .collect()
}

fn settings(url: Option<&str>, env: &[(&str, &str)], recordings: &Path) -> Settings {
    let mut all: Vec<(&str, &str)> = url.map(|u| ("LANGGRAPH_URL", u)).into_iter().collect();
    all.extend_from_slice(env);
    support::settings_from(&all, recordings)
}

async fn run(s: &Settings, spec_path: &Path) -> Result<(), String> {
    let spec = load_file(spec_path, spec_path.to_path_buf(), s).expect("valid spec");
    tokio::time::timeout(
        std::time::Duration::from_secs(20),
        support::run_spec(s, "threads::roundtrip", &spec),
    )
    .await
    .expect("the harness never hangs")
    .map_err(|e| e.to_string())
}

/// Settings that run against a new loopback server (answering with `id`, a later time, and `status` in step 2) and
/// compare what it says with the recordings.
async fn drift_check_against(dir: &Path, id: &str, status: &str, recordings: &Path) -> Settings {
    let server =
        support::raw_server::start(answers(dir, id, "2026-11-25T09:00:00.1+00:00", status)).await;
    settings(
        Some(&server.url),
        &[("LANGGRAPH_DRIFT_CHECK", "1")],
        recordings,
    )
}

#[tokio::test]
async fn recorded_replayed_and_checked_for_drift() {
    let tmp = std::env::temp_dir().join(format!("lgc-recording-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let recordings = tmp.join("recordings");
    std::fs::create_dir_all(&tmp).unwrap();
    let spec_path = tmp.join("roundtrip.yaml");
    std::fs::write(&spec_path, SPEC).unwrap();
    let id_a = "01a20b1e-0c48-7490-8bf5-36206add49ba";
    let id_b = "99999999-0c48-7490-8bf5-36206add49ba";

    // Record from a live server.
    let server = support::raw_server::start(answers(
        &tmp.join("a"),
        id_a,
        "2026-11-24T01:14:08.328397+00:00",
        "idle",
    ))
    .await;
    let record_dir = recordings.to_string_lossy().into_owned();
    let s = settings(
        Some(&server.url),
        &[
            ("LANGGRAPH_RECORD", "1"),
            ("LANGGRAPH_RECORD_DIR", &record_dir),
        ],
        &recordings,
    );
    run(&s, &spec_path).await.expect("passes live");
    let heads = server.requests.lock().unwrap().join("\n");
    assert!(heads.contains(&format!("GET /threads/{id_a} ")), "{heads}");
    let saved = recordings.join("threads").join("roundtrip");
    assert!(saved.join("exchanges.json").exists());
    let second = std::fs::read_to_string(saved.join("002.http")).unwrap();
    assert!(second.contains(id_a), "{second}");

    // Replay it: the captured id lines up with the recorded path of step 2.
    let s = settings(None, &[], &recordings);
    run(&s, &spec_path).await.expect("passes on the fixture");

    // Another server run: new ids and times, same behaviour. No drift.
    let s = drift_check_against(&tmp.join("b"), id_b, "idle", &recordings).await;
    run(&s, &spec_path)
        .await
        .expect("ids and timestamps are not drift");

    // A server that answers otherwise (the spec itself does not look at `status`): drift, with a diff.
    let s = drift_check_against(&tmp.join("c"), id_b, "busy", &recordings).await;
    let report = run(&s, &spec_path)
        .await
        .expect_err("a changed body is drift");
    assert!(
        report.contains("no longer answers as the committed recording"),
        "{report}"
    );
    assert!(
        report.contains(
            r#"-{"created_at":"<time>","metadata":{},"status":"idle","thread_id":"<id-1>"}"#
        ),
        "{report}"
    );
    assert!(
        report.contains(
            r#"+{"created_at":"<time>","metadata":{},"status":"busy","thread_id":"<id-1>"}"#
        ),
        "{report}"
    );

    // The same change in a part the step marks as varying with timing is not drift.
    std::fs::write(
        &spec_path,
        SPEC.replace(
            "  - request: {method: GET, path: '/threads/${thread_id}'}\n",
            "  - request: {method: GET, path: '/threads/${thread_id}'}\n    varies: [$.status]\n",
        ),
    )
    .unwrap();
    let s = drift_check_against(&tmp.join("d"), id_b, "busy", &recordings).await;
    run(&s, &spec_path)
        .await
        .expect("a part that varies is not compared");

    // A replay of a spec that now asks for something the recording does not have fails, saying so.
    std::fs::write(
        &spec_path,
        SPEC.replace(
            "path: '/threads/${thread_id}'",
            "path: '/threads/${thread_id}/state'",
        ),
    )
    .unwrap();
    let s = settings(None, &[], &recordings);
    let report = run(&s, &spec_path).await.expect_err("not in the recording");
    assert!(
        report.contains("the embedded fixture cannot answer"),
        "{report}"
    );
    assert!(report.contains("/state"), "{report}");

    std::fs::remove_dir_all(&tmp).unwrap();
}
