//! The installed command's setting errors, as its user meets them: by the flag they typed, or by the variable they
//! set, and an empty `LANGGRAPH_CAPABILITIES` (which means "none") counted as given.

use std::process::{Command, Output};

/// The command with `args` and `env`, and no other `LANGGRAPH_` variable of this process.
fn command(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_langgraph-conformance"));
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("LANGGRAPH_") {
            c.env_remove(k);
        }
    }
    c.args(args)
        .envs(env.iter().copied())
        .output()
        .expect("the command runs")
}

fn error_of(out: &Output) -> String {
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_setting_is_named_as_it_was_given() {
    let e = error_of(&command(&["--url", "ftp://x"], &[]));
    assert!(
        e.starts_with("error: --url must start with http:// or https://"),
        "{e}"
    );
    let e = error_of(&command(&[], &[("LANGGRAPH_URL", "ftp://x")]));
    assert!(e.starts_with("error: LANGGRAPH_URL must start with"), "{e}");
    // Not given at all: named as this command's user would give it.
    let e = error_of(&command(&["--record", "1"], &[]));
    assert!(e.contains("--record needs --url"), "{e}");
}

#[test]
fn empty_capabilities_are_given_and_mean_nothing_on_the_fixture() {
    let e = error_of(&command(&[], &[("LANGGRAPH_CAPABILITIES", "")]));
    assert!(
        e.contains("LANGGRAPH_CAPABILITIES means nothing on the embedded fixture"),
        "{e}"
    );
}
