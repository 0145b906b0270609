//! A whole (not streamed) body: read it within the deadline, check it as JSON, capture from it.

use std::time::Duration;

use serde_json::Value;

use super::capture;
use super::response::{json_body, read_failure, Head};
use crate::check::{Failure, Level};
use crate::spec::{CaptureFrom, Step};
use crate::template::Vars;
use crate::text::preview;
use crate::transport::BodyReader;

pub struct BodyOutcome {
    pub captured: Vec<(String, Value)>,
    pub failures: Vec<Failure>,
    /// The body as it came, for recordings and for the note beside a wrong status.
    pub raw: Vec<u8>,
}

pub async fn read_and_check(
    reader: &mut BodyReader,
    head: &Head,
    step: &Step,
    vars: &Vars,
    timeout: Duration,
) -> BodyOutcome {
    let (raw, err) = reader.read_all().await;
    match err {
        None => check(head, step, vars, raw),
        Some(e) => {
            let mut failures = head_failures(head, step, vars, &raw);
            failures.push(read_failure(step.loc, e, timeout, &raw));
            BodyOutcome {
                captured: Vec::new(),
                failures,
                raw,
            }
        }
    }
}

/// The status and header checks, the status failure showing the body.
fn head_failures(head: &Head, step: &Step, vars: &Vars, raw: &[u8]) -> Vec<Failure> {
    let mut failures = Vec::new();
    if let Some(s) = &step.status {
        let body = || preview(&String::from_utf8_lossy(raw), 2000);
        failures.extend(s.check(head.status.as_u16(), body));
    }
    for h in &step.headers {
        failures.extend(h.check(&head.values(&h.name), vars));
    }
    failures
}

/// Checks a whole body that has arrived (an answer, or a webhook call the receiver got).
pub fn check(head: &Head, step: &Step, vars: &Vars, raw: Vec<u8>) -> BodyOutcome {
    let mut failures = head_failures(head, step, vars, &raw);
    let mut captured = Vec::new();
    // Behind a wrong status the body is some other document: checking it would only echo the status failure.
    let status_failed = step
        .status
        .as_ref()
        .is_some_and(|s| !s.holds(head.status.as_u16()));
    let body_captures = || {
        step.captures
            .iter()
            .filter(|c| matches!(c.from, CaptureFrom::Body(_)))
    };
    if status_failed {
        // Taken quietly all the same: a clean-up may need them to delete what the step made (a create answered with
        // an unexpected 201, say).
        if let Ok(doc) = serde_json::from_slice::<Value>(&raw) {
            captured.extend(body_captures().filter_map(|c| {
                capture::from_json(c, &doc)
                    .ok()
                    .map(|v| (c.name.clone(), v))
            }));
        }
        return BodyOutcome {
            captured,
            failures,
            raw,
        };
    }
    failures.extend(capture::misplaced(step, false, head.content_type()));
    if step.body.is_empty() && body_captures().next().is_none() {
        return BodyOutcome {
            captured,
            failures,
            raw,
        };
    }
    let (doc, complaint) = json_body(step.loc, head.content_type(), &raw);
    failures.extend(complaint.map(|f| match &doc {
        // Both official clients parse a body that is JSON whatever its content type: the type is a habit.
        Some(_) => f.at_level(Level::Should),
        // A body that is not JSON fails what needed it, at that level: a must when a capture or a must check
        // does, a should when only shoulds look into it.
        None => f.at_level(needed_level(step, body_captures().next().is_some())),
    }));
    if let Some(doc) = doc {
        for c in &step.body {
            failures.extend(c.check(&doc, vars, "the response body"));
        }
        for c in body_captures() {
            match capture::from_json(c, &doc) {
                Ok(v) => captured.push((c.name.clone(), v)),
                Err(f) => failures.push(f),
            }
        }
    }
    BodyOutcome {
        captured,
        failures,
        raw,
    }
}

/// The level at which a step needs its body as JSON: `must` when it captures from it or a `must` check reads it.
fn needed_level(step: &Step, captures: bool) -> Level {
    match captures || step.body.iter().any(|c| c.level == Level::Must) {
        true => Level::Must,
        false => Level::Should,
    }
}
