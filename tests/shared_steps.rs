//! Shared steps (`use: thread/create`, defined in `specs/_shared/`): every shared file loads and fits the editor
//! schema, the schema knows every way of using them, and no shared file is taken for a spec. (How the loader expands
//! them, and that a spec rewritten with them keeps its recording, is tested in `src/runner/tests/shared_steps.rs`.)

use std::collections::HashSet;
use std::path::PathBuf;

use langgraph_conformance::{discover, load_shared_file, Settings};
use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn globals() -> HashSet<String> {
    let settings =
        Settings::from_lookup(|_| None, &root()).expect("settings from fixtures/target.yaml");
    settings.vars.keys().cloned().collect()
}

fn shared_files() -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut dirs = vec![root().join("specs/_shared")];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).expect("specs/_shared") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "yaml" || x == "yml") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn every_shared_file_loads_and_fits_the_editor_schema() {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("specs/spec.schema.json")).expect("the schema"),
    )
    .expect("JSON");
    // The shared-file part of the schema on its own, so that a shared file cannot pass as a spec.
    let mut as_shared = schema.clone();
    as_shared["anyOf"] = serde_json::json!([{"$ref": "#/$defs/shared_file"}]);
    let validator = jsonschema::validator_for(&as_shared).expect("a valid JSON Schema");
    let files = shared_files();
    assert!(files.len() >= 3, "{files:?}");
    let mut names = Vec::new();
    let mut problems = Vec::new();
    for f in &files {
        let doc: Value =
            serde_saphyr::from_str(&std::fs::read_to_string(f).expect("read")).expect("YAML");
        for e in validator.iter_errors(&doc) {
            problems.push(format!("{}: at {}: {e}", f.display(), e.instance_path()));
        }
        match load_shared_file(f, &globals()) {
            Ok(n) => names.extend(n),
            Err(e) => problems.push(e.to_string()),
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    for n in [
        "thread/create",
        "thread/delete",
        "assistant/create",
        "assistant/delete",
        "run/start",
        "run/finish",
        "run/start_and_finish",
        "run/wait",
    ] {
        assert!(names.iter().any(|m| m == n), "{n} is not among {names:?}");
    }
}

#[test]
fn the_schema_knows_a_use_and_refuses_a_request_beside_it() {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("specs/spec.schema.json")).expect("the schema"),
    )
    .expect("JSON");
    let validator = jsonschema::validator_for(&schema).expect("a valid JSON Schema");
    let spec = |step: &str| -> Value {
        serde_saphyr::from_str(&format!("version: 1\nname: x\nsteps:\n  - {step}\n")).expect("YAML")
    };
    assert!(validator.is_valid(&spec(
        "{use: thread/create, with: {metadata: {a: 1}}, as: {thread_id: t}, setup: true, name: make it}"
    )));
    for wrong in [
        "{use: thread/create, request: {method: GET, path: /ok}}",
        "{use: create}",
        "{use: thread/create, as: {thread_id: 3}}",
        "{use: thread/create, wiht: {}}",
    ] {
        assert!(!validator.is_valid(&spec(wrong)), "{wrong}");
    }
}

#[test]
fn shared_files_are_not_specs() {
    let found = discover(&root().join("specs")).expect("specs/");
    assert!(found.len() > 100);
    let shared: Vec<&str> = found
        .iter()
        .map(|f| f.test_name.as_str())
        .filter(|n| n.contains("_shared"))
        .collect();
    assert!(shared.is_empty(), "{shared:?}");
}

#[test]
fn the_schema_knows_a_shared_request_and_shared_stream_checks() {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("specs/spec.schema.json")).expect("the schema"),
    )
    .expect("JSON");
    let validator = jsonschema::validator_for(&schema).expect("a valid JSON Schema");
    let spec = |step: &str| -> Value {
        serde_saphyr::from_str(&format!("version: 1\nname: x\nsteps:\n  - {step}\n")).expect("YAML")
    };
    for right in [
        "{request: {use: runs/stream, json: {stream_mode: [values]}}}",
        "{request: {use: runs/stream_on_thread, with: {thread_id: x}, path: /other}}",
        "{request: {method: GET, path: /ok}, expect: {stream: {use: stream/one_metadata, with: {run_id: r}, first: metadata}}}",
    ] {
        assert!(validator.is_valid(&spec(right)), "{right}");
    }
    for wrong in [
        "{request: {path: /ok}}",
        "{request: {method: GET, path: /ok, with: {a: 1}}}",
        "{request: {use: stream}}",
        "{request: {method: GET, path: /ok}, expect: {stream: {with: {run_id: r}}}}",
    ] {
        assert!(!validator.is_valid(&spec(wrong)), "{wrong}");
    }
}
