//! How a failure reads: where (file:line:col and the line itself), which step, what was expected and what came, a
//! diff when there are two sides to compare, and a curl line that sends the same request again.

use std::fmt::Write as _;

use crate::check::Level;
use crate::outcome::{Phase, SpecOutcome, State, StepOutcome};
use crate::source::Source;

/// The whole report of a spec, as people read it: why it is blocked, each step that did not fully hold (a clean-up
/// step's problems as warnings), the steps not sent and why, then what went wrong around the spec. Empty when all
/// held.
pub fn render_outcome(o: &SpecOutcome) -> String {
    let mut parts: Vec<String> = Vec::new();
    if let State::Blocked(why) = &o.state {
        parts.push(format!(
            "blocked: {why}\n  the spec's subject was not tested; the spec that tests that step's operation says why\n"
        ));
    }
    for s in o.steps.iter().filter(|s| !s.failures.is_empty()) {
        parts.push(render_step(&o.source, s, o.strict));
    }
    // A clean-up step skipped for want of a value would have cleaned up what was never made: not worth a line.
    let skipped: String = o
        .skipped()
        .filter(|(s, _)| s.phase == Phase::Step)
        .map(|(s, why)| {
            format!(
                "skipped: {} {} of {} \"{}\" ({}:{}): {why}\n",
                s.phase.name(),
                s.number,
                s.of,
                s.name,
                o.source.path.display(),
                s.line
            )
        })
        .collect();
    if !skipped.is_empty() {
        parts.push(skipped);
    }
    for e in &o.errors {
        parts.push(format!("error: {e}\n"));
    }
    for n in &o.notes {
        parts.push(format!("note: {n}\n"));
    }
    parts.join("\n")
}

/// Renders the failures of one step: `error:` for those that fail the test, `warning:` for `should`s that do not,
/// and for every problem of the clean-up.
pub fn render_step(src: &Source, step: &StepOutcome, strict: bool) -> String {
    let mut out = String::new();
    for f in &step.failures {
        let head = match (step.phase, f.level, f.blocks(strict)) {
            (Phase::CleanUp, Level::Must, _) => "warning (clean-up)",
            (Phase::CleanUp, Level::Should, _) => "warning (clean-up, should)",
            (Phase::Step, Level::Must, _) => "error",
            (Phase::Step, Level::Should, true) => "error (should)",
            (Phase::Step, Level::Should, false) => "warning (should)",
        };
        let _ = writeln!(out, "{head}: {}", f.message);
        let _ = writeln!(out, "  --> {}", src.at(f.loc));
        out.push_str(&src.snippet(f.loc));
        // Inside shared steps: the place above is in their file; say where the spec uses them.
        for u in src.used_at(f.loc) {
            let _ = writeln!(out, "   = used at {}", src.at(u));
        }
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
    let setup = if step.setup { "set-up " } else { "" };
    let _ = writeln!(
        out,
        "in {setup}{} {} of {} \"{}\" ({}:{})",
        step.phase.name(),
        step.number,
        step.of,
        step.name,
        src.path.display(),
        step.line
    );
    if let Some(a) = &step.retry_note {
        let _ = writeln!(out, "retried: {a}");
    }
    if let Some(c) = &step.curl {
        let _ = writeln!(out, "reproduce with:\n  {c}");
    }
    out
}
