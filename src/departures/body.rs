//! A body as a client reads it (empty, JSON, an event stream, or other text), and what the request says about it.

use serde_json::Value;

use super::json::{type_name, Walk};
use super::{headers, stream, Kind, Rules, Sink};
use crate::fixture::Exchange;

/// What the request says about the answer, read from the reference's request (both sides answer the same one).
#[derive(Debug, Default)]
pub(super) struct Route {
    /// A search: the list it returns holds whatever the deployment has that matches, so its length is not stable.
    pub listing: bool,
    /// A thread's history: one checkpoint per superstep of the graph.
    pub history: bool,
    /// The body is the graph's own: the run's output (`/wait`, `/join`, `cancel?wait=true`) or the graph's drawing
    /// and schemas (`/assistants/<id>/graph`, `/schemas`, `/subgraphs`).
    pub graph_body: bool,
}

impl Route {
    pub(super) fn of(e: &Exchange) -> Route {
        let (path, query) = e.target.split_once('?').unwrap_or((&e.target, ""));
        let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let last = segs.last().copied().unwrap_or("");
        let post = e.method.eq_ignore_ascii_case("POST");
        let waits = query
            .split('&')
            .any(|p| matches!(p, "wait=true" | "wait=1" | "wait=True"));
        Route {
            listing: post && matches!(last, "search" | "namespaces"),
            history: last == "history",
            graph_body: (last == "wait" && segs.contains(&"runs"))
                || last == "join"
                || (last == "cancel" && waits)
                || (segs.first() == Some(&"assistants")
                    && matches!(segs.get(2), Some(&("graph" | "schemas" | "subgraphs")))),
        }
    }
}

/// Nothing a client reads: no bytes, or only the keep-alive whitespace `/wait` sends before its JSON.
pub(super) fn blank(body: &[u8]) -> bool {
    body.iter().all(u8::is_ascii_whitespace)
}

enum Form {
    Empty,
    Json(Value),
    Stream,
    Text,
}

impl Form {
    fn describe(&self) -> String {
        match self {
            Form::Empty => "empty".into(),
            Form::Json(v) => format!("JSON {}", type_name(v)),
            Form::Stream => "an event stream".into(),
            Form::Text => "text (not JSON)".into(),
        }
    }

    fn same_kind(&self, other: &Form) -> bool {
        std::mem::discriminant(self) == std::mem::discriminant(other)
    }
}

fn is_stream(e: &Exchange) -> bool {
    e.headers.iter().any(|(k, v)| {
        k.eq_ignore_ascii_case("content-type") && headers::media_type(v) == "text/event-stream"
    })
}

/// The body's form. A body labelled `text/event-stream` is a stream; so is a body that is neither empty nor JSON
/// when the other side's is a stream (the content type is then a departure of its own, and the events still tell).
fn read(e: &Exchange, other_is_stream: bool) -> Form {
    if is_stream(e) {
        return Form::Stream;
    }
    if blank(&e.body) {
        return Form::Empty;
    }
    // Leading whitespace (the keep-alives of `/wait`) is legal JSON.
    match serde_json::from_slice::<Value>(&e.body) {
        Ok(v) => Form::Json(v),
        Err(_) if other_is_stream => Form::Stream,
        Err(_) => Form::Text,
    }
}

pub(super) fn compare(
    sink: &mut Sink,
    rules: &Rules<'_>,
    route: &Route,
    reference: &Exchange,
    target: &Exchange,
) {
    let a = read(reference, is_stream(target));
    let b = read(target, is_stream(reference));
    match (&a, &b) {
        (Form::Stream, Form::Stream) => stream::compare(sink, rules, &reference.body, &target.body),
        (Form::Json(x), Form::Json(y)) => {
            if route.graph_body && !rules.same_graph {
                return;
            }
            let unstable_top = route.listing || (route.history && !rules.same_graph);
            Walk::new(sink, rules, String::new(), false, unstable_top).compare(x, y);
        }
        // Plain text (an error message, metrics) is the server's own words.
        _ if a.same_kind(&b) => {}
        _ => sink.push(Kind::Type, "body".into(), a.describe(), b.describe()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(method: &str, target: &str) -> Route {
        Route::of(&Exchange {
            step: 1,
            method: method.into(),
            target: target.into(),
            request_json: None,
            status: 200,
            reason: String::new(),
            headers: vec![],
            body: vec![],
        })
    }

    #[test]
    fn routes() {
        assert!(route("POST", "/threads/search").listing);
        assert!(route("POST", "/store/items/search").listing);
        assert!(route("POST", "/store/namespaces").listing);
        assert!(!route("GET", "/threads/t/runs").listing);
        assert!(!route("POST", "/assistants/a/versions").listing);
        assert!(route("GET", "/threads/t/history?limit=10").history);
        assert!(route("POST", "/runs/wait").graph_body);
        assert!(route("POST", "/threads/t/runs/wait").graph_body);
        assert!(route("GET", "/threads/t/runs/r/join").graph_body);
        assert!(route("POST", "/threads/t/runs/r/cancel?wait=true").graph_body);
        assert!(!route("POST", "/threads/t/runs/r/cancel").graph_body);
        assert!(route("GET", "/assistants/a/schemas").graph_body);
        assert!(!route("GET", "/assistants/a").graph_body);
    }
}
