// Each test binary uses some of the helpers, not all.
#![allow(dead_code)]

pub mod departing;
pub mod idle_closer;
pub mod other_origin;
pub mod raw_server;

/// A new, empty folder under the system's temporary folder, named for the test and unique to this call.
pub fn scratch(what: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!(
        "lgc-{what}-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("the clock is past 1970")
            .as_nanos()
    ));
    std::fs::create_dir_all(&d).expect("create a scratch folder");
    d
}

/// Settings from these environment variables alone (the project's own target file aside), replaying and recording
/// with the recordings in `recordings`.
pub fn settings_from(
    env: &[(&str, &str)],
    recordings: &std::path::Path,
) -> langgraph_conformance::Settings {
    let mut s = langgraph_conformance::Settings::from_lookup(
        |k| {
            env.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        },
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")),
    )
    .expect("settings");
    s.recordings_dir = recordings.to_path_buf();
    s
}

/// Runs a loaded spec and judges it as its test would: the report, when it fails (warnings of a spec that passes are
/// left out).
pub async fn run_spec(
    s: &langgraph_conformance::Settings,
    test_name: &str,
    spec: &langgraph_conformance::Spec,
) -> Result<(), String> {
    let o = langgraph_conformance::run_one(s, test_name, spec).await;
    if o.failed() {
        Err(langgraph_conformance::render_outcome(&o))
    } else {
        Ok(())
    }
}
