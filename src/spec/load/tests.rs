use std::collections::HashSet;
use std::sync::Arc;

use super::*;
use crate::spec::expect::json::{JsonCheck, JsonType, Pred};

fn load(text: &str) -> Result<Spec, SpecError> {
    let globals: HashSet<String> = ["assistant_id".to_string()].into();
    load_spec(Arc::new(Source::new("specs/t.yaml", text)), &globals)
}

#[test]
fn specs_that_start_runs_are_known() {
    let with = |method: &str, path: &str| {
        let text = format!(
            "version: 1\nname: x\nsteps:\n  - request: {{method: {method}, path: '{path}'}}\n"
        );
        load(&text).unwrap().starts_runs
    };
    for path in [
        "/runs",
        "/runs/wait",
        "/runs/stream",
        "/runs/batch",
        "/threads/${assistant_id}/runs",
        "/threads/${assistant_id}/runs/stream/",
        "/threads/${assistant_id}/runs/wait?x=1",
    ] {
        assert!(with("POST", path), "{path}");
    }
    assert!(!with("GET", "/threads/${assistant_id}/runs"));
    for path in [
        "/runs/crons",
        "/runs/search",
        "/runs/cancel",
        "/threads/t/runs/r/cancel",
        "/threads",
    ] {
        assert!(!with("POST", path), "{path}");
    }
}

const OK: &str = "\
version: 1
name: stream
steps:
  - name: run
    request:
      method: post
      path: /runs/stream
      json: {assistant_id: '${assistant_id}', stream_mode: [updates]}
    capture:
      rid: {header: content-location, regex: '/runs/([^/]+)$'}
      tid: {event: metadata, path: $.thread_id}
    expect:
      status: 200
      headers:
        content-type: {matches: '^text/event-stream'}
      stream:
        sequence: [metadata, updates+]
        events:
          - event: metadata
            data:
              - {path: $.run_id, equals: '${rid}'}
  - request: {method: GET, path: '/threads/${tid}'}
";

#[test]
fn a_valid_spec_loads() {
    let s = load(OK).unwrap();
    assert_eq!(s.steps.len(), 2);
    assert_eq!(s.steps[0].request.method, "POST");
    assert_eq!(s.steps[0].loc, Loc::new(4, 5));
    assert_eq!(s.steps[1].name, "GET /threads/${tid}");
    assert_eq!(s.steps[0].captures.len(), 2);
}

#[test]
fn a_bare_null_type_is_the_type_null() {
    let text = "version: 1\nname: t\nsteps:\n  - request: {method: GET, path: /ok}\n    expect:\n      body:\n        - {path: $.a, type: null, exists: true}\n";
    let s = load(text).unwrap();
    let preds = &s.steps[0].body[0].preds;
    assert_eq!(preds.len(), 2, "{preds:?}");
    assert!(
        preds
            .iter()
            .any(|(_, p)| matches!(p, Pred::Type(t) if t == &[JsonType::Null])),
        "{preds:?}"
    );
}

#[test]
fn schema_takes_a_component_name_or_an_inline_schema() {
    let text = "version: 1\nname: t\nsteps:\n  - request: {method: GET, path: /ok}\n    expect:\n      body:\n        - {path: $, schema: Thread}\n        - {path: $, schema: {type: object}}\n";
    let s = load(text).unwrap();
    let is_schema = |c: &JsonCheck| matches!(c.preds[..], [(_, Pred::Schema(_))]);
    assert!(s.steps[0].body.iter().all(is_schema));
    let (l, m) = err(&text.replace("schema: Thread", "schema: [Thread]"));
    assert_eq!(l, Loc::new(7, 29));
    assert!(m.starts_with("`schema` is a component name"), "{m}");
}

fn err(text: &str) -> (Loc, String) {
    let e = load(text).unwrap_err();
    (e.loc, e.message)
}

#[test]
fn errors_point_at_the_value() {
    let (l, m) = err(&OK.replace("/threads/${tid}", "/threads/${nope}"));
    assert_eq!(l, Loc::new(22, 44));
    assert!(m.starts_with("variable `nope` is not defined here"), "{m}");
    let (l, m) = err(&OK.replace("$.thread_id}", "'$.thread_id['}"));
    assert_eq!(l, Loc::new(11, 36), "{m}");
    assert!(m.contains("invalid JSONPath"), "{m}");
    let (l, m) = err(&OK.replace("^text/event-stream", "(unclosed"));
    assert_eq!(l.line, 15);
    assert!(m.starts_with("invalid regex"), "{m}");
    let (l, m) = err(&OK.replace("method: post", "method: post\n      bogus: 1"));
    assert_eq!(l, Loc::new(7, 7));
    assert!(m.starts_with("unknown field `bogus`"), "{m}");
    let (l, _) = err(&OK.replace("version: 1", "version: 2"));
    assert_eq!(l, Loc::new(1, 10));
    let (_, m) = err(&OK.replace("path: /runs/stream", "path: http://elsewhere/runs"));
    assert!(m.contains("must start with `/`"), "{m}");
}

fn body_check(check: &str) -> Result<Spec, SpecError> {
    load(&format!(
            "version: 1\nname: t\nvars: {{n: 2}}\nsteps:\n  - request: {{method: GET, path: /ok}}\n    expect:\n      body:\n        - {check}\n"
        ))
}

#[test]
fn comparisons_formats_not_and_variable_bounds_load() {
    for ok in [
        "{path: $.a, gt: 1, le: 2.5}",
        "{path: $.a, ge: '${n}'}",
        "{path: $, length: '${n}'}",
        "{path: '$[*]', count: {min: '${n}', max: 10}}",
        "{path: $.a, format: date-time}",
        "{path: $.a, not: {equals: error}}",
        "{path: $.a, not: {not: {exists: true}}}",
    ] {
        let s = body_check(ok).unwrap_or_else(|e| panic!("{ok}: {}", e.message));
        assert_eq!(
            s.steps[0].body[0].preds.len(),
            if ok.contains("gt: 1") { 2 } else { 1 },
            "{ok}"
        );
    }
    let msg = |check: &str| body_check(check).unwrap_err().message;
    assert!(msg("{path: $.a, gt: null}").contains("not null"));
    assert!(msg("{path: $.a, gt: '7'}").contains("write 7 without quotes"));
    assert!(msg("{path: $.a, gt: '${m}'}").starts_with("variable `m` is not defined"));
    assert!(msg("{path: $, length: 'many'}").contains("`length` takes a number"));
    assert!(msg("{path: $, length: -1}").contains("cannot be negative"));
    assert!(msg("{path: $.a, format: email}").starts_with("unknown format `email`"));
    assert!(msg("{path: $.a, not: {}}").starts_with("`not` has nothing to negate"));
    assert!(msg("{path: $.a, not: {path: $.b, exists: true}}").contains("cannot have a `path`"));
    assert!(msg("{equals: 1}").starts_with("a check needs a `path`"));
}

#[test]
fn event_id_captures_and_checks_load() {
    let with = |capture: &str, stream: &str| {
        load(&format!(
                "version: 1\nname: t\nsteps:\n  - request: {{method: POST, path: /runs/stream}}\n    capture:\n      x: {capture}\n    expect:\n      stream: {stream}\n"
            ))
    };
    let s = with(
        "{event: values, id: true, which: last}",
        "{ids: increasing}",
    )
    .unwrap();
    let c = &s.steps[0].captures[0];
    assert!(c.event_id && c.last_event);
    assert!(with("{event: values, which: middle}", "{}")
        .unwrap_err()
        .message
        .contains("`which` is first or last"));
    assert!(with("{body: $.a, which: last}", "{}")
        .unwrap_err()
        .message
        .contains("`which` goes with `event`"));
    assert!(with("{body: $.a, id: true}", "{}")
        .unwrap_err()
        .message
        .contains("`id` goes with `event`"));
    assert!(
        with("{event: values}", "{events: [{event: values, id: {}}]}")
            .unwrap_err()
            .message
            .contains("`id` needs `equals` or `after`")
    );
    assert!(
        with(
            "{event: values}",
            "{events: [{event: values, id: {after: '${x}'}}]}"
        )
        .unwrap_err()
        .message
        .starts_with("variable `x` is not defined"),
        "an event capture is known from the next step"
    );
}

#[test]
fn deep_yaml_is_an_error_at_its_place() {
    let block: String = (0..MAX_YAML_DEPTH + 1)
        .map(|i| format!("{}- \n", "  ".repeat(i + 4)))
        .collect();
    let text = format!("version: 1\nname: t\nsteps:\n  - request:\n      method: POST\n      path: /t\n      json:\n{block}");
    let (l, m) = err(&text);
    assert!(m.contains("nest too deeply"), "{m}");
    assert!(l.line > 7, "{l:?}");
    let ok = OK.replace(
        "json: {assistant_id",
        "json: {deep: [[[[[[[[[[1]]]]]]]]]], assistant_id",
    );
    assert!(load(&ok).is_ok());
}

#[test]
fn captures_are_visible_only_where_they_are_known() {
    // A body capture is not known to the expectations of its own step.
    let text = OK
        .replace(
            "tid: {event: metadata, path: $.thread_id}",
            "tid: {body: $.thread_id}",
        )
        .replace("equals: '${rid}'", "equals: '${tid}'");
    let (_, m) = err(&text);
    assert!(m.starts_with("variable `tid` is not defined here"), "{m}");
}
