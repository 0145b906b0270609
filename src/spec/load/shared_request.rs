//! `request: {use: ...}`: a request shared between steps (`request` of a definition), with the step's own fields over
//! it.
//!
//! ```yaml
//! request:
//!   use: stream/on_thread            # `request` of the definition `on_thread` of _shared/stream.yaml
//!   with: {thread_id: '${source}'}   # its parameters
//!   json:                            # the step's own fields, over the shared ones
//!     stream_mode: [updates]
//! ```
//!
//! The step's `method` and `path` replace the shared ones. Its `query` and `headers` replace those of the same name,
//! where they are, and come after the others. Its `json` does the same key by key when both bodies are mappings
//! (`stream_mode` above is added after the shared `assistant_id` and `input`), and otherwise replaces the shared
//! body, as its `body` does. So the request sent is the one written out with the same keys in the same order, and a
//! spec rewritten with a shared request keeps its recording.
//!
//! The shared request is lowered at its place in the shared file (with the use's parameters put in, seeing only them,
//! the target's variables and the built-ins), the step's own fields at theirs: each mistake is shown where it is.

use serde_json::Value;
use serde_saphyr::Spanned;

use super::request::RequestParts;
use super::substitute::{self, Substitute, Uses};
use super::uses::{DefKind, Use};
use super::{Loader, R};
use crate::spec::raw::{RawDefinition, RawRequest};
use crate::spec::{Body, RequestTemplate};

impl Loader<'_> {
    /// A step's request: its own, or the shared one it uses with its own fields over it.
    pub(super) fn request_of(&mut self, raw: Spanned<RawRequest>) -> R<RequestTemplate> {
        let at = self.loc(&raw);
        let mut raw = raw.value;
        let Some(name) = raw.use_.take() else {
            self.no_with(&raw.with, DefKind::Request)?;
            return self.request(at, raw);
        };
        let with = raw.with.take();
        let (_, theirs) = self.using(name, with, DefKind::Request, |l, u, def| {
            l.shared_request(u, def)
        })?;
        let own = self.request_parts(raw)?;
        Ok(over(theirs, own))
    }

    /// The request of a definition, with the use's parameters put in.
    pub(super) fn shared_request(&mut self, u: &Use, def: RawDefinition) -> R<RequestTemplate> {
        if let Some(o) = def.outputs.first() {
            return Err(self.err(
                self.loc(o),
                "a shared request captures nothing: `outputs` goes with `steps`",
            ));
        }
        let map = self.parameters(u, &def)?;
        let visible = self.visible_in(&map);
        let mut raw = def.request.expect("a definition of kind Request");
        let mut uses = Uses::default();
        substitute::request(&mut uses, &mut raw.value);
        self.all_visible(uses, &visible, &u.name)?;
        substitute::request(&mut Substitute(&map), &mut raw.value);
        self.request_of(raw)
    }
}

/// The shared request with the step's own fields over it.
fn over(mut req: RequestTemplate, own: RequestParts) -> RequestTemplate {
    if let Some(m) = own.method {
        req.method = m;
    }
    if let Some((path, at)) = own.path {
        req.path = path;
        req.path_loc = at;
    }
    for (k, v) in own.query {
        set(&mut req.query, k, v);
    }
    // Header names are lower case by now: one name is one header, whatever the case it was written in.
    for (k, v) in own.headers {
        set(&mut req.headers, k, v);
    }
    req.body = match (req.body, own.body) {
        (Body::Json(Value::Object(mut theirs)), Some(Body::Json(Value::Object(mine)))) => {
            // In place for a key the shared body has (the map keeps the order keys came in), after the others if not.
            for (k, v) in mine {
                theirs.insert(k, v);
            }
            Body::Json(Value::Object(theirs))
        }
        (_, Some(mine)) => mine,
        (theirs, None) => theirs,
    };
    req
}

/// Sets `key` in an ordered list of pairs: in place if it is there, else at the end.
fn set<T>(list: &mut Vec<(String, T)>, key: String, value: T) {
    match list.iter_mut().find(|(k, _)| *k == key) {
        Some(entry) => entry.1 = value,
        None => list.push((key, value)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::Template;
    use serde_json::json;

    fn shared() -> RequestTemplate {
        RequestTemplate {
            method: "POST".into(),
            path: Template::parse("/runs/stream").unwrap(),
            path_loc: Default::default(),
            query: vec![("a".into(), json!(1)), ("b".into(), json!(2))],
            headers: vec![("x-one".into(), Template::parse("1").unwrap())],
            body: Body::Json(json!({"assistant_id": "agent", "input": "${chat_input}"})),
        }
    }

    fn parts(body: Option<Body>) -> RequestParts {
        RequestParts {
            method: None,
            path: None,
            query: vec![("c".into(), json!(3)), ("a".into(), json!(9))],
            headers: vec![("x-one".into(), Template::parse("one").unwrap())],
            body,
        }
    }

    #[test]
    fn the_steps_fields_replace_in_place_and_add_after() {
        let r = over(
            shared(),
            parts(Some(Body::Json(
                json!({"stream_mode": ["values"], "input": {"x": 1}}),
            ))),
        );
        assert_eq!(r.method, "POST");
        assert_eq!(
            r.query,
            vec![
                ("a".into(), json!(9)),
                ("b".into(), json!(2)),
                ("c".into(), json!(3))
            ]
        );
        assert_eq!(r.headers.len(), 1);
        assert_eq!(r.headers[0].1.source(), "one");
        let Body::Json(body) = r.body else {
            panic!("a JSON body")
        };
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"assistant_id":"agent","input":{"x":1},"stream_mode":["values"]}"#
        );
    }

    #[test]
    fn a_body_that_is_not_a_mapping_replaces_the_shared_one() {
        let r = over(shared(), parts(Some(Body::Json(json!([1, 2])))));
        assert!(matches!(r.body, Body::Json(Value::Array(_))));
        let r = over(
            shared(),
            parts(Some(Body::Text(Template::parse("raw").unwrap()))),
        );
        assert!(matches!(r.body, Body::Text(_)));
        let r = over(shared(), parts(None));
        assert!(matches!(r.body, Body::Json(Value::Object(_))));
    }
}
