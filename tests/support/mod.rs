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
) -> langgraph_conformance::target::Settings {
    let mut s = langgraph_conformance::target::Settings::from_lookup(
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
