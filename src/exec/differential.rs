//! The differential mode's hook: after a spec ran against the target, its answers are compared, step by step, with
//! the reference's answers to the same requests (`crate::departures`): the spec's recording, or the same spec run
//! side by side against a live reference (`LANGGRAPH_REFERENCE_URL`). What the target may choose is not compared:
//! ids and times (the engine masks them), values built from the target's own variables (paired with the
//! reference's), the parts a step marks `varies`, and what came after the event a stream was read `until`.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::spec::{with_spec_vars, Kept, Reference};
use crate::departures::{self, Options, Variable};
use crate::fixture::{self, Exchange, Recording};
use crate::outcome::{Differential, Found, Ran, SpecOutcome, StepOutcome};
use crate::spec::{Spec, Step};
use crate::target::{DiffMode, Settings};
use crate::template::Vars;

/// How many departures a failure message lists before it counts the rest.
const LISTED: usize = 10;

/// The target's run of the spec.
pub(super) struct TargetSide<'a> {
    pub out: &'a SpecOutcome,
    pub kept: Kept,
    pub vars: &'a Vars,
}

/// The departures of the target's answers from the reference's, with the target file's tolerances applied.
pub(super) fn compare(
    s: &Settings,
    test_name: &str,
    spec: &Spec,
    target: TargetSide<'_>,
    reference: Reference,
) -> Differential {
    let mut d = Differential::default();
    let Some(reference) = reference_side(s, test_name, spec, reference, &mut d) else {
        return d;
    };
    let steps: Vec<&Step> = spec.steps.iter().chain(&spec.finally).collect();
    let left_out = left_out(&target, &reference, &mut d);
    let keep = |e: &Exchange| !left_out.contains(&e.step);
    let reference_rec = Recording {
        exchanges: reference.exchanges.into_iter().filter(keep).collect(),
        values: Map::new(),
    };
    let target_rec = Recording {
        exchanges: target.kept.exchanges.into_iter().filter(keep).collect(),
        values: Map::new(),
    };
    let variables = Variable::pair(&as_map(&reference.vars), &as_map(target.vars));
    // A stream read `until` an event: the event as each side's own values make it.
    type Pred<'p> = Box<dyn Fn(&str, &str) -> bool + 'p>;
    let untils: Vec<Option<Pred<'_>>> = steps
        .iter()
        .map(|step| {
            let until = step.stream.as_ref().and_then(|c| c.until.as_ref())?;
            let (tv, rv) = (target.vars, &reference.vars);
            let p: Pred<'_> = Box::new(move |name: &str, data: &str| {
                until.reached(name, data, tv) || until.reached(name, data, rv)
            });
            Some(p)
        })
        .collect();
    let found = departures::compare_recordings(&reference_rec, &target_rec, |n| {
        let step = n.checked_sub(1).and_then(|i| steps.get(i));
        Options {
            same_graph: reference.same_graph,
            variables: &variables,
            varies: step
                .map(|st| st.varies.iter().map(|p| p.as_str().to_string()).collect())
                .unwrap_or_default(),
            until: n
                .checked_sub(1)
                .and_then(|i| untils.get(i))
                .and_then(|u| u.as_deref()),
            ..Options::default()
        }
    });
    tolerate(s, test_name, &steps, found, &mut d);
    d.compared = true;
    d
}

/// What the target's answers are compared with, made ready.
struct ReferenceSide {
    exchanges: Vec<Exchange>,
    vars: Vars,
    too_large: Vec<usize>,
    /// The steps as the live reference ran them (a recording has none).
    steps: Option<Vec<StepOutcome>>,
    /// Graph state is comparable.
    same_graph: bool,
}

/// The recording, or the live reference's run; `None` (with a note on `d`) when there is nothing to compare with.
fn reference_side(
    s: &Settings,
    test_name: &str,
    spec: &Spec,
    reference: Reference,
    d: &mut Differential,
) -> Option<ReferenceSide> {
    match reference {
        Reference::Recorded(replayed) => {
            d.against = "the recording".into();
            let rec = match replayed {
                Some(r) => r,
                None => match fixture::dir_for(&s.recordings_dir, test_name)
                    .and_then(|dir| fixture::load(&dir))
                {
                    Ok(r) => r,
                    Err(e) => {
                        d.notes.push(format!(
                            "not compared: there is no recording of this spec to compare with ({e}); \
                             set LANGGRAPH_REFERENCE_URL to run it against a live reference"
                        ));
                        return None;
                    }
                },
            };
            // The recording was made with fixtures/target.yaml's variables and its own built-in values.
            let vars = with_spec_vars(s.diff.recorded_vars.clone(), &rec.values, spec)
                .unwrap_or_else(|_| s.diff.recorded_vars.clone());
            Some(ReferenceSide {
                exchanges: rec.exchanges,
                vars,
                too_large: Vec::new(),
                steps: None,
                same_graph: s.diff.same_graph,
            })
        }
        Reference::Live(run) => {
            d.against = s.diff.reference_url.clone().unwrap_or_default();
            let mut run = match run {
                Ok(r) => r,
                Err(e) => {
                    d.notes.push(format!(
                        "not compared: the spec cannot run against the reference: {e}"
                    ));
                    return None;
                }
            };
            run.out.judge();
            if let Some((step, f)) = run.out.first_failure() {
                d.notes.push(format!(
                    "the reference does not pass this spec either ({} {} \"{}\": {}); its answers are compared all \
                     the same",
                    step.phase.name(),
                    step.number,
                    step.name,
                    first_line(&f.message)
                ));
            }
            // A live reference serves the target's graph: its state is comparable.
            Some(ReferenceSide {
                exchanges: run.kept.exchanges,
                vars: run.vars,
                too_large: run.kept.too_large,
                steps: Some(run.out.steps),
                same_graph: true,
            })
        }
    }
}

/// Steps one side did not send (a value it needed was not captured: the spec's report says why), and answers too
/// large to keep: left out of the comparison, each with a note.
fn left_out(
    target: &TargetSide<'_>,
    reference: &ReferenceSide,
    d: &mut Differential,
) -> BTreeSet<usize> {
    let unsent = |outcomes: &[StepOutcome]| -> Vec<usize> {
        outcomes
            .iter()
            .enumerate()
            .filter(|(_, o)| matches!(o.ran, Ran::Skipped(_)))
            .map(|(i, _)| i + 1)
            .collect()
    };
    let target_unsent = unsent(&target.out.steps);
    let reference_unsent = reference.steps.as_deref().map(unsent).unwrap_or_default();
    let too_large: BTreeSet<usize> = target
        .kept
        .too_large
        .iter()
        .chain(&reference.too_large)
        .copied()
        .collect();
    for (list, why) in [
        (&target_unsent, "not sent to the target"),
        (&reference_unsent, "not sent to the reference"),
    ] {
        if !list.is_empty() {
            d.notes
                .push(format!("not compared: {} ({why})", steps_text(list)));
        }
    }
    if !too_large.is_empty() {
        let list: Vec<usize> = too_large.iter().copied().collect();
        d.notes.push(format!(
            "not compared: {} (an answer over {} MiB)",
            steps_text(&list),
            departures::MAX_KEPT_BODY >> 20
        ));
    }
    target_unsent
        .iter()
        .chain(&reference_unsent)
        .chain(&too_large)
        .copied()
        .collect()
}

/// Each departure found, with the target file's tolerance that covers it; the tolerances of this spec that covered
/// nothing are stale.
fn tolerate(
    s: &Settings,
    test_name: &str,
    steps: &[&Step],
    found: Vec<departures::Departure>,
    d: &mut Differential,
) {
    let tolerances: Vec<_> = s
        .diff
        .tolerated
        .iter()
        .filter(|t| t.spec == test_name)
        .collect();
    let mut used = vec![false; tolerances.len()];
    for departure in found {
        let tolerated = tolerances
            .iter()
            .position(|t| t.covers(test_name, &departure.r#where))
            .map(|i| {
                used[i] = true;
                tolerances[i].reason.clone()
            });
        let step_name = departure
            .step
            .checked_sub(1)
            .and_then(|i| steps.get(i))
            .map(|st| st.name.clone())
            .unwrap_or_default();
        d.found.push(Found {
            departure,
            step_name,
            tolerated,
        });
    }
    d.stale = tolerances
        .iter()
        .zip(&used)
        .filter(|(_, used)| !**used)
        .map(|(t, _)| format!("`{}` ({})", t.r#where, t.reason))
        .collect();
}

/// Puts what the comparison found on the outcome: under `LANGGRAPH_DIFF=fail`, a departure that the target file does
/// not tolerate fails the spec, and so does a tolerated departure the target no longer makes.
pub(super) fn judge(s: &Settings, out: &mut SpecOutcome, d: Differential) {
    if s.diff.mode == DiffMode::Fail {
        let untolerated: Vec<&Found> = d.untolerated().collect();
        if !untolerated.is_empty() {
            let mut text = format!(
                "{} departure(s) from the reference's answers ({}), and LANGGRAPH_DIFF=fail; a departure this \
                 target is known to make can be listed in its target file's tolerated_departures:",
                untolerated.len(),
                d.against
            );
            for f in untolerated.iter().take(LISTED) {
                text.push_str(&format!("\n  {}", line(f)));
            }
            if untolerated.len() > LISTED {
                text.push_str(&format!(
                    "\n  … and {} more (report.json lists them all)",
                    untolerated.len() - LISTED
                ));
            }
            out.errors.push(text);
        }
        if !d.stale.is_empty() {
            out.errors.push(format!(
                "the target file's tolerated_departures lists departures this spec no longer makes: {}; take them \
                 off the list, so that they cannot come back unnoticed",
                d.stale.join(", ")
            ));
        }
    }
    out.diff = Some(d);
}

/// `step 2 "read it" $.x: reference string, target absent`.
pub fn line(f: &Found) -> String {
    format!(
        "step {} \"{}\" {}",
        f.departure.step,
        f.step_name,
        f.departure.line()
    )
}

fn steps_text(list: &[usize]) -> String {
    let n: Vec<String> = list.iter().map(usize::to_string).collect();
    match n.len() {
        1 => format!("step {}", n[0]),
        _ => format!("steps {}", n.join(", ")),
    }
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}

fn as_map(vars: &Vars) -> Map<String, Value> {
    let mut names: Vec<&String> = vars.keys().collect();
    names.sort();
    names
        .into_iter()
        .map(|k| (k.clone(), vars[k].clone()))
        .collect()
}
