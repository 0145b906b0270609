//! How one spec went, as data: the state it ended in, each step with what it found, and what the run could not do.
//! Front ends render it (text with [`crate::render_outcome`], JUnit and JSON in [`crate::results`]); nothing here is
//! text made for a reader, apart from the messages of the expectations themselves.
//!
//! The state follows who is at fault. A spec *fails* when what it tests departs; it is *blocked* when a step that
//! only prepares the test (`setup: true`: create a thread, start a run) did not do what the spec needs, so the
//! subject was not tested; problems of the clean-up (`finally`) are warnings, since they say nothing of the subject.

use std::sync::Arc;

pub use crate::check::{Failure, Level};
pub use crate::departures::{Departure, Kind};
pub use crate::fixture::Exchange;
use crate::source::Source;

/// Whether a step is one of the spec's steps or of its clean-up (`finally`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// One of the spec's `steps`.
    Step,
    /// One of its clean-up steps (`finally`).
    CleanUp,
}

impl Phase {
    /// How reports name a step of this phase.
    pub fn name(self) -> &'static str {
        match self {
            Phase::Step => "step",
            Phase::CleanUp => "clean-up step",
        }
    }
}

/// Whether a step was sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ran {
    /// Sent, and its answer checked.
    Yes,
    /// Not sent, with the reason: it uses a value an earlier step did not capture.
    Skipped(String),
}

/// One step of a spec, and what it found.
#[derive(Debug, Clone, PartialEq)]
pub struct StepOutcome {
    /// Whether it is one of the spec's steps or of its clean-up.
    pub phase: Phase,
    /// 1-based, within its phase.
    pub number: usize,
    /// How many steps its phase has.
    pub of: usize,
    /// Its `name`, or the request it sends (`GET /threads/${thread_id}`) when it has none.
    pub name: String,
    /// The line the step starts on in the spec file.
    pub line: u32,
    /// The step prepares what the spec tests (`setup: true`).
    pub setup: bool,
    /// Whether it was sent.
    pub ran: Ran,
    /// Expectations that did not hold, at any level.
    pub failures: Vec<Failure>,
    /// A command that sends the same request again, when the step has a failure to show.
    pub curl: Option<String>,
    /// How a retried step went, when it was retried.
    pub retry_note: Option<String>,
}

impl StepOutcome {
    /// Whether the step has a failure that fails its test: a `must`, or a `should` in a strict run.
    pub fn failed(&self, strict: bool) -> bool {
        self.failures.iter().any(|f| f.blocks(strict))
    }
}

/// Where a spec ended, before the target's baseline is considered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    /// Every `must` held (and every `should`, in a strict run), and nothing went wrong around the spec.
    Passed,
    /// What the spec tests departs from what it expects (or the spec could not run at all).
    Failed,
    /// A set-up step failed: the subject was not (fully) tested. The reason names the step.
    Blocked(String),
}

/// How one spec went.
#[derive(Debug, Clone)]
pub struct SpecOutcome {
    /// The spec's file, as messages show it, with the shared steps it uses: [`Failure::loc`] is a place in it.
    pub source: Arc<Source>,
    /// Where it ended.
    pub state: State,
    /// Every step, the clean-up's included, in the order they came.
    pub steps: Vec<StepOutcome>,
    /// What kept the spec from running, or what went wrong around it (its variables, the recording, the drift
    /// check): each fails the spec.
    pub errors: Vec<String>,
    /// Notes that change no verdict (a recording not written, for instance).
    pub notes: Vec<String>,
    /// The requests made and the answers taken, when the run keeps them (recording, drift check).
    pub exchanges: Vec<Exchange>,
    /// `should`s failed their tests in this run.
    pub strict: bool,
    /// What the differential mode found (`None` when it is off, or the spec did not run).
    pub diff: Option<Differential>,
}

/// What the differential mode found in one spec: where the target's answers depart from the reference's answers to
/// the same requests.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Differential {
    /// What the answers were compared with: `the recording`, or the live reference's URL.
    pub against: String,
    /// Whether they were compared at all (not when there is no recording, or the spec cannot run on the reference).
    pub compared: bool,
    /// Every departure, in the order of the steps (the departures proper of a step before its additions).
    pub found: Vec<Found>,
    /// What limited the comparison: no recording to compare with, a step too large to compare, the reference
    /// failing the spec itself.
    pub notes: Vec<String>,
    /// Entries of the target file's `tolerated_departures` for this spec that matched no departure: the list only
    /// shrinks, so they should come off it.
    pub stale: Vec<String>,
}

/// One departure, with its step's name and whether the target file tolerates it.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    /// Where and how the target's answer departs.
    pub departure: Departure,
    /// The name of the step whose answer it is.
    pub step_name: String,
    /// The reason of the `tolerated_departures` entry that covers it.
    pub tolerated: Option<String>,
}

impl Differential {
    /// Departures proper (not additions, nor the note of a cut list) that no entry tolerates.
    pub fn untolerated(&self) -> impl Iterator<Item = &Found> {
        self.found.iter().filter(|f| {
            f.tolerated.is_none()
                && !f.departure.is_addition()
                && f.departure.kind != crate::departures::Kind::More
        })
    }
}

impl SpecOutcome {
    /// An outcome with no steps yet.
    pub(crate) fn new(source: Arc<Source>, strict: bool) -> SpecOutcome {
        SpecOutcome {
            source,
            state: State::Passed,
            steps: Vec::new(),
            errors: Vec::new(),
            notes: Vec::new(),
            exchanges: Vec::new(),
            strict,
            diff: None,
        }
    }

    /// A spec that could not run at all.
    pub(crate) fn error(source: Arc<Source>, strict: bool, error: String) -> SpecOutcome {
        let mut o = SpecOutcome::new(source, strict);
        o.errors.push(error);
        o.state = State::Failed;
        o
    }

    /// Sets the state from the steps and errors: see the module's documentation.
    pub(crate) fn judge(&mut self) {
        let strict = self.strict;
        let of_spec = |s: &&StepOutcome| s.phase == Phase::Step;
        self.state = if !self.errors.is_empty()
            || self
                .steps
                .iter()
                .filter(of_spec)
                .any(|s| !s.setup && s.failed(strict))
        {
            State::Failed
        } else if let Some(s) = self
            .steps
            .iter()
            .filter(of_spec)
            .find(|s| s.setup && s.failed(strict))
        {
            let why = s
                .failures
                .iter()
                .find(|f| f.blocks(strict))
                .map_or("", |f| f.message.as_str());
            State::Blocked(format!(
                "set-up step {} \"{}\" failed: {why}",
                s.number, s.name
            ))
        } else {
            State::Passed
        };
    }

    /// Whether the spec failed: the verdict of its test, before the target's baseline (`known_failures`) is
    /// considered.
    pub fn failed(&self) -> bool {
        self.state == State::Failed
    }

    /// The spec's own expectations that did not hold (the clean-up's are warnings, counted apart), with their steps.
    pub fn unmet(&self) -> impl Iterator<Item = (&StepOutcome, &Failure)> {
        self.steps
            .iter()
            .filter(|s| s.phase == Phase::Step)
            .flat_map(|s| s.failures.iter().map(move |f| (s, f)))
    }

    /// How many of the spec's own `must`s did not hold.
    pub fn musts_failed(&self) -> usize {
        self.unmet().filter(|(_, f)| f.level == Level::Must).count()
    }

    /// How many of the spec's own `should`s did not hold.
    pub fn shoulds_failed(&self) -> usize {
        self.unmet()
            .filter(|(_, f)| f.level == Level::Should)
            .count()
    }

    /// Problems of the clean-up: warnings, whatever their level.
    pub fn clean_up_problems(&self) -> usize {
        self.steps
            .iter()
            .filter(|s| s.phase == Phase::CleanUp)
            .map(|s| s.failures.len())
            .sum()
    }

    /// The first expectation that decided the state: a failure of the subject when it failed, of a set-up step
    /// when it is blocked.
    pub fn first_failure(&self) -> Option<(&StepOutcome, &Failure)> {
        let strict = self.strict;
        let blocking = |(s, f): &(&StepOutcome, &Failure)| f.blocks(strict) && !s.setup;
        self.unmet()
            .find(blocking)
            .or_else(|| self.unmet().find(|(_, f)| f.blocks(strict)))
    }

    /// Steps that were not sent, with why.
    pub fn skipped(&self) -> impl Iterator<Item = (&StepOutcome, &str)> {
        self.steps.iter().filter_map(|s| match &s.ran {
            Ran::Skipped(why) => Some((s, why.as_str())),
            Ran::Yes => None,
        })
    }

    /// Every text the outcome holds, passed through `f` (secrets are scrubbed so before anything is shown).
    pub(crate) fn map_text(&mut self, f: impl Fn(&str) -> String) {
        for s in &mut self.steps {
            for fail in &mut s.failures {
                fail.message = f(&fail.message);
                fail.diff = fail.diff.as_deref().map(&f);
                for n in &mut fail.notes {
                    *n = f(n);
                }
            }
            s.curl = s.curl.as_deref().map(&f);
            s.name = f(&s.name);
            if let Ran::Skipped(why) = &mut s.ran {
                *why = f(why);
            }
        }
        for e in self.errors.iter_mut().chain(&mut self.notes) {
            *e = f(e);
        }
        if let State::Blocked(why) = &mut self.state {
            *why = f(why);
        }
        if let Some(d) = &mut self.diff {
            d.against = f(&d.against);
            for found in &mut d.found {
                let dep = &mut found.departure;
                dep.r#where = f(&dep.r#where);
                dep.reference = f(&dep.reference);
                dep.target = f(&dep.target);
                found.step_name = f(&found.step_name);
            }
            for n in d.notes.iter_mut().chain(&mut d.stale) {
                *n = f(n);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Loc;

    fn step(phase: Phase, number: usize, setup: bool, failures: Vec<Failure>) -> StepOutcome {
        StepOutcome {
            phase,
            number,
            of: 3,
            name: format!("step {number}"),
            line: 1,
            setup,
            ran: Ran::Yes,
            failures,
            curl: None,
            retry_note: None,
        }
    }

    fn outcome(steps: Vec<StepOutcome>) -> SpecOutcome {
        let mut o = SpecOutcome::new(Arc::new(Source::new("x.yaml", "")), false);
        o.steps = steps;
        o.judge();
        o
    }

    fn must() -> Vec<Failure> {
        vec![Failure::new(Loc::new(1, 1), "status 500, expected 200")]
    }

    fn should() -> Vec<Failure> {
        vec![Failure::new(Loc::new(1, 1), "no detail").at_level(Level::Should)]
    }

    #[test]
    fn the_subject_decides_the_state() {
        assert_eq!(
            outcome(vec![step(Phase::Step, 1, false, vec![])]).state,
            State::Passed
        );
        assert_eq!(
            outcome(vec![step(Phase::Step, 1, false, must())]).state,
            State::Failed
        );
        assert_eq!(
            outcome(vec![step(Phase::Step, 1, false, should())]).state,
            State::Passed
        );
    }

    #[test]
    fn a_failed_set_up_blocks_unless_the_subject_failed_too() {
        let o = outcome(vec![
            step(Phase::Step, 1, true, must()),
            step(Phase::Step, 2, false, vec![]),
        ]);
        assert_eq!(
            o.state,
            State::Blocked("set-up step 1 \"step 1\" failed: status 500, expected 200".into())
        );
        let o = outcome(vec![
            step(Phase::Step, 1, true, must()),
            step(Phase::Step, 2, false, must()),
        ]);
        assert_eq!(o.state, State::Failed);
        assert_eq!(o.first_failure().map(|(s, _)| s.number), Some(2));
    }

    #[test]
    fn clean_up_problems_are_warnings() {
        let o = outcome(vec![
            step(Phase::Step, 1, false, vec![]),
            step(Phase::CleanUp, 1, false, must()),
        ]);
        assert_eq!(o.state, State::Passed);
        assert_eq!((o.musts_failed(), o.clean_up_problems()), (0, 1));
    }
}
