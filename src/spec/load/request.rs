//! `request`: the method, a path relative to the target, the query, headers, and a `json` or text `body`.

use serde_json::Value;
use serde_saphyr::Spanned;

use super::{Loader, R};
use crate::spec::headers;
use crate::spec::raw::{OrderedMap, RawRequest};
use crate::spec::{Body, RequestTemplate};
use crate::template::{Template, Vars};

impl Loader<'_> {
    pub(super) fn request(&self, raw: RawRequest) -> R<RequestTemplate> {
        let method = raw.method.value.to_ascii_uppercase();
        if !matches!(
            method.as_str(),
            "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD" | "OPTIONS"
        ) {
            return Err(self.err(
                self.loc(&raw.method),
                format!("unknown method `{}`", raw.method.value),
            ));
        }
        let path = self.request_path(&raw.path)?;
        let query = self.query(raw.query)?;
        let headers = self.request_headers(&raw.headers)?;
        let body = match (raw.json, raw.body) {
            (Some(_), Some(b)) => {
                return Err(self.err(self.loc(&b), "give either `json` or `body`, not both"))
            }
            (Some(j), None) => {
                self.check_json_vars(&j.value, self.loc(&j))?;
                Body::Json(j.value)
            }
            (None, Some(b)) => Body::Text(self.template(&b)?),
            (None, None) => Body::None,
        };
        Ok(RequestTemplate {
            method,
            path,
            path_loc: self.loc(&raw.path),
            query,
            headers,
            body,
        })
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
