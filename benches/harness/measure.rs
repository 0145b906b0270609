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

/// The times of `f` over `timed` runs, after `warmup` untimed ones.
pub fn times((warmup, timed): (usize, usize), mut f: impl FnMut()) -> Vec<Duration> {
    for _ in 0..warmup {
        f();
    }
    (0..timed.max(1))
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect()
}

/// A figure measured several times: its median, and the spread around the median that noise allows, the
/// distribution-free 95% confidence interval of the median (the `k`-th smallest and largest samples, `k` from the
/// binomial distribution: with 15 samples the 4th and the 12th). On a busy machine one sample or two go astray; the
/// interval says how far the median itself may be off, and a goal is judged against it (see `Target`).
#[derive(Debug, Clone, Copy)]
pub struct Estimate {
    pub median: f64,
    pub low: f64,
    pub high: f64,
    pub samples: usize,
    /// Measured while other processes took too much of the machine (see `json::paired`): not judged.
    pub busy: Option<Busy>,
}

/// How busy the machine was with other work: the measurements left out for it, and the share of the CPUs others
/// used in them (the median).
#[derive(Debug, Clone, Copy)]
pub struct Busy {
    pub left_out: usize,
    pub foreign: f64,
    /// Too few measurements were quiet to judge the goal.
    pub too_few_quiet: bool,
}

impl Estimate {
    /// Panics on an empty list.
    pub fn of(mut samples: Vec<f64>) -> Estimate {
        samples.sort_by(f64::total_cmp);
        let n = samples.len();
        let median = if n % 2 == 1 {
            samples[n / 2]
        } else {
            (samples[n / 2 - 1] + samples[n / 2]) / 2.0
        };
        let k = median_interval_rank(n);
        Estimate {
            median,
            low: samples[k - 1],
            high: samples[n - k],
            samples: n,
            busy: None,
        }
    }

    /// One figure that does not vary (a memory size read once): no spread.
    pub fn exact(v: f64) -> Estimate {
        Estimate {
            median: v,
            low: v,
            high: v,
            samples: 1,
            busy: None,
        }
    }

    /// The figure applied to each end: `1/x` turns a ratio's interval into its inverse's (the ends swap).
    pub fn map(self, f: impl Fn(f64) -> f64) -> Estimate {
        let (a, b) = (f(self.low), f(self.high));
        Estimate {
            median: f(self.median),
            low: a.min(b),
            high: a.max(b),
            samples: self.samples,
            busy: self.busy,
        }
    }

    /// `0.85 (0.79–0.91, 21 pairs)`, with `decimals` after the point, and what the machine's other work cost.
    pub fn show(&self, decimals: usize, of: &str) -> String {
        let busy = match self.busy {
            None => String::new(),
            Some(b) if b.too_few_quiet => format!(
                "; {} left out, too many to judge: others used {:.0}% of the CPUs",
                b.left_out,
                b.foreign * 100.0
            ),
            Some(b) => format!(
                "; {} more left out: others used {:.0}% of the CPUs",
                b.left_out,
                b.foreign * 100.0
            ),
        };
        format!(
            "{:.d$} ({:.d$}–{:.d$}, {} {of}{busy})",
            self.median,
            self.low,
            self.high,
            self.samples,
            d = decimals
        )
    }
}

/// The 1-based rank `k` such that the `k`-th smallest and largest of `n` samples bound the median with at least 95%
/// confidence: the largest `k` with P(Binomial(n, ½) < k) ≤ 2.5%, and 1 (the extremes) when there are too few.
fn median_interval_rank(n: usize) -> usize {
    let mut below = 0.0; // P(X < k)
    let mut p = 0.5f64.powi(n as i32); // P(X = k), from k = 0
    let mut k = 0;
    while k < n / 2 {
        if below + p > 0.025 {
            break;
        }
        below += p;
        p *= (n - k) as f64 / (k + 1) as f64;
        k += 1;
    }
    k.max(1)
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

/// How a measured figure stands against its goal, given the noise (see `Estimate`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The whole interval is on the right side of the goal.
    Met,
    /// The goal lies within the interval: the median may be on either side by noise alone. Not a failure.
    WithinNoise,
    /// The whole interval is on the wrong side of the goal: missed, whatever the noise.
    Missed,
    /// Other processes took so much of the machine that too few measurements were quiet: not a verdict.
    NotJudged,
}

/// A goal and how the measurement stands against it.
pub struct Target {
    text: String,
    verdict: Verdict,
}

impl Target {
    pub fn at_least(got: Estimate, min: f64, unit: &str) -> Target {
        Target {
            text: format!("≥ {min} {unit}"),
            verdict: if got.busy.is_some_and(|b| b.too_few_quiet) {
                Verdict::NotJudged
            } else if got.low >= min {
                Verdict::Met
            } else if got.high >= min {
                Verdict::WithinNoise
            } else {
                Verdict::Missed
            },
        }
    }

    pub fn at_most(got: Estimate, max: f64, unit: &str) -> Target {
        Target {
            text: format!("≤ {max} {unit}"),
            verdict: if got.busy.is_some_and(|b| b.too_few_quiet) {
                Verdict::NotJudged
            } else if got.high <= max {
                Verdict::Met
            } else if got.low <= max {
                Verdict::WithinNoise
            } else {
                Verdict::Missed
            },
        }
    }

    pub fn missed(&self) -> bool {
        self.verdict == Verdict::Missed
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
                .all(|r| r.target.as_ref().is_none_or(|t| !t.missed()))
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
        } else {
            println!(
                "\n(a figure is the median, with the 95% interval of the median in brackets; a goal is missed only \
                 when the whole interval misses it, and \"within noise\" when the interval straddles it. A pair \
                 measured while other processes used more than {:.0}% of the CPUs is left out and measured again; \
                 with fewer than {} quiet pairs a goal is not judged)",
                crate::json::MAX_FOREIGN * 100.0,
                crate::json::MIN_QUIET_PAIRS
            );
        }
    }
}

fn cells(r: &Row, mode: Mode) -> [String; 5] {
    let (target, verdict) = match (&r.target, mode) {
        (Some(t), Mode::Measure) if !targets_checked() => (
            t.text.clone(),
            match t.verdict {
                Verdict::Met => "(met)",
                Verdict::WithinNoise => "(within noise)",
                Verdict::Missed => "(missed)",
                Verdict::NotJudged => "(busy machine)",
            },
        ),
        (Some(t), Mode::Measure) => (
            t.text.clone(),
            match t.verdict {
                Verdict::Met => "ok",
                Verdict::WithinNoise => "ok, within noise",
                Verdict::Missed => "MISSED",
                Verdict::NotJudged => "not judged: busy machine",
            },
        ),
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
