//! How a failure reads: where (file:line:col and the line itself), which step, what was expected and what came, a
//! diff when there are two sides to compare, and a curl line that sends the same request again.

use std::fmt::Write as _;

use crate::check::{Failure, Level};
use crate::source::Source;

/// Whether a step is one of the spec's steps or of its clean-up (`finally`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Step,
    CleanUp,
}

/// What the runner knows about the step that failed.
pub struct StepContext<'a> {
    pub phase: Phase,
    pub number: usize,
    pub of: usize,
    pub name: &'a str,
    pub line: u32,
    pub curl: Option<&'a str>,
    /// How a retried step went, when it was retried.
    pub attempts: Option<&'a str>,
}

/// Renders the failures of one step: `error:` for those that fail the test, `warning:` for `should`s that do not.
pub fn render(src: &Source, step: &StepContext<'_>, failures: &[Failure], strict: bool) -> String {
    let mut out = String::new();
    for f in failures {
        let head = match (f.level, f.blocks(strict)) {
            (Level::Must, _) => "error",
            (Level::Should, true) => "error (should)",
            (Level::Should, false) => "warning (should)",
        };
        let _ = writeln!(out, "{head}: {}", f.message);
        let _ = writeln!(out, "  --> {}", src.at(f.loc));
        out.push_str(&src.snippet(f.loc));
        if let Some(d) = &f.diff {
            out.push_str("   = diff (- expected, + actual):\n");
            for line in d.lines() {
                let _ = writeln!(out, "     {line}");
            }
        }
        for n in &f.notes {
            let _ = writeln!(out, "   = {n}");
        }
        out.push('\n');
    }
    let phase = match step.phase {
        Phase::Step => "step",
        Phase::CleanUp => "clean-up step",
    };
    let _ = writeln!(
        out,
        "in {phase} {} of {} \"{}\" ({}:{})",
        step.number,
        step.of,
        step.name,
        src.path.display(),
        step.line
    );
    if let Some(a) = step.attempts {
        let _ = writeln!(out, "retried: {a}");
    }
    if let Some(c) = step.curl {
        let _ = writeln!(out, "reproduce with:\n  {c}");
    }
    out
}
