//! How values read in messages: shortened to one line, named by their JSON type, or compared line by line.

use std::fmt::Write as _;

use serde_json::Value;
use similar::{ChangeTag, TextDiff};

/// Shortens a value for a one-line message; full values go into diffs.
pub fn preview(s: &str, max: usize) -> String {
    // Only the characters shown are looked at: a value may be many megabytes.
    let one_line = |t: &str| -> String {
        t.chars()
            .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
            .collect()
    };
    match s.char_indices().nth(max) {
        None => one_line(s),
        Some((cut, _)) => format!("{}… ({} bytes in all)", one_line(&s[..cut]), s.len()),
    }
}

/// The JSON type of a value as messages name it; a number with a fraction or an exponent is a `number`, any other an
/// `integer`.
pub fn type_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_f64() => "number",
        Value::Number(_) => "integer",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Lines of diff shown at most: a body of many megabytes must not make a report of as many.
const DIFF_LINES: usize = 200;

/// A line diff of two texts: `-` lines are expected, `+` lines are what came. Long unchanged runs are cut, and so is
/// the diff past `DIFF_LINES` lines.
pub fn diff(expected: &str, actual: &str) -> String {
    // Past the timeout the diff is coarser (larger changed blocks), never wrong, so huge texts cannot stall a report.
    let d = TextDiff::configure()
        .timeout(std::time::Duration::from_secs(1))
        .diff_lines(expected, actual);
    let mut out = String::new();
    let mut shown = 0;
    let mut hidden = 0;
    for group in d.grouped_ops(3) {
        if shown >= DIFF_LINES {
            hidden += group
                .iter()
                .map(|op| d.iter_changes(op).count())
                .sum::<usize>();
            continue;
        }
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
                if shown >= DIFF_LINES {
                    hidden += 1;
                    continue;
                }
                shown += 1;
                let line = change.value();
                let _ = write!(out, "{sign}{}", line.strip_suffix('\n').unwrap_or(line));
                out.push('\n');
            }
        }
    }
    if hidden > 0 {
        let _ = writeln!(out, "  ... ({hidden} more lines of diff)");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn previews_are_one_line_and_cut() {
        assert_eq!(preview("a\nb\r\nc", 10), "a b  c");
        assert_eq!(preview("abcdef", 3), "abc… (6 bytes in all)");
        assert_eq!(preview("é", 1), "é");
    }

    #[test]
    fn diff_marks_both_sides() {
        assert_eq!(diff("a\nb\nc\n", "a\nx\nc\n"), " a\n-b\n+x\n c\n");
        assert_eq!(diff("a", "a"), "");
        assert_eq!(
            diff("metadata\nupdates", "metadata\nvalues"),
            " metadata\n-updates\n+values\n"
        );
    }

    #[test]
    fn a_huge_diff_is_cut() {
        let want: String = (0..100_000).map(|i| format!("{i}\n")).collect();
        let got: String = (0..100_000).map(|i| format!("x{i}\n")).collect();
        let d = diff(&want, &got);
        assert_eq!(d.lines().count(), DIFF_LINES + 1, "{d}");
        assert!(d.ends_with("  ... (199800 more lines of diff)\n"), "{d}");
    }
}
