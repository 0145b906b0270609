//! `request`: the method, a path relative to the target, the query, headers, and a `json` or text `body`.

use serde_json::Value;
use serde_saphyr::Spanned;

use super::{Loader, R};
use crate::source::Loc;
use crate::spec::headers;
use crate::spec::raw::{OrderedMap, RawRequest};
use crate::spec::{Body, RequestTemplate};
use crate::template::{Template, Vars};

/// What a `request` mapping gives, each field lowered on its own: a request that uses a shared one gives only what
/// it changes.
pub(super) struct RequestParts {
    pub(super) method: Option<String>,
    /// The path, and where it is written.
    pub(super) path: Option<(Template, Loc)>,
    pub(super) query: Vec<(String, Value)>,
    pub(super) headers: Vec<(String, Template)>,
    /// `json` or `body`, if either is given.
    pub(super) body: Option<Body>,
}

impl Loader<'_> {
    /// A request of its own: `method` and `path` are required.
    pub(super) fn request(&self, at: Loc, raw: RawRequest) -> R<RequestTemplate> {
        let parts = self.request_parts(raw)?;
        let Some(method) = parts.method else {
            return Err(self.err(
                at,
                "a request needs a `method` (or `use` of a shared request)",
            ));
        };
        let Some((path, path_loc)) = parts.path else {
            return Err(self.err(
                at,
                "a request needs a `path` (or `use` of a shared request)",
            ));
        };
        Ok(RequestTemplate {
            method,
            path,
            path_loc,
            query: parts.query,
            headers: parts.headers,
            body: parts.body.unwrap_or(Body::None),
        })
    }

    /// Each field of a `request` mapping that is given (`use` and `with` are the caller's).
    pub(super) fn request_parts(&self, raw: RawRequest) -> R<RequestParts> {
        let method = raw.method.as_ref().map(|m| self.method(m)).transpose()?;
        let path = match &raw.path {
            Some(p) => Some((self.request_path(p)?, self.loc(p))),
            None => None,
        };
        let query = self.query(raw.query)?;
        let headers = self.request_headers(&raw.headers)?;
        let body = match (raw.json, raw.body) {
            (Some(_), Some(b)) => {
                return Err(self.err(self.loc(&b), "give either `json` or `body`, not both"))
            }
            (Some(j), None) => {
                self.check_json_vars(&j.value, self.loc(&j))?;
                Some(Body::Json(j.value))
            }
            (None, Some(b)) => Some(Body::Text(self.template(&b)?)),
            (None, None) => None,
        };
        Ok(RequestParts {
            method,
            path,
            query,
            headers,
            body,
        })
    }

    fn method(&self, raw: &Spanned<String>) -> R<String> {
        let method = raw.value.to_ascii_uppercase();
        if !matches!(
            method.as_str(),
            "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD" | "OPTIONS"
        ) {
            return Err(self.err(self.loc(raw), format!("unknown method `{}`", raw.value)));
        }
        Ok(method)
    }

    fn request_path(&self, raw: &Spanned<String>) -> R<Template> {
        let p = &raw.value;
        if !p.starts_with('/') || p.starts_with("//") {
            return Err(self.err(
                self.loc(raw),
                format!("`path` must start with `/`: it is relative to the target, and requests to other origins are refused (got {p:?})"),
            ));
        }
        headers::check_no_control("`path`", p).map_err(|e| {
            self.err(
                self.loc(raw),
                format!(
                    "{e}: it would not be sent as written (percent-encode it: a line break is %0A)"
                ),
            )
        })?;
        self.template(raw)
    }

    fn query(&self, raw: OrderedMap<Spanned<Value>>) -> R<Vec<(String, Value)>> {
        let mut query = Vec::new();
        for (k, v) in raw.0 {
            if v.value.is_object() || v.value.is_array() {
                return Err(self.err(
                    self.loc(&v),
                    "a query value must be a string, number or boolean",
                ));
            }
            self.check_json_vars(&v.value, self.loc(&v))?;
            query.push((k, v.value));
        }
        Ok(query)
    }

    fn request_headers(&self, raw: &OrderedMap<Spanned<String>>) -> R<Vec<(String, Template)>> {
        let mut out: Vec<(String, Template)> = Vec::new();
        for (k, v) in &raw.0 {
            headers::check_request_name(k).map_err(|e| self.err(self.loc(v), e))?;
            headers::check_no_control(&format!("the value of header `{k}`"), &v.value).map_err(
                |e| self.err(self.loc(v), format!("{e}, which header values cannot hold")),
            )?;
            let name = k.to_ascii_lowercase();
            if out.iter().any(|(n, _)| *n == name) {
                return Err(self.err(
                    self.loc(v),
                    format!("header `{k}` is set twice (header names ignore case); keep one"),
                ));
            }
            out.push((name, self.template(v)?));
        }
        Ok(out)
    }
}

impl RequestTemplate {
    /// The path as written, variables and all: a step's name when it has none.
    pub(super) fn path_text(&self) -> String {
        let mut vars = Vars::new();
        for v in self.path.vars() {
            vars.insert(v.to_string(), Value::String(format!("${{{v}}}")));
        }
        self.path.render_string(&vars).unwrap_or_default()
    }
}
