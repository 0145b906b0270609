//! What the suite covers: each operation of the API's OpenAPI document against the spec steps that call it, and each
//! stream mode against the specs that ask for it. The tables are Markdown, for README.md, which a test of this module
//! keeps up to date; nothing else uses them, so the module is built for the tests alone.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::spec::expect::json::Pred;
use crate::spec::{Body, Spec, Step};

/// Operations of the document the suite leaves out: not the run/thread/assistant/store API that the SDKs call.
const OUT_OF_SCOPE: [(&str, &str); 6] = [
    ("/mcp", "MCP"),
    ("/a2a/", "A2A"),
    ("/metrics", "metrics"),
    ("/docs", "API docs page"),
    ("/stream/events", "new thread-streaming protocol"),
    ("/commands", "new thread-streaming protocol"),
];

/// The stream modes a run accepts (`stream_mode`).
pub const STREAM_MODES: [&str; 9] = [
    "values",
    "updates",
    "messages",
    "messages-tuple",
    "events",
    "debug",
    "custom",
    "tasks",
    "checkpoints",
];

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Operation {
    pub path: String,
    pub method: String,
}

/// Which specs call an operation, and how.
#[derive(Debug, Default, Clone)]
pub struct Covered {
    /// Specs with a step on it that expects a 2xx status.
    pub success: Vec<String>,
    /// Specs with a step on it that expects a 4xx or 5xx status.
    pub error: Vec<String>,
    /// Specs with a step on it and no status expected.
    pub other: Vec<String>,
    /// Whether a success step checks the answer's shape against a schema (`schema:`).
    pub shape: bool,
}

impl Covered {
    pub fn is_covered(&self) -> bool {
        !(self.success.is_empty() && self.error.is_empty() && self.other.is_empty())
    }
}

/// The operations of an OpenAPI document, in scope or not (with the reason).
pub fn operations(doc: &Value) -> (Vec<Operation>, Vec<(Operation, &'static str)>) {
    let mut in_scope = Vec::new();
    let mut out = Vec::new();
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return (in_scope, out);
    };
    for (path, item) in paths {
        let Some(item) = item.as_object() else {
            continue;
        };
        for method in ["get", "post", "put", "patch", "delete"] {
            if !item.contains_key(method) {
                continue;
            }
            let op = Operation {
                path: path.clone(),
                method: method.to_ascii_uppercase(),
            };
            match OUT_OF_SCOPE.iter().find(|(part, _)| path.contains(part)) {
                Some((_, why)) => out.push((op, *why)),
                None => in_scope.push(op),
            }
        }
    }
    in_scope.sort();
    out.sort();
    (in_scope, out)
}

/// The operation a step's request calls: same method, and a path whose literal segments match, `{param}` segments
/// taking anything. Where several match, the one with the most literal segments (`/threads/search` over
/// `/threads/{thread_id}`).
pub fn operation_of<'o>(step: &Step, ops: &'o [Operation]) -> Option<&'o Operation> {
    let written = step.request.path.source();
    let path = written.split('?').next().unwrap_or("");
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    ops.iter()
        .filter(|op| op.method == step.request.method)
        .filter_map(|op| {
            let theirs: Vec<&str> = op.path.trim_end_matches('/').split('/').collect();
            if theirs.len() != segments.len() {
                return None;
            }
            let mut literal = 0;
            for (t, s) in theirs.iter().zip(&segments) {
                if t.starts_with('{') && t.ends_with('}') {
                    continue;
                }
                if t != s {
                    return None;
                }
                literal += 1;
            }
            Some((literal, op))
        })
        .max_by_key(|(literal, _)| *literal)
        .map(|(_, op)| op)
}

/// Every operation in scope with the specs that call it.
pub fn cover<'o>(
    ops: &'o [Operation],
    specs: &[(String, Spec)],
) -> BTreeMap<&'o Operation, Covered> {
    let mut out: BTreeMap<&Operation, Covered> =
        ops.iter().map(|o| (o, Covered::default())).collect();
    for (name, spec) in specs {
        for step in spec.steps.iter().chain(&spec.finally) {
            let Some(op) = operation_of(step, ops) else {
                continue;
            };
            let c = out.entry(op).or_default();
            let list = match step.status.as_ref().map(|s| s.any_of.as_slice()) {
                Some(codes) if codes.iter().all(|c| (200..300).contains(c)) => {
                    c.shape |= checks_shape(step);
                    &mut c.success
                }
                Some(codes) if codes.iter().all(|c| *c >= 400) => &mut c.error,
                _ => &mut c.other,
            };
            if !list.contains(name) {
                list.push(name.clone());
            }
        }
    }
    out
}

fn checks_shape(step: &Step) -> bool {
    step.body
        .iter()
        .any(|c| c.preds.iter().any(|(_, p)| matches!(p, Pred::Schema(_))))
}

/// The stream modes each spec asks for, by mode.
pub fn stream_modes(specs: &[(String, Spec)]) -> BTreeMap<&'static str, Vec<String>> {
    let mut out: BTreeMap<&'static str, Vec<String>> =
        STREAM_MODES.iter().map(|m| (*m, Vec::new())).collect();
    for (name, spec) in specs {
        for step in &spec.steps {
            let Body::Json(body) = &step.request.body else {
                continue;
            };
            let asked: Vec<&str> = match body.get("stream_mode") {
                Some(Value::String(m)) => vec![m.as_str()],
                Some(Value::Array(ms)) => ms.iter().filter_map(Value::as_str).collect(),
                _ => continue,
            };
            for m in asked {
                if let Some(list) = out.get_mut(m) {
                    if !list.contains(name) {
                        list.push(name.clone());
                    }
                }
            }
        }
    }
    out
}

fn names(list: &[String], max: usize) -> String {
    if list.is_empty() {
        return "—".into();
    }
    let mut shown: Vec<String> = list.iter().take(max).map(|n| format!("`{n}`")).collect();
    if list.len() > max {
        shown.push(format!("+{} more", list.len() - max));
    }
    shown.join(", ")
}

/// The operation table, in Markdown: one row per operation in scope, then the ones left out and why.
pub fn operation_table(
    covered: &BTreeMap<&Operation, Covered>,
    left_out: &[(Operation, &str)],
) -> String {
    let n = covered.len();
    let with_spec = covered.values().filter(|c| c.is_covered()).count();
    let with_success = covered.values().filter(|c| !c.success.is_empty()).count();
    let with_error = covered.values().filter(|c| !c.error.is_empty()).count();
    let with_shape = covered.values().filter(|c| c.shape).count();
    let mut out = format!(
        "{with_spec} of {n} operations in scope have a spec; {with_success} a success spec ({with_shape} checking the \
         answer's shape with `schema:`), {with_error} an error spec.\n\n\
         | operation | success (2xx) | shape | error (4xx, 5xx) |\n| --- | --- | --- | --- |\n"
    );
    for (op, c) in covered {
        let success = if c.success.is_empty() && !c.other.is_empty() {
            format!("(no status checked) {}", names(&c.other, 2))
        } else {
            names(&c.success, 2)
        };
        out.push_str(&format!(
            "| `{} {}` | {success} | {} | {} |\n",
            op.method,
            op.path,
            if c.shape { "yes" } else { "—" },
            names(&c.error, 2)
        ));
    }
    if !left_out.is_empty() {
        out.push_str("\nLeft out of scope: ");
        let list: Vec<String> = left_out
            .iter()
            .map(|(op, why)| format!("`{} {}` ({why})", op.method, op.path))
            .collect();
        out.push_str(&list.join(", "));
        out.push_str(".\n");
    }
    out
}

/// The stream-mode table, in Markdown.
pub fn stream_mode_table(modes: &BTreeMap<&'static str, Vec<String>>) -> String {
    let mut out = String::from("| stream mode | specs |\n| --- | --- |\n");
    for m in STREAM_MODES {
        out.push_str(&format!("| `{m}` | {} |\n", names(&modes[m], 3)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Source;
    use std::sync::Arc;

    fn op(method: &str, path: &str) -> Operation {
        Operation {
            path: path.into(),
            method: method.into(),
        }
    }

    fn spec(text: &str) -> Spec {
        let globals = ["assistant_id".to_string()].into();
        crate::spec::load_spec(Arc::new(Source::new("s.yaml", text)), &globals).unwrap()
    }

    #[test]
    fn steps_find_their_operation_literal_segments_first() {
        let ops = vec![
            op("GET", "/threads/{thread_id}"),
            op("POST", "/threads/search"),
            op("POST", "/threads/{thread_id}/runs"),
            op("GET", "/threads/{thread_id}/runs/{run_id}"),
        ];
        let s = spec(
            "version: 1\nname: t\nsteps:\n  - request: {method: POST, path: /threads/search, json: {}}\n    capture: {t: {body: '$[0].thread_id'}}\n    expect: {status: 200}\n  - request: {method: GET, path: '/threads/${t}'}\n    expect: {status: 404}\n  - request: {method: GET, path: '/threads/${t}/runs/x?limit=1'}\n",
        );
        let found: Vec<Option<&Operation>> =
            s.steps.iter().map(|st| operation_of(st, &ops)).collect();
        assert_eq!(found, [Some(&ops[1]), Some(&ops[0]), Some(&ops[3])]);
        let c = cover(&ops, &[("t".into(), s)]);
        assert_eq!(c[&ops[1]].success, ["t"]);
        assert_eq!(c[&ops[0]].error, ["t"]);
        assert_eq!(c[&ops[3]].other, ["t"]);
        assert!(!c[&ops[2]].is_covered());
        let table = operation_table(&c, &[]);
        assert!(
            table.starts_with(
                "3 of 4 operations in scope have a spec; 1 a success spec (0 checking the answer's shape with `schema:`), 1 an error spec."
            ),
            "{table}"
        );
        assert!(
            table.contains("| `POST /threads/{thread_id}/runs` | — | — | — |"),
            "{table}"
        );
    }

    #[test]
    fn out_of_scope_operations_are_named_with_the_reason() {
        let doc = serde_json::json!({"paths": {
            "/ok": {"get": {}},
            "/mcp/": {"get": {}, "post": {}},
            "/threads/{thread_id}/stream/events": {"post": {}}
        }});
        let (ops, out) = operations(&doc);
        assert_eq!(ops, [op("GET", "/ok")]);
        assert_eq!(out.len(), 3);
        assert!(out
            .iter()
            .any(|(o, why)| o.path == "/mcp/" && *why == "MCP"));
    }

    #[test]
    fn stream_modes_are_read_from_request_bodies() {
        let s = spec("version: 1\nname: t\nsteps:\n  - request: {method: POST, path: /runs/stream, json: {stream_mode: [updates, messages-tuple]}}\n  - request: {method: POST, path: /runs/stream, json: {stream_mode: values}}\n");
        let m = stream_modes(&[("s".into(), s)]);
        assert_eq!(m["updates"], ["s"]);
        assert_eq!(m["messages-tuple"], ["s"]);
        assert_eq!(m["values"], ["s"]);
        assert!(m["debug"].is_empty());
        assert!(stream_mode_table(&m).contains("| `debug` | — |"));
    }

    /// The coverage tables in README.md: every operation of the committed OpenAPI document in scope, with the specs
    /// that call it, and every stream mode with the specs that ask for it. The tables are generated from the specs;
    /// this test fails when README.md's copy is stale (`BLESS=1 cargo test --lib coverage` rewrites it, never where
    /// `CI` is set) and, whatever BLESS says, when an operation that had a spec has none any more.
    mod readme {
        use std::path::PathBuf;

        use super::super::{cover, operation_table, operations, stream_mode_table, stream_modes};
        use crate::runner::plan::load_file;
        use crate::spec::discover;
        use crate::target::Settings;

        const START: &str =
            "<!-- coverage: generated by src/coverage.rs; BLESS=1 cargo test --lib coverage -->\n";
        const END: &str = "<!-- coverage end -->\n";

        fn root() -> PathBuf {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        }

        fn tables() -> String {
            let doc: serde_json::Value = serde_json::from_str(
                &std::fs::read_to_string(root().join("fixtures/openapi.json"))
                    .expect("fixtures/openapi.json"),
            )
            .expect("the OpenAPI document is JSON");
            let (ops, left_out) = operations(&doc);
            let settings = Settings::from_lookup(|_| None, &root()).expect("settings");
            let specs: Vec<(String, _)> = discover(&root().join("specs"))
                .expect("specs/")
                .into_iter()
                .map(|f| {
                    let spec = load_file(&f.path, f.path.clone(), &settings)
                        .unwrap_or_else(|e| panic!("{e}"));
                    (f.test_name, spec)
                })
                .collect();
            let covered = cover(&ops, &specs);
            format!(
                "{START}\n### Operations\n\n{}\n### Stream modes\n\n{}\n{END}",
                operation_table(&covered, &left_out),
                stream_mode_table(&stream_modes(&specs))
            )
        }

        /// The operations a table marks as having a spec (a row with something other than `—` in it).
        fn covered_rows(table: &str) -> Vec<String> {
            table
                .lines()
                .filter(|l| l.starts_with("| `") && l.contains(" /"))
                .filter(|l| {
                    let cells: Vec<&str> = l.split('|').map(str::trim).collect();
                    // The success column and the last (error) one: a spec either way counts; the shape column alone does not.
                    let n = cells.len();
                    n >= 4 && (cells[2] != "—" || cells[n - 2] != "—")
                })
                .map(|l| l.split('|').nth(1).unwrap_or("").trim().to_string())
                .collect()
        }

        #[test]
        fn readme_shows_the_coverage_of_the_api() {
            let readme_path = root().join("README.md");
            let readme = std::fs::read_to_string(&readme_path).expect("README.md");
            let (before, rest) = readme
                .split_once(START)
                .expect("README.md has the coverage marker");
            let (old, after) = rest
                .split_once(END)
                .expect("README.md has the coverage end marker");
            let new = tables();
            let lost: Vec<String> = covered_rows(old)
                .into_iter()
                .filter(|op| !covered_rows(&new).contains(op))
                .collect();
            assert!(
                lost.is_empty(),
                "these operations lost their last spec: {lost:?}"
            );
            if let Err(e) = crate::golden::check(&readme_path, &format!("{before}{new}{after}")) {
                panic!("README.md's coverage tables are stale (BLESS=1 cargo test --lib coverage rewrites them): {e}");
            }
        }
    }
}
