//! What a stream check keeps of the event names it has seen, and how it shows them: bounded however long the stream
//! or its names are, so a failure report stays short enough to read and quick to print.

use crate::text::diff;

/// Names kept, at most this many...
const NAMES_KEPT: usize = 10_000;
/// ...and at most this many bytes of them; a longer stream is summarised.
const NAME_BYTES_KEPT: usize = 1024 * 1024;
/// Characters of one name shown in a message.
const NAME_SHOWN: usize = 60;
/// Names listed by `received`, and about how many characters of them.
const LISTED: usize = 40;
const LISTED_CHARS: usize = 600;
/// Lines of a sequence diff around the first difference: before it, and from it on.
const DIFF_BEFORE: usize = 3;
const DIFF_FROM: usize = 20;

#[derive(Debug, Default)]
pub struct Seen {
    names: Vec<String>,
    bytes: usize,
    total: usize,
}

impl Seen {
    pub fn push(&mut self, name: &str) {
        self.total += 1;
        if self.names.len() < NAMES_KEPT && self.bytes + name.len() <= NAME_BYTES_KEPT {
            self.bytes += name.len();
            self.names.push(name.to_string());
        }
    }

    /// Events seen, kept or not.
    pub fn total(&self) -> usize {
        self.total
    }

    /// A line that lists what arrived, for messages about stalls and missing events.
    pub fn received(&self) -> String {
        if self.total == 0 {
            return "no events were received".into();
        }
        let mut shown: Vec<String> = Vec::new();
        let mut chars = 0;
        for name in self.names.iter().take(LISTED) {
            if chars > LISTED_CHARS {
                break;
            }
            let name = short_name(name);
            chars += name.len() + 2;
            shown.push(name);
        }
        let more = self.total - shown.len();
        let tail = if more > 0 {
            format!(", … and {more} more")
        } else {
            String::new()
        };
        format!(
            "{} event(s) received: {}{tail}",
            self.total,
            shown.join(", ")
        )
    }

    /// A diff of the names written in the spec against the names seen: a window from just before the first
    /// difference, with how much more there is on each side.
    pub fn diff_against(&self, written: &[String]) -> String {
        let same = written
            .iter()
            .zip(&self.names)
            .take_while(|(w, n)| w == n)
            .count();
        let from = same.saturating_sub(DIFF_BEFORE);
        let window = |list: &[String]| -> (String, usize) {
            let end = list.len().min(same + DIFF_FROM);
            let lines: Vec<String> = list[from..end].iter().map(|n| short_name(n)).collect();
            (lines.join("\n"), end)
        };
        let (want, want_end) = window(written);
        let (got, got_end) = window(&self.names);
        let mut out = diff(&want, &got);
        let (more_want, more_got) = (written.len() - want_end, self.total - got_end);
        if more_want + more_got > 0 {
            out.push_str(&format!(
                "  ... ({more_want} more expected, {more_got} more received)\n"
            ));
        }
        out
    }
}

/// A name as shown in a message: cut with an ellipsis when long.
pub fn short_name(name: &str) -> String {
    match crate::text::head(name, NAME_SHOWN) {
        (head, false) => head.into_owned(),
        (head, true) => format!("{head}… ({} bytes)", name.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(names: &[&str]) -> Seen {
        let mut s = Seen::default();
        for n in names {
            s.push(n);
        }
        s
    }

    fn strings(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn short_diffs_are_whole() {
        let s = seen(&["metadata", "values"]);
        assert_eq!(
            s.diff_against(&strings(&["metadata", "updates"])),
            " metadata\n-updates\n+values\n"
        );
    }

    #[test]
    fn a_long_diff_is_a_window_around_the_first_difference() {
        let mut s = Seen::default();
        let mut written = Vec::new();
        for i in 0..5000 {
            s.push(&format!("e{i}"));
            written.push(format!("e{i}"));
        }
        written[2000] = "other".into();
        let d = s.diff_against(&written);
        assert!(
            d.starts_with(" e1997\n e1998\n e1999\n-other\n+e2000\n"),
            "{d}"
        );
        assert!(
            d.ends_with("  ... (2980 more expected, 2980 more received)\n"),
            "{d}"
        );
        assert!(d.lines().count() < 30, "{d}");
    }

    #[test]
    fn long_names_are_cut_and_few_are_kept() {
        let long = "x".repeat(1_000_000);
        let mut s = Seen::default();
        for _ in 0..10_000 {
            s.push(&long);
        }
        assert_eq!(s.total(), 10_000);
        assert!(s.bytes <= NAME_BYTES_KEPT && s.names.len() == 1);
        let r = s.received();
        assert!(r.len() < 200, "{r}");
        assert!(r.contains("xxx… (1000000 bytes), … and 9999 more"), "{r}");
        let mut many = Seen::default();
        for _ in 0..100 {
            many.push(&"y".repeat(3000));
        }
        let r = many.received();
        assert!(r.len() < 1000 && r.ends_with("more"), "{r}");
        let d = s.diff_against(&strings(&["metadata"]));
        assert!(d.len() < 300, "{d}");
    }
}
