//! A step with `retry: {every, within}` is sent again until its expectations hold, or until `within` has passed.
//! Background runs, thread status over a run's life, crons and deletions that happen after a run need it; a spec never
//! sleeps for a fixed time instead.

use std::time::Duration;

use tokio::time::Instant;

use super::{attempt, Attempt, Ctx};
use crate::fixture::Exchange;
use crate::spec::Step;
use crate::template::Vars;

/// The last attempt of a step, and how many were made.
pub struct StepRun {
    pub last: Attempt,
    pub attempts: u32,
    /// Set when the step was tried more than once: how, for the report.
    pub retry_note: Option<String>,
}

/// Runs a step: once, or under `retry` until it holds. Every attempt's exchange goes into `record`.
pub async fn run_step(
    ctx: &Ctx<'_>,
    number: usize,
    step: &Step,
    vars: &mut Vars,
    mut record: Option<&mut Vec<Exchange>>,
) -> StepRun {
    let timeout = step.timeout.unwrap_or(ctx.default_timeout);
    let started = Instant::now();
    let give_up = step.retry.map(|r| started + r.within);
    let mut attempts = 0;
    // The last attempt that heard the server: shown instead of one the window cut short.
    let mut heard: Option<Attempt> = None;
    loop {
        attempts += 1;
        let mut deadline = Instant::now() + timeout;
        if let Some(g) = give_up {
            deadline = deadline.min(g.max(Instant::now() + Duration::from_millis(1)));
        }
        let mut a = attempt(ctx, number, step, vars, record.is_some(), deadline).await;
        if let (Some(r), Some(e)) = (record.as_deref_mut(), a.exchange.take()) {
            r.push(e);
        }
        let again = match (step.retry, give_up) {
            (Some(r), Some(g)) => {
                a.blocked(ctx.strict) && !a.unanswerable && Instant::now() + r.every < g
            }
            _ => false,
        };
        if !again {
            let cut_short = a.cut_short;
            let a = match (a.cut_short, heard.take()) {
                (true, Some(earlier)) => earlier,
                (_, _) => a,
            };
            let retry_note = step
                .retry
                .filter(|_| attempts > 1 || a.blocked(ctx.strict))
                .map(|r| {
                    format!(
                    "{attempts} attempt(s) in {:.1}s (retry every {}, within {}); this is the last",
                    started.elapsed().as_secs_f64(),
                    super::response::secs(r.every),
                    super::response::secs(r.within)
                )
                })
                .map(|note| match (cut_short, attempts > 1) {
                    (true, true) => note.replace(
                        "this is the last",
                        "this is the last the server answered (the window closed during the next)",
                    ),
                    _ => note,
                });
            return StepRun {
                last: a,
                attempts,
                retry_note,
            };
        }
        if !a.cut_short {
            heard = Some(a);
        }
        // The fixture's answers are fixed: waiting would change nothing but the time the suite takes.
        if !ctx.replaying {
            tokio::time::sleep(step.retry.map(|r| r.every).unwrap_or_default()).await;
        }
    }
}
