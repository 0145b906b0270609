//! Settings that would do nothing are refused with a message that names the fix: tags and capabilities no spec
//! uses, and (in `setting_names`' own tests) unknown names, live-only settings on the fixture and loose booleans.

use std::path::PathBuf;

use crate::runner::library::Error;
use crate::runner::plan::Suite;
use crate::target::{Settings, SettingsError};

fn check(env: &[(&str, &str)]) -> Result<(), Error> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let lookup = |k: &str| {
        env.iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.to_string())
    };
    let s = Settings::from_lookup(lookup, &root)?;
    Suite::new(s).check_names_in_specs()
}

#[test]
fn a_mistyped_tag_is_refused() {
    assert_eq!(
        check(&[("LANGGRAPH_TAGS", "strem")])
            .unwrap_err()
            .to_string(),
        "LANGGRAPH_TAGS: no spec has the tag `strem`; did you mean `stream`?"
    );
    assert_eq!(
        check(&[("LANGGRAPH_TAGS", "stream,!cron")])
            .unwrap_err()
            .to_string(),
        "LANGGRAPH_TAGS: no spec has the tag `cron`; did you mean `crons`?"
    );
    assert!(check(&[("LANGGRAPH_TAGS", "stream,!crons")]).is_ok());
    assert!(matches!(
        check(&[("LANGGRAPH_TAGS", "strem")]),
        Err(Error::Settings(SettingsError::NoSpecHasTag { near: Some(n), .. })) if n == "stream"
    ));
}

#[test]
fn a_mistyped_capability_is_refused() {
    let live = ("LANGGRAPH_URL", "http://127.0.0.1:9");
    assert_eq!(
        check(&[live, ("LANGGRAPH_CAPABILITIES", "store,cron")])
            .unwrap_err()
            .to_string(),
        "LANGGRAPH_CAPABILITIES: no spec needs the capability `cron`; did you mean `crons`?"
    );
    assert_eq!(
        check(&[live, ("LANGGRAPH_CAPABILITIES", "stores")])
            .unwrap_err()
            .to_string(),
        "LANGGRAPH_CAPABILITIES: no spec needs the capability `stores`; did you mean `store`?"
    );
    assert!(check(&[live, ("LANGGRAPH_CAPABILITIES", "store,crons")]).is_ok());
}

#[test]
fn booleans_and_record_modes_are_checked() {
    assert!(check(&[("LANGGRAPH_STRICT", "yes")]).is_ok());
    assert!(check(&[("LANGGRAPH_STRICT", "")])
        .unwrap_err()
        .to_string()
        .contains("write 1, true or yes"));
    assert!(check(&[
        ("LANGGRAPH_URL", "http://h"),
        ("LANGGRAPH_RECORD", "always")
    ])
    .unwrap_err()
    .to_string()
    .contains("write 1 to record the specs that pass, force to record all, 0 for none"));
}
