//! Reading an event stream to its end, each event checked and captured from as it arrives.

use std::time::Duration;

use serde_json::Value;

use super::capture;
use super::response::secs;
use crate::check::stream::StreamState;
use crate::check::Failure;
use crate::source::Loc;
use crate::spec::expect::stream::StreamChecks;
use crate::spec::{Capture, CaptureFrom, Step};
use crate::sse::{SseEvent, SseItem, SseParser};
use crate::template::{unbound_name, Vars};
use crate::text::preview;
use crate::transport::{BodyReader, ReadError, MAX_BODY_BYTES};

/// What reading the stream found: values captured from events, and failures.
pub struct StreamOutcome {
    pub captured: Vec<(String, Value)>,
    pub failures: Vec<Failure>,
    /// The bytes of the stream that did not fit in the recording (`MAX_BODY_BYTES`), when it was recorded.
    pub not_recorded: usize,
}

/// What each event capture has come to.
enum Taken {
    Waiting,
    Value(Value),
    Failed,
    /// `which: last`: the latest matching event could not give the value; a later one still may.
    LastFailed(Failure),
}

struct EventCaptures<'s> {
    captures: Vec<&'s Capture>,
    taken: Vec<Taken>,
}

impl<'s> EventCaptures<'s> {
    fn new(step: &'s Step) -> Self {
        let captures: Vec<&Capture> = step
            .captures
            .iter()
            .filter(|c| matches!(c.from, CaptureFrom::Event(..)))
            .collect();
        let taken = captures.iter().map(|_| Taken::Waiting).collect();
        EventCaptures { captures, taken }
    }

    /// Takes what the event offers (the first matching event, or with `which: last` each one in turn); a capture
    /// that fails is reported once and not tried again.
    fn on_event(&mut self, ev: &SseEvent, failures: &mut Vec<Failure>) {
        for (c, taken) in self.captures.iter().zip(self.taken.iter_mut()) {
            let CaptureFrom::Event(pattern, _) = &c.from else {
                continue;
            };
            let open = match taken {
                Taken::Waiting => true,
                Taken::Value(_) | Taken::LastFailed(_) => c.last_event,
                Taken::Failed => false,
            };
            if !open || !pattern.matches(&ev.event) {
                continue;
            }
            let value = if c.event_id {
                capture::from_event_id(c, ev)
            } else {
                serde_json::from_str::<Value>(&ev.data)
                    .map_err(|e| {
                        Failure::new(
                            c.loc,
                            format!(
                                "cannot capture `{}`: the data of `{}` is not JSON ({e})",
                                c.name, ev.event
                            ),
                        )
                        .with_note(format!("data: {}", preview(&ev.data, 300)))
                    })
                    .and_then(|doc| capture::from_json(c, &doc))
            };
            *taken = match value {
                Ok(v) => Taken::Value(v),
                // Only the last matching event counts: judged when the stream ends.
                Err(f) if c.last_event => Taken::LastFailed(f),
                Err(f) => {
                    failures.push(f);
                    Taken::Failed
                }
            };
        }
    }

    fn taken_so_far(self) -> Vec<(String, Value)> {
        self.captures
            .into_iter()
            .zip(self.taken)
            .filter_map(|(c, t)| match t {
                Taken::Value(v) => Some((c.name.clone(), v)),
                _ => None,
            })
            .collect()
    }

    fn finish(self, failures: &mut Vec<Failure>) -> Vec<(String, Value)> {
        let mut out = Vec::new();
        for (c, taken) in self.captures.into_iter().zip(self.taken) {
            match taken {
                Taken::Value(v) => out.push((c.name.clone(), v)),
                Taken::Failed => {}
                Taken::LastFailed(f) => failures.push(f),
                Taken::Waiting => {
                    if let CaptureFrom::Event(p, _) = &c.from {
                        failures.push(Failure::new(
                            c.loc,
                            format!("cannot capture `{}`: no `{p}` event came", c.name),
                        ));
                    }
                }
            }
        }
        out
    }
}

/// Reads an event stream to its end, checking each event as it comes. A failure that no later event can undo ends
/// the read at once (and so the connection), unless it is only a warning (`should`) or the echo of a failed capture:
/// those are noted once and the rest of the stream is still checked.
pub async fn read(
    reader: &mut BodyReader,
    checks: &StreamChecks,
    step: &Step,
    vars: &Vars,
    timeout: Duration,
    strict: bool,
    mut record: Option<&mut Vec<u8>>,
) -> StreamOutcome {
    let mut state = StreamState::new(checks);
    let mut parser = SseParser::new();
    let mut items = Vec::new();
    let mut caps = EventCaptures::new(step);
    let mut failures = Vec::new();
    let at = if checks.loc.line == 0 {
        step.loc
    } else {
        checks.loc
    };
    let mut ended = false;
    let mut not_recorded = 0;
    while !ended {
        match reader.next().await {
            Ok(Some(chunk)) => {
                if let Some(r) = record.as_deref_mut() {
                    // As much as fits; what does not is counted, so the recording says it is cut.
                    let room = MAX_BODY_BYTES - r.len();
                    r.extend_from_slice(&chunk[..room.min(chunk.len())]);
                    not_recorded += chunk.len().saturating_sub(room);
                }
                parser.feed(&chunk, &mut items);
            }
            Ok(None) => {
                parser.finish(&mut items);
                ended = true;
            }
            Err(e) => {
                failures.push(broken(at, e, timeout).with_note(state.received()));
                return stop(failures, caps, not_recorded);
            }
        }
        for item in items.drain(..) {
            match on_item(item, &mut state, &mut caps, vars, at, strict, &mut failures) {
                Ok(Read::On) => {}
                Ok(Read::Done) => {
                    ended = true;
                    break;
                }
                Ok(Read::Stop) => {
                    // What is kept of the answer (a recording, the differential mode) is the whole stream, not
                    // the part before the failure: the rest is read, unchecked, as a client would go on reading.
                    if let Some(r) = record {
                        not_recorded += drain(reader, &mut parser, checks, vars, r).await;
                    }
                    return stop(failures, caps, not_recorded);
                }
                Err(f) => {
                    failures.push(f.with_note(state.received()));
                    return stop(failures, caps, not_recorded);
                }
            }
        }
    }
    failures.extend(state.finish(vars));
    let captured = caps.finish(&mut failures);
    StreamOutcome {
        captured,
        failures,
        not_recorded,
    }
}

/// Reads the rest of a stream whose checks already failed into `record`, without checking it: to its end, to the
/// `until` event of a stream that does not end by itself, or until it breaks or the step's time is up. Returns the
/// bytes that did not fit under the body limit, so the recording says it is cut.
async fn drain(
    reader: &mut BodyReader,
    parser: &mut SseParser,
    checks: &StreamChecks,
    vars: &Vars,
    record: &mut Vec<u8>,
) -> usize {
    let mut items = Vec::new();
    let mut not_recorded = 0;
    loop {
        match reader.next().await {
            Ok(Some(chunk)) => {
                let room = MAX_BODY_BYTES.saturating_sub(record.len());
                record.extend_from_slice(&chunk[..room.min(chunk.len())]);
                not_recorded += chunk.len().saturating_sub(room);
                parser.feed(&chunk, &mut items);
            }
            Ok(None) | Err(_) => return not_recorded,
        }
        let done = items.drain(..).any(|item| match (item, &checks.until) {
            (SseItem::Event(ev), Some(u)) => u.reached(&ev.event, &ev.data, vars),
            _ => false,
        });
        if done {
            return not_recorded;
        }
    }
}

/// The read ends early: captures still waiting are not failures of their own (the stream already failed), and the
/// values taken so far are kept, for a clean-up that needs them.
fn stop(mut failures: Vec<Failure>, caps: EventCaptures<'_>, not_recorded: usize) -> StreamOutcome {
    failures.dedup_by(|a, b| a.loc == b.loc && a.message == b.message);
    StreamOutcome {
        captured: caps.taken_so_far(),
        failures,
        not_recorded,
    }
}

fn broken(at: Loc, e: ReadError, timeout: Duration) -> Failure {
    match e {
        ReadError::Timeout => Failure::new(
            at,
            format!(
                "the stream did not end within {} (the step's timeout)",
                secs(timeout)
            ),
        ),
        ReadError::Broken(m) => {
            Failure::new(at, format!("the connection failed during the stream: {m}"))
        }
        // Streams are read as they come, never whole; only a recording that says so ends one this way.
        ReadError::TooLarge => Failure::new(
            at,
            format!("the stream is larger than {MAX_BODY_BYTES} bytes"),
        ),
    }
}

/// Whether to read on after an item.
enum Read {
    On,
    /// An expectation failed that no later event can undo.
    Stop,
    /// The `until` event came: the stream counts as ended there.
    Done,
}

/// One parsed item. `Err` ends the read: the stream itself is broken. A failed capture never ends it, nor does a
/// warning, nor an expectation that could not be checked for want of a captured value.
fn on_item(
    item: SseItem,
    state: &mut StreamState<'_>,
    caps: &mut EventCaptures<'_>,
    vars: &Vars,
    at: Loc,
    strict: bool,
    failures: &mut Vec<Failure>,
) -> Result<Read, Failure> {
    match item {
        SseItem::Event(ev) => {
            if let Some(m) = crate::wire::invalid_event(&ev, state.next_number()) {
                return Err(Failure::new(at, m));
            }
            caps.on_event(&ev, failures);
            let done = state
                .checks()
                .until
                .as_ref()
                .is_some_and(|u| u.reached(&ev.event, &ev.data, vars));
            let Err(f) = state.on_event(&ev.event, &ev.data, ev.own_id(), vars) else {
                return Ok(if done { Read::Done } else { Read::On });
            };
            let ends = f.blocks(strict) && unbound_name(&f.message).is_none();
            // Each expectation speaks once, however many events it fails on.
            if !failures.iter().any(|g| g.loc == f.loc) {
                failures.push(f.with_note(state.received()));
            }
            Ok(if ends { Read::Stop } else { Read::On })
        }
        SseItem::Comment(_) | SseItem::Retry(_) => Ok(Read::On),
        SseItem::Fault(fault) => Err(Failure::new(
            at,
            crate::wire::stream_fault(&fault, state.next_number()),
        )),
        SseItem::Unterminated {
            partial_line,
            event,
        } => {
            let mut f = Failure::new(at, "the stream was cut off: it ended without the blank line that completes its last event");
            if let Some(l) = partial_line {
                f = f.with_note(format!("last line, unfinished: {}", preview(&l, 300)));
            }
            if let Some(e) = event {
                f = f.with_note(format!(
                    "incomplete event `{}`: {}",
                    e.event,
                    preview(&e.data, 300)
                ));
            }
            Err(f)
        }
    }
}
