//! What a step expects of the answer, as written under `expect:` and built by the loader: the status and headers
//! (`http`), the JSON body by JSONPath (`json`) and the event stream (`stream`), with the numbers, event-name
//! patterns and schemas they compare with. `check` evaluates them against an answer.

pub mod http;
pub mod json;
pub mod names;
pub mod numbers;
pub mod schema;
pub mod stream;

/// How binding an expectation is. `Must` is what the API documents (its OpenAPI document, its documented
/// semantics); `Should` is what the reference server does without promising it (header details, exact error text,
/// framing). A `Should` that does not hold is a warning unless the run is strict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Level {
    /// `level: must` (the default).
    #[default]
    Must,
    /// `level: should`.
    Should,
}

impl Level {
    pub(crate) fn parse(s: &str) -> Option<Level> {
        match s {
            "must" => Some(Level::Must),
            "should" => Some(Level::Should),
            _ => None,
        }
    }

    /// `must` or `should`, as specs write it.
    pub fn name(self) -> &'static str {
        match self {
            Level::Must => "must",
            Level::Should => "should",
        }
    }
}
