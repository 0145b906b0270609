//! What a run found, spec by spec ([`SpecResult`]), and the forms CI and people read it in: an end-of-run summary by
//! area ([`summary`]), JUnit XML ([`junit`]) and a versioned JSON report ([`json`]); and the reports of runs against
//! several targets side by side ([`matrix`]). Each form names the target a run was against
//! ([`TargetInfo`], from the settings with [`crate::runner::target_info`]).

pub mod json;
pub mod junit;
pub mod matrix;
pub mod summary;

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::departures::Kind;
use crate::outcome::{Ran, SpecOutcome, State};

/// How one spec came out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    /// Every `must` held (and every `should`, in a strict run).
    Passed,
    /// An expectation of the spec's subject did not hold, the spec could not run, or the target's baseline says
    /// it fails and it passed.
    Failed,
    /// A set-up step could not prepare what the spec tests, with the reason: the subject was not tested. Not a
    /// failure of the subject; the spec that tests the set-up's operation says what is wrong.
    Blocked(String),
    /// Not run, with the reason (a capability the target lacks).
    Skipped(String),
    /// Failed, as the target's baseline says it does (`known_failures`), for this reason.
    ExpectedFailure(String),
}

impl Outcome {
    /// Why it was blocked or skipped, or why the target is expected to fail it.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Outcome::Blocked(why) | Outcome::Skipped(why) | Outcome::ExpectedFailure(why) => {
                Some(why)
            }
            Outcome::Passed | Outcome::Failed => None,
        }
    }

    /// As reports name it: `passed`, `failed`, `blocked`, `skipped`, `expected-failure`.
    pub fn name(&self) -> &'static str {
        match self {
            Outcome::Passed => "passed",
            Outcome::Failed => "failed",
            Outcome::Blocked(_) => "blocked",
            Outcome::Skipped(_) => "skipped",
            Outcome::ExpectedFailure(_) => "expected-failure",
        }
    }
}

/// Where a failed spec first failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirstFailure {
    /// `step` or `clean-up step`.
    pub phase: String,
    /// The step's number in its phase, from 1 (0 for what kept the spec from running).
    pub step: usize,
    /// The step's name.
    pub step_name: String,
    /// `file:line:col` of the expectation.
    pub at: String,
    /// What was expected and what came instead.
    pub message: String,
}

/// One expectation that did not hold, or a step that was not sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unmet {
    /// `must` or `should`; `skipped` for a step not sent.
    pub level: String,
    /// `step` or `clean-up step`.
    pub phase: String,
    /// The step's number in its phase, from 1.
    pub step: usize,
    /// The step's name.
    pub step_name: String,
    /// The step prepares what the spec tests.
    pub setup: bool,
    /// `file:line:col` of the expectation (of the step, for a step not sent).
    pub at: String,
    /// What was expected and what came instead, or why the step was not sent.
    pub message: String,
    /// `-` expected, `+` actual, when there are two sides to compare.
    pub diff: Option<String>,
}

/// How one spec came out, as reports give it: its [`Outcome`] (the target's baseline considered), counts, where it
/// first failed, every expectation not met, and the report as people read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpecResult {
    /// The test name, `threads::create`.
    pub name: String,
    /// The spec file, as messages show it.
    pub file: String,
    /// Its tags.
    pub tags: Vec<String>,
    /// How it came out.
    pub outcome: Outcome,
    /// How long it took.
    pub duration: Duration,
    /// How many `must`s of its steps did not hold.
    pub musts_failed: usize,
    /// How many `should`s of its steps did not hold.
    pub shoulds_failed: usize,
    /// Problems of the clean-up steps: warnings, never failures.
    #[serde(default)]
    pub clean_up_problems: usize,
    /// The expectation that decided a failure (or a block), or the error that kept the spec from running.
    pub first_failure: Option<FirstFailure>,
    /// Every expectation not met and every step not sent, in the order of the steps.
    #[serde(default)]
    pub unmet: Vec<Unmet>,
    /// The failure report, warnings included; empty when all held.
    pub report: String,
    /// What the differential mode found; `None` when it is off or the spec did not run.
    #[serde(default)]
    pub diff: Option<DiffResult>,
}

/// What the differential mode found in one spec.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct DiffResult {
    /// What the answers were compared with: `the recording`, or the live reference's URL.
    pub against: String,
    /// Whether the answers were compared at all (the notes say why not).
    #[serde(default)]
    pub compared: bool,
    /// Every departure found, in the order of the steps.
    pub departures: Vec<DepartureResult>,
    /// What limited the comparison (no recording, steps not sent, the reference failing the spec itself).
    #[serde(default)]
    pub notes: Vec<String>,
    /// Entries of the target file's `tolerated_departures` for this spec that matched nothing.
    #[serde(default)]
    pub stale: Vec<String>,
}

/// One departure of the target's answer from the reference's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DepartureResult {
    /// Numbered from 1 through the steps and then the clean-up, as recordings number them.
    pub step: usize,
    /// The step's name.
    pub step_name: String,
    /// Where in the answer, as [`crate::outcome::Departure::where`] gives it.
    pub r#where: String,
    /// What kind of departure.
    pub kind: Kind,
    /// What the reference had there, in words.
    pub reference: String,
    /// What the target had there, in words.
    pub target: String,
    /// A key the target adds (`kind: extra`): an addition rather than a departure.
    pub addition: bool,
    /// The reason of the target file's `tolerated_departures` entry that covers it.
    pub tolerated: Option<String>,
}

impl DepartureResult {
    /// A departure proper that nothing tolerates: what `LANGGRAPH_DIFF=fail` fails on.
    pub fn counts(&self) -> bool {
        !self.addition && self.tolerated.is_none() && self.kind != Kind::More
    }

    /// `step 2 "read it" $.x: reference string, target absent`.
    pub fn line(&self) -> String {
        let what = if self.kind == Kind::More {
            format!("{}: {}", self.r#where, self.target)
        } else {
            format!(
                "{}: reference {}, target {}",
                self.r#where, self.reference, self.target
            )
        };
        let mut line = format!("step {} \"{}\" {what}", self.step, self.step_name);
        if self.addition {
            line.push_str(" (an addition)");
        }
        if let Some(why) = &self.tolerated {
            line.push_str(&format!(" (tolerated: {why})"));
        }
        line
    }
}

impl DiffResult {
    fn of(d: &crate::outcome::Differential) -> DiffResult {
        DiffResult {
            against: d.against.clone(),
            compared: d.compared,
            departures: d
                .found
                .iter()
                .map(|f| DepartureResult {
                    step: f.departure.step,
                    step_name: f.step_name.clone(),
                    r#where: f.departure.r#where.clone(),
                    kind: f.departure.kind,
                    reference: f.departure.reference.clone(),
                    target: f.departure.target.clone(),
                    addition: f.departure.is_addition(),
                    tolerated: f.tolerated.clone(),
                })
                .collect(),
            notes: d.notes.clone(),
            stale: d.stale.clone(),
        }
    }

    /// Departures proper that nothing tolerates.
    pub fn count(&self) -> usize {
        self.departures.iter().filter(|d| d.counts()).count()
    }

    /// Keys the target adds.
    pub fn additions(&self) -> usize {
        self.departures.iter().filter(|d| d.addition).count()
    }

    /// Departures the target file tolerates.
    pub fn tolerated(&self) -> usize {
        self.departures
            .iter()
            .filter(|d| d.tolerated.is_some())
            .count()
    }

    /// Every departure, one per line, for a report's text.
    pub fn text(&self) -> String {
        let mut out = format!(
            "departures from the reference ({}): {}, {} addition(s), {} tolerated\n",
            self.against,
            self.count(),
            self.additions(),
            self.tolerated()
        );
        for d in &self.departures {
            out.push_str(&format!("  {} [{}]\n", d.line(), d.kind));
        }
        for n in &self.notes {
            out.push_str(&format!("  note: {n}\n"));
        }
        for n in &self.stale {
            out.push_str(&format!("  stale tolerated departure: {n}\n"));
        }
        out
    }
}

impl SpecResult {
    /// The result of a spec that ran, before the target's baseline is considered.
    pub fn of(
        name: String,
        file: String,
        tags: Vec<String>,
        duration: Duration,
        o: &SpecOutcome,
    ) -> SpecResult {
        let outcome = match &o.state {
            State::Passed => Outcome::Passed,
            State::Failed => Outcome::Failed,
            State::Blocked(why) => Outcome::Blocked(why.clone()),
        };
        let first_failure = o.first_failure().map(|(s, f)| FirstFailure {
            phase: s.phase.name().into(),
            step: s.number,
            step_name: s.name.clone(),
            at: o.source.at(f.loc),
            message: f.message.clone(),
        });
        // A spec that could not run has no failed step: its first error stands for it.
        let first_failure = first_failure.or_else(|| {
            o.errors.first().map(|e| FirstFailure {
                phase: "spec".into(),
                step: 0,
                step_name: String::new(),
                at: o.source.path.display().to_string(),
                message: e.lines().next().unwrap_or_default().to_string(),
            })
        });
        SpecResult {
            name,
            file,
            tags,
            outcome,
            duration,
            musts_failed: o.musts_failed(),
            shoulds_failed: o.shoulds_failed(),
            clean_up_problems: o.clean_up_problems(),
            first_failure,
            unmet: unmet(o),
            report: crate::report::render_outcome(o),
            diff: o.diff.as_ref().map(DiffResult::of),
        }
    }

    /// The folder under `specs/` the spec is in (`threads` for `threads::create`), or `(top)`.
    pub fn area(&self) -> &str {
        match self.name.rsplit_once("::") {
            Some((area, _)) => area.split("::").next().unwrap_or(area),
            None => "(top)",
        }
    }

    /// The result of a spec not run, for `reason` (a capability the target lacks).
    pub fn skipped(name: &str, file: &str, tags: Vec<String>, reason: String) -> SpecResult {
        SpecResult {
            name: name.into(),
            file: file.into(),
            tags,
            outcome: Outcome::Skipped(reason),
            duration: Duration::ZERO,
            musts_failed: 0,
            shoulds_failed: 0,
            clean_up_problems: 0,
            first_failure: None,
            unmet: Vec::new(),
            report: String::new(),
            diff: None,
        }
    }
}

fn unmet(o: &SpecOutcome) -> Vec<Unmet> {
    let mut out = Vec::new();
    for s in &o.steps {
        let base = |level: &str, at: String, message: String, diff: Option<String>| Unmet {
            level: level.into(),
            phase: s.phase.name().into(),
            step: s.number,
            step_name: s.name.clone(),
            setup: s.setup,
            at,
            message,
            diff,
        };
        if let Ran::Skipped(why) = &s.ran {
            let at = format!("{}:{}", o.source.path.display(), s.line);
            out.push(base("skipped", at, why.clone(), None));
        }
        for f in &s.failures {
            out.push(base(
                f.level.name(),
                o.source.at(f.loc),
                f.message.clone(),
                f.diff.clone(),
            ));
        }
    }
    out
}

/// The target a run was against, as reports name it (never with a secret: the URL has no userinfo).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetInfo {
    /// `None`: the embedded fixture.
    pub url: Option<String>,
    /// Its capabilities, sorted.
    pub capabilities: Vec<String>,
    /// Whether the run was strict (`LANGGRAPH_STRICT`).
    pub strict: bool,
    /// The differential mode, when it is on.
    pub diff: Option<DiffInfo>,
}

/// How the differential mode ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffInfo {
    /// `LANGGRAPH_DIFF=fail`: a departure fails its spec.
    pub fail: bool,
    /// The live reference's URL; `None`: the recordings.
    pub reference: Option<String>,
    /// Whether graph state was compared against the recordings (see [`crate::DiffSettings::same_graph`]).
    pub same_graph: bool,
}

impl DiffInfo {
    /// What the answers were compared with, in words.
    pub fn against(&self) -> String {
        match &self.reference {
            Some(u) => format!("the live reference at {u}"),
            None if self.same_graph => "the recordings".into(),
            None => "the recordings, graph state aside (the target serves another graph)".into(),
        }
    }
}

impl TargetInfo {
    /// The target in words: its URL, or the embedded fixture.
    pub fn label(&self) -> String {
        self.url
            .clone()
            .unwrap_or_else(|| "the embedded fixture".into())
    }
}

/// Counts by outcome.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Totals {
    /// Specs that passed.
    pub passed: usize,
    /// Specs that failed.
    pub failed: usize,
    /// Specs blocked by a set-up step.
    pub blocked: usize,
    /// Specs skipped for lack of a capability.
    pub skipped: usize,
    /// Specs that failed as the target's baseline expects.
    pub expected_failures: usize,
    /// `must`s not met, in all.
    pub musts_failed: usize,
    /// `should`s not met, in all.
    pub shoulds_failed: usize,
    /// Departures proper that nothing tolerates (differential mode).
    pub departures: usize,
    /// Keys the targets add (differential mode).
    pub additions: usize,
    /// Departures the target file tolerates (differential mode).
    pub tolerated_departures: usize,
}

impl Totals {
    /// The counts of these results.
    pub fn of<'a>(results: impl IntoIterator<Item = &'a SpecResult>) -> Totals {
        let mut t = Totals::default();
        for r in results {
            match r.outcome {
                Outcome::Passed => t.passed += 1,
                Outcome::Failed => t.failed += 1,
                Outcome::Blocked(_) => t.blocked += 1,
                Outcome::Skipped(_) => t.skipped += 1,
                Outcome::ExpectedFailure(_) => t.expected_failures += 1,
            }
            t.musts_failed += r.musts_failed;
            t.shoulds_failed += r.shoulds_failed;
            if let Some(d) = &r.diff {
                t.departures += d.count();
                t.additions += d.additions();
                t.tolerated_departures += d.tolerated();
            }
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
            clean_up_problems: 0,
            first_failure: None,
            unmet: Vec::new(),
            report: String::new(),
            diff: None,
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
            result("x::z", Outcome::Skipped("needs crons".into())),
            result("x::w", Outcome::ExpectedFailure("plain text".into())),
            result("x::v", Outcome::Blocked("set-up step 1 failed".into())),
        ]);
        assert_eq!(
            (
                t.passed,
                t.failed,
                t.skipped,
                t.expected_failures,
                t.blocked
            ),
            (1, 1, 1, 1, 1)
        );
    }
}
