//! Running a spec: each step's request ([`request`]), the answer taken in ([`response`]) and checked whole
//! ([`body`]) or as a stream ([`stream`]), the values captured ([`capture`]), a step repeated until it holds
//! ([`retry`]), and the spec's steps with its clean-up ([`spec`]).

pub mod body;
pub mod capture;
pub mod differential;
pub mod request;
pub mod response;
pub mod retry;
pub mod spec;
pub mod stream;
pub mod webhook;

use std::sync::LazyLock;
use std::time::Duration;

use serde_json::Value;
use tokio::time::Instant;

use crate::check::Failure;
use crate::fixture::{Exchange, FIXTURE_ERROR_HEADER, INCOMPLETE_HEADER};
use crate::spec::expect::stream::StreamChecks;
use crate::spec::{CaptureFrom, Step};
use crate::template::Vars;
use crate::text::preview;

pub use request::prepare;

/// What a step needs from the run it belongs to.
pub struct Ctx<'a> {
    pub client: &'a reqwest::Client,
    pub base: &'a str,
    pub api_key: Option<&'a crate::secrets::ApiKey>,
    pub default_timeout: Duration,
    /// `should` failures fail the test too.
    pub strict: bool,
    /// The target is the embedded fixture: its answers are fixed, so a retried step need not wait between attempts.
    pub replaying: bool,
    /// The webhook receiver of a live run of a spec that uses one. Against the fixture, a `receive` step asks the
    /// fixture for the recorded call instead.
    pub webhooks: Option<&'a webhook::Receiver>,
}

/// One try of a step: what failed (at any level), what it captured, how to send it again.
#[derive(Debug, Default)]
pub struct Attempt {
    pub failures: Vec<Failure>,
    pub captured: Vec<(String, Value)>,
    pub curl: Option<Curl>,
    pub exchange: Option<Exchange>,
    /// The embedded fixture had no answer for this request: trying again cannot help.
    pub unanswerable: bool,
    /// The retry window closed before the answer came: the attempt says nothing of the server.
    pub cut_short: bool,
}

impl Attempt {
    pub fn blocked(&self, strict: bool) -> bool {
        self.failures.iter().any(|f| f.blocks(strict))
    }

    fn failed(f: Failure, curl: Option<Curl>) -> Attempt {
        Attempt {
            failures: vec![f],
            curl,
            ..Attempt::default()
        }
    }
}

/// The request of a step, kept to be shown as a curl line if a report needs it: most steps pass, and formatting
/// one for each would be work for nothing.
#[derive(Debug)]
pub struct Curl {
    prepared: crate::transport::Prepared,
    key: Option<crate::secrets::ApiKey>,
    streaming: bool,
}

impl Curl {
    pub fn render(&self) -> String {
        self.prepared.curl(self.key.as_ref(), self.streaming)
    }
}

/// What a stream the spec asks nothing of is read with (so captures still work).
static NO_STREAM_CHECKS: LazyLock<StreamChecks> = LazyLock::new(StreamChecks::none);

/// Sends a step's request once and checks the answer. Header captures go into `vars` at once (the step's own
/// expectations may use them); the others come back in the attempt, for the caller to keep if the step holds.
pub async fn attempt(
    ctx: &Ctx<'_>,
    number: usize,
    step: &Step,
    vars: &mut Vars,
    recording: bool,
    deadline: Instant,
) -> Attempt {
    if let (true, Some(rx)) = (step.receive, ctx.webhooks) {
        let timeout = step.timeout.unwrap_or(ctx.default_timeout);
        return webhook::receive(rx, number, step, vars, recording, deadline, timeout).await;
    }
    let prepared = match prepare(&step.request, vars, ctx.base) {
        Ok(p) => p,
        Err(f) => return Attempt::failed(f, None),
    };
    let timeout = step.timeout.unwrap_or(ctx.default_timeout);
    // The request itself is kept for the curl line (moved, not copied: most steps pass and never show one).
    let curl = |prepared, streaming| {
        Some(Curl {
            prepared,
            key: ctx.api_key.cloned(),
            streaming,
        })
    };
    let (mut head, mut reader) =
        match response::send(ctx, &prepared, step.loc, deadline, timeout).await {
            Ok(r) => r,
            Err(response::SendError::Failed(f)) => {
                return Attempt::failed(f, curl(prepared, step.stream.is_some()))
            }
            Err(response::SendError::CutShort(f)) => {
                return Attempt {
                    cut_short: true,
                    ..Attempt::failed(f, curl(prepared, step.stream.is_some()))
                }
            }
        };
    if let Some(why) = fixture_refusal(ctx, &mut head, &mut reader).await {
        return Attempt {
            unanswerable: true,
            ..Attempt::failed(Failure::new(step.loc, why), curl(prepared, false))
        };
    }
    let status = head.status.as_u16();
    if let Some(m) = crate::wire::undecodable_encoding(
        &head.values("content-encoding"),
        &prepared,
        status,
        crate::wire::reads_body(step),
    ) {
        return Attempt::failed(Failure::new(step.loc, m), curl(prepared, false));
    }
    let mut failures = Vec::new();
    let status_failed = step.status.as_ref().is_some_and(|s| !s.holds(status));
    failures.extend(header_captures(step, &head, vars, status_failed));
    let as_stream = !status_failed && (head.is_event_stream() || step.stream.is_some());
    let (captured, raw, not_recorded) = if as_stream {
        let (mut f, c, raw, not_recorded) =
            stream_answer(ctx, step, &head, &mut reader, vars, timeout, recording).await;
        failures.append(&mut f);
        (c, raw, not_recorded)
    } else {
        let mut out = body::read_and_check(&mut reader, &head, step, vars, timeout).await;
        failures.append(&mut out.failures);
        (out.captured, out.raw, 0)
    };
    let exchange = recording.then(|| {
        let end = crate::transport::incomplete_marker(reader.incomplete(), not_recorded);
        recorded(number, &prepared, &head, end, raw)
    });
    let mut failures = capture::fold_unbound(failures, step);
    crate::redirect::explain(&mut failures, status, &head.values("location"));
    Attempt {
        failures,
        captured,
        // A stream the spec did not expect still needs `curl -N` to show as it arrives.
        curl: curl(prepared, head.is_event_stream() || step.stream.is_some()),
        exchange,
        unanswerable: false,
        cut_short: false,
    }
}

/// The exchange as a recording keeps it. An answer that did not end well says so in a header of ours (see
/// `INCOMPLETE_HEADER`), so that it replays as the same failure.
fn recorded(
    number: usize,
    prepared: &crate::transport::Prepared,
    head: &response::Head,
    end: Option<String>,
    body: Vec<u8>,
) -> Exchange {
    let mut headers = head.pairs();
    if let Some(m) = end {
        headers.push((INCOMPLETE_HEADER.to_string(), m));
    }
    Exchange {
        step: number,
        method: prepared.method.clone(),
        target: prepared.target.clone(),
        request_json: prepared
            .body
            .as_ref()
            .and_then(|b| serde_json::from_slice(b).ok()),
        status: head.status.as_u16(),
        reason: head.status.canonical_reason().unwrap_or("").to_string(),
        headers,
        body,
    }
}

/// Why the embedded fixture cannot answer this request (it has no recording of it, or the recording cannot be
/// replayed), if so. An answer recorded incomplete is set to end as it ended: its bytes, then the same timeout or
/// broken connection.
async fn fixture_refusal(
    ctx: &Ctx<'_>,
    head: &mut response::Head,
    reader: &mut crate::transport::BodyReader,
) -> Option<String> {
    if head.headers.contains_key(FIXTURE_ERROR_HEADER) {
        let (body, _) = reader.read_all().await;
        return Some(format!(
            "the embedded fixture cannot answer: {}",
            String::from_utf8_lossy(&body)
        ));
    }
    let marker = ctx
        .replaying
        .then(|| head.headers.remove(INCOMPLETE_HEADER))
        .flatten()?;
    match crate::transport::replayed_end(marker.to_str().unwrap_or("")) {
        Ok(end) => {
            reader.end_with(end);
            None
        }
        Err(why) => Some(format!("the embedded fixture cannot answer: {why}")),
    }
}

/// Captures from headers, into `vars` at once (the step's own expectations may use them). Behind a wrong status, a
/// missing header is an echo of the status, not a finding of its own: none is taken.
fn header_captures(
    step: &Step,
    head: &response::Head,
    vars: &mut Vars,
    status_failed: bool,
) -> Vec<Failure> {
    let mut failures = Vec::new();
    for c in step
        .captures
        .iter()
        .filter(|c| c.is_early() && !status_failed)
    {
        let CaptureFrom::Header(name) = &c.from else {
            continue;
        };
        match capture::from_header(c, &head.values(name)) {
            Ok(v) => {
                vars.insert(c.name.clone(), v);
            }
            Err(f) => failures.push(f),
        }
    }
    failures
}

/// An answer read as an event stream: headers checked first, then each event as it arrives.
async fn stream_answer(
    ctx: &Ctx<'_>,
    step: &Step,
    head: &response::Head,
    reader: &mut crate::transport::BodyReader,
    vars: &Vars,
    timeout: Duration,
    recording: bool,
) -> (Vec<Failure>, Vec<(String, Value)>, Vec<u8>, usize) {
    let mut failures = Vec::new();
    if let Some(s) = &step.status {
        failures.extend(s.check(head.status.as_u16(), String::new));
    }
    for h in &step.headers {
        failures.extend(h.check(&head.values(&h.name), vars));
    }
    let mut raw = Vec::new();
    if !head.is_event_stream() {
        let (body, _) = reader.read_all().await;
        let at = step.stream.as_ref().map(|s| s.loc).unwrap_or(step.loc);
        // A stream block that is only a `should` expects a stream only as much.
        let level = step.stream.as_ref().map(|s| s.level).unwrap_or_default();
        failures.push(
            Failure::new(
                at,
                format!(
                    "expected an event stream (text/event-stream), but the content type is {:?}",
                    head.content_type()
                ),
            )
            .at_level(level)
            .with_note(format!(
                "response body: {}",
                preview(&String::from_utf8_lossy(&body), 2000)
            )),
        );
        return (failures, Vec::new(), body, 0);
    }
    if let Some(first) = step.body.first() {
        failures.push(Failure::new(first.loc, "`body` checks need a JSON response; this one is an event stream (check event data under `stream.events`)"));
    }
    failures.extend(capture::misplaced(step, true, head.content_type()));
    let checks = step.stream.as_ref().unwrap_or(&NO_STREAM_CHECKS);
    let record = recording.then_some(&mut raw);
    let out = stream::read(reader, checks, step, vars, timeout, ctx.strict, record).await;
    failures.extend(out.failures);
    (failures, out.captured, raw, out.not_recorded)
}
