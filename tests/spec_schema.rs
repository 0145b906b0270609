//! `specs/spec.schema.json` (what editors use to complete and check specs) accepts every spec of the suite, so it
//! cannot fall behind the loader on a key the specs use. (That it names the same predicates as the loader is tested
//! beside the loader, in `src/spec/load/tests/predicates.rs`.)

use std::path::PathBuf;

use langgraph_conformance::discover;
use serde_json::Value;

#[test]
fn the_editor_schema_accepts_every_spec() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("specs/spec.schema.json")).expect("read the schema"),
    )
    .expect("the schema is JSON");
    // The root is a spec or a file of shared steps: hold specs to the spec's part, for errors that say what is wrong.
    let mut schema = schema;
    schema["anyOf"] = serde_json::json!([{"$ref": "#/$defs/spec"}]);
    let validator = jsonschema::validator_for(&schema).expect("a valid JSON Schema");
    let mut problems = Vec::new();
    for spec in discover(&root.join("specs")).expect("specs folder") {
        let text = std::fs::read_to_string(&spec.path).expect("read spec");
        let doc: Value = serde_saphyr::from_str(&text).expect("spec is YAML");
        for e in validator.iter_errors(&doc) {
            let shown = spec
                .path
                .strip_prefix(&root)
                .unwrap_or(&spec.path)
                .display();
            problems.push(format!("{shown}: at {}: {e}", e.instance_path()));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
