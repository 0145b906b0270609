// Each test binary uses some of the helpers, not all.
#![allow(dead_code)]

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
