//! Running one step: render the request, send it, and check the response as it arrives.

use std::sync::LazyLock;
use std::time::Duration;

use serde_json::Value;
use tokio::time::Instant;

use crate::check::stream::{EndEvent, StreamChecks, StreamState};
use crate::check::{preview, Failure};
use crate::fixture::{Exchange, FIXTURE_ERROR_HEADER};
use crate::source::Loc;
use crate::spec::template::{render_json, Vars};
use crate::spec::{Body, Capture, CaptureFrom, RequestTemplate, Step};
use crate::sse::{SseItem, SseParser};
use crate::transport::{BodyReader, Prepared, ReadError, MAX_BODY_BYTES};

/// What a step needs from the run it belongs to.
pub struct Ctx<'a> {
    pub client: &'a reqwest::Client,
    pub base: &'a str,
    pub api_key: Option<&'a str>,
    pub default_timeout: Duration,
}

/// A failed step: its failures, and the request as a curl line when it got as far as being sent.
#[derive(Debug)]
pub struct StepError {
    pub failures: Vec<Failure>,
    pub curl: Option<String>,
}

/// Checks an event stream must pass even when the spec asks nothing of it (so captures still work).
static NO_STREAM_CHECKS: LazyLock<StreamChecks> = LazyLock::new(|| StreamChecks {
    loc: Loc::default(),
    sequence: None,
    subsequence: None,
    first: None,
    last: None,
    never: vec![],
    count: vec![],
    events: vec![],
    end_event: EndEvent::Optional,
    ids: None,
});

pub fn prepare(req: &RequestTemplate, vars: &Vars, base: &str) -> Result<Prepared, Failure> {
    let path = req
        .path
        .render_string(vars)
        .map_err(|e| Failure::new(req.path_loc, e))?;
    if !path.starts_with('/') || path.starts_with("//") {
        return Err(Failure::new(
            req.path_loc,
            format!("the path became {path:?}, which is not relative to the target; requests to other origins are refused"),
        ));
    }
    let mut target = path;
    if !req.query.is_empty() {
        let mut ser: Vec<(String, String)> = Vec::new();
        for (k, v) in &req.query {
            let v = render_json(v, vars).map_err(|e| Failure::new(req.path_loc, e))?;
            let text = match v {
                Value::String(s) => s,
                other => other.to_string(),
            };
            ser.push((k.clone(), text));
        }
        let q: Vec<String> = ser
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect();
        target.push(if target.contains('?') { '&' } else { '?' });
        target.push_str(&q.join("&"));
    }
    let mut headers = Vec::new();
    for (k, t) in &req.headers {
        headers.push((
            k.clone(),
            t.render_string(vars)
                .map_err(|e| Failure::new(req.path_loc, e))?,
        ));
    }
    let body = match &req.body {
        Body::None => None,
        Body::Json(v) => {
            if !headers.iter().any(|(k, _)| k == "content-type") {
                headers.push(("content-type".into(), "application/json".into()));
            }
            let v = render_json(v, vars).map_err(|e| Failure::new(req.path_loc, e))?;
            Some(serde_json::to_vec(&v).expect("a JSON value serialises"))
        }
        Body::Text(t) => Some(
            t.render_string(vars)
                .map_err(|e| Failure::new(req.path_loc, e))?
                .into_bytes(),
        ),
    };
    Ok(Prepared {
        method: req.method.clone(),
        base: base.to_string(),
        target,
        headers,
        body,
    })
}

/// Percent-encodes a query component (RFC 3986 unreserved characters stay as they are).
fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Runs one step. Captured values are added to `vars`; with `record`, the exchange is appended to it.
pub async fn run_step(
    ctx: &Ctx<'_>,
    number: usize,
    step: &Step,
    vars: &mut Vars,
    record: Option<&mut Vec<Exchange>>,
) -> Result<(), StepError> {
    let fail = |failures: Vec<Failure>, curl: Option<String>| Err(StepError { failures, curl });
    let prepared = match prepare(&step.request, vars, ctx.base) {
        Ok(p) => p,
        Err(f) => return fail(vec![f], None),
    };
    let streaming = step.stream.is_some();
    let curl = Some(prepared.curl(ctx.api_key.is_some(), streaming));
    let timeout = step.timeout.unwrap_or(ctx.default_timeout);
    let deadline = Instant::now() + timeout;
    let request = match prepared.build(ctx.client, ctx.api_key) {
        Ok(r) => r,
        Err(e) => return fail(vec![Failure::new(step.loc, e)], curl),
    };
    let resp = match tokio::time::timeout_at(deadline, ctx.client.execute(request)).await {
        Err(_) => {
            return fail(
                vec![Failure::new(
                    step.loc,
                    format!("no response within {}", secs(timeout)),
                )],
                curl,
            );
        }
        Ok(Err(e)) => {
            return fail(
                vec![Failure::new(
                    step.loc,
                    format!("the request failed: {}", crate::transport::error_chain(&e)),
                )],
                curl,
            )
        }
        Ok(Ok(r)) => r,
    };
    let status = resp.status();
    let headers: Vec<(String, String)> = resp
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let header = |name: &str| -> Vec<String> {
        headers
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    };
    let content_type = header("content-type")
        .into_iter()
        .next()
        .unwrap_or_default();
    let mut reader = BodyReader::new(resp, deadline);

    if !header(FIXTURE_ERROR_HEADER).is_empty() {
        let (body, _) = reader.read_all().await;
        return fail(
            vec![Failure::new(
                step.loc,
                format!(
                    "the embedded fixture cannot answer: {}",
                    String::from_utf8_lossy(&body)
                ),
            )],
            curl,
        );
    }

    let mut failures = Vec::new();
    let mut late: Vec<(String, Value)> = Vec::new();
    for c in step.captures.iter().filter(|c| c.is_early()) {
        match capture_header(c, &header) {
            Ok(v) => {
                vars.insert(c.name.clone(), v);
            }
            Err(f) => failures.push(f),
        }
    }
    let is_sse = content_type
        .to_ascii_lowercase()
        .starts_with("text/event-stream");
    // A stream the spec did not expect still needs `curl -N` to show as it arrives.
    let curl = if is_sse && !streaming {
        Some(prepared.curl(ctx.api_key.is_some(), true))
    } else {
        curl
    };
    let status_failed = step
        .status
        .as_ref()
        .is_some_and(|s| !s.any_of.contains(&status.as_u16()));
    let mut recorded: Vec<u8> = Vec::new();

    if status_failed || !(is_sse || streaming) {
        // A whole body: JSON checks, or the text to show next to a wrong status.
        let (body, err) = reader.read_all().await;
        recorded = body.clone();
        let text = String::from_utf8_lossy(&body);
        if let Some(s) = &step.status {
            failures.extend(s.check(status.as_u16(), &preview(&text, 2000)));
        }
        for h in &step.headers {
            failures.extend(h.check(&header(&h.name), vars));
        }
        if let Some(e) = err {
            failures.push(read_failure(step.loc, e, timeout, &text));
        } else if !status_failed
            && (!step.body.is_empty()
                || step
                    .captures
                    .iter()
                    .any(|c| matches!(c.from, CaptureFrom::Body(_))))
        {
            match json_body(&content_type, &body, &text) {
                Err(m) => failures.push(Failure::new(step.loc, m)),
                Ok(doc) => {
                    for c in &step.body {
                        failures.extend(c.check(&doc, vars, "the response body"));
                    }
                    for c in step
                        .captures
                        .iter()
                        .filter(|c| matches!(c.from, CaptureFrom::Body(_)))
                    {
                        match capture_value(c, &doc) {
                            Ok(v) => late.push((c.name.clone(), v)),
                            Err(f) => failures.push(f),
                        }
                    }
                }
            }
        }
        if !status_failed {
            failures.extend(misplaced_captures(step, false, &content_type));
        }
    } else {
        for h in &step.headers {
            failures.extend(h.check(&header(&h.name), vars));
        }
        if !is_sse {
            let (body, _) = reader.read_all().await;
            let at = step.stream.as_ref().map(|s| s.loc).unwrap_or(step.loc);
            failures.push(
                Failure::new(at, format!("expected an event stream (text/event-stream), but the content type is {content_type:?}"))
                    .with_note(format!("response body: {}", preview(&String::from_utf8_lossy(&body), 2000))),
            );
        } else {
            if !step.body.is_empty() {
                failures.push(Failure::new(step.body[0].loc, "`body` checks need a JSON response; this one is an event stream (check event data under `stream.events`)"));
            }
            failures.extend(misplaced_captures(step, true, &content_type));
            let checks = step.stream.as_ref().unwrap_or(&NO_STREAM_CHECKS);
            let rec = if record.is_some() {
                Some(&mut recorded)
            } else {
                None
            };
            match read_stream(&mut reader, checks, step, vars, timeout, rec).await {
                Ok((caps, end_failures)) => {
                    late.extend(caps);
                    failures.extend(end_failures);
                }
                Err(f) => failures.push(f),
            }
        }
    }
    if let Some(r) = record {
        r.push(Exchange {
            step: number,
            method: prepared.method.clone(),
            target: prepared.target.clone(),
            request_json: prepared
                .body
                .as_ref()
                .and_then(|b| serde_json::from_slice(b).ok()),
            status: status.as_u16(),
            reason: status.canonical_reason().unwrap_or("").to_string(),
            headers: headers.clone(),
            body: recorded,
        });
    }
    if !failures.is_empty() {
        return fail(failures, curl);
    }
    vars.extend(late);
    Ok(())
}

/// Captures the response cannot meet: body captures on an event stream, event captures on anything else. Said here,
/// at the capture, rather than later as an undefined variable.
fn misplaced_captures(step: &Step, is_stream: bool, content_type: &str) -> Vec<Failure> {
    step.captures
        .iter()
        .filter_map(|c| {
            let why = match (&c.from, is_stream) {
                (CaptureFrom::Body(_), true) => "from the body: the response is an event stream (capture from an event with `event:` and `path:`)".to_string(),
                (CaptureFrom::Event(..), false) => format!(
                    "from an event: the response is not an event stream (content type {content_type:?})"
                ),
                _ => return None,
            };
            Some(Failure::new(c.loc, format!("cannot capture `{}` {why}", c.name)))
        })
        .collect()
}

fn secs(d: Duration) -> String {
    format!("{}s", d.as_secs_f64())
}

fn read_failure(at: Loc, e: ReadError, timeout: Duration, so_far: &str) -> Failure {
    let f = match e {
        ReadError::Timeout => Failure::new(
            at,
            format!("the body did not complete within {}", secs(timeout)),
        ),
        ReadError::Broken(m) => Failure::new(
            at,
            format!("the connection failed while reading the body: {m}"),
        ),
        ReadError::TooLarge => Failure::new(
            at,
            format!("the body is larger than {MAX_BODY_BYTES} bytes"),
        ),
    };
    f.with_note(format!("received so far: {}", preview(so_far, 500)))
}

fn json_body(content_type: &str, body: &[u8], text: &str) -> Result<Value, String> {
    let ct = content_type.to_ascii_lowercase();
    let mime = ct.split(';').next().unwrap_or("").trim();
    if !(mime == "application/json" || mime.ends_with("+json")) {
        return Err(format!(
            "expected a JSON body, but the content type is {content_type:?}: {}",
            preview(text, 500)
        ));
    }
    // `/wait` bodies may start with newline keep-alives; JSON allows leading whitespace.
    serde_json::from_slice(body)
        .map_err(|e| format!("the body is not valid JSON ({e}): {}", preview(text, 500)))
}

fn capture_header(c: &Capture, header: &dyn Fn(&str) -> Vec<String>) -> Result<Value, Failure> {
    let CaptureFrom::Header(name) = &c.from else {
        unreachable!("only header captures are early")
    };
    let values = header(name);
    if values.is_empty() {
        return Err(Failure::new(
            c.loc,
            format!("cannot capture `{}`: header `{name}` is missing", c.name),
        ));
    }
    apply_regex(c, Value::String(values.join(", ")))
}

fn capture_value(c: &Capture, doc: &Value) -> Result<Value, Failure> {
    let path = match &c.from {
        CaptureFrom::Body(p) | CaptureFrom::Event(_, p) => p,
        CaptureFrom::Header(_) => unreachable!("header captures are early"),
    };
    let nodes = path.query(doc);
    let v = if path.is_singular() {
        match nodes.first() {
            Some(v) => (*v).clone(),
            None => {
                let f = Failure::new(
                    c.loc,
                    format!(
                        "cannot capture `{}`: `{}` selects nothing",
                        c.name,
                        path.as_str()
                    ),
                );
                let notes = crate::check::near_miss::notes(path, doc, false);
                return Err(notes.into_iter().fold(f, Failure::with_note));
            }
        }
    } else {
        Value::Array(nodes.into_iter().cloned().collect())
    };
    apply_regex(c, v)
}

fn capture_event_id(c: &Capture, ev: &crate::sse::SseEvent) -> Result<Value, Failure> {
    match ev.own_id() {
        Some(id) => apply_regex(c, Value::String(id.to_string())),
        None => Err(Failure::new(
            c.loc,
            format!(
                "cannot capture `{}`: the `{}` event has no id",
                c.name, ev.event
            ),
        )),
    }
}

fn apply_regex(c: &Capture, v: Value) -> Result<Value, Failure> {
    let Some(re) = &c.regex else { return Ok(v) };
    let Value::String(s) = &v else {
        return Err(Failure::new(
            c.loc,
            format!(
                "cannot capture `{}`: a regex needs a string, got {}",
                c.name,
                preview(&v.to_string(), 100)
            ),
        ));
    };
    match re.captures(s) {
        Some(m) => Ok(Value::String(
            m.get(1)
                .or_else(|| m.get(0))
                .map(|g| g.as_str().to_string())
                .unwrap_or_default(),
        )),
        None => Err(Failure::new(
            c.loc,
            format!(
                "cannot capture `{}`: {s:?} does not match /{}/",
                c.name,
                re.as_str()
            ),
        )),
    }
}

/// Reads an event stream to its end, checking each event as it comes. An early failure ends the read at once (and so
/// the connection); otherwise returns the values captured from events and what failed at the end of the stream.
async fn read_stream(
    reader: &mut BodyReader,
    checks: &StreamChecks,
    step: &Step,
    vars: &Vars,
    timeout: Duration,
    mut record: Option<&mut Vec<u8>>,
) -> Result<(Vec<(String, Value)>, Vec<Failure>), Failure> {
    let mut state = StreamState::new(checks);
    let mut parser = SseParser::new();
    let mut items = Vec::new();
    let event_caps: Vec<&Capture> = step
        .captures
        .iter()
        .filter(|c| matches!(c.from, CaptureFrom::Event(..)))
        .collect();
    let mut captured: Vec<Option<Value>> = vec![None; event_caps.len()];
    let at = if checks.loc.line == 0 {
        step.loc
    } else {
        checks.loc
    };
    let mut ended = false;
    while !ended {
        match reader.next().await {
            Ok(Some(chunk)) => {
                if let Some(r) = record.as_deref_mut() {
                    if r.len() + chunk.len() <= MAX_BODY_BYTES {
                        r.extend_from_slice(&chunk);
                    }
                }
                parser.feed(&chunk, &mut items);
            }
            Ok(None) => {
                parser.finish(&mut items);
                ended = true;
            }
            Err(ReadError::Timeout) => {
                return Err(Failure::new(
                    at,
                    format!(
                        "the stream did not end within {} (the step's timeout)",
                        secs(timeout)
                    ),
                )
                .with_note(state.received()));
            }
            Err(ReadError::Broken(m)) => {
                return Err(Failure::new(
                    at,
                    format!("the connection failed during the stream: {m}"),
                )
                .with_note(state.received()));
            }
            Err(ReadError::TooLarge) => unreachable!("streams are not collected"),
        }
        for item in items.drain(..) {
            match item {
                SseItem::Event(ev) => {
                    for (i, c) in event_caps.iter().enumerate() {
                        let CaptureFrom::Event(p, _) = &c.from else {
                            continue;
                        };
                        if (captured[i].is_none() || c.last_event) && p.matches(&ev.event) {
                            if c.event_id {
                                captured[i] = Some(capture_event_id(c, &ev)?);
                                continue;
                            }
                            let doc: Value = serde_json::from_str(&ev.data).map_err(|e| {
                                Failure::new(
                                    c.loc,
                                    format!(
                                        "cannot capture `{}`: the data of `{}` is not JSON ({e})",
                                        c.name, ev.event
                                    ),
                                )
                            })?;
                            captured[i] = Some(capture_value(c, &doc)?);
                        }
                    }
                    state
                        .on_event(&ev.event, &ev.data, ev.own_id(), vars)
                        .map_err(|f| f.with_note(state.received()))?;
                }
                SseItem::Comment(_) | SseItem::Retry(_) => {}
                SseItem::LineTooLong { limit } => {
                    return Err(Failure::new(
                        at,
                        format!("a line of the stream is longer than {limit} bytes"),
                    )
                    .with_note(state.received()));
                }
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
                    return Err(f.with_note(state.received()));
                }
            }
        }
    }
    let end_failures = state.finish(vars);
    if !end_failures.is_empty() {
        return Ok((Vec::new(), end_failures));
    }
    let mut out = Vec::new();
    for (c, v) in event_caps.iter().zip(captured) {
        match v {
            Some(v) => out.push((c.name.clone(), v)),
            None => {
                let CaptureFrom::Event(p, _) = &c.from else {
                    continue;
                };
                return Err(Failure::new(
                    c.loc,
                    format!("cannot capture `{}`: no `{p}` event came", c.name),
                ));
            }
        }
    }
    Ok((out, Vec::new()))
}
