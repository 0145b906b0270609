//! A step's request: its template rendered with the variables known so far, ready to send.

use serde_json::Value;

use crate::check::Failure;
use crate::spec::{Body, RequestTemplate};
use crate::template::{render_json_cow, Vars};
use crate::transport::Prepared;

pub fn prepare(req: &RequestTemplate, vars: &Vars, base: &str) -> Result<Prepared, Failure> {
    let at = |e: String| Failure::new(req.path_loc, e);
    // A value spliced into the path stays inside its segment: what would end the segment, the path or the URL is
    // percent-encoded, so a captured `abc#frag` cannot drop the rest of the path and the query, nor `abc?admin=1` add
    // parameters, nor `../admin` climb out.
    let path = req
        .path
        .render_with(vars, in_segment)
        .map_err(|e| at(e.to_string()))?;
    if let Some(seg) = dot_segment(&path) {
        return Err(at(format!(
            "the path became {:?}, whose segment `{seg}` the HTTP client would resolve (sending the request to another \
             path); a value in a path must not be `.` or `..`",
            crate::text::preview(&path, 200)
        )));
    }
    if !path.starts_with('/') || path.starts_with("//") {
        return Err(at(format!(
            "the path became {path:?}, which is not relative to the target; requests to other origins are refused"
        )));
    }
    // A captured value spliced into the path must not smuggle in a line break or a header.
    if path.chars().any(|c| c.is_control() || c == ' ') {
        return Err(at(format!(
            "the path became {path:?}, which has a space or control character; percent-encode it"
        )));
    }
    let mut target = path;
    if !req.query.is_empty() {
        let mut pairs = Vec::new();
        for (k, v) in &req.query {
            let text = match &*render_json_cow(v, vars).map_err(|e| at(e.to_string()))? {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            pairs.push(format!("{}={}", encode(k), encode(&text)));
        }
        target.push(if target.contains('?') { '&' } else { '?' });
        target.push_str(&pairs.join("&"));
    }
    let mut headers = Vec::new();
    for (k, t) in &req.headers {
        let v = t.render_string(vars).map_err(|e| at(e.to_string()))?;
        // A credential the step sends itself is hidden like the configured key, should the server reflect it.
        if crate::secrets::is_secret_header(k) {
            crate::secrets::hide_in_run(&v);
        }
        headers.push((k.clone(), v));
    }
    let body = match &req.body {
        Body::None => None,
        Body::Json(v) => {
            if !headers.iter().any(|(k, _)| k == "content-type") {
                headers.push(("content-type".into(), "application/json".into()));
            }
            let v = render_json_cow(v, vars).map_err(|e| at(e.to_string()))?;
            Some(serde_json::to_vec(&*v).expect("a JSON value serialises"))
        }
        Body::Text(t) => Some(
            t.render_string(vars)
                .map_err(|e| at(e.to_string()))?
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

/// A variable's text as part of one path segment: `%`, `/`, `\`, `?` and `#` percent-encoded (the client would read
/// them as an escape, a segment's end, the query's or the fragment's start; `\` as `/`). Nothing else is changed, so
/// the ids and names real specs splice are sent as before.
fn in_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '/' => out.push_str("%2F"),
            '\\' => out.push_str("%5C"),
            '?' => out.push_str("%3F"),
            '#' => out.push_str("%23"),
            c => out.push(c),
        }
    }
    out
}

/// A segment of the path (before any query) that is `.` or `..`, also percent-encoded (`%2e`): the client removes it
/// and the segment before, as RFC 3986 says, so the request would go elsewhere.
fn dot_segment(path: &str) -> Option<&str> {
    let path = path.split('?').next().unwrap_or(path);
    path.split('/').find(|seg| {
        // At most two dots, each written `.` or `%2e`: six bytes at most.
        seg.len() <= 6 && {
            let plain = seg.to_ascii_lowercase().replace("%2e", ".");
            plain == "." || plain == ".."
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::Template;

    fn req(path: &str) -> RequestTemplate {
        RequestTemplate {
            method: "GET".into(),
            path: Template::parse(path).unwrap(),
            path_loc: crate::source::Loc::new(3, 7),
            query: vec![("q".into(), Value::String("a b&${id}".into()))],
            headers: vec![],
            body: Body::None,
        }
    }

    fn with_id(id: &str) -> Result<Prepared, Failure> {
        let vars: Vars = [("id".to_string(), Value::String(id.into()))].into();
        prepare(&req("/threads/${id}/state"), &vars, "http://h")
    }

    /// The reproductions: each captured value stays one segment, and the query stays the spec's.
    #[test]
    fn a_captured_value_is_one_path_segment() {
        for (id, sent) in [
            ("abc#frag", "/threads/abc%23frag/state?q=a%20b%26abc%23frag"),
            (
                "abc?admin=1",
                "/threads/abc%3Fadmin=1/state?q=a%20b%26abc%3Fadmin%3D1",
            ),
            (
                "abc/../../admin",
                "/threads/abc%2F..%2F..%2Fadmin/state?q=a%20b%26abc%2F..%2F..%2Fadmin",
            ),
            ("a\\b", "/threads/a%5Cb/state?q=a%20b%26a%5Cb"),
            ("50%", "/threads/50%25/state?q=a%20b%2650%25"),
            (
                "run:1|sub",
                "/threads/run:1|sub/state?q=a%20b%26run%3A1%7Csub",
            ),
            ("%2e%2E", "/threads/%252e%252E/state?q=a%20b%26%252e%252E"),
        ] {
            let p = with_id(id).unwrap();
            assert_eq!(p.target, sent, "{id}");
            // As the client sends it: the path is the spec's, with the value in its one segment.
            let r = p.build(&crate::transport::client(), None).unwrap();
            assert_eq!(r.url().path().split('/').count(), 4, "{id}: {}", r.url());
            assert!(r.url().fragment().is_none(), "{id}");
            assert_eq!(r.url().query_pairs().count(), 1, "{id}: {}", r.url());
        }
        for id in ["..", "."] {
            let f = with_id(id).unwrap_err();
            assert!(
                f.message.contains("the HTTP client would resolve"),
                "{id}: {}",
                f.message
            );
        }
        let literal = prepare(&req("/threads/%2E%2e/admin"), &Vars::new(), "http://h").unwrap_err();
        assert!(
            literal.message.contains("segment `%2E%2e`"),
            "{}",
            literal.message
        );
    }

    #[test]
    fn a_captured_value_cannot_inject_a_line_break() {
        let vars: Vars = [("id".to_string(), Value::String("a\r\nHost: evil".into()))].into();
        let f = prepare(&req("/threads/${id}"), &vars, "http://h").unwrap_err();
        assert!(f.message.contains("control character"), "{}", f.message);
        let ok: Vars = [("id".to_string(), Value::String("abc".into()))].into();
        let p = prepare(&req("/threads/${id}"), &ok, "http://h").unwrap();
        assert_eq!(p.target, "/threads/abc?q=a%20b%26abc");
    }
}
