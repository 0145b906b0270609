//! The harness against servers that close kept-alive connections under it: idempotent requests are sent again, once,
//! on a new connection; others are not.

#[path = "support/idle_closer.rs"]
mod idle_closer;

use std::sync::atomic::Ordering;

use std::path::PathBuf;

use langgraph_conformance::runner::{load_file, run_spec};
use langgraph_conformance::target::Settings;
use langgraph_conformance::transport::{client, send, Prepared};

fn request(method: &str, base: &str) -> Prepared {
    Prepared {
        method: method.into(),
        base: base.into(),
        target: "/ok".into(),
        headers: vec![],
        body: None,
    }
}

#[tokio::test]
async fn idempotent_requests_survive_stale_pooled_connections() {
    let server = idle_closer::start(1).await;
    let client = client();
    for i in 0..50 {
        let method = ["GET", "PUT", "DELETE", "HEAD", "OPTIONS"][i % 5];
        let r = request(method, &server.url).build(&client, None).unwrap();
        let resp = send(&client, r).await;
        assert!(
            resp.as_ref().is_ok_and(|r| r.status() == 200),
            "request {i} ({method}): {resp:?}"
        );
    }
}

#[tokio::test]
async fn other_requests_are_not_repeated() {
    let server = idle_closer::start(1).await;
    let client = client();
    let first = request("POST", &server.url).build(&client, None).unwrap();
    assert!(send(&client, first).await.is_ok());
    let second = request("POST", &server.url).build(&client, None).unwrap();
    let err = send(&client, second).await.unwrap_err();
    assert_eq!(server.connections.load(Ordering::SeqCst), 1, "{err}");
}

#[tokio::test]
async fn a_request_is_repeated_at_most_once() {
    let server = idle_closer::start(0).await;
    let client = client();
    let r = request("GET", &server.url).build(&client, None).unwrap();
    assert!(send(&client, r).await.is_err());
    assert_eq!(server.connections.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_spec_of_gets_passes_against_a_server_that_closes_idle_connections() {
    let server = idle_closer::start(1).await;
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let url = server.url.clone();
    let settings = Settings::from_lookup(|k| (k == "LANGGRAPH_URL").then(|| url.clone()), &root)
        .expect("settings");
    let path = root.join("tests/wire/stale_connections.yaml");
    let spec = load_file(&path, "stale_connections.yaml".into(), &settings).expect("valid spec");
    if let Err(e) = run_spec(&settings, &client(), "stale", &spec).await {
        panic!("{e}");
    }
    assert!(server.connections.load(Ordering::SeqCst) >= 10);
}
