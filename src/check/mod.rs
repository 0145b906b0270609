//! Checking a step's expectations (`spec::expect`) against the answer: the status and headers, JSON bodies (by
//! JSONPath), and event streams as the events arrive. Each expectation that does not hold becomes a `Failure`.

pub mod http;
pub mod ids;
pub mod json;
pub mod near_miss;
pub mod schema;
pub mod seen;
pub mod stream;

use crate::source::Loc;
/// A failure has the level of the expectation it comes from.
pub use crate::spec::expect::Level;

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
    /// The level of the expectation: a `must` fails its spec, a `should` warns (and fails a strict run).
    pub level: Level,
}

impl Failure {
    pub(crate) fn new(loc: Loc, message: impl Into<String>) -> Self {
        Failure {
            loc,
            message: message.into(),
            diff: None,
            notes: Vec::new(),
            level: Level::Must,
        }
    }

    pub(crate) fn at_level(mut self, level: Level) -> Self {
        self.level = level;
        self
    }

    /// Whether this failure fails its test: every `must`, and a `should` in a strict run.
    pub fn blocks(&self, strict: bool) -> bool {
        self.level == Level::Must || strict
    }

    pub(crate) fn with_diff(mut self, diff: String) -> Self {
        self.diff = Some(diff);
        self
    }

    pub(crate) fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }
}
