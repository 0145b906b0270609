//! Shared steps as the loader expands them, and run: a spec written with them is the spec written out long-hand, down
//! to the requests its recording is keyed by; the captures of a shared step are its own unless they are its outputs;
//! and specs of the suite rewritten with them replay their recordings in `fixtures/recordings/` unchanged.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::runner::plan::run_spec;
use crate::source::Source;
use crate::spec::{load_spec, Spec};
use crate::target::Settings;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn settings() -> Settings {
    Settings::from_lookup(|_| None, &root()).expect("settings from fixtures/target.yaml")
}

fn globals() -> std::collections::HashSet<String> {
    settings().vars.keys().cloned().collect()
}

/// A spec's text loaded as if it were the file `shown` (relative to the project, so that `specs/...` finds
/// `specs/_shared`).
fn load(shown: &str, text: &str) -> Spec {
    load_spec(Arc::new(Source::new(root().join(shown), text)), &globals())
        .unwrap_or_else(|e| panic!("{shown} does not load:\n{e}"))
}

/// The steps of a spec as data, wherever they were written: positions left out.
fn steps(spec: &Spec) -> String {
    let text = format!("{:#?}\n{:#?}", spec.steps, spec.finally);
    let loc = regex::Regex::new(r"Loc \{\s*line: \d+,\s*col: \d+,\s*origin: \d+,?\s*\}").unwrap();
    loc.replace_all(&text, "Loc").into_owned()
}

const LONG_HAND: &str = "\
version: 1
name: A thread's state after a run
steps:
  - name: create a thread
    setup: true
    request: {method: POST, path: /threads, json: {metadata: {suite: '${unique}'}}}
    capture:
      source: {body: $.thread_id}
    expect:
      status: 200
  - name: start a run
    request:
      method: POST
      path: /threads/${source}/runs
      json: {assistant_id: '${assistant_id}', input: {messages: [{role: human, content: '${chat_text}'}], delay: 1}}
    capture:
      run_id: {body: $.run_id}
    expect:
      status: 200
  - name: wait until the run is success
    request: {method: GET, path: '/threads/${source}/runs/${run_id}'}
    retry: {every: 200ms, within: 15s}
    expect:
      status: 200
      body:
        - {path: $.status, equals: success}
  - request: {method: GET, path: '/threads/${source}/state'}
    expect:
      status: 200
finally:
  - name: delete the thread
    request: {method: DELETE, path: '/threads/${source}'}
    expect:
      status: [200, 204]
";

const WITH_SHARED_STEPS: &str = "\
version: 1
name: A thread's state after a run
steps:
  - use: thread/create
    setup: true
    as: {thread_id: source}
  - use: run/start_and_finish
    with:
      thread_id: '${source}'
      input: {messages: [{role: human, content: '${chat_text}'}], delay: 1}
  - request: {method: GET, path: '/threads/${source}/state'}
    expect:
      status: 200
finally:
  - use: thread/delete
    with: {thread_id: '${source}'}
";

#[test]
fn a_spec_with_shared_steps_is_the_spec_written_out() {
    let long = load("specs/threads/long_hand.yaml", LONG_HAND);
    let short = load("specs/threads/with_shared_steps.yaml", WITH_SHARED_STEPS);
    let (a, b) = (steps(&long), steps(&short));
    assert!(a == b, "{}", crate::text::diff(&a, &b));
    assert_eq!(
        (long.starts_runs, long.uses_webhooks),
        (short.starts_runs, short.uses_webhooks)
    );
    // Each step is in the spec at its use; what it checks is in the shared file, which the spec's source knows.
    let lines: Vec<u32> = short.steps.iter().map(|s| s.loc.line).collect();
    assert_eq!(lines, [4, 7, 7, 11]);
    let status = short.steps[2].status.as_ref().expect("a status check").loc;
    let at = short.source.at(status);
    assert!(at.contains("specs/_shared/run.yaml:"), "{at}");
    assert!(short.source.snippet(status).contains("status: 200"), "{at}");
    let used_at = short.source.used_at(status);
    let shown: Vec<String> = used_at.iter().map(|l| short.source.at(*l)).collect();
    assert!(shown[0].contains("specs/_shared/run.yaml:"), "{shown:?}");
    assert!(
        short
            .source
            .snippet(used_at[0])
            .contains("- use: run/finish"),
        "{shown:?}"
    );
    assert!(
        shown[1].ends_with("specs/threads/with_shared_steps.yaml:7:5"),
        "{shown:?}"
    );
}

#[test]
fn the_captures_of_shared_steps_are_their_own_unless_they_are_outputs() {
    let spec = load(
        "specs/threads/two_runs.yaml",
        "version: 1\nname: x\nsteps:\n  - use: thread/create\n  - use: run/start_and_finish\n  - use: run/start_and_finish\n    as: {run_id: second}\n  - request: {method: GET, path: '/threads/${thread_id}/runs/${second}'}\n",
    );
    let captures: Vec<Vec<&str>> = spec
        .steps
        .iter()
        .map(|s| s.captures.iter().map(|c| c.name.as_str()).collect())
        .collect();
    assert_eq!(
        captures,
        [
            vec!["thread_id"],
            vec!["run_id"],
            vec![],
            vec!["second"],
            vec![],
            vec![]
        ]
    );
    let paths: Vec<String> = spec.steps.iter().map(|s| s.request.path.source()).collect();
    assert_eq!(paths[4], "/threads/${thread_id}/runs/${second}");
}

/// Two specs of the suite, rewritten with shared steps: each sends the requests of the spec as it is, and replays
/// the spec's recording in `fixtures/recordings/` unchanged.
const REWRITTEN: [(&str, &str); 2] = [
    (
        "threads::state_after_run",
        "\
version: 1
name: The state of a thread before and after a run
steps:
  - use: thread/create
  - name: its state before any run
    request: {method: GET, path: '/threads/${thread_id}/state'}
    expect:
      status: 200
  - use: run/wait
  - name: its state after the run
    request: {method: GET, path: '/threads/${thread_id}/state'}
    expect:
      status: 200
      body:
        - {path: '$.values.messages[0].content', equals: '${chat_text}'}
  - request: {method: GET, path: '/threads/${thread_id}'}
    expect:
      status: 200
finally:
  - use: thread/delete
",
    ),
    (
        "runs::join",
        "\
version: 1
name: A background run is joined for its result
steps:
  - use: thread/create
    with: {json: {}}
  - use: run/start
",
    ),
];

fn file_of(test_name: &str) -> PathBuf {
    root()
        .join("specs")
        .join(format!("{}.yaml", test_name.replace("::", "/")))
}

/// What a recording is keyed by: each step's number, method, path and body, as written.
fn requests(spec: &Spec) -> Vec<String> {
    spec.steps
        .iter()
        .chain(&spec.finally)
        .map(|s| {
            format!(
                "{} {} {:?} {:?} {:?}",
                s.request.method,
                s.request.path.source(),
                s.request.query,
                s.request.headers,
                s.request.body
            )
        })
        .collect()
}

#[test]
fn specs_rewritten_with_shared_steps_replay_their_recordings() {
    let s = settings();
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    for (name, text) in REWRITTEN {
        let file = file_of(name);
        let original = load_spec(
            Arc::new(Source::new(
                &file,
                std::fs::read_to_string(&file).expect("the spec"),
            )),
            &globals(),
        )
        .expect("the spec of the suite loads");
        let shown = Path::new("specs").join(file.strip_prefix(root().join("specs")).unwrap());
        let rewritten = load(&shown.display().to_string(), text);
        let (a, b) = (requests(&original), requests(&rewritten));
        let n = b.len();
        assert_eq!(a[..n], b[..], "{name}: the first {n} requests");
        if n == a.len() {
            assert_eq!(a, b, "{name}");
        }
        let client = crate::transport::client();
        let out = rt.block_on(run_spec(&s, &client, name, &rewritten));
        assert!(
            out.is_ok(),
            "{name} rewritten does not replay its recording:\n{}",
            out.unwrap_err()
        );
    }
}

const STREAM_LONG_HAND: &str = "\
version: 1
name: A stream on a thread
steps:
  - use: thread/create
  - request:
      method: POST
      path: /threads/${thread_id}/runs/stream
      headers: {x-trace: on}
      json:
        assistant_id: ${assistant_id}
        input: {messages: [{role: human, content: hi}]}
        stream_mode: [values]
    capture:
      run_id: {header: content-location, regex: '/runs/([^/]+)$'}
    expect:
      stream:
        count:
          metadata: 1
          values: 2
        events:
          - event: metadata
            data:
              - {path: $.run_id, equals: '${run_id}'}
              - {path: $.attempt, equals: 1}
          - event: values
            which: last
        first: metadata
";

const STREAM_SHARED: &str = "\
version: 1
name: A stream on a thread
steps:
  - use: thread/create
  - request:
      use: runs/stream_on_thread
      headers: {x-trace: on}
      json:
        input: {messages: [{role: human, content: hi}]}
        stream_mode: [values]
    capture:
      run_id: {header: content-location, regex: '/runs/([^/]+)$'}
    expect:
      stream:
        use: stream/one_metadata
        first: metadata
        count:
          values: 2
        events:
          - event: values
            which: last
";

#[test]
fn a_shared_request_and_shared_stream_checks_are_the_step_written_out() {
    let long = load("specs/stream/long_hand.yaml", STREAM_LONG_HAND);
    let short = load("specs/stream/shared.yaml", STREAM_SHARED);
    let (a, b) = (steps(&long), steps(&short));
    assert!(a == b, "{}", crate::text::diff(&a, &b));
    assert_eq!(requests(&long), requests(&short));
    assert_eq!(
        short.steps[1].name,
        "POST /threads/${thread_id}/runs/stream"
    );
    // The shared request's path is shown at its line in the shared file, the step's own fields at theirs.
    let at = short.source.at(short.steps[1].request.path_loc);
    assert!(at.contains("specs/_shared/runs.yaml:"), "{at}");
}

/// Shared steps are found beside the file that was read, whatever path its messages show: a front end may show a
/// spec by a path that means nothing from the working folder.
#[test]
fn shared_steps_are_found_from_the_file_read_not_the_path_shown() {
    let real = root().join("specs/threads/copy.yaml");
    assert!(
        std::fs::read_to_string(&real).unwrap().contains("use: "),
        "the spec uses shared steps"
    );
    let shown = PathBuf::from("elsewhere/threads/copy.yaml");
    let spec = crate::runner::plan::load_file(&real, shown.clone(), &settings())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(spec.source.path, shown);
}

/// A spec in a folder of one's own, with no `_shared` folder above it, uses the suite's shared steps.
#[test]
fn a_spec_of_ones_own_uses_the_suites_shared_steps() {
    let dir = std::env::temp_dir().join(format!("own-specs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("mine.yaml");
    std::fs::write(
        &path,
        "version: 1\nname: mine\nsteps:\n  - use: thread/create\nfinally:\n  - use: thread/delete\n",
    )
    .unwrap();
    let loaded = crate::runner::plan::load_file(&path, path.clone(), &settings());
    let _ = std::fs::remove_dir_all(&dir);
    let spec = loaded.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(spec.steps.len(), 1);
    assert_eq!(spec.finally.len(), 1);
}
