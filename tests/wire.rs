//! The harness against a server that closes kept-alive connections under it: a spec of idempotent requests passes.
//! (Which requests are sent again, and how often, is tested beside the client, in `src/transport.rs`.)

mod support;

use std::path::PathBuf;
use std::sync::atomic::Ordering;

use langgraph_conformance::{load_file, Settings};

#[tokio::test]
async fn a_spec_of_gets_passes_against_a_server_that_closes_idle_connections() {
    let server = support::idle_closer::start(1).await;
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let url = server.url.clone();
    let settings = Settings::from_lookup(|k| (k == "LANGGRAPH_URL").then(|| url.clone()), &root)
        .expect("settings");
    let path = root.join("tests/wire/stale_connections.yaml");
    let spec = load_file(&path, "stale_connections.yaml".into(), &settings).expect("valid spec");
    let out = support::run_spec(&settings, "stale", &spec).await;
    assert_eq!(out, Ok(()));
    assert!(server.connections.load(Ordering::SeqCst) >= 10);
}
