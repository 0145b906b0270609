use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::{json, Map, Value};

use super::*;
use crate::fixture::{self, Exchange};
use crate::sse::{SseItem, SseParser};

fn exchange(target: &str, headers: &[(&str, &str)], body: &str) -> Exchange {
    Exchange {
        step: 1,
        method: "POST".into(),
        target: target.into(),
        request_json: None,
        status: 200,
        reason: "OK".into(),
        headers: headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        body: body.as_bytes().to_vec(),
    }
}

const JSON_CT: (&str, &str) = ("content-type", "application/json");
const SSE_CT: (&str, &str) = ("content-type", "text/event-stream; charset=utf-8");

fn json_answer(body: &Value) -> Exchange {
    exchange(
        "/threads/t1/runs",
        &[
            JSON_CT,
            (
                "content-location",
                "/threads/01a2111c-b5df-7254-a447-3d246a3c045a/runs/01a2111c-b5e1-746a-933f-58f72c2595c4",
            ),
        ],
        &body.to_string(),
    )
}

fn run() -> Value {
    json!({
        "run_id": "01a2111c-b5e1-746a-933f-58f72c2595c4",
        "thread_id": "01a2111c-b5df-7254-a447-3d246a3c045a",
        "status": "pending",
        "metadata": {"suite": "conformance-abc"},
        "kwargs": {
            "input": {"messages": [{"role": "human", "content": "Hello"}]},
            "config": {"configurable": {"run_id": "01a2111c-b5e1-746a-933f-58f72c2595c4", "user_id": ""}},
            "stream_mode": ["values"],
            "webhook": null
        },
        "created_at": "2026-11-25T05:10:23.969917+00:00"
    })
}

const STREAM: &str = "event: metadata\r\ndata: {\"run_id\":\"01a21119-2eb1-778f-8e66-1354b18b6bea\",\"attempt\":1}\r\n\r\n\
event: values\r\ndata: {\"messages\":[{\"type\":\"human\",\"content\":\"Hello\",\"id\":\"6f8bd879-8098-4fe8-9f9a-5fbf8c699069\"}]}\r\n\r\n\
event: updates\r\ndata: {\"agent\":{\"messages\":[{\"type\":\"ai\",\"content\":\"Echo: Hello\",\"id\":\"92cd157d-f8f1-410c-8181-e3877f4be061\"}]}}\r\n\r\n\
event: updates|sub:36ac83dd-957d-2f27-e7c4-02b5890f5837\r\ndata: {\"inner\":{\"n\":1}}\r\n\r\n\
event: values\r\ndata: {\"messages\":[{\"type\":\"human\",\"content\":\"Hello\",\"id\":\"6f8bd879-8098-4fe8-9f9a-5fbf8c699069\"},{\"type\":\"ai\",\"content\":\"Echo: Hello\",\"id\":\"92cd157d-f8f1-410c-8181-e3877f4be061\"}]}\r\n\r\n";

fn stream_answer(body: &str) -> Exchange {
    exchange(
        "/runs/stream",
        &[
            SSE_CT,
            ("cache-control", "no-store"),
            (
                "location",
                "/runs/01a21119-2eb1-778f-8e66-1354b18b6bea/stream",
            ),
            (
                "content-location",
                "/runs/01a21119-2eb1-778f-8e66-1354b18b6bea",
            ),
        ],
        body,
    )
}

fn departures(r: &Exchange, t: &Exchange) -> Vec<Departure> {
    compare(1, r, t, &Options::default())
}

/// The one departure of a pair, which must have exactly one.
fn only(list: Vec<Departure>) -> Departure {
    assert_eq!(list.len(), 1, "{list:#?}");
    list.into_iter().next().unwrap()
}

fn lines(list: &[Departure]) -> String {
    list.iter()
        .map(|d| format!("{} [{}]\n", d.line(), d.kind))
        .collect()
}

// ---- identical and re-framed answers ----

#[test]
fn identical_answers_depart_nowhere() {
    assert_eq!(
        departures(&json_answer(&run()), &json_answer(&run())),
        vec![]
    );
    assert_eq!(
        departures(&stream_answer(STREAM), &stream_answer(STREAM)),
        vec![]
    );
    let empty = Exchange {
        status: 204,
        ..exchange("/threads/t", &[], "")
    };
    assert_eq!(departures(&empty, &empty), vec![]);
}

fn recordings_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/recordings")
}

/// Every recording folder (one with `exchanges.json`) under the fixtures, sorted.
fn all_recordings() -> Vec<(PathBuf, fixture::Recording)> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, out);
            } else if p.file_name().is_some_and(|n| n == "exchanges.json") {
                out.push(dir.to_path_buf());
            }
        }
    }
    let mut dirs = Vec::new();
    walk(&recordings_root(), &mut dirs);
    dirs.into_iter()
        .map(|d| {
            let r = fixture::load(&d).unwrap_or_else(|e| panic!("{e}"));
            (d, r)
        })
        .collect()
}

#[test]
fn every_recording_against_itself_departs_nowhere() {
    let all = all_recordings();
    assert!(all.len() >= 100, "only {} recordings found", all.len());
    let mut exchanges = 0;
    let mut streams = 0;
    for (dir, rec) in &all {
        for e in &rec.exchanges {
            exchanges += 1;
            streams += usize::from(e.body.starts_with(b"event:"));
            let found = compare(e.step, e, e, &Options::default());
            assert!(
                found.is_empty(),
                "{} step {}:\n{}",
                dir.display(),
                e.step,
                lines(&found)
            );
        }
        assert_eq!(
            compare_recordings(rec, rec, |_| Options::default()),
            vec![],
            "{}",
            dir.display()
        );
    }
    assert!(
        exchanges >= 900 && streams >= 30,
        "{exchanges} exchanges, {streams} streams"
    );
}

/// A fresh id for each id of the recording, of the same form (UUID or 32 hex digits), as another server would
/// choose.
#[derive(Default)]
struct Ids(HashMap<String, String>);

impl Ids {
    fn swap(&mut self, text: &str) -> String {
        let re = regex::Regex::new(
            r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|\b[0-9a-f]{32}\b",
        )
        .unwrap();
        re.replace_all(text, |c: &regex::Captures| {
            let n = self.0.len() + 1;
            self.0
                .entry(c[0].to_string())
                .or_insert_with(|| {
                    if c[0].len() == 32 {
                        format!("{n:032x}")
                    } else {
                        format!("ffffffff-0000-4000-8000-{n:012x}")
                    }
                })
                .clone()
        })
        .into_owned()
    }

    /// The value with ids swapped in strings and keys, and every object's keys in reverse order.
    fn json(&mut self, v: &Value) -> Value {
        match v {
            Value::Object(m) => {
                let mut out = Map::new();
                for (k, v) in m.iter().rev() {
                    out.insert(self.swap(k), self.json(v));
                }
                Value::Object(out)
            }
            Value::Array(a) => Value::Array(a.iter().map(|v| self.json(v)).collect()),
            Value::String(s) => Value::String(self.swap(s)),
            other => other.clone(),
        }
    }
}

/// The same answer as another server might frame it: header names in another case, the charset said or not,
/// no chunking but a length, an absolute location, fresh ids, keys reversed, JSON pretty-printed after keep-alive
/// lines; for a stream, LF line ends, data split over `data:` lines, `id:` lines, comments between events.
fn reframe(e: &Exchange) -> Exchange {
    let mut ids = Ids::default();
    let is_sse = e
        .headers
        .iter()
        .any(|(k, v)| k == "content-type" && v.starts_with("text/event-stream"));
    let body = if is_sse {
        let mut items = Vec::new();
        let mut p = SseParser::new();
        p.feed(&e.body, &mut items);
        p.finish(&mut items);
        let mut out = String::from(": hello\n\n");
        let event = |out: &mut String, ids: &mut Ids, name: &str, data: &str, n: usize| {
            out.push_str(&format!("event: {}\nid: {n}\n", ids.swap(name)));
            let data = match serde_json::from_str::<Value>(data) {
                Ok(v) => serde_json::to_string_pretty(&ids.json(&v)).unwrap(),
                Err(_) => data.to_string(),
            };
            for l in data.split('\n') {
                out.push_str(&format!("data: {l}\n"));
            }
        };
        for (n, item) in items.iter().enumerate() {
            match item {
                SseItem::Event(ev) => {
                    event(&mut out, &mut ids, &ev.event, &ev.data, n);
                    out.push_str("\n: keep-alive\n\n");
                }
                SseItem::Unterminated {
                    partial_line,
                    event: ev,
                } => {
                    if let Some(ev) = ev {
                        event(&mut out, &mut ids, &ev.event, &ev.data, n);
                    }
                    if let Some(l) = partial_line {
                        out.push_str(l);
                    }
                }
                _ => {}
            }
        }
        out.into_bytes()
    } else {
        match serde_json::from_slice::<Value>(&e.body) {
            Ok(v) => format!(
                "\n\n{}",
                serde_json::to_string_pretty(&ids.json(&v)).unwrap()
            )
            .into_bytes(),
            Err(_) => e.body.clone(),
        }
    };
    let mut headers: Vec<(String, String)> = e
        .headers
        .iter()
        .filter(|(k, _)| k != "transfer-encoding" && k != "content-length")
        .map(|(k, v)| {
            let title: String = k
                .split('-')
                .map(|w| {
                    let mut c = w.chars();
                    c.next()
                        .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                        .unwrap_or_default()
                })
                .collect::<Vec<_>>()
                .join("-");
            let v = match k.as_str() {
                "content-type" if v.contains("charset") => {
                    v.split(';').next().unwrap().to_ascii_uppercase()
                }
                "content-type" => format!("{v}; Charset=\"utf-8\""),
                "location" | "content-location" => {
                    format!("http://other.example:8123{}", ids.swap(v))
                }
                _ => v.clone(),
            };
            (title, v)
        })
        .collect();
    headers.reverse();
    headers.push(("Content-Length".into(), body.len().to_string()));
    Exchange {
        headers,
        body,
        ..e.clone()
    }
}

#[test]
fn every_recording_reframed_departs_nowhere() {
    let (mut compared, mut changed) = (0, 0);
    for (dir, rec) in all_recordings() {
        for e in &rec.exchanges {
            let other = reframe(e);
            changed += usize::from(other.body != e.body);
            let found = compare(e.step, e, &other, &Options::default());
            assert!(
                found.is_empty(),
                "{} step {}:\n{}\n{}",
                dir.display(),
                e.step,
                lines(&found),
                String::from_utf8_lossy(&other.body)
            );
            // And the other way round: the reframed answer as the reference.
            let back = compare(e.step, &other, e, &Options::default());
            assert!(
                back.is_empty(),
                "{} step {} (reversed):\n{}",
                dir.display(),
                e.step,
                lines(&back)
            );
            compared += 1;
        }
    }
    assert!(
        compared >= 900 && changed >= 700,
        "{compared} compared, {changed} bodies changed"
    );
}

#[test]
fn reframing_a_small_stream_changes_nothing() {
    let r = stream_answer(STREAM);
    let lf = STREAM.replace("\r\n", "\n");
    let split = lf.replace(
        "data: {\"inner\":{\"n\":1}}\n",
        ": ping\nid: 7\ndata: {\"inner\":\ndata:   {\"n\": 2}}\n",
    );
    let renamed = split.replace(
        "36ac83dd-957d-2f27-e7c4-02b5890f5837",
        "0123abcd-0000-4000-8000-000000000001",
    );
    let t = exchange(
        "/runs/stream",
        &[
            ("Content-Type", "TEXT/EVENT-STREAM"),
            ("Cache-Control", "no-store"),
            ("Location", "/runs/r-77/stream"),
            ("Content-Location", "/runs/r-77"),
        ],
        &renamed,
    );
    assert_eq!(departures(&r, &t), vec![]);
}

// ---- one departure per kind ----

#[test]
fn status() {
    let r = json_answer(&run());
    let t = Exchange {
        status: 201,
        headers: vec![],
        body: b"nothing alike".to_vec(),
        ..r.clone()
    };
    let d = only(departures(&r, &t));
    assert_eq!((d.kind, d.r#where.as_str()), (Kind::Status, "status"));
    assert_eq!(d.line(), "status: reference 200, target 201");
}

#[test]
fn header() {
    let r = json_answer(&run());
    let mut t = r.clone();
    t.headers[1].1 = "/runs/01a2111c-b5e1-746a-933f-58f72c2595c4".into();
    let d = only(departures(&r, &t));
    assert_eq!(d.kind, Kind::Header);
    assert_eq!(
        d.line(),
        "header content-location: reference /threads/<id>/runs/<id>, target /runs/<id>"
    );
    // Absent, and a media type of another kind.
    t.headers = vec![("content-type".into(), "text/plain;charset=UTF-8".into())];
    let found = departures(&r, &t);
    assert_eq!(
        lines(&found),
        "header content-location: reference /threads/<id>/runs/<id>, target absent [header]\n\
         header content-type: reference application/json, target text/plain [header]\n"
    );
}

#[test]
fn missing() {
    let mut t = run();
    t["kwargs"]["config"]["configurable"]
        .as_object_mut()
        .unwrap()
        .remove("user_id");
    let d = only(departures(&json_answer(&run()), &json_answer(&t)));
    assert_eq!(d.kind, Kind::Missing);
    assert_eq!(
        d.line(),
        "$.kwargs.config.configurable.user_id: reference string, target absent"
    );
}

#[test]
fn type_() {
    let mut t = run();
    t["kwargs"]["stream_mode"] = json!("values");
    let d = only(departures(&json_answer(&run()), &json_answer(&t)));
    assert_eq!(d.kind, Kind::Type);
    assert_eq!(
        d.line(),
        "$.kwargs.stream_mode: reference array, target string"
    );
    // A body of another form.
    let text = Exchange {
        body: b"Thread not found".to_vec(),
        ..json_answer(&run())
    };
    let d = only(departures(&json_answer(&run()), &text));
    assert_eq!(d.kind, Kind::Type);
    assert_eq!(
        d.line(),
        "body: reference JSON object, target text (not JSON)"
    );
}

#[test]
fn null() {
    let mut t = run();
    t["metadata"] = Value::Null;
    let d = only(departures(&json_answer(&run()), &json_answer(&t)));
    assert_eq!(d.kind, Kind::Null);
    assert_eq!(d.line(), "$.metadata: reference object, target null");
    let mut t = run();
    t["kwargs"]["webhook"] = json!("https://x");
    let d = only(departures(&json_answer(&run()), &json_answer(&t)));
    assert_eq!(d.line(), "$.kwargs.webhook: reference null, target string");
}

#[test]
fn length() {
    let mut t = run();
    t["kwargs"]["stream_mode"] = json!(["values", "updates"]);
    let d = only(departures(&json_answer(&run()), &json_answer(&t)));
    assert_eq!(d.kind, Kind::Length);
    assert_eq!(
        d.line(),
        "$.kwargs.stream_mode: reference 1 item, target 2 items"
    );
}

#[test]
fn extra() {
    let mut t = run();
    t["kwargs"]["config"]["configurable"]["langgraph_request_id"] = json!("x");
    let d = only(departures(&json_answer(&run()), &json_answer(&t)));
    assert_eq!(d.kind, Kind::Extra);
    assert!(d.is_addition());
    assert_eq!(
        d.line(),
        "$.kwargs.config.configurable.langgraph_request_id: reference absent, target string"
    );
}

#[test]
fn events_of_a_mode() {
    // The subgraph's update is missing.
    let t = STREAM.replace(
        "event: updates|sub:36ac83dd-957d-2f27-e7c4-02b5890f5837\r\ndata: {\"inner\":{\"n\":1}}\r\n\r\n",
        "",
    );
    let d = only(departures(&stream_answer(STREAM), &stream_answer(&t)));
    assert_eq!(d.kind, Kind::Events);
    assert_eq!(
        d.line(),
        "events of mode updates: reference updates, updates|sub:<id>, target updates"
    );
    // Interleaving across modes is not compared, the order within a mode is.
    let swapped = STREAM.replacen("event: values", "event: tmp", 1).replacen(
        "event: updates\r\n",
        "event: values\r\n",
        1,
    );
    assert!(!departures(&stream_answer(STREAM), &stream_answer(&swapped)).is_empty());
}

#[test]
fn events_after_the_last() {
    for tail in [
        "event: end\r\ndata: null\r\n\r\n",
        "event: end\r\n\r\n",
        "event: message\r\ndata: [DONE]\r\n\r\n",
    ] {
        let t = format!("{STREAM}{tail}");
        let d = only(departures(&stream_answer(STREAM), &stream_answer(&t)));
        assert_eq!(d.kind, Kind::Events, "{tail}");
        assert_eq!(d.r#where, "after the last event");
        assert_eq!(d.reference, "nothing");
    }
    // The other way round too: the reference ends with a marker the target lacks.
    let r = format!("{STREAM}event: end\r\n\r\n");
    let d = only(departures(&stream_answer(&r), &stream_answer(STREAM)));
    assert_eq!(
        d.line(),
        "after the last event: reference `event: end` without data, target nothing"
    );
}

#[test]
fn event_data() {
    let t = STREAM.replace("{\"inner\":{\"n\":1}}", "{\"inner\":{\"n\":\"1\"}}");
    let d = only(departures(&stream_answer(STREAM), &stream_answer(&t)));
    assert_eq!(d.kind, Kind::EventData);
    assert_eq!(
        d.line(),
        "event 4 (updates|sub:<id>) $.inner.n: reference number, target string"
    );
    // A key missing from an event's data is event data too; one added is an addition.
    let t = STREAM.replace(",\"attempt\":1}", "}");
    let d = only(departures(&stream_answer(STREAM), &stream_answer(&t)));
    assert_eq!(
        (d.kind, d.line().as_str()),
        (
            Kind::EventData,
            "event 1 (metadata) $.attempt: reference number, target absent"
        )
    );
    let t = STREAM.replace(",\"attempt\":1}", ",\"attempt\":1,\"thread_id\":null}");
    let d = only(departures(&stream_answer(STREAM), &stream_answer(&t)));
    assert_eq!(d.kind, Kind::Extra);
    assert_eq!(d.r#where, "event 1 (metadata) $.thread_id");
}

#[test]
fn more_than_the_cap_ends_in_a_note() {
    let r = json!({"a": 1});
    let mut t = Map::new();
    for i in 0..60 {
        t.insert(format!("k{i}"), json!(i));
    }
    let found = departures(&json_answer(&r), &json_answer(&Value::Object(t)));
    assert_eq!(found.len(), MAX_DEPARTURES + 1);
    let note = found.last().unwrap();
    assert_eq!(note.kind, Kind::More);
    // `a` missing comes first; 50 slots hold it and 49 additions; 11 additions are left out.
    assert_eq!(found[0].kind, Kind::Missing);
    assert_eq!(note.line(), "more departures: 11 more not listed");
    let small = compare(
        1,
        &json_answer(&r),
        &json_answer(&json!({"b": 1, "c": 2})),
        &Options {
            max_departures: 1,
            ..Options::default()
        },
    );
    assert_eq!(
        lines(&small),
        "$.a: reference number, target absent [missing]\nmore departures: 2 more not listed [more]\n"
    );
}

// ---- what is masked ----

#[test]
fn varies_paths_are_not_compared_inside() {
    let mut t = run();
    t["kwargs"]["input"] = json!({});
    let opts = Options {
        varies: vec!["$.kwargs.input".into()],
        ..Options::default()
    };
    assert_eq!(
        compare(1, &json_answer(&run()), &json_answer(&t), &opts),
        vec![]
    );
    // Whether the place exists still counts.
    t["kwargs"].as_object_mut().unwrap().remove("input");
    assert_eq!(
        compare(1, &json_answer(&run()), &json_answer(&t), &opts).len(),
        1
    );
    // `$` leaves the whole body out, a stream's too, but not the status or headers.
    let all = Options {
        varies: vec!["$".into()],
        ..Options::default()
    };
    let text = exchange("/threads/t1/runs", &[JSON_CT], "text");
    assert_eq!(compare(1, &json_answer(&run()), &text, &all).len(), 1);
    assert_eq!(
        compare(
            1,
            &stream_answer(STREAM),
            &stream_answer("event: x\ndata: 1\n\n"),
            &all
        ),
        vec![]
    );
    // A negative index counts from the end.
    let r = json!({"messages": [{"a": 1}, {"b": 1}]});
    let t = json!({"messages": [{"a": 1}, {"c": 1}]});
    let last = Options {
        varies: vec!["$.messages[-1]".into()],
        ..Options::default()
    };
    assert_eq!(
        compare(1, &json_answer(&r), &json_answer(&t), &last),
        vec![]
    );
}

#[test]
fn another_graph_skips_graph_state() {
    let other_graph = Options {
        same_graph: false,
        ..Options::default()
    };
    let mut t = run();
    t["kwargs"]["input"] = json!({"question": "hi"});
    assert_eq!(departures(&json_answer(&run()), &json_answer(&t)).len(), 2);
    assert_eq!(
        compare(1, &json_answer(&run()), &json_answer(&t), &other_graph),
        vec![]
    );
    // A stream: the graph's events are counted by presence, their data not compared; `metadata` still is.
    let t = "event: metadata\ndata: {\"run_id\":\"r\"}\n\n\
             event: values\ndata: {\"question\":\"hi\"}\n\n\
             event: updates\ndata: {\"bot\":{}}\n\n";
    let found = compare(1, &stream_answer(STREAM), &stream_answer(t), &other_graph);
    assert_eq!(
        lines(&found),
        "event 1 (metadata) $.attempt: reference number, target absent [event-data]\n"
    );
    // The output of `/wait` is the graph's own.
    let r = exchange("/threads/t/runs/wait", &[JSON_CT], "{\"messages\":[]}");
    let t = exchange("/threads/t/runs/wait", &[JSON_CT], "[1, 2]");
    assert_eq!(departures(&r, &t).len(), 1);
    assert_eq!(compare(1, &r, &t, &other_graph), vec![]);
}

#[test]
fn search_lists_have_no_stable_length() {
    let r = exchange(
        "/assistants/search",
        &[JSON_CT, ("x-pagination-total", "1")],
        "[{\"assistant_id\":\"a\",\"config\":{}}]",
    );
    let t = exchange(
        "/assistants/search",
        &[
            JSON_CT,
            ("x-pagination-total", "3"),
            ("x-pagination-next", "2"),
        ],
        "[{\"assistant_id\":\"b\",\"config\":{}},{\"assistant_id\":\"c\"},{}]",
    );
    assert_eq!(departures(&r, &t), vec![]);
    // The elements themselves are compared.
    let t2 = exchange(
        "/assistants/search",
        &[JSON_CT, ("x-pagination-total", "many")],
        "[{\"assistant_id\":\"b\"}]",
    );
    assert_eq!(
        lines(&departures(&r, &t2)),
        "header x-pagination-total: reference an integer, target not an integer (many) [header]\n\
         $[0].config: reference object, target absent [missing]\n"
    );
    // `{"items": [...]}` of the store search too; not a thread's runs, which the spec made.
    let r = exchange("/store/items/search", &[JSON_CT], "{\"items\":[]}");
    let t = exchange("/store/items/search", &[JSON_CT], "{\"items\":[{}]}");
    assert_eq!(departures(&r, &t), vec![]);
    let r = Exchange {
        method: "GET".into(),
        ..exchange("/threads/t/runs", &[JSON_CT], "[{}]")
    };
    let t = Exchange {
        body: b"[{},{}]".to_vec(),
        ..r.clone()
    };
    assert_eq!(departures(&r, &t).len(), 1);
    // A caller's own unstable path, with wildcards.
    let r = json_answer(&json!({"a": [{"tags": [1]}, {"tags": []}]}));
    let t = json_answer(&json!({"a": [{"tags": []}, {"tags": [1, 2]}]}));
    let opts = Options {
        unstable_lengths: vec!["$.a[*].tags".into()],
        ..Options::default()
    };
    assert_eq!(departures(&r, &t).len(), 2);
    assert_eq!(compare(1, &r, &t, &opts), vec![]);
}

#[test]
fn variables_mask_what_is_built_from_them() {
    let vars = Variable::pair(
        json!({"node": "agent", "graph_id": "agent", "chat_input": {"messages": [{"role": "human", "content": "Hello"}]}, "same": 1})
            .as_object()
            .unwrap(),
        json!({"node": "chatbot", "graph_id": "g", "chat_input": {"messages": [], "question": "q"}, "same": 1})
            .as_object()
            .unwrap(),
    );
    assert_eq!(vars.len(), 3, "{vars:?}");
    let opts = Options {
        variables: &vars,
        ..Options::default()
    };
    // A node name as a key, and in a subgraph namespace.
    let r = "event: updates\ndata: {\"agent\":{\"n\":1}}\n\nevent: updates|agent:1\ndata: {}\n\n";
    let t =
        "event: updates\ndata: {\"chatbot\":{\"n\":2}}\n\nevent: updates|chatbot:2\ndata: {}\n\n";
    assert_eq!(
        lines(&departures(&stream_answer(r), &stream_answer(t))),
        "events of mode updates: reference updates, updates|agent:<id>, target updates, updates|chatbot:<id> [events]\n\
         event 1 (updates) $.agent: reference object, target absent [event-data]\n\
         event 1 (updates) $.chatbot: reference absent, target object [extra]\n"
    );
    assert_eq!(
        compare(1, &stream_answer(r), &stream_answer(t), &opts),
        vec![]
    );
    // The chat input echoed back.
    let mut t = run();
    t["kwargs"]["input"] = json!({"messages": [], "question": "q"});
    assert_eq!(departures(&json_answer(&run()), &json_answer(&t)).len(), 2);
    assert_eq!(
        compare(1, &json_answer(&run()), &json_answer(&t), &opts),
        vec![]
    );
}

#[test]
fn a_stream_read_until_an_event_is_compared_up_to_it() {
    let r = "event: metadata\ndata: {\"run_id\":\"r\"}\n\nevent: metadata\ndata: {\"status\":\"run_done\"}\n\nevent: val";
    let t = "event: metadata\ndata: {\"run_id\":\"r\"}\n\nevent: metadata\ndata: {\"status\":\"run_done\"}\n\n\
             event: values\ndata: {}\n\nevent: end\n\n";
    let until = |name: &str, data: &str| name == "metadata" && data.contains("run_done");
    let opts = Options {
        until: Some(&until),
        ..Options::default()
    };
    assert_eq!(
        lines(&departures(&stream_answer(r), &stream_answer(t))),
        "events of mode values: reference none, target values [events]\n\
         after the last event: reference nothing, target `event: end` without data [events]\n"
    );
    assert_eq!(
        compare(1, &stream_answer(r), &stream_answer(t), &opts),
        vec![]
    );
}

#[test]
fn id_keyed_maps_are_paired_by_shape() {
    let r = json!({"interrupts": {
        "0123456789abcdef0123456789abcdef": [{"id": "x", "value": 1}],
        "36ac83dd-957d-2f27-e7c4-02b5890f5837": {"other": true}
    }});
    let t = json!({"interrupts": {
        "a1a2a3a4-957d-2f27-e7c4-02b5890f5837": {"other": false},
        "fedcba9876543210fedcba9876543210": [{"value": 2, "id": "y"}]
    }});
    assert_eq!(departures(&json_answer(&r), &json_answer(&t)), vec![]);
    let t = json!({"interrupts": {"fedcba9876543210fedcba9876543210": [{"value": 2}]}});
    assert_eq!(
        lines(&departures(&json_answer(&r), &json_answer(&t))),
        "$.interrupts: reference 2 entries, target 1 entry [length]\n\
         $.interrupts['<id>'][0].id: reference string, target absent [missing]\n"
    );
}

#[test]
fn a_stream_against_json_is_one_departure_of_form() {
    let t = exchange("/runs/stream", &[JSON_CT], "{\"detail\":\"x\"}");
    let found = departures(&stream_answer(STREAM), &t);
    assert_eq!(
        lines(&found),
        "header location: reference /runs/<id>/stream, target absent [header]\n\
         header content-location: reference /runs/<id>, target absent [header]\n\
         header content-type: reference text/event-stream, target application/json [header]\n\
         header cache-control: reference no-store, target absent [header]\n\
         body: reference an event stream, target JSON object [type]\n"
    );
    // A stream labelled otherwise is still read as one: the label is the departure.
    let t = exchange("/runs/stream", &[("content-type", "text/plain")], STREAM);
    let found = departures(&stream_answer(STREAM), &t);
    assert!(
        found.iter().all(|d| d.kind == Kind::Header),
        "{}",
        lines(&found)
    );
}

/// `{"a": [{"a": [... leaf ...]}]}`, `levels` times, built without recursion (`json!` would serialise `leaf`).
fn nested(levels: usize, leaf: Value) -> Value {
    let mut v = leaf;
    for _ in 0..levels {
        let mut m = Map::new();
        m.insert("a".into(), Value::Array(vec![v]));
        v = Value::Object(m);
    }
    v
}

/// Frees a deep value without deep recursion.
fn flatten_drop(v: Value) {
    let mut stack = vec![v];
    while let Some(mut v) = stack.pop() {
        if let Some(m) = v.as_object_mut() {
            stack.extend(std::mem::take(m).into_iter().map(|(_, v)| v));
        } else if let Some(a) = v.as_array_mut() {
            stack.append(a);
        }
    }
}

#[test]
fn deep_documents_stay_bounded() {
    let (deep, other) = (nested(5000, json!(1)), nested(5000, json!("x")));
    let rules = Rules::new(&Options::default());
    let mut sink = Sink::new(1, MAX_DEPARTURES);
    json::Walk::new(&mut sink, &rules, String::new(), false, false).compare(&deep, &other);
    assert_eq!(sink.finish(), vec![], "the difference is below MAX_DEPTH");
    flatten_drop(deep);
    flatten_drop(other);
    // Just above the limit is not compared, just below is.
    let levels = MAX_DEPTH / 2;
    let r = nested(levels - 1, json!(1));
    let t = nested(levels - 1, json!("x"));
    assert_eq!(departures(&json_answer(&r), &json_answer(&t)).len(), 1);
    let r = nested(levels + 1, json!(1));
    let t = nested(levels + 1, json!("x"));
    assert_eq!(departures(&json_answer(&r), &json_answer(&t)), vec![]);
}

#[test]
fn wide_documents_stop_at_the_budget() {
    let r: Vec<Value> = (0..BUDGET).map(|_| json!({"a": 1})).collect();
    let t: Vec<Value> = (0..BUDGET).map(|_| json!({"a": "1"})).collect();
    let found = departures(
        &json_answer(&Value::Array(r)),
        &json_answer(&Value::Array(t)),
    );
    assert_eq!(found.len(), MAX_DEPARTURES + 1);
    let note = found.last().unwrap();
    assert_eq!(note.kind, Kind::More);
    assert!(note.target.contains("stopped after"), "{}", note.target);
}

#[test]
fn recordings_compared_step_by_step() {
    let r = Recording {
        exchanges: vec![
            json_answer(&run()),
            Exchange {
                step: 2,
                ..json_answer(&run())
            },
        ],
        values: Map::new(),
    };
    // Step 1 retried: its last attempt counts.
    let mut first_try = json_answer(&json!({}));
    first_try.status = 404;
    let t = Recording {
        exchanges: vec![first_try, json_answer(&run())],
        values: Map::new(),
    };
    assert_eq!(
        lines(&compare_recordings(&r, &t, |_| Options::default())),
        "status: reference 200, target no answer [status]\n"
    );
    assert_eq!(
        compare_recordings(&r, &t, |_| Options::default())[0].step,
        2
    );
}

// ---- rendering ----

#[test]
fn serialised_for_the_report() {
    let d = Departure {
        step: 3,
        r#where: "event 3 (values) $.messages[0].type".into(),
        kind: Kind::EventData,
        reference: "string".into(),
        target: "absent".into(),
    };
    let v = serde_json::to_value(&d).unwrap();
    assert_eq!(
        v,
        json!({"step": 3, "where": "event 3 (values) $.messages[0].type", "kind": "event-data", "reference": "string", "target": "absent"})
    );
    assert_eq!(serde_json::from_value::<Departure>(v).unwrap(), d);
    assert_eq!(
        d.to_string(),
        "event 3 (values) $.messages[0].type: reference string, target absent"
    );
    for k in [
        Kind::Status,
        Kind::Header,
        Kind::Missing,
        Kind::Type,
        Kind::Null,
        Kind::Length,
        Kind::Extra,
        Kind::Events,
        Kind::EventData,
        Kind::More,
    ] {
        assert_eq!(serde_json::to_value(k).unwrap(), json!(k.as_str()));
    }
}
