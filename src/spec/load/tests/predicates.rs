//! The predicate keys of checks are spelled the same by the loader's list (which its reading and its messages
//! follow), by the fields of its raw types, and by `specs/spec.schema.json`, which editors complete specs with.

use std::collections::{BTreeSet, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

use serde_json::Value;

use crate::source::Source;
use crate::spec::load::body::PRED_KEYS;
use crate::spec::load::headers::HEADER_PRED_KEYS;
use crate::spec::load_spec;

/// The fields a check's raw type accepts, less `path` and `level`: read from the loader's message for an unknown
/// field (`unknown field `bogus`, expected one of path, exists, ...`).
fn accepted_keys(spec: &str) -> BTreeSet<String> {
    let src = Arc::new(Source::new("specs/keys.yaml", spec));
    let e = load_spec(src, &HashSet::new()).expect_err("an unknown key is refused");
    let (_, list) = e
        .message
        .split_once("expected one of ")
        .unwrap_or_else(|| panic!("a list of the keys: {}", e.message));
    list.split(", ")
        .map(str::trim)
        .filter(|k| !matches!(*k, "path" | "level"))
        .map(str::to_string)
        .collect()
}

fn schema_keys(pointer: &str) -> BTreeSet<String> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("specs/spec.schema.json")).expect("read the schema"),
    )
    .expect("the schema is JSON");
    let props = schema
        .pointer(pointer)
        .and_then(Value::as_object)
        .unwrap_or_else(|| panic!("spec.schema.json has {pointer}"));
    props
        .keys()
        .filter(|k| !matches!(k.as_str(), "path" | "level"))
        .cloned()
        .collect()
}

fn load_error(spec: &str) -> String {
    load_spec(
        Arc::new(Source::new("specs/keys.yaml", spec)),
        &HashSet::new(),
    )
    .expect_err("refused")
    .message
}

/// The predicate keys of a JSON check are spelled by the loader's list (which its reading and its messages follow),
/// by the fields of its raw type, and by spec.schema.json: all three agree.
#[test]
fn json_check_predicates_agree_between_the_loader_its_messages_and_the_schema() {
    let listed: BTreeSet<String> = PRED_KEYS.iter().map(|k| k.to_string()).collect();
    assert_eq!(listed.len(), PRED_KEYS.len(), "a key listed twice");
    let check = |c: &str| {
        format!("version: 1\nname: t\nsteps:\n  - request: {{method: GET, path: /x}}\n    expect:\n      body:\n        - {c}\n")
    };
    assert_eq!(
        accepted_keys(&check("{path: $, bogus: 1}")),
        listed,
        "RawJsonCheck's fields"
    );
    assert_eq!(
        schema_keys("/$defs/predicates/properties"),
        listed,
        "spec.schema.json"
    );
    let (last, rest) = PRED_KEYS.split_last().expect("keys");
    let said = format!("{} or {last}", rest.join(", "));
    assert!(load_error(&check("{path: $.a}")).ends_with(&format!("give {said}")));
    assert!(load_error(&check("{path: $.a, not: {}}")).ends_with(&format!("give {said}")));
}

/// The same for the predicates of a header check.
#[test]
fn header_check_predicates_agree_between_the_loader_its_messages_and_the_schema() {
    let listed: BTreeSet<String> = HEADER_PRED_KEYS.iter().map(|k| k.to_string()).collect();
    let check = |c: &str| {
        format!("version: 1\nname: t\nsteps:\n  - request: {{method: GET, path: /x}}\n    expect:\n      headers:\n        x-a: {c}\n")
    };
    assert_eq!(
        accepted_keys(&check("{bogus: 1}")),
        listed,
        "RawHeaderCheck's fields"
    );
    assert_eq!(
        schema_keys(
            "/$defs/step/properties/expect/properties/headers/additionalProperties/properties"
        ),
        listed,
        "spec.schema.json"
    );
    assert!(load_error(&check("{level: should}")).ends_with(&format!(
        "give at least one of {}",
        HEADER_PRED_KEYS.join(", ")
    )));
}
