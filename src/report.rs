//! How a failure reads: where (file:line:col and the line itself), which step, what was expected and what came, a
//! diff when there are two sides to compare, and a curl line that sends the same request again.

use std::fmt::Write as _;

use similar::{ChangeTag, TextDiff};

use crate::check::Failure;
use crate::source::Source;

/// A line diff of two texts: `-` lines are expected, `+` lines are what came. Long unchanged runs are cut.
pub fn diff(expected: &str, actual: &str) -> String {
    let d = TextDiff::from_lines(expected, actual);
    let mut out = String::new();
    for group in d.grouped_ops(3) {
        if !out.is_empty() {
            out.push_str("  ...\n");
        }
        for op in group {
            for change in d.iter_changes(&op) {
                let sign = match change.tag() {
                    ChangeTag::Delete => '-',
                    ChangeTag::Insert => '+',
                    ChangeTag::Equal => ' ',
                };
                let line = change.value();
                let _ = write!(out, "{sign}{}", line.strip_suffix('\n').unwrap_or(line));
                out.push('\n');
            }
        }
    }
    out
}

/// What the runner knows about the step that failed.
pub struct StepContext<'a> {
    pub number: usize,
    pub of: usize,
    pub name: &'a str,
    pub line: u32,
    pub curl: Option<&'a str>,
}

/// Renders the failures of one step.
pub fn render(src: &Source, step: &StepContext<'_>, failures: &[Failure]) -> String {
    let mut out = String::new();
    for f in failures {
        let _ = writeln!(out, "error: {}", f.message);
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
    let _ = writeln!(
        out,
        "in step {} of {} \"{}\" ({}:{})",
        step.number,
        step.of,
        step.name,
        src.path.display(),
        step.line
    );
    if let Some(c) = step.curl {
        let _ = writeln!(out, "reproduce with:\n  {c}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_marks_both_sides() {
        assert_eq!(diff("a\nb\nc\n", "a\nx\nc\n"), " a\n-b\n+x\n c\n");
        assert_eq!(diff("a", "a"), "");
        assert_eq!(
            diff("metadata\nupdates", "metadata\nvalues"),
            " metadata\n-updates\n+values\n"
        );
    }
}
