//! The headers a client reads, compared by form: whether each is there, and its shape with the server's own values
//! (ids, counts, hosts, the charset) left out.

use super::body::{self, Route};
use super::mask::{mask_ids, ID};
use super::{Kind, Sink};
use crate::fixture::Exchange;

/// The headers an SDK or a client of the API acts on: where to reconnect or poll (`location`,
/// `content-location`, whose ids the SDK parses out), how to read the body, how to page, whether to cache.
/// Everything else (`date`, `server`, `vary`, `x-accel-buffering`, connection and framing headers) is the server's
/// business.
const READ: [&str; 6] = [
    "location",
    "content-location",
    "content-type",
    "x-pagination-total",
    "x-pagination-next",
    "cache-control",
];

/// Path segments that name an operation, not a resource, after a collection name (`/runs/stream`,
/// `/runs/crons/<id>`, `/threads/search`).
const WORDS: [&str; 19] = [
    "stream",
    "wait",
    "join",
    "cancel",
    "search",
    "count",
    "batch",
    "crons",
    "runs",
    "history",
    "state",
    "copy",
    "graph",
    "schemas",
    "subgraphs",
    "versions",
    "latest",
    "storage",
    "prune",
];

/// Collections whose next path segment is an id, whatever the server's ids look like.
const COLLECTIONS: [&str; 4] = ["threads", "runs", "assistants", "crons"];

pub(super) fn compare(sink: &mut Sink, reference: &Exchange, target: &Exchange, route: &Route) {
    for name in READ {
        // No client reads the media type of an empty body (204, 202).
        if name == "content-type" && body::blank(&reference.body) && body::blank(&target.body) {
            continue;
        }
        let (a, b) = (value(reference, name), value(target, name));
        // Whether there is a next page depends on how many results the search found (see `body::Route`).
        if name == "x-pagination-next" && route.listing && (a.is_none() || b.is_none()) {
            continue;
        }
        let (fa, fb) = (
            a.map(|v| form(name, &v)).unwrap_or_else(|| "absent".into()),
            b.map(|v| form(name, &v)).unwrap_or_else(|| "absent".into()),
        );
        if fa != fb {
            sink.push(Kind::Header, format!("header {name}"), fa, fb);
        }
    }
}

/// The header's values, whatever the case of its name, joined as one (RFC 9110 §5.3).
fn value(e: &Exchange, name: &str) -> Option<String> {
    let values: Vec<&str> = e
        .headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim())
        .collect();
    (!values.is_empty()).then(|| values.join(", "))
}

/// A header value in the form that matters to a client.
pub(super) fn form(name: &str, value: &str) -> String {
    match name {
        "location" | "content-location" => path_form(value),
        "content-type" => media_type(value),
        "x-pagination-total" | "x-pagination-next" => {
            if value.parse::<u64>().is_ok() {
                "an integer".into()
            } else {
                let shown: String = value.chars().take(40).collect();
                format!("not an integer ({shown})")
            }
        }
        "cache-control" => {
            let mut directives: Vec<String> = value
                .split(',')
                .map(|d| d.trim().to_ascii_lowercase())
                .filter(|d| !d.is_empty())
                .map(|d| match d.split_once('=') {
                    Some((k, v)) if v.trim().trim_matches('"').parse::<u64>().is_ok() => {
                        format!("{}=<n>", k.trim())
                    }
                    Some((k, v)) => format!("{}={}", k.trim(), v.trim()),
                    None => d,
                })
                .collect();
            directives.sort();
            directives.join(", ")
        }
        _ => value.to_string(),
    }
}

/// `text/event-stream; charset=utf-8` → `text/event-stream`: a client that reads the body as JSON or as a stream
/// goes by the media type; the charset of both is UTF-8 whatever the header says.
pub(super) fn media_type(value: &str) -> String {
    value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// A location's shape: the path with ids masked, without scheme and host (a client resolves either against the
/// base URL), query keys kept and their values masked: `http://h/threads/1f0…/runs/1f0…` → `/threads/<id>/runs/<id>`.
fn path_form(value: &str) -> String {
    let rest = match value.split_once("://") {
        Some((_, after)) => after.find('/').map_or("/", |i| &after[i..]),
        None => value,
    };
    let rest = rest.split('#').next().unwrap_or("");
    let (path, query) = match rest.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (rest, None),
    };
    let mut out = String::new();
    let mut prev = "";
    for (i, seg) in path.split('/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        if COLLECTIONS.contains(&prev) && !seg.is_empty() && !WORDS.contains(&seg) {
            out.push_str(ID);
        } else {
            out.push_str(&mask_ids(seg));
        }
        prev = seg;
    }
    if let Some(q) = query {
        let keys: Vec<String> = q
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| format!("{}=<v>", p.split('=').next().unwrap_or("")))
            .collect();
        out.push('?');
        out.push_str(&keys.join("&"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        assert_eq!(
            form(
                "content-location",
                "/threads/01a2111c-b5df-7254-a447-3d246a3c045a/runs/01a2111c-b5e1-746a-933f-58f72c2595c4"
            ),
            "/threads/<id>/runs/<id>"
        );
        assert_eq!(
            form("location", "http://127.0.0.1:9/threads/t1/runs/r1/stream"),
            "/threads/<id>/runs/<id>/stream"
        );
        assert_eq!(form("location", "/runs/r-1/stream"), "/runs/<id>/stream");
        assert_eq!(form("location", "/runs/crons/c1"), "/runs/crons/<id>");
        assert_eq!(form("location", "/runs/r?x=1&y"), "/runs/<id>?x=<v>&y=<v>");
        assert_eq!(
            form("content-type", "Text/Event-Stream; charset=UTF-8"),
            "text/event-stream"
        );
        assert_eq!(form("x-pagination-total", "12"), "an integer");
        assert_eq!(form("x-pagination-next", "ten"), "not an integer (ten)");
        assert_eq!(
            form("cache-control", "No-Store, max-age=0"),
            "max-age=<n>, no-store"
        );
        assert_ne!(
            form("cache-control", "no-store"),
            form("cache-control", "no-cache")
        );
    }
}
