mod fuzz;
mod predicates;

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

/// A folder with `_shared/<file>.yaml` files, and a spec in it loaded with them.
fn with_shared(tag: &str, files: &[(&str, &str)], spec: &str) -> Result<Spec, SpecError> {
    let d = std::env::temp_dir().join(format!(
        "lgc-shared-{tag}-{}-{:?}",
        std::process::id(),
        std::time::SystemTime::now()
    ));
    std::fs::create_dir_all(d.join("_shared")).unwrap();
    for (name, text) in files {
        std::fs::write(d.join("_shared").join(name), text).unwrap();
    }
    let globals: HashSet<String> = ["assistant_id".to_string()].into();
    let out = load_spec(Arc::new(Source::new(d.join("s.yaml"), spec)), &globals);
    std::fs::remove_dir_all(&d).unwrap();
    out
}

#[test]
fn parameters_go_in_every_string_and_defaults_use_earlier_ones() {
    let shared = "version: 1\ndefine:\n  get:\n    params:\n      id: {}\n      wait: {default: 2s}\n      query: {default: {id: '${id}', n: 3}}\n    steps:\n      - name: get ${id}\n        timeout: '${wait}'\n        request: {method: POST, path: '/x/${id}/$${id}', json: '${query}'}\n";
    let spec = "version: 1\nname: x\nsteps:\n  - use: p/get\n    with: {id: '${assistant_id}'}\n";
    let s = with_shared("params", &[("p.yaml", shared)], spec).unwrap_or_else(|e| panic!("{e}"));
    let step = &s.steps[0];
    assert_eq!(step.name, "get ${assistant_id}");
    assert_eq!(step.timeout, Some(std::time::Duration::from_secs(2)));
    assert_eq!(step.request.path.source(), "/x/${assistant_id}/$${id}");
    match &step.request.body {
        crate::spec::Body::Json(v) => {
            assert_eq!(v, &serde_json::json!({"id": "${assistant_id}", "n": 3}))
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn uses_that_multiply_are_bounded() {
    let mut shared = String::from(
        "version: 1\ndefine:\n  d0:\n    steps:\n      - request: {method: GET, path: /ok}\n",
    );
    for i in 1..=12 {
        shared.push_str(&format!(
            "  d{i}:\n    steps:\n      - use: boom/d{0}\n      - use: boom/d{0}\n",
            i - 1
        ));
    }
    let spec = "version: 1\nname: x\nsteps:\n  - use: boom/d12\n";
    let e = with_shared("boom", &[("boom.yaml", &shared)], spec).unwrap_err();
    assert!(e.message.contains("more than 1000 times"), "{e}");
    assert!(e.used_at.len() > 10, "{e}");
}

#[test]
fn shared_steps_take_the_setup_mark_of_their_use_and_go_in_finally() {
    let shared = "version: 1\ndefine:\n  pair:\n    outputs: [a]\n    steps:\n      - request: {method: GET, path: /a}\n        capture:\n          a: {body: $.a}\n          b: {body: $.b}\n      - request: {method: GET, path: '/b/${b}'}\n";
    let spec = "version: 1\nname: x\nsteps:\n  - use: t/pair\n    setup: true\n  - request: {method: GET, path: '/c/${a}'}\nfinally:\n  - use: t/pair\n    as: {a: again}\n";
    let s = with_shared("setup", &[("t.yaml", shared)], spec).unwrap_or_else(|e| panic!("{e}"));
    let setup: Vec<bool> = s.steps.iter().map(|s| s.setup).collect();
    assert_eq!(setup, [true, true, false]);
    let names = |steps: &[Step]| -> Vec<Vec<String>> {
        steps
            .iter()
            .map(|s| s.captures.iter().map(|c| c.name.clone()).collect())
            .collect()
    };
    // `b` is the use's own: each use has its own name for it.
    assert_eq!(names(&s.steps)[0], ["a", "b__1"]);
    assert_eq!(names(&s.finally)[0], ["again", "b__2"]);
    assert_eq!(s.finally[1].request.path.source(), "/b/${b__2}");
    // A spec's own variable cannot be reached from shared steps, and `b` is not an output.
    let spec = "version: 1\nname: x\nsteps:\n  - use: t/pair\n  - request: {method: GET, path: '/c/${b}'}\n";
    let e = with_shared("setup2", &[("t.yaml", shared)], spec).unwrap_err();
    assert!(
        e.message.contains("variable `b` is not defined here"),
        "{e}"
    );
}
