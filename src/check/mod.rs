//! Expectations and how they are checked: on the status and headers, on JSON bodies (by JSONPath), and on event
//! streams as the events arrive.

pub mod http;
pub mod json;
pub mod names;
pub mod schema;
pub mod stream;

use crate::source::Loc;

/// One expectation that did not hold, with where it is written and what was seen.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// Where the expectation is written in the spec.
    pub loc: Loc,
    /// One sentence: what was expected and what came instead.
    pub message: String,
    /// A diff (`-` expected, `+` actual) when both sides are worth comparing line by line.
    pub diff: Option<String>,
    /// Further lines that help, such as the events received before a stall.
    pub notes: Vec<String>,
}

impl Failure {
    pub fn new(loc: Loc, message: impl Into<String>) -> Self {
        Failure {
            loc,
            message: message.into(),
            diff: None,
            notes: Vec::new(),
        }
    }

    pub fn with_diff(mut self, diff: String) -> Self {
        self.diff = Some(diff);
        self
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }
}

/// Shortens a value for a one-line message; full values go into diffs.
pub fn preview(s: &str, max: usize) -> String {
    let one_line: String = s
        .chars()
        .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
        .collect();
    if one_line.chars().count() <= max {
        one_line
    } else {
        let cut: String = one_line.chars().take(max).collect();
        format!("{cut}… ({} bytes in all)", s.len())
    }
}
