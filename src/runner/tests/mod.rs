//! The runner's tests: its own, and the harness end to end through it (loading with `load_file`, running, judging,
//! reporting), against the embedded fixture and loopback servers (`tests/support/`).

mod differential;
mod golden;
mod names_in_specs;
mod reports;
mod shared_steps;
mod specs_folder;

use super::*;

fn settings(env: &[(&str, &str)]) -> Settings {
    Settings::from_lookup(
        |k| {
            env.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        },
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")),
    )
    .expect("settings")
}

#[test]
fn the_target_line_never_shows_credentials() {
    let s = settings(&[("LANGGRAPH_URL", "https://me:hunter2@example.com/base/")]);
    assert_eq!(
        target_line(&s),
        "target: https://<redacted>@example.com/base"
    );
    let s = settings(&[("LANGGRAPH_URL", "http://127.0.0.1:2024")]);
    assert_eq!(target_line(&s), "target: http://127.0.0.1:2024");
    assert!(target_line(&settings(&[])).contains("embedded fixture"));
}
