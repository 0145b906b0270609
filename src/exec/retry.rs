//! A step with `retry: {every, within}` is sent again until its expectations hold, or until `within` has passed.
//! Background runs, thread status over a run's life, crons and deletions that happen after a run need it; a spec never
//! sleeps for a fixed time instead.

use std::time::Duration;

use tokio::time::Instant;

use super::{attempt, Attempt, Ctx};
use crate::fixture::Exchange;
use crate::spec::Step;
use crate::template::Vars;

/// The last attempt of a step, and how a retried one went.
pub struct StepRun {
    pub last: Attempt,
    /// Set when the step was tried more than once: how, for the report.
    pub retry_note: Option<String>,
}

/// Attempts of one step a recording keeps at most: the first, and the last ones. A step retried every 10 ms for a
/// minute makes thousands, each with its answer; kept all, 526 answers of 1 MB took a gigabyte in 15 s.
pub const KEPT_ATTEMPTS: usize = 3;

/// The bytes of answers one step's kept attempts may hold (its last attempt is kept whatever its size).
pub const KEPT_ATTEMPT_BYTES: usize = 16 * 1024 * 1024;

/// Runs a step: once, or under `retry` until it holds. Its attempts' exchanges go into `record`: the first and the
/// last (`KEPT_ATTEMPTS`, `KEPT_ATTEMPT_BYTES`), so that a replay sees the step fail and then hold, and the drift check
/// compares the last; the retry note says how many were left out.
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
    // Where this step's exchanges start in the record, and how many of them were left out.
    let first_kept = record.as_ref().map_or(0, |r| r.len());
    let mut left_out = 0;
    let mut kept = 0;
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
            left_out += keep_bounded(r, first_kept);
            kept = r.len() - first_kept;
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
                })
                .map(|note| match left_out {
                    0 => note,
                    n => format!(
                        "{note}; the recording keeps {kept} of them (the first and the last), {n} left out to bound \
                         memory"
                    ),
                });
            return StepRun {
                last: a,
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

/// Drops this step's attempts from the record (those from `first` on) past the bounds, oldest first but for the very
/// first; the number dropped.
fn keep_bounded(record: &mut Vec<Exchange>, first: usize) -> usize {
    let mut dropped = 0;
    loop {
        let kept = &record[first..];
        let bytes: usize = kept.iter().map(|e| e.body.len()).sum();
        let over = kept.len() > KEPT_ATTEMPTS || (bytes > KEPT_ATTEMPT_BYTES && kept.len() > 1);
        if !over {
            return dropped;
        }
        // The second one, while the first is worth keeping beside the last; then the first itself.
        let at = if kept.len() > 2 && kept[0].body.len() <= KEPT_ATTEMPT_BYTES / 2 {
            first + 1
        } else {
            first
        };
        record.remove(at);
        dropped += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ex(step: usize, n: usize, size: usize) -> Exchange {
        Exchange {
            step,
            method: "GET".into(),
            target: format!("/try/{n}"),
            request_json: None,
            status: 200,
            reason: "OK".into(),
            headers: vec![],
            body: vec![b'x'; size],
        }
    }

    #[test]
    fn a_retried_step_keeps_its_first_and_last_attempts() {
        let mut r = vec![ex(1, 0, 10)];
        let mut dropped = 0;
        for n in 1..=526 {
            r.push(ex(2, n, 1 << 20));
            dropped += keep_bounded(&mut r, 1);
        }
        let kept: Vec<&str> = r.iter().map(|e| e.target.as_str()).collect();
        assert_eq!(kept, ["/try/0", "/try/1", "/try/525", "/try/526"]);
        assert_eq!(dropped, 523);
        // Past the bytes, only the last is kept.
        let mut r = Vec::new();
        for n in 1..=3 {
            r.push(ex(1, n, KEPT_ATTEMPT_BYTES));
            keep_bounded(&mut r, 0);
        }
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].target, "/try/3");
    }
}
