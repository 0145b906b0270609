//! A suite against a slow server: 100 multi-step specs against a loopback server that answers every request after a
//! fixed delay, a stand-in for a remote deployment. Specs spend their time waiting on the network, so with the
//! default settings the whole suite must take little longer than its longest spec.
//!
//! Both are whole processes of the harness's test binary: the suite as a user runs it (no arguments), and the
//! longest spec alone (`--exact`).

use std::path::PathBuf;
use std::time::Duration;

use crate::child::{spec_folder, Child, HARNESS};
use crate::json::{paired, PAIRS};
use crate::loopback;
use crate::measure::{fmt_duration, Mode, Row, Table, Target};

/// The suite's time over its longest spec's.
const MAX_SUITE_OVER_LONGEST: f64 = 1.5;

/// How many specs have 1, 2, ... 16 steps (clean-up steps included): the shape of this project's own suite, scaled
/// to 100 specs.
const STEPS_HISTOGRAM: [usize; 16] = [15, 5, 9, 16, 11, 11, 8, 7, 7, 2, 3, 2, 1, 1, 1, 1];

pub fn bench(mode: Mode, table: &mut Table) {
    let delay = mode.pick(Duration::from_millis(25), Duration::from_millis(1));
    let server = loopback::start(delay);
    let steps = step_counts();
    let dir = write_specs(&steps);
    let longest = steps
        .iter()
        .enumerate()
        .max_by_key(|(_, s)| **s)
        .map(|(i, _)| i)
        .expect("specs");
    let env = vec![
        ("LANGGRAPH_URL", server.url.clone()),
        ("LANGGRAPH_SPECS", dir.display().to_string()),
    ];
    let longest_name = format!("slow::{}", name(longest));
    let suite = Child {
        role: HARNESS,
        env: env.clone(),
        args: vec!["--quiet"],
    };
    let alone = Child {
        role: HARNESS,
        env,
        args: vec!["--quiet", "--exact", &longest_name],
    };
    // `paired` gives the longest spec's time over the suite's; the figure here is its inverse.
    let (ratio, suite_t, longest_t) =
        paired(mode.iterations(1, PAIRS), || suite.time(), || alone.time());
    let over = ratio.map(|r| 1.0 / r);
    let total_steps: usize = steps.iter().sum();
    table.push(Row {
        name: format!("suite/100 specs, {} ms a request", delay.as_millis()),
        result: format!(
            "{} vs {} for the longest ({} steps of {total_steps})",
            fmt_duration(suite_t),
            fmt_duration(longest_t),
            steps[longest]
        ),
        rate: format!("{}× the longest spec", over.show(2, "pairs")),
        target: Some(Target::at_most(
            over,
            MAX_SUITE_OVER_LONGEST,
            "× the longest spec",
        )),
    });
    let _ = std::fs::remove_dir_all(&dir);
}

/// The step count of each spec, in a fixed shuffled order (so the longest spec is not conveniently first).
fn step_counts() -> Vec<usize> {
    let mut steps: Vec<usize> = STEPS_HISTOGRAM
        .iter()
        .enumerate()
        .flat_map(|(i, n)| std::iter::repeat_n(i + 1, *n))
        .collect();
    // A fixed permutation: i -> (37 i + 11) mod 100 is one-to-one because 37 and 100 are coprime.
    let n = steps.len();
    let mut shuffled = vec![0; n];
    for (i, s) in steps.drain(..).enumerate() {
        shuffled[(37 * i + 11) % n] = s;
    }
    shuffled
}

fn name(i: usize) -> String {
    format!("spec_{i:03}")
}

/// Each spec creates a thread and reads it back, one step after another.
fn spec_yaml(steps: usize) -> String {
    let mut s = String::from("version: 1\nname: a slow spec\nsteps:\n");
    for _ in 0..steps {
        s.push_str(
            "  - request: {method: POST, path: /threads, json: {}}
    expect:
      status: 200
      body:
        - {path: $.status, equals: idle}
",
        );
    }
    s
}

fn write_specs(steps: &[usize]) -> PathBuf {
    spec_folder(
        "suite",
        "slow",
        steps
            .iter()
            .enumerate()
            .map(|(i, n)| (name(i), spec_yaml(*n))),
    )
}
