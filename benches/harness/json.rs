//! JSON requests with checks: the harness against a plain tokio + reqwest loop that sends the same requests and
//! makes the same checks, one request at a time, to the same loopback server.
//!
//! Two figures: the request phase (specs already loaded, both in this process on a current-thread runtime, as the
//! runner runs a spec), and the whole process (the harness's test binary finding, loading and running a spec file
//! per request, against the loop's process).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use langgraph_conformance::{load_file, render_outcome, run_one, Settings, Spec};
use serde_json::{json, Value};

use crate::child::{spec_folder, Child, HARNESS};
use crate::cpu;
use crate::loopback;
use crate::measure::{fmt_duration, median, Busy, Estimate, Mode, Row, Table, Target};

/// The request phase must stay close to what a hand-written loop costs.
const MIN_REQUEST_PHASE: f64 = 0.8;
/// The whole process also finds and loads a spec file per request, which the loop does not.
const MIN_WHOLE_PROCESS: f64 = 0.6;

pub const PLAIN: &str = "plain-json";

pub fn bench(mode: Mode, table: &mut Table) {
    let requests = mode.pick(2000, 20);
    let server = loopback::start(Duration::ZERO);
    let dir = write_specs(requests);
    request_phase(mode, &server.url, &dir, requests, table);
    whole_process(mode, &server.url, &dir, requests, table);
    assert!(server.answered() > 0, "the server saw no request");
    let _ = std::fs::remove_dir_all(&dir);
}

fn request_phase(mode: Mode, url: &str, dir: &Path, requests: usize, table: &mut Table) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let settings = settings(url, dir);
    let specs: Vec<Spec> = (0..requests)
        .map(|i| {
            let path = dir.join("json").join(format!("{}.yaml", file_name(i)));
            load_file(&path, path.clone(), &settings).expect("the bench spec loads")
        })
        .collect();
    let plain_client = plain_client();
    let harness = || {
        let start = Instant::now();
        rt.block_on(async {
            for spec in &specs {
                run_spec(&settings, "bench::json", spec)
                    .await
                    .unwrap_or_else(|r| panic!("a bench spec failed:\n{r}"));
            }
        });
        start.elapsed()
    };
    let plain = || {
        let start = Instant::now();
        rt.block_on(plain_loop(&plain_client, url, requests));
        start.elapsed()
    };
    let (ratio, h, p) = paired(mode.iterations(2, PAIRS), harness, plain);
    table.push(ratio_row(
        format!("json/{requests} requests, request phase"),
        h,
        p,
        ratio,
        MIN_REQUEST_PHASE,
    ));
}

fn whole_process(mode: Mode, url: &str, dir: &Path, requests: usize, table: &mut Table) {
    let plain = Child {
        role: PLAIN,
        env: vec![
            ("LANGGRAPH_URL", url.to_string()),
            ("BENCH_REQUESTS", requests.to_string()),
        ],
        args: vec![],
    };
    let harness = |args: Vec<&'static str>| Child {
        role: HARNESS,
        env: vec![
            ("LANGGRAPH_URL", url.to_string()),
            ("LANGGRAPH_SPECS", dir.display().to_string()),
        ],
        args,
    };
    // As people run it: the default settings, several specs at once.
    let defaults = harness(vec!["--quiet"]);
    let (ratio, h, p) = paired(
        mode.iterations(1, PAIRS),
        || defaults.time(),
        || plain.time(),
    );
    table.push(ratio_row(
        format!("json/{requests} requests, whole process"),
        h,
        p,
        ratio,
        MIN_WHOLE_PROCESS,
    ));
    // One spec at a time, as the loop sends one request at a time: for information, no goal.
    let one = harness(vec!["--test-threads=1", "--quiet"]);
    let (ratio, h, p) = paired(mode.iterations(1, 7), || one.time(), || plain.time());
    table.push(Row {
        target: None,
        ..ratio_row(
            format!("json/{requests} requests, whole process, --test-threads=1"),
            h,
            p,
            ratio,
            MIN_WHOLE_PROCESS,
        )
    });
}

/// Pairs timed for a goal: enough that the interval of the median ratio is narrow on a busy machine (with 21, it
/// lies between the 6th and the 16th ratio), few enough that `cargo bench` takes about two minutes.
pub const PAIRS: usize = 21;

/// A pair measured while other processes used more than this share of the machine's CPUs is left out: on two cores,
/// half a core. Such load does not only scatter the ratios, it shifts them (the harness runs specs on several
/// threads, the loops on one, so contention costs them differently), and no spread of the ratios shows that.
pub const MAX_FOREIGN: f64 = 0.25;

/// Quiet pairs needed to judge a goal; with fewer, the row says the machine was too busy and is not a failure.
pub const MIN_QUIET_PAIRS: usize = 11;

/// Runs the two alternately, `timed` quiet pairs after `warmup` untimed ones, and returns the pairs' ratios (baseline
/// time over harness time: the harness's speed as a fraction of the baseline's) as an estimate, with both median
/// times. Each ratio compares two runs made moments apart, so load that comes and goes moves both; a pair during which
/// other processes used more than `MAX_FOREIGN` of the machine is left out and run again, up to three times as many
/// pairs in all.
pub fn paired(
    (warmup, timed): (usize, usize),
    mut harness: impl FnMut() -> Duration,
    mut baseline: impl FnMut() -> Duration,
) -> (Estimate, Duration, Duration) {
    for _ in 0..warmup {
        harness();
        baseline();
    }
    let timed = timed.max(1);
    let mut ratios = Vec::new();
    let (mut hs, mut bs) = (Vec::new(), Vec::new());
    let mut busy: Vec<(f64, Duration, Duration)> = Vec::new();
    let mut i = 0;
    while ratios.len() < timed && i < 3 * timed {
        let before = cpu::sample();
        // Alternating which goes first, so neither always runs on a machine the other just warmed.
        let (h, b) = if i % 2 == 0 {
            let h = harness();
            (h, baseline())
        } else {
            let b = baseline();
            (harness(), b)
        };
        i += 1;
        match cpu::foreign_share(before, cpu::sample()) {
            Some(share) if share > MAX_FOREIGN => busy.push((share, h, b)),
            _ => {
                ratios.push(b.as_secs_f64() / h.as_secs_f64());
                hs.push(h);
                bs.push(b);
            }
        }
    }
    let too_few_quiet = ratios.len() < MIN_QUIET_PAIRS.min(timed);
    let left_out = busy.len();
    let foreign = (!busy.is_empty()).then(|| {
        let mut shares: Vec<f64> = busy.iter().map(|(s, _, _)| *s).collect();
        shares.sort_by(f64::total_cmp);
        shares[shares.len() / 2]
    });
    if too_few_quiet {
        // Shown all the same, for what they are worth; the goal is not judged.
        for (_, h, b) in busy {
            ratios.push(b.as_secs_f64() / h.as_secs_f64());
            hs.push(h);
            bs.push(b);
        }
    }
    let mut estimate = Estimate::of(ratios);
    estimate.busy = foreign.map(|foreign| Busy {
        left_out,
        foreign,
        too_few_quiet,
    });
    (estimate, median(hs), median(bs))
}

pub fn ratio_row(
    name: String,
    harness: Duration,
    baseline: Duration,
    ratio: Estimate,
    goal: f64,
) -> Row {
    Row {
        name,
        result: format!("{} vs {}", fmt_duration(harness), fmt_duration(baseline)),
        rate: format!("{} of the baseline's speed", ratio.show(2, "pairs")),
        target: Some(Target::at_least(ratio, goal, "of the baseline")),
    }
}

/// The loop a person would write for the same requests and checks, with a default reqwest client.
pub async fn plain_loop(client: &reqwest::Client, url: &str, requests: usize) {
    let body = request_body();
    let target = format!("{url}/threads");
    for _ in 0..requests {
        let resp = client
            .post(&target)
            .json(&body)
            .send()
            .await
            .expect("the request is answered");
        assert_eq!(resp.status(), 200);
        let json_type = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        assert!(json_type, "content-type");
        let bytes = resp.bytes().await.expect("the body is read");
        let v: Value = serde_json::from_slice(&bytes).expect("a JSON body");
        assert!(v["thread_id"].is_string());
        assert_eq!(v["status"], "idle");
        assert_eq!(v.pointer("/values/messages/0/type"), Some(&json!("human")));
    }
}

/// The plain loop as a process of its own: what `PLAIN` children run.
pub fn plain_main() {
    let url = std::env::var("LANGGRAPH_URL").expect("LANGGRAPH_URL");
    let requests = std::env::var("BENCH_REQUESTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .expect("BENCH_REQUESTS");
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(plain_loop(&plain_client(), &url, requests));
}

/// Runs a loaded spec as the runner does (on this thread's HTTP client, whose connections the next spec reuses): the
/// report, when it fails.
pub async fn run_spec(settings: &Settings, test_name: &str, spec: &Spec) -> Result<(), String> {
    let o = run_one(settings, test_name, spec).await;
    if o.failed() {
        Err(render_outcome(&o))
    } else {
        Ok(())
    }
}

/// A default reqwest client. This build of reqwest has no bundled TLS crypto provider, so the process installs one
/// first, as any program using it must.
pub fn plain_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

fn request_body() -> Value {
    json!({"metadata": {"graph_id": "agent"}})
}

/// The same request and checks as `plain_loop`, as a spec.
const SPEC: &str = "\
version: 1
name: create a thread
steps:
  - request: {method: POST, path: /threads, json: {metadata: {graph_id: agent}}}
    expect:
      status: 200
      headers:
        content-type: {matches: '^application/json'}
      body:
        - {path: $.thread_id, type: string}
        - {path: $.status, equals: idle}
        - {path: '$.values.messages[0].type', equals: human}
";

fn file_name(i: usize) -> String {
    format!("create_{i:05}")
}

/// A fresh specs folder with one spec file per request, all in one area (`json/`).
fn write_specs(requests: usize) -> PathBuf {
    spec_folder(
        "json",
        "json",
        (0..requests).map(|i| (file_name(i), SPEC.to_string())),
    )
}

pub fn settings(url: &str, specs: &Path) -> Settings {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let specs = specs.display().to_string();
    Settings::from_lookup(
        |k| match k {
            "LANGGRAPH_URL" => Some(url.to_string()),
            "LANGGRAPH_SPECS" => Some(specs.clone()),
            _ => None,
        },
        &root,
    )
    .expect("settings for the loopback server")
}
