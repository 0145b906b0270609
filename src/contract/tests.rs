use serde_json::json;

use super::*;

fn thread() -> Value {
    json!({
        "thread_id": "6f1c3b4e-2a1d-4c5e-9f00-0123456789ab",
        "created_at": "2026-11-25T05:00:00.123456+00:00",
        "updated_at": "2026-11-25T05:00:00.123456+00:00",
        "state_updated_at": "2026-11-25T05:00:00.123456+00:00",
        "metadata": {},
        "status": "idle",
        "config": {},
        "values": null,
        "interrupts": {}
    })
}

#[test]
fn the_built_in_document_and_overlay_load() {
    let c = reference().unwrap();
    for name in [
        "Thread",
        "Run",
        "Assistant",
        "ThreadState",
        "Cron",
        "Item",
        "ErrorResponse",
    ] {
        assert!(c.names().iter().any(|n| n == name), "{name} missing");
        c.component(name).unwrap();
    }
}

#[test]
fn a_component_validates_and_is_compiled_once() {
    let c = reference().unwrap();
    let v = c.component("Thread").unwrap();
    assert!(v.is_valid(&thread()));
    let mut bad = thread();
    bad["status"] = json!("bogus");
    assert!(!v.is_valid(&bad));
    assert!(Arc::ptr_eq(&v, &c.component("Thread").unwrap()));
}

#[test]
fn formats_are_asserted() {
    let v = reference().unwrap().component("Thread").unwrap();
    let mut bad = thread();
    bad["thread_id"] = json!("not-a-uuid");
    assert!(!v.is_valid(&bad));
}

#[test]
fn an_unknown_component_gets_a_suggestion_or_the_list() {
    let c = reference().unwrap();
    assert_eq!(
        c.component("Thred").unwrap_err(),
        "`Thred` is not a schema of the API's OpenAPI document; did you mean `Thread`?"
    );
    let e = c.component("Checkpoints").unwrap_err();
    assert!(
        e.contains("the shapes of its answers are: Assistant, "),
        "{e}"
    );
    assert!(!e.contains("ThreadCreate"), "{e}");
}

#[test]
fn inline_schemas_may_refer_to_components() {
    let c = reference().unwrap();
    let v = c
        .inline(&json!({"type": "array", "items": {"$ref": "#/components/schemas/Thread"}}))
        .unwrap();
    assert!(v.is_valid(&json!([thread()])));
    assert!(!v.is_valid(&json!([{"thread_id": 1}])));
    let e = c.inline(&json!({"type": "objekt"})).unwrap_err();
    assert!(
        e.starts_with("the inline schema is not a valid JSON Schema: at /type, "),
        "{e}"
    );
    let e = c
        .inline(&json!({"$ref": "#/components/schemas/Nope"}))
        .unwrap_err();
    assert!(e.starts_with("the inline schema cannot be compiled"), "{e}");
}

#[test]
fn nullable_becomes_a_null_alternative() {
    let mut v = json!({
        "a": {"type": "string", "nullable": true},
        "b": {"type": ["string", "integer"], "nullable": true},
        "c": {"$ref": "#/x", "nullable": true},
        "d": {"type": "string", "nullable": false}
    });
    nullable_to_null(&mut v);
    assert_eq!(
        v,
        json!({
            "a": {"type": ["string", "null"]},
            "b": {"type": ["string", "integer", "null"]},
            "c": {"anyOf": [{"$ref": "#/x"}, {"type": "null"}]},
            "d": {"type": "string"}
        })
    );
}

#[test]
fn only_openapi_3_documents_are_read() {
    let e = Contract::new(r#"{"swagger": "2.0"}"#, "[]").unwrap_err();
    assert!(e.contains("version ``"), "{e}");
    let c = Contract::new(
        r#"{"openapi": "3.0.3", "components": {"schemas": {"N": {"type": "integer", "nullable": true}}}}"#,
        "[]",
    )
    .unwrap();
    let v = c.component("N").unwrap();
    assert!(v.is_valid(&json!(null)) && v.is_valid(&json!(1)) && !v.is_valid(&json!("1")));
}
