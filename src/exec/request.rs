//! A step's request: its template rendered with the variables known so far, ready to send.

use serde_json::Value;

use crate::check::Failure;
use crate::spec::{Body, RequestTemplate};
use crate::template::{render_json_cow, Vars};
use crate::transport::Prepared;

pub fn prepare(req: &RequestTemplate, vars: &Vars, base: &str) -> Result<Prepared, Failure> {
    let at = |e: String| Failure::new(req.path_loc, e);
    let path = req.path.render_string(vars).map_err(at)?;
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
            let text = match &*render_json_cow(v, vars).map_err(at)? {
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
        let v = t.render_string(vars).map_err(at)?;
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
            let v = render_json_cow(v, vars).map_err(at)?;
            Some(serde_json::to_vec(&*v).expect("a JSON value serialises"))
        }
        Body::Text(t) => Some(t.render_string(vars).map_err(at)?.into_bytes()),
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
