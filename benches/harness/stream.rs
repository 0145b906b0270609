//! End to end: one long event stream through the runner's own path (`load_file`, `run_one`: the HTTP client, the
//! body reader, the SSE parser and the stream checks, with a JSONPath check on every event) from a loopback server.
//!
//! Besides speed, this holds the memory promise of `check/stream.rs`: events are checked as they arrive and not
//! kept, so the peak resident memory must not grow with the stream's length. Two lengths, ten times apart, are
//! compared.

use std::path::{Path, PathBuf};
use std::time::Instant;

use langgraph_conformance::{load_file, Settings, Spec};

use serde_json::Value;

use crate::json::{paired, ratio_row, run_spec, PAIRS};
use crate::measure::{
    fmt_count, fmt_duration, mb_per_s, median, mib, Estimate, Mode, Row, Table, Target,
};
use crate::mem;
use crate::server;
use crate::workload::{metadata_frame, update_frames, Framing};

/// The whole path, JSON parse and check of every event included, must keep up with any real server by far: a run
/// streams a few MB/s at most. Measured 43-94 MB/s on 2 shared cores (the server shares them); the target leaves
/// room for a busy machine.
const MIN_MB_PER_S: f64 = 30.0;

/// What ten times more events may add to the peak resident memory: allocator noise (up to about 2 MiB), nothing per
/// event. Keeping the 90k more events of about 1 KiB would add some 100 MiB; keeping only their names, without the
/// cap `check/stream.rs` puts on them, some 5 MiB.
const MAX_GROWTH_MIB: f64 = 4.0;

/// The harness's speed on one long stream, as a fraction of a current-thread reqwest loop that reads the same
/// stream, parses its events and their JSON, and makes the same checks.
const MIN_OF_LOOP: f64 = 0.8;

/// The same, as a fraction of serde_json parsing the same events' JSON from memory: the floor no client can go
/// under, as every event's data must be parsed for its checks.
const MIN_OF_SERDE: f64 = 0.5;

pub fn bench(mode: Mode, table: &mut Table) {
    // As the runner runs a spec: on its test thread's current-thread runtime, where its connection lives.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let mut run = |updates, iters| measure(&rt, updates, iters, table);
    let short = run(mode.pick(10_000, 100), mode.iterations(2, 5));
    let long = run(mode.pick(100_000, 1_000), mode.iterations(1, 3));
    baselines(&rt, &long, mode, table);
    memory_row(short, long, table);
}

/// A stream's length, the harness's median time on it, and the peak resident memory while it ran (after its
/// warm-up).
struct Peak {
    updates: usize,
    bytes: Option<u64>,
}

fn measure(
    rt: &tokio::runtime::Runtime,
    updates: usize,
    (warmup, timed): (usize, usize),
    table: &mut Table,
) -> Peak {
    let server = server::start(updates, Framing::Crlf);
    let settings = settings(&server.url);
    let spec = long_stream_spec(updates, &settings);
    let run = || {
        rt.block_on(run_spec(&settings, "bench::long_stream", &spec))
            .unwrap_or_else(|report| panic!("the long stream failed its checks:\n{report}"))
    };
    // The warm-up pays what a process pays once (the allocator's arenas, the connection setup) before any peak is
    // taken, so that it does not count as this length's memory.
    for _ in 0..warmup {
        run();
    }
    let mut times = Vec::new();
    let mut peaks = Vec::new();
    for _ in 0..timed {
        let reset = mem::reset_peak();
        let start = Instant::now();
        run();
        times.push(start.elapsed());
        peaks.push(reset.then(mem::peak).flatten());
    }
    // Medians of both: the allocator's per-thread arenas make one run's peak jitter by a MiB or two.
    let rates = Estimate::of(
        times
            .iter()
            .map(|t| mb_per_s(server.body_bytes, *t))
            .collect(),
    );
    let t = median(times);
    let peak = median(peaks);
    let events = updates + 1;
    table.push(Row {
        name: format!("stream/{} events", fmt_count(events)),
        result: format!(
            "{} / {:.1} MB",
            fmt_duration(t),
            server.body_bytes as f64 / 1e6
        ),
        rate: format!(
            "{} MB/s, {:.0}k events/s",
            rates.show(0, "runs"),
            events as f64 / t.as_secs_f64() / 1e3
        ),
        target: Some(Target::at_least(rates, MIN_MB_PER_S, "MB/s")),
    });
    Peak {
        updates,
        bytes: peak,
    }
}

/// The long stream once more, harness and loop alternately; then serde_json on its payloads from memory.
fn baselines(rt: &tokio::runtime::Runtime, long: &Peak, mode: Mode, table: &mut Table) {
    let updates = long.updates;
    let server = server::start(updates, Framing::Crlf);
    let settings = settings(&server.url);
    let spec = long_stream_spec(updates, &settings);
    let plain_client = crate::json::plain_client();
    let harness = || {
        let start = Instant::now();
        rt.block_on(run_spec(&settings, "bench::long_stream", &spec))
            .unwrap_or_else(|report| panic!("the long stream failed its checks:\n{report}"));
        start.elapsed()
    };
    let plain = || {
        let start = Instant::now();
        rt.block_on(plain_stream(&plain_client, &server.url, updates));
        start.elapsed()
    };
    let events = fmt_count(updates + 1);
    let (ratio, h, p) = paired(mode.iterations(1, PAIRS), harness, plain);
    table.push(ratio_row(
        format!("stream/{events} events, against a current-thread reqwest loop"),
        h,
        p,
        ratio,
        MIN_OF_LOOP,
    ));
    // Paired too: a harness run, then serde_json on the same payloads, alternately.
    let payloads = payloads(updates);
    let serde = || {
        let start = Instant::now();
        parse_all(&payloads);
        start.elapsed()
    };
    let (ratio, h, s) = paired(mode.iterations(1, PAIRS), harness, serde);
    table.push(ratio_row(
        format!("stream/{events} events, against serde_json from memory"),
        h,
        s,
        ratio,
        MIN_OF_SERDE,
    ));
}

/// What a person would write to read the stream and check it: chunks from reqwest, events split at blank lines,
/// each event's JSON parsed, the same checks as the spec's.
async fn plain_stream(client: &reqwest::Client, url: &str, updates: usize) {
    let mut resp = client
        .post(format!("{url}/runs/stream"))
        .json(&serde_json::json!({"assistant_id": "agent", "stream_mode": ["updates"]}))
        .send()
        .await
        .expect("the stream starts");
    assert_eq!(resp.status(), 200);
    let mut buf: Vec<u8> = Vec::new();
    let mut seen = Seen::default();
    while let Some(chunk) = resp.chunk().await.expect("the stream goes on") {
        buf.extend_from_slice(&chunk);
        let mut used = 0;
        while let Some(end) = find(&buf[used..], b"\r\n\r\n") {
            seen.event(&buf[used..used + end]);
            used += end + 4;
        }
        buf.drain(..used);
    }
    assert_eq!(seen.updates, updates, "updates events");
    assert_eq!(seen.last.as_deref(), Some("updates"));
}

#[derive(Default)]
struct Seen {
    count: usize,
    updates: usize,
    last: Option<String>,
}

impl Seen {
    fn event(&mut self, block: &[u8]) {
        let text = std::str::from_utf8(block).expect("UTF-8 events");
        let mut name = "message";
        let mut data = String::new();
        for line in text.split("\r\n") {
            if let Some(n) = line.strip_prefix("event: ") {
                name = n;
            } else if let Some(d) = line.strip_prefix("data: ") {
                data.push_str(d);
            }
        }
        let v: Value = serde_json::from_str(&data).expect("JSON data");
        match (self.count, name) {
            (0, "metadata") => assert!(v["run_id"].is_string()),
            (0, other) => panic!("first event {other}"),
            (_, "updates") => {
                self.updates += 1;
                assert_eq!(
                    v.pointer("/agent/messages/0/type"),
                    Some(&Value::from("ai"))
                );
                assert!(v
                    .pointer("/agent/messages/0/content")
                    .is_some_and(Value::is_string));
            }
            (_, "error") => panic!("an error event"),
            _ => {}
        }
        self.count += 1;
        self.last = Some(name.to_string());
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The JSON data of the stream's events, as the server sends them.
fn payloads(updates: usize) -> Vec<Vec<u8>> {
    let data = |frame: &[u8]| {
        let text = std::str::from_utf8(frame).expect("UTF-8 frames");
        let line = text
            .split("\r\n")
            .find_map(|l| l.strip_prefix("data: "))
            .expect("a data line");
        line.as_bytes().to_vec()
    };
    let pool: Vec<Vec<u8>> = update_frames(Framing::Crlf, 257)
        .iter()
        .map(|f| data(f))
        .collect();
    std::iter::once(data(&metadata_frame(Framing::Crlf)))
        .chain((0..updates).map(|i| pool[i % pool.len()].clone()))
        .collect()
}

fn parse_all(payloads: &[Vec<u8>]) {
    for p in payloads {
        let v: Value = serde_json::from_slice(p).expect("JSON");
        std::hint::black_box(v);
    }
}

fn memory_row(short: Peak, long: Peak, table: &mut Table) {
    let (Some(a), Some(b)) = (short.bytes, long.bytes) else {
        // Without resetting VmHWM the peak is the whole process's, earlier benchmarks included: meaningless here.
        eprintln!("stream: peak memory not measured (needs Linux's /proc/self/clear_refs)");
        return;
    };
    let growth = mib(b as f64 - a as f64);
    table.push(Row {
        name: format!(
            "stream/peak RSS {} → {}",
            fmt_count(short.updates),
            fmt_count(long.updates)
        ),
        result: format!("{:.1} → {:.1} MiB", mib(a as f64), mib(b as f64)),
        rate: format!("{growth:+.1} MiB"),
        target: Some(Target::at_most(
            Estimate::exact(growth),
            MAX_GROWTH_MIB,
            "MiB growth",
        )),
    });
}

fn settings(url: &str) -> Settings {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    Settings::from_lookup(|k| (k == "LANGGRAPH_URL").then(|| url.to_string()), &root)
        .expect("settings for the loopback server")
}

/// Loads the spec through `load_file`, as the runner would, from a file that exists only for that.
fn long_stream_spec(updates: usize, settings: &Settings) -> Spec {
    let path = std::env::temp_dir().join(format!(
        "langgraph-conformance-bench-{}-{updates}.yaml",
        std::process::id()
    ));
    std::fs::write(&path, spec_yaml(updates)).expect("write the bench spec");
    let spec = load_file(&path, Path::new("bench/long_stream.yaml").into(), settings);
    let _ = std::fs::remove_file(&path);
    spec.unwrap_or_else(|e| panic!("the bench spec does not load:\n{e}"))
}

/// Every kind of stream expectation that costs per event: an exact sequence, a count, a forbidden name, and a
/// JSONPath check of every event's data (which parses it).
fn spec_yaml(updates: usize) -> String {
    format!(
        r#"version: 1
name: long stream
steps:
  - name: stream
    timeout: 5m
    request:
      method: POST
      path: /runs/stream
      json: {{assistant_id: agent, stream_mode: [updates]}}
    expect:
      status: 200
      headers:
        content-type: {{matches: '^text/event-stream'}}
      stream:
        first: metadata
        sequence: [metadata, updates+]
        last: updates
        never: [error]
        count:
          updates: {updates}
        events:
          - event: metadata
            data:
              - {{path: $.run_id, type: string}}
          - event: updates
            data:
              - {{path: '$.agent.messages[0].type', equals: ai}}
              - {{path: '$.agent.messages[0].content', type: string}}
"#
    )
}
