//! `cargo bench`: the harness's speed and memory, measured against baselines the bench builds itself, and checked.
//!
//! Each benchmark is a small loop of its own (a warm-up, a few timed iterations, the median; for a comparison, pairs
//! run alternately and the median of their ratios), so the build needs no benchmarking framework. `cargo bench --
//! FILTER` runs the benchmarks whose name contains FILTER; `--list` lists them. A missed target makes the run fail.
//! `cargo bench --profile dev` measures the debug build that `cargo test` uses, and does not check targets.
//!
//! Without `--bench` (as under `cargo test --all-targets`) each benchmark runs once on a small input, to prove it
//! still works, and targets are not checked.
//!
//! The binary also runs as its own child processes (see `child.rs`), so that whole processes can be timed.

mod child;
mod cpu;
mod json;
mod loopback;
mod measure;
mod mem;
mod server;
mod specs;
mod sse;
mod stream;
mod suite;
mod workload;

use std::process::ExitCode;

use measure::{Mode, Table};

/// Measures something and adds its rows to the table.
type Run = Box<dyn Fn(Mode, &mut Table)>;

/// A benchmark: the name the filter matches, and what it runs.
struct Bench {
    name: String,
    run: Run,
}

fn benches() -> Vec<Bench> {
    let mut all: Vec<Bench> = sse::CASES
        .iter()
        .map(|case| Bench {
            name: case.name(),
            run: Box::new(move |mode, table| sse::bench(case, mode, table)),
        })
        .collect();
    all.push(Bench {
        name: "specs/load".into(),
        run: Box::new(specs::bench),
    });
    all.push(Bench {
        name: "stream/end-to-end".into(),
        run: Box::new(stream::bench),
    });
    all.push(Bench {
        name: "json/requests".into(),
        run: Box::new(json::bench),
    });
    all.push(Bench {
        name: "suite/slow-server".into(),
        run: Box::new(suite::bench),
    });
    all
}

struct Args {
    filter: Option<String>,
    list: bool,
    mode: Mode,
}

impl Args {
    /// libtest's conventions, as far as a bench needs them: one optional name filter; other flags are ignored.
    fn parse(args: impl Iterator<Item = String>) -> Args {
        let mut parsed = Args {
            filter: None,
            list: false,
            mode: Mode::Smoke,
        };
        for a in args {
            match a.as_str() {
                "--bench" => parsed.mode = Mode::Measure,
                "--list" => parsed.list = true,
                flag if flag.starts_with('-') => {}
                name => parsed.filter = Some(name.to_string()),
            }
        }
        parsed
    }
}

fn main() -> ExitCode {
    // A copy of this binary started by a benchmark, to be timed as a whole process.
    match std::env::var(child::ROLE).as_deref() {
        Ok(child::HARNESS) => return langgraph_conformance::runner::main(),
        Ok(json::PLAIN) => {
            json::plain_main();
            return ExitCode::SUCCESS;
        }
        _ => {}
    }
    let args = Args::parse(std::env::args().skip(1));
    let selected: Vec<Bench> = benches()
        .into_iter()
        .filter(|b| args.filter.as_ref().is_none_or(|f| b.name.contains(f)))
        .collect();
    if args.list {
        for b in &selected {
            println!("{}: benchmark", b.name);
        }
        return ExitCode::SUCCESS;
    }
    let mut table = Table::default();
    for b in &selected {
        eprintln!("running {}", b.name);
        (b.run)(args.mode, &mut table);
    }
    table.print(args.mode);
    if args.mode == Mode::Measure && !table.all_met() {
        eprintln!("error: a target was missed");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
