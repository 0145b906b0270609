//! What a run found, spec by spec, and the forms CI and people read it in: an end-of-run summary by area
//! ([`summary`]), JUnit XML ([`junit`]) and a versioned JSON report ([`json`]).

pub mod json;
pub mod junit;
pub mod matrix;
pub mod summary;

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// How one spec came out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    Passed,
    Failed,
    /// Not run, with the reason (a capability the target lacks).
    Ignored(String),
    /// Failed, as the target's baseline says it does (`known_failures`), for this reason.
    ExpectedFailure(String),
}

impl Outcome {
    pub fn name(&self) -> &'static str {
        match self {
            Outcome::Passed => "passed",
            Outcome::Failed => "failed",
            Outcome::Ignored(_) => "ignored",
            Outcome::ExpectedFailure(_) => "expected-failure",
        }
    }
}

/// Where a failed spec first failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirstFailure {
    /// `step` or `clean-up step`.
    pub phase: String,
    pub step: usize,
    pub step_name: String,
    /// `file:line:col` of the expectation.
    pub at: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpecResult {
    /// The test name, `threads::create`.
    pub name: String,
    /// The spec file, as messages show it.
    pub file: String,
    pub tags: Vec<String>,
    pub outcome: Outcome,
    pub duration: Duration,
    pub musts_failed: usize,
    pub shoulds_failed: usize,
    pub first_failure: Option<FirstFailure>,
    /// The failure report, warnings included; empty when all held.
    pub report: String,
}

impl SpecResult {
    /// The folder under `specs/` the spec is in (`threads` for `threads::create`), or `(top)`.
    pub fn area(&self) -> &str {
        match self.name.rsplit_once("::") {
            Some((area, _)) => area.split("::").next().unwrap_or(area),
            None => "(top)",
        }
    }

    pub fn ignored(name: &str, file: &str, tags: Vec<String>, reason: String) -> SpecResult {
        SpecResult {
            name: name.into(),
            file: file.into(),
            tags,
            outcome: Outcome::Ignored(reason),
            duration: Duration::ZERO,
            musts_failed: 0,
            shoulds_failed: 0,
            first_failure: None,
            report: String::new(),
        }
    }
}

/// The target a run was against, as reports name it (never with a secret: the URL has no userinfo).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetInfo {
    /// `None`: the embedded fixture.
    pub url: Option<String>,
    pub capabilities: Vec<String>,
    pub strict: bool,
}

impl TargetInfo {
    pub fn label(&self) -> String {
        self.url
            .clone()
            .unwrap_or_else(|| "the embedded fixture".into())
    }
}

/// Counts by outcome.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Totals {
    pub passed: usize,
    pub failed: usize,
    pub ignored: usize,
    pub expected_failures: usize,
    pub musts_failed: usize,
    pub shoulds_failed: usize,
}

impl Totals {
    pub fn of<'a>(results: impl IntoIterator<Item = &'a SpecResult>) -> Totals {
        let mut t = Totals::default();
        for r in results {
            match r.outcome {
                Outcome::Passed => t.passed += 1,
                Outcome::Failed => t.failed += 1,
                Outcome::Ignored(_) => t.ignored += 1,
                Outcome::ExpectedFailure(_) => t.expected_failures += 1,
            }
            t.musts_failed += r.musts_failed;
            t.shoulds_failed += r.shoulds_failed;
        }
        t
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub fn result(name: &str, outcome: Outcome) -> SpecResult {
        SpecResult {
            name: name.into(),
            file: format!("specs/{}.yaml", name.replace("::", "/")),
            tags: vec!["runs".into()],
            outcome,
            duration: Duration::from_millis(12),
            musts_failed: 0,
            shoulds_failed: 0,
            first_failure: None,
            report: String::new(),
        }
    }

    #[test]
    fn areas_and_totals() {
        let a = result("threads::create", Outcome::Passed);
        assert_eq!(a.area(), "threads");
        assert_eq!(result("a::b::c", Outcome::Passed).area(), "a");
        assert_eq!(result("top", Outcome::Passed).area(), "(top)");
        let t = Totals::of(&[
            a,
            result("x::y", Outcome::Failed),
            result("x::z", Outcome::Ignored("needs crons".into())),
            result("x::w", Outcome::ExpectedFailure("plain text".into())),
        ]);
        assert_eq!(
            (t.passed, t.failed, t.ignored, t.expected_failures),
            (1, 1, 1, 1)
        );
    }
}
