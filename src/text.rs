//! How values read in messages: shortened to one line, named by their JSON type, or compared line by line.

use std::fmt::Write as _;

use serde_json::Value;
use similar::{ChangeTag, TextDiff};

/// What hides a spec run's secrets in text. The execution layer sets one for each run (`secrets::scoped`), so that
/// what is shortened here is scrubbed before it is cut.
pub trait Scrub: Send + Sync {
    /// `text` with the secrets hidden.
    fn scrub(&self, text: &str) -> String;
    /// The length in bytes of the longest secret form.
    fn longest(&self) -> usize;
}

tokio::task_local! {
    /// The current spec run's scrubber.
    pub static SCRUB: std::sync::Arc<dyn Scrub>;
}

/// `text` with the current run's secrets hidden (as it is outside a run), and the length of the longest of them.
fn scrub_in_run(text: &str) -> (std::borrow::Cow<'_, str>, usize) {
    SCRUB
        .try_with(|s| match s.longest() {
            0 => (std::borrow::Cow::Borrowed(text), 0),
            n => (std::borrow::Cow::Owned(s.scrub(text)), n),
        })
        .unwrap_or((std::borrow::Cow::Borrowed(text), 0))
}

/// Shortens a value for a one-line message; full values go into diffs.
pub fn preview(s: &str, max: usize) -> String {
    let (head, cut) = head(s, max);
    // Only the characters shown are looked at: a value may be many megabytes.
    let one_line: String = head
        .chars()
        .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
        .collect();
    match cut {
        false => one_line,
        true => format!("{one_line}… ({} bytes in all)", s.len()),
    }
}

/// The first `max` characters of `s`, and whether it had more. Secrets of the spec being run are hidden before it
/// is cut, not after: a key that straddles the cut would otherwise show its first characters, which no scrubbing of
/// the shortened text can recognise.
pub fn head(s: &str, max: usize) -> (std::borrow::Cow<'_, str>, bool) {
    use std::borrow::Cow;
    // Whole, it is scrubbed with the rest of the run's texts: only a text that is cut needs it now.
    let Some((cut, _)) = s.char_indices().nth(max) else {
        return (Cow::Borrowed(s), false);
    };
    // Scrubbed as far past the cut as the longest secret reaches: one that starts before it is hidden whole.
    let (_, longest) = scrub_in_run("");
    let mut end = (cut + longest).min(s.len());
    while !s.is_char_boundary(end) {
        end += 1;
    }
    let (scrubbed, _) = scrub_in_run(&s[..end]);
    let head = match scrubbed.char_indices().nth(max) {
        Some((c, _)) => match scrubbed {
            Cow::Borrowed(b) => Cow::Borrowed(&b[..c]),
            Cow::Owned(o) => Cow::Owned(o[..c].to_string()),
        },
        None => scrubbed,
    };
    (head, true)
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

    /// The reproduction: a key reflected just before the 2,000-character preview ends showed `SeKrit-a…`.
    #[test]
    fn a_secret_at_the_cut_is_hidden_whole() {
        let run = crate::secrets::Secrets::new(Some("SeKrit-abc-123"), None).for_run();
        let body = format!(
            "{}x-api-key: SeKrit-abc-123{}",
            "a".repeat(1981),
            "b".repeat(100)
        );
        let (shown, upper) = crate::secrets::sync_scoped(run, || {
            (preview(&body, 2000), preview(&body.to_uppercase(), 2000))
        });
        for p in [&shown, &upper] {
            assert!(!p.to_lowercase().contains("sekrit"), "{p}");
            assert!(
                p.to_lowercase()
                    .ends_with("x-api-key: <redacte… (2106 bytes in all)"),
                "{p}"
            );
        }
        assert!(
            preview(&body, 2000).contains("SeKrit-a…"),
            "outside a run, nothing is known to hide"
        );
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
