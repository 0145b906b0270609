//! Captures: values taken from a response (a header, a JSONPath in the body or in an event's data) into variables
//! that later expectations and steps use.

use serde_json::Value;

use crate::check::Failure;
use crate::spec::{Capture, CaptureFrom, Step};
use crate::template::unbound_name;
use crate::text::preview;

pub fn from_header(c: &Capture, values: &[&str]) -> Result<Value, Failure> {
    let CaptureFrom::Header(name) = &c.from else {
        unreachable!("only header captures are taken from headers")
    };
    if values.is_empty() {
        return Err(Failure::new(
            c.loc,
            format!("cannot capture `{}`: header `{name}` is missing", c.name),
        ));
    }
    apply_regex(c, Value::String(values.join(", ")))
}

pub fn from_json(c: &Capture, doc: &Value) -> Result<Value, Failure> {
    let path = match &c.from {
        CaptureFrom::Body(p) | CaptureFrom::Event(_, p) => p,
        CaptureFrom::Header(_) => unreachable!("header captures are taken from headers"),
    };
    let nodes = path
        .query(doc)
        .map_err(|e| Failure::new(c.loc, format!("cannot capture `{}`: {e}", c.name)))?;
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

/// An event's own `id:` (one carried over from an earlier event does not count).
pub fn from_event_id(c: &Capture, ev: &crate::sse::SseEvent) -> Result<Value, Failure> {
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
                "cannot capture `{}`: {:?} does not match /{}/",
                c.name,
                preview(s, 200),
                re.as_str()
            ),
        )),
    }
}

/// Captures the response cannot meet: body captures on an event stream, event captures on anything else. Said here,
/// at the capture, rather than later as an undefined variable.
pub fn misplaced(step: &Step, is_stream: bool, content_type: &str) -> Vec<Failure> {
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

/// The failures of a step, with every expectation that could not be checked because a capture it uses failed
/// folded into one note on that capture's failure: the capture is the finding, not its echoes.
pub fn fold_unbound(failures: Vec<Failure>, step: &Step) -> Vec<Failure> {
    let capture_of = |f: &Failure| {
        unbound_name(&f.message).and_then(|name| step.captures.iter().position(|c| c.name == name))
    };
    let mut echoes: Vec<Vec<u32>> = vec![Vec::new(); step.captures.len()];
    let mut kept = Vec::new();
    for f in failures {
        match capture_of(&f) {
            Some(i) => echoes[i].push(f.loc.line),
            None => kept.push(f),
        }
    }
    for (i, lines) in echoes.into_iter().enumerate() {
        if lines.is_empty() {
            continue;
        }
        let c = &step.captures[i];
        let note = format!(
            "so {} expectation(s) that use `{}` were not checked (line {})",
            lines.len(),
            c.name,
            lines
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        );
        match kept.iter_mut().find(|f| f.loc == c.loc) {
            Some(f) => f.notes.push(note),
            None => kept.push(Failure::new(
                c.loc,
                format!("`{}` was not captured, {note}", c.name),
            )),
        }
    }
    kept
}
