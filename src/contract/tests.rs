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
        c.component("Thred").unwrap_err().to_string(),
        "`Thred` is not a schema of the API's OpenAPI document; did you mean `Thread`?"
    );
    let e = c.component("Checkpoints").unwrap_err();
    assert!(
        matches!(&e, ContractError::UnknownComponent { name, near: None, .. } if name == "Checkpoints"),
        "{e:?}"
    );
    let e = e.to_string();
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
    let e = c
        .inline(&json!({"type": "objekt"}))
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("the inline schema is not a valid JSON Schema: at /type, "),
        "{e}"
    );
    let e = c
        .inline(&json!({"$ref": "#/components/schemas/Nope"}))
        .unwrap_err()
        .to_string();
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
    let e = Contract::new(r#"{"swagger": "2.0"}"#, "[]")
        .unwrap_err()
        .to_string();
    assert!(e.contains("version ``"), "{e}");
    let c = Contract::new(
        r#"{"openapi": "3.0.3", "components": {"schemas": {"N": {"type": "integer", "nullable": true}}}}"#,
        "[]",
    )
    .unwrap();
    let v = c.component("N").unwrap();
    assert!(v.is_valid(&json!(null)) && v.is_valid(&json!(1)) && !v.is_valid(&json!("1")));
}

#[test]
fn an_assistant_of_any_graph_fits() {
    let c = reference().unwrap();
    let v = c.component("Assistant").unwrap();
    let assistant = json!({
        "assistant_id": "6f1c3b4e-2a1d-4c5e-9f00-0123456789ab",
        "graph_id": "support_bot",
        "config": {},
        "context": {},
        "created_at": "2026-11-25T05:00:00.123456+00:00",
        "updated_at": "2026-11-25T05:00:00.123456+00:00",
        "metadata": {},
        "version": 1,
        "name": "support_bot",
        "description": null
    });
    let errors: Vec<String> = v.iter_errors(&assistant).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?}");
}

/// Strings for each format, valid and not, including what the JSON Schema library and the old checkers once
/// disagreed on (leap seconds, IP literals).
const FORMAT_CASES: [(Format, &[&str]); 3] = [
    (
        Format::Uuid,
        &[
            "1ef0c2a4-6d1b-6b2e-8f3a-0242ac120002",
            "5551FF48-8DC5-4863-BDE4-C1F272D91560",
            "1ef0c2a46d1b6b2e8f3a0242ac120002",
            "{1ef0c2a4-6d1b-6b2e-8f3a-0242ac120002}",
            "urn:uuid:1ef0c2a4-6d1b-6b2e-8f3a-0242ac120002",
            "1ef0c2a4-6d1b-6b2e-8f3a-0242ac12000g",
            "1ef0c2a4-6d1b-6b2e-8f3a-0242ac120002 ",
            "",
        ],
    ),
    (
        Format::DateTime,
        &[
            "2024-05-01T12:30:00Z",
            "2025-11-25T04:53:19.123456+00:00",
            "2024-05-01t12:30:00z",
            "1990-12-31T15:59:60-08:00",
            "1998-12-31T23:59:60Z",
            "2025-01-01T00:59:60+01:00",
            "2024-02-29T23:59:60-08:00",
            "2024-05-01T12:30:60Z",
            "2024-05-01 12:30:00Z",
            "2024-05-01T12:30:00",
            "2023-02-29T00:00:00Z",
            "2024-05-01T12:30:00+0000",
            "2024-05-01T12:30:00,5Z",
            "2024-05-01",
        ],
    ),
    (
        Format::Uri,
        &[
            "https://example.com",
            "http://127.0.0.1:2024/threads/abc?x=1&y=%20#top",
            "https://user:pw@[::1]:8080/a/b",
            "http://[::ffff:1.2.3.4]/",
            "http://[v1.fe]/",
            "http://[1.2.3.4]/",
            "http://[fe80::1%eth0]/",
            "urn:uuid:1ef0c2a4-6d1b-6b2e-8f3a-0242ac120002",
            "mailto:",
            "/threads/abc",
            "https://example.com/a b",
            "https://example.com/#a#b",
            "https://example.com/%zz",
            "http://a@b@c/",
            "https://exämple.com",
        ],
    ),
];

/// A string passes `format: X` exactly when it passes `schema: {format: X}`: the two routes share one checker per
/// format.
#[test]
fn format_and_schema_agree_on_every_format() {
    let c = reference().unwrap();
    let mut disagree = Vec::new();
    for (format, strings) in FORMAT_CASES {
        let schema = c
            .inline(&json!({"type": "string", "format": format.name()}))
            .unwrap();
        for s in strings {
            let by_format = format.why_not(s).is_none();
            let by_schema = schema.is_valid(&json!(s));
            if by_format != by_schema {
                disagree.push(format!(
                    "{s:?}: format {} says {by_format}, schema says {by_schema}",
                    format.name()
                ));
            }
        }
    }
    assert!(disagree.is_empty(), "{disagree:#?}");
}
