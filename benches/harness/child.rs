//! Whole processes, timed: the bench starts copies of its own binary, either as the harness (the runner's `main`,
//! exactly what `cargo test --test conformance` runs) or as a baseline, so that both are built alike and a
//! comparison includes everything a process pays: start-up, finding and loading the specs, the report.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Set in a child's environment to what it should be; the bench's `main` checks it first. Not a `LANGGRAPH_` name:
/// the harness refuses those it does not know.
pub const ROLE: &str = "CONFORMANCE_BENCH_CHILD";

/// The harness's test binary.
pub const HARNESS: &str = "harness";

/// What a child is asked to be, and with which settings and arguments.
pub struct Child<'a> {
    pub role: &'a str,
    pub env: Vec<(&'a str, String)>,
    pub args: Vec<&'a str>,
}

impl Child<'_> {
    /// Runs the child to its end and returns how long it took. Panics with its output when it fails: a figure of a
    /// run that failed its checks would mean nothing.
    pub fn time(&self) -> Duration {
        let mut cmd = Command::new(std::env::current_exe().expect("the bench's own path"));
        // The caller's settings must not leak into a measured run.
        for (k, _) in std::env::vars_os() {
            let k = k.to_string_lossy();
            if k.starts_with("LANGGRAPH_")
                || k.starts_with("LANGSMITH_")
                || k.starts_with("NEXTEST")
            {
                cmd.env_remove(&*k);
            }
        }
        cmd.env(ROLE, self.role)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .args(&self.args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let start = Instant::now();
        let out = cmd.output().expect("start a copy of the bench");
        let took = start.elapsed();
        if !out.status.success() {
            let err = String::from_utf8_lossy(&out.stderr);
            let tail: Vec<&str> = err.lines().rev().take(40).collect();
            panic!(
                "the {} child failed ({}):\n{}",
                self.role,
                out.status,
                tail.into_iter().rev().collect::<Vec<_>>().join("\n")
            );
        }
        took
    }
}

/// A fresh specs folder for a child to run (`LANGGRAPH_SPECS`), with `files` (name, text) in one area, so the tests
/// are named `AREA::NAME`. The caller removes it.
pub fn spec_folder(
    bench: &str,
    area: &str,
    files: impl Iterator<Item = (String, String)>,
) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "langgraph-conformance-bench-{bench}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    let area = dir.join(area);
    std::fs::create_dir_all(&area).expect("a folder for the bench specs");
    for (name, text) in files {
        std::fs::write(area.join(format!("{name}.yaml")), text).expect("write a bench spec");
    }
    dir
}
