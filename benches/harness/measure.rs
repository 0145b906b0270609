//! The measurement loop, units, and the results table.

use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `cargo bench`: full-size inputs, several iterations, targets checked.
    Measure,
    /// Anything else (e.g. `cargo test --all-targets`): one run on a small input, to see the benchmark still works.
    Smoke,
}

/// Whether targets are checked: only in an optimised build. `cargo bench --profile dev` measures the debug build that
/// `cargo test` uses, for the figures beside release; a debug build's timings say nothing against a target.
pub fn targets_checked() -> bool {
    !cfg!(debug_assertions)
}

impl Mode {
    /// `full` when measuring, `smoke` otherwise.
    pub fn pick<T>(self, full: T, smoke: T) -> T {
        match self {
            Mode::Measure => full,
            Mode::Smoke => smoke,
        }
    }

    /// (warm-up, timed) iterations.
    pub fn iterations(self, warmup: usize, timed: usize) -> (usize, usize) {
        self.pick((warmup, timed), (0, 1))
    }
}

/// The median time of `f` over `timed` runs, after `warmup` untimed ones (which fill caches and the allocator's
/// free lists, so the first timed run is not an outlier). The median, not the mean, so one descheduling on a busy
/// machine does not move the figure.
pub fn median_time((warmup, timed): (usize, usize), mut f: impl FnMut()) -> Duration {
    for _ in 0..warmup {
        f();
    }
    median(
        (0..timed.max(1))
            .map(|_| {
                let start = Instant::now();
                f();
                start.elapsed()
            })
            .collect(),
    )
}

/// The middle value (the upper one of the two middles for an even count). Panics on an empty list.
pub fn median<T: Ord + Copy>(mut values: Vec<T>) -> T {
    values.sort();
    values[values.len() / 2]
}

/// Decimal megabytes per second, as network and parser throughput is usually given.
pub fn mb_per_s(bytes: u64, d: Duration) -> f64 {
    bytes as f64 / 1e6 / d.as_secs_f64()
}

pub fn mib(bytes: f64) -> f64 {
    bytes / (1024.0 * 1024.0)
}

/// `101`, `10k`: stream lengths in names.
pub fn fmt_count(n: usize) -> String {
    if n < 1000 {
        n.to_string()
    } else {
        format!("{}k", n / 1000)
    }
}

pub fn fmt_duration(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s >= 1.0 {
        format!("{s:.2} s")
    } else if s >= 1e-3 {
        format!("{:.2} ms", s * 1e3)
    } else {
        format!("{:.1} µs", s * 1e6)
    }
}

/// A target and whether the measurement met it.
pub struct Target {
    text: String,
    met: bool,
}

impl Target {
    pub fn at_least(got: f64, min: f64, unit: &str) -> Target {
        Target {
            text: format!("≥ {min} {unit}"),
            met: got >= min,
        }
    }

    pub fn at_most(got: f64, max: f64, unit: &str) -> Target {
        Target {
            text: format!("≤ {max} {unit}"),
            met: got <= max,
        }
    }
}

pub struct Row {
    pub name: String,
    /// The measured figure (a median time, a memory size).
    pub result: String,
    /// What the figure means per unit of work (throughput, time per item).
    pub rate: String,
    pub target: Option<Target>,
}

#[derive(Default)]
pub struct Table {
    rows: Vec<Row>,
}

impl Table {
    pub fn push(&mut self, row: Row) {
        self.rows.push(row);
    }

    pub fn all_met(&self) -> bool {
        !targets_checked()
            || self
                .rows
                .iter()
                .all(|r| r.target.as_ref().is_none_or(|t| t.met))
    }

    /// A markdown table, so it can be pasted as it is.
    pub fn print(&self, mode: Mode) {
        let head = ["benchmark", "result", "rate", "target", ""];
        let cells: Vec<[String; 5]> = self.rows.iter().map(|r| cells(r, mode)).collect();
        let widths: Vec<usize> = (0..head.len())
            .map(|i| {
                cells
                    .iter()
                    .map(|c| c[i].chars().count())
                    .chain([head[i].len()])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let line = |c: &[String]| {
            let padded: Vec<String> = c
                .iter()
                .zip(&widths)
                .map(|(s, w)| format!("{s}{}", " ".repeat(w - s.chars().count())))
                .collect();
            println!("| {} |", padded.join(" | "));
        };
        println!();
        line(&head.map(String::from));
        line(&widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>());
        for c in &cells {
            line(c);
        }
        if mode == Mode::Smoke {
            println!(
                "\n(smoke run on small inputs: run `cargo bench` to measure and check the targets)"
            );
        } else if !targets_checked() {
            println!("\n(debug build: measured, targets not checked)");
        }
    }
}

fn cells(r: &Row, mode: Mode) -> [String; 5] {
    let (target, verdict) = match (&r.target, mode) {
        (Some(t), Mode::Measure) if !targets_checked() => {
            (t.text.clone(), if t.met { "(met)" } else { "(missed)" })
        }
        (Some(t), Mode::Measure) => (t.text.clone(), if t.met { "ok" } else { "MISSED" }),
        (Some(t), Mode::Smoke) => (t.text.clone(), "-"),
        (None, _) => (String::new(), ""),
    };
    [
        r.name.clone(),
        r.result.clone(),
        r.rate.clone(),
        target,
        verdict.to_string(),
    ]
}
