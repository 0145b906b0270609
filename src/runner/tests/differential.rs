//! The differential mode end to end: a spec runs against a loopback server that answers like the spec's recording
//! but with one change, and the departure of that kind is reported, on the outcome and in report.json; an unchanged
//! server departs nowhere; `LANGGRAPH_DIFF=fail` fails the spec, `tolerated_departures` excuses a departure, and a
//! tolerance that excuses nothing is stale.

use std::path::Path;
use std::time::Duration;

use serde_json::{json, Value};

use crate::departures::Kind;
use crate::exec::spec::run;
use crate::fixture::{self, Exchange, Recording};
use crate::outcome::{Differential, SpecOutcome, State};
use crate::runner::plan::load_file;
use crate::support;
use crate::target::{DiffMode, Settings, SettingsError, ToleratedDeparture};

const NAME: &str = "diff::thread_run";

const SPEC: &str = "\
version: 1
name: a thread, its runs, and a run streamed on it
steps:
  - name: create a thread
    request: {method: POST, path: /threads, json: {metadata: {suite: 'diff-${unique}'}}}
    capture:
      thread_id: {body: $.thread_id}
  - name: list its runs
    request: {method: GET, path: '/threads/${thread_id}/runs'}
  - name: stream a run
    request:
      method: POST
      path: '/threads/${thread_id}/runs/stream'
      json: {assistant_id: '${assistant_id}', input: '${chat_input}', stream_mode: [values, updates]}
";

const THREAD: &str = "01a2111c-b5df-7254-a447-3d246a3c045a";
const RUN: &str = "01a2111c-b5e1-746a-933f-58f72c2595c4";

fn exchange(
    step: usize,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> Exchange {
    Exchange {
        step,
        method: method.into(),
        target: target.into(),
        request_json: None,
        status: 200,
        reason: "OK".into(),
        headers: headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        body,
    }
}

fn thread() -> Value {
    json!({
        "thread_id": THREAD,
        "created_at": "2026-11-25T05:10:23.969917+00:00",
        "metadata": {"suite": "diff-k3x9q2m7ab"},
        "status": "idle",
        "config": {},
        "values": null,
        "interrupts": {}
    })
}

fn runs() -> Value {
    json!([{
        "run_id": RUN,
        "thread_id": THREAD,
        "status": "success",
        "metadata": {},
        "kwargs": {"stream_mode": ["values"], "input": {"messages": []}}
    }])
}

fn stream() -> String {
    format!(
        "event: metadata\r\ndata: {{\"run_id\":\"{RUN}\",\"attempt\":1}}\r\n\r\n\
         event: values\r\ndata: {{\"messages\":[{{\"type\":\"human\",\"content\":\"Hello\"}}]}}\r\n\r\n\
         event: updates\r\ndata: {{\"agent\":{{\"messages\":[{{\"type\":\"ai\",\"content\":\"Echo: Hello\"}}]}}}}\r\n\r\n\
         event: values\r\ndata: {{\"messages\":[{{\"type\":\"human\",\"content\":\"Hello\"}},{{\"type\":\"ai\",\"content\":\"Echo: Hello\"}}]}}\r\n\r\n"
    )
}

/// What the reference answered: the recording.
fn recorded(thread: &Value, runs: &Value, stream: &str) -> Vec<Exchange> {
    let json = ("content-type", "application/json");
    vec![
        exchange(
            1,
            "POST",
            "/threads",
            &[json],
            thread.to_string().into_bytes(),
        ),
        exchange(
            2,
            "GET",
            &format!("/threads/{THREAD}/runs"),
            &[json],
            runs.to_string().into_bytes(),
        ),
        exchange(
            3,
            "POST",
            &format!("/threads/{THREAD}/runs/stream"),
            &[
                ("content-type", "text/event-stream; charset=utf-8"),
                ("content-location", &format!("/threads/{THREAD}/runs/{RUN}")),
            ],
            stream.as_bytes().to_vec(),
        ),
    ]
}

fn settings(url: &str, mode: &str, recordings: &Path, tolerated: &[(&str, &str)]) -> Settings {
    let mut s = support::settings_from(
        &[("LANGGRAPH_URL", url), ("LANGGRAPH_DIFF", mode)],
        recordings,
    );
    s.diff.tolerated = tolerated
        .iter()
        .map(|(w, why)| ToleratedDeparture {
            spec: NAME.into(),
            r#where: w.to_string(),
            reason: why.to_string(),
        })
        .collect();
    s
}

/// Runs the spec against a server answering `answers`, compared with the recording in `recordings`.
fn against(answers: &[Exchange], mode: &str, tolerated: &[(&str, &str)]) -> SpecOutcome {
    against_spec(SPEC, answers, mode, tolerated)
}

fn against_spec(
    spec_text: &str,
    answers: &[Exchange],
    mode: &str,
    tolerated: &[(&str, &str)],
) -> SpecOutcome {
    let tmp = support::scratch("differential");
    let recordings = tmp.join("recordings");
    let rec = Recording {
        exchanges: recorded(&thread(), &runs(), &stream()),
        values: json!({"unique": "k3x9q2m7ab"}).as_object().unwrap().clone(),
    };
    fixture::save(&fixture::dir_for(&recordings, NAME).unwrap(), &rec).unwrap();
    let spec_path = tmp.join("thread_run.yaml");
    std::fs::write(&spec_path, spec_text).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let out = rt.block_on(async {
        let server = support::departing::start(&tmp.join("answers"), answers).await;
        let s = settings(&server.url, mode, &recordings, tolerated);
        let spec = load_file(&spec_path, spec_path.clone(), &s).expect("a valid spec");
        let client = crate::transport::client();
        tokio::time::timeout(Duration::from_secs(20), run(&s, &client, NAME, &spec))
            .await
            .expect("the harness never hangs")
    });
    std::fs::remove_dir_all(&tmp).unwrap();
    out
}

fn diff(o: &SpecOutcome) -> &Differential {
    o.diff.as_ref().expect("the differential mode ran")
}

fn lines(d: &Differential) -> String {
    d.found
        .iter()
        .map(|f| format!("{} [{}]\n", f.departure.line(), f.departure.kind))
        .collect()
}

#[test]
fn an_unchanged_server_departs_nowhere() {
    let o = against(&recorded(&thread(), &runs(), &stream()), "1", &[]);
    let d = diff(&o);
    assert!(d.compared, "{:?}", d.notes);
    assert_eq!(d.against, "the recording");
    assert_eq!(lines(d), "");
    assert_eq!(o.state, State::Passed);
}

#[test]
fn a_stream_whose_checks_fail_is_compared_whole() {
    // The harness stops checking at the first event that fails; what it keeps to compare is the whole stream.
    let spec = format!("{SPEC}    expect:\n      stream:\n        never: [values]\n");
    // Each event in a write of its own, a moment apart, so that the harness has stopped checking before the rest.
    let paced = stream().replace("\r\n\r\n", "\r\n\r\n<<PAUSE>>");
    let o = against_spec(&spec, &recorded(&thread(), &runs(), &paced), "1", &[]);
    assert_eq!(o.state, State::Failed);
    assert_eq!(lines(diff(&o)), "");
}

#[test]
fn each_kind_of_departure_is_reported() {
    type Change<'c> = &'c dyn Fn(&mut Value, &mut Value, &mut String, &mut Vec<Exchange>);
    let with = |change: Change<'_>| {
        let (mut t, mut r, mut s) = (thread(), runs(), stream());
        let mut extra = Vec::new();
        change(&mut t, &mut r, &mut s, &mut extra);
        let mut answers = recorded(&t, &r, &s);
        for e in extra {
            let i = e.step - 1;
            answers[i] = e;
        }
        answers
    };
    let cases: Vec<(Kind, &str, Vec<Exchange>)> = vec![
        (
            Kind::Status,
            "status: reference 200, target 202",
            with(&|t, r, s, x| {
                let mut e = recorded(t, r, s).remove(1);
                e.status = 202;
                x.push(e);
            }),
        ),
        (
            Kind::Header,
            "header content-location: reference /threads/<id>/runs/<id>, target absent",
            with(&|t, r, s, x| {
                let mut e = recorded(t, r, s).remove(2);
                e.headers.retain(|(k, _)| k != "content-location");
                x.push(e);
            }),
        ),
        (
            Kind::Missing,
            "$.interrupts: reference object, target absent",
            with(&|t, _, _, _| {
                t.as_object_mut().unwrap().remove("interrupts");
            }),
        ),
        (
            Kind::Type,
            "$.metadata: reference object, target string",
            with(&|t, _, _, _| t["metadata"] = json!("suite=diff")),
        ),
        (
            Kind::Null,
            "$.config: reference object, target null",
            with(&|t, _, _, _| t["config"] = Value::Null),
        ),
        (
            Kind::Length,
            "$: reference 1 item, target 2 items",
            with(&|_, r, _, _| {
                let again = r[0].clone();
                r.as_array_mut().unwrap().push(again);
            }),
        ),
        (
            Kind::Extra,
            "$.ttl: reference absent, target number",
            with(&|t, _, _, _| t["ttl"] = json!(60)),
        ),
        (
            Kind::Events,
            "events of mode updates: reference updates, target none",
            with(&|_, _, s, _| {
                let start = s.find("event: updates").unwrap();
                let end = start + s[start..].find("\r\n\r\n").unwrap() + 4;
                s.replace_range(start..end, "");
            }),
        ),
        (
            Kind::EventData,
            "event 1 (metadata) $.attempt: reference number, target string",
            with(&|_, _, s, _| *s = s.replace("\"attempt\":1", "\"attempt\":\"1\"")),
        ),
    ];
    for (kind, line, answers) in cases {
        let o = against(&answers, "1", &[]);
        let d = diff(&o);
        let found = lines(d);
        assert_eq!(
            found,
            format!("{line} [{kind}]\n"),
            "a server that departs by {kind}"
        );
        assert_eq!(
            d.untolerated().count(),
            usize::from(kind != Kind::Extra),
            "{found}"
        );
        // A finding, not a failure, unless the target asks.
        assert_eq!(o.state, State::Passed, "{kind}: {:?}", o.errors);
    }
}

#[test]
fn a_long_list_ends_in_a_note_of_how_many_more() {
    let mut t = thread();
    for i in 0..60 {
        t[format!("k{i:02}")] = json!(i);
    }
    let o = against(&recorded(&t, &runs(), &stream()), "1", &[]);
    let d = diff(&o);
    assert_eq!(d.found.len(), 51, "{}", lines(d));
    let note = &d.found[50].departure;
    assert_eq!(note.kind, Kind::More);
    assert_eq!(note.line(), "more departures: 10 more not listed");
}

#[test]
fn reports_carry_every_departure() {
    use crate::results::{json, junit, summary, DiffInfo, SpecResult, TargetInfo};
    let mut t = thread();
    t.as_object_mut().unwrap().remove("interrupts");
    t["ttl"] = json!(60);
    let o = against(&recorded(&t, &runs(), &stream()), "1", &[]);
    let r = SpecResult::of(
        NAME.into(),
        "specs/diff/thread_run.yaml".into(),
        vec![],
        Duration::from_millis(5),
        &o,
    );
    let target = TargetInfo {
        url: Some("http://127.0.0.1:9".into()),
        capabilities: vec![],
        strict: false,
        diff: Some(DiffInfo {
            fail: false,
            reference: None,
            same_graph: true,
        }),
    };
    let results = [r];
    let report: Value =
        serde_json::from_str(&json::render(&target, &results, Duration::from_millis(5))).unwrap();
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("src/results/report.schema.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let validator = jsonschema::draft202012::new(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&report)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(report["target"]["diff"]["mode"], "report");
    assert_eq!(
        (
            report["totals"]["departures"].clone(),
            report["totals"]["additions"].clone()
        ),
        (json!(1), json!(1))
    );
    assert_eq!(
        report["specs"][0]["departures"],
        json!([
            {"step": 1, "step_name": "create a thread", "where": "$.interrupts", "kind": "missing",
             "reference": "object", "target": "absent", "addition": false, "tolerated": null},
            {"step": 1, "step_name": "create a thread", "where": "$.ttl", "kind": "extra",
             "reference": "absent", "target": "number", "addition": true, "tolerated": null}
        ])
    );
    assert_eq!(report["specs"][0]["comparison"]["against"], "the recording");

    let xml = junit::render(&target, &results, Duration::from_millis(5)).unwrap();
    assert!(
        xml.contains("step 1 &quot;create a thread&quot; $.interrupts: reference object, target absent [missing]"),
        "{xml}"
    );
    let text = summary::render(&target, &results);
    assert!(
        text.contains(
            "  diff        1       0        0        0                 0           1          1\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("departures from the recordings (findings, not failures): 1 in 1 spec(s) of 1 compared; 1 addition(s); 0 tolerated\n  diff::thread_run:\n    step 1 \"create a thread\" $.interrupts: reference object, target absent\n"),
        "{text}"
    );
}

#[test]
fn the_fail_mode_fails_on_a_departure_unless_the_target_tolerates_it() {
    let answers = {
        let mut t = thread();
        t.as_object_mut().unwrap().remove("interrupts");
        recorded(&t, &runs(), &stream())
    };
    let o = against(&answers, "fail", &[]);
    assert_eq!(o.state, State::Failed);
    let e = o.errors.join("\n");
    assert!(
        e.contains(
            "1 departure(s) from the reference's answers (the recording), and LANGGRAPH_DIFF=fail"
        ),
        "{e}"
    );
    assert!(
        e.contains("step 1 \"create a thread\" $.interrupts: reference object, target absent"),
        "{e}"
    );

    let o = against(&answers, "fail", &[("$.inter*", "no interrupts yet")]);
    assert_eq!(o.state, State::Passed, "{:?}", o.errors);
    assert_eq!(
        diff(&o).found[0].tolerated.as_deref(),
        Some("no interrupts yet")
    );

    // An addition is not a departure: it fails nothing.
    let mut t = thread();
    t["ttl"] = json!(60);
    let o = against(&recorded(&t, &runs(), &stream()), "fail", &[]);
    assert_eq!(o.state, State::Passed, "{:?}", o.errors);
}

#[test]
fn a_tolerance_that_matches_nothing_is_stale() {
    let unchanged = recorded(&thread(), &runs(), &stream());
    let o = against(&unchanged, "fail", &[("$.interrupts", "no interrupts yet")]);
    assert_eq!(o.state, State::Failed);
    assert_eq!(diff(&o).stale, ["`$.interrupts` (no interrupts yet)"]);
    assert!(
        o.errors[0].contains("no longer makes: `$.interrupts` (no interrupts yet)"),
        "{:?}",
        o.errors
    );
    // Reported, not failed, when departures are only findings.
    let o = against(&unchanged, "1", &[("$.interrupts", "no interrupts yet")]);
    assert_eq!(o.state, State::Passed);
    assert_eq!(diff(&o).stale.len(), 1);
}

#[test]
fn a_live_reference_runs_the_spec_side_by_side_without_the_target_s_key() {
    let tmp = support::scratch("differential-live");
    let spec_path = tmp.join("thread_run.yaml");
    std::fs::write(&spec_path, SPEC).unwrap();
    let mut t = thread();
    t["metadata"] = json!(null);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (o, reference_heads, target_heads) = rt.block_on(async {
        let reference = support::departing::start(
            &tmp.join("reference"),
            &recorded(&thread(), &runs(), &stream()),
        )
        .await;
        let target =
            support::departing::start(&tmp.join("target"), &recorded(&t, &runs(), &stream())).await;
        let s = support::settings_from(
            &[
                ("LANGGRAPH_URL", &target.url),
                ("LANGGRAPH_DIFF", "1"),
                ("LANGGRAPH_REFERENCE_URL", &reference.url),
                ("LANGGRAPH_API_KEY", "lsv2-the-target-s-key"),
            ],
            &tmp.join("no-recordings"),
        );
        let spec = load_file(&spec_path, spec_path.clone(), &s).expect("a valid spec");
        let client = crate::transport::client();
        let o = tokio::time::timeout(Duration::from_secs(20), run(&s, &client, NAME, &spec))
            .await
            .expect("the harness never hangs");
        let heads = |srv: &support::raw_server::RawServer| srv.requests.lock().unwrap().join("\n");
        (o, heads(&reference), heads(&target))
    });
    let d = diff(&o);
    assert!(d.against.starts_with("http://127.0.0.1:"), "{}", d.against);
    assert_eq!(
        lines(d),
        "$.metadata: reference object, target null [null]\n"
    );
    assert_eq!(
        reference_heads.matches("POST /threads ").count(),
        1,
        "{reference_heads}"
    );
    assert!(
        reference_heads.contains("/runs/stream"),
        "{reference_heads}"
    );
    assert!(
        !reference_heads.to_ascii_lowercase().contains("x-api-key"),
        "{reference_heads}"
    );
    assert!(
        target_heads.to_ascii_lowercase().contains("x-api-key"),
        "{target_heads}"
    );
    std::fs::remove_dir_all(&tmp).unwrap();
}

fn settings_of(env: &[(&str, &str)]) -> Result<Settings, SettingsError> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let names: Vec<String> = env
        .iter()
        .map(|(k, _)| k.to_string())
        .filter(|k| k.starts_with("LANGGRAPH_VAR_"))
        .collect();
    Settings::from_lookup_and_names(
        |k| {
            env.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        },
        root,
        &names,
    )
}

#[test]
fn the_settings_of_the_mode() {
    let url = ("LANGGRAPH_URL", "http://127.0.0.1:9");
    assert_eq!(settings_of(&[url]).unwrap().diff.mode, DiffMode::Off);
    assert_eq!(
        settings_of(&[url, ("LANGGRAPH_DIFF", "1")])
            .unwrap()
            .diff
            .mode,
        DiffMode::Report
    );
    assert_eq!(
        settings_of(&[("LANGGRAPH_DIFF", "fail")])
            .unwrap()
            .diff
            .mode,
        DiffMode::Fail
    );
    let e = settings_of(&[("LANGGRAPH_DIFF", "yes please")])
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("LANGGRAPH_DIFF: `yes please` is not 1"),
        "{e}"
    );
    let e = settings_of(&[url, ("LANGGRAPH_REFERENCE_URL", "http://127.0.0.1:8")])
        .unwrap_err()
        .to_string();
    assert!(e.contains("set LANGGRAPH_DIFF=1 too"), "{e}");
    let diff = ("LANGGRAPH_DIFF", "1");
    let e = settings_of(&[url, diff, ("LANGGRAPH_REFERENCE_URL", "127.0.0.1:8")])
        .unwrap_err()
        .to_string();
    assert!(e.contains("http://"), "{e}");
    let e = settings_of(&[
        url,
        diff,
        ("LANGGRAPH_REFERENCE_URL", "http://me:hunter2@h"),
    ])
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("cannot carry credentials") && !e.contains("hunter2"),
        "{e}"
    );
    let s = settings_of(&[
        url,
        diff,
        ("LANGGRAPH_REFERENCE_URL", "http://127.0.0.1:8/"),
    ])
    .unwrap();
    assert_eq!(s.diff.reference_url.as_deref(), Some("http://127.0.0.1:8"));
}

#[test]
fn the_graph_is_the_recorded_one_when_the_variables_are_the_defaults_unless_the_target_file_says() {
    let url = ("LANGGRAPH_URL", "http://127.0.0.1:9");
    let diff = ("LANGGRAPH_DIFF", "1");
    assert!(settings_of(&[diff]).unwrap().diff.same_graph, "the fixture");
    assert!(settings_of(&[url, diff]).unwrap().diff.same_graph);
    let other = settings_of(&[url, diff, ("LANGGRAPH_VAR_NODE", "chatbot")]).unwrap();
    assert!(!other.diff.same_graph);
    assert_eq!(other.diff.recorded_vars["node"], "agent");

    let tmp = support::scratch("diff-target");
    let file = tmp.join("t.yaml");
    std::fs::write(
        &file,
        "version: 1\nsame_graph: false\ntolerated_departures:\n  - {spec: runs::create, where: 'header *', reason: no location}\n",
    )
    .unwrap();
    let f = file.to_string_lossy().into_owned();
    let s = settings_of(&[url, diff, ("LANGGRAPH_TARGET_CONFIG", &f)]).unwrap();
    assert!(!s.diff.same_graph);
    let t = &s.diff.tolerated[0];
    assert!(t.covers("runs::create", "header location"));
    assert!(!t.covers("runs::create", "$.header"));
    assert!(!t.covers("runs::join", "header location"));
    // The fixture was recorded with the defaults: a target file does not apply to it.
    let s = settings_of(&[diff, ("LANGGRAPH_TARGET_CONFIG", &f)]).unwrap();
    assert!(s.diff.same_graph && s.diff.tolerated.is_empty());
    std::fs::remove_dir_all(&tmp).unwrap();
}

#[test]
fn tolerances_match_their_where_with_stars() {
    let t = |w: &str| ToleratedDeparture {
        spec: NAME.into(),
        r#where: w.into(),
        reason: String::new(),
    };
    let covers = |w: &str, place: &str| t(w).covers(NAME, place);
    assert!(covers("$.interrupts", "$.interrupts"));
    assert!(!covers("$.interrupts", "$.interrupts.x"));
    assert!(covers(
        "event * (values) $.messages[*].name",
        "event 3 (values) $.messages[0].name"
    ));
    assert!(!covers(
        "event * (values) $.messages[*].name",
        "event 3 (updates) $.messages[0].name"
    ));
    assert!(covers("*", "anything"));
    assert!(covers("a*b*c", "abc"));
    assert!(!covers("a*b*c", "acb"));
}
