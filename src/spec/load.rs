//! Finding spec files and turning their YAML into the checked model, with every mistake reported at its
//! file:line:column.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use regex::Regex;
use serde_json::Value;
use serde_saphyr::Spanned;

use super::duration::parse_duration;
use super::event_names;
use super::expect::http::{HeaderCheck, HeaderPred, StatusCheck};
use super::expect::json::{CheckPath, JsonCheck, JsonType, Pred};
use super::expect::names::{NamePattern, SeqPattern};
use super::expect::numbers::{BoundSpec, Cmp, Num, Operand};
use super::expect::schema::SchemaCheck;
use super::expect::stream::{EndEvent, EventCheck, IdCheck, IdRule, StreamChecks, Until, Which};
use super::expect::Level;
use super::headers;
use super::raw::{
    RawBound, RawCapture, RawCount, RawExpect, RawIdCheck, RawJsonCheck, RawRequest, RawRetry,
    RawSpec, RawStep, RawStream,
};
use super::{Body, Capture, CaptureFrom, RequestTemplate, Retry, Spec, Step, FORMAT_VERSION};
use crate::format::Format;
use crate::jsonpath::Path;
use crate::source::{Loc, Source, SpecError};
use crate::template::{is_name, value_vars, Pattern, Template};

/// How deeply lists and mappings may nest in a spec. Specs need under ten levels; the bound keeps every recursive
/// walk over the YAML (and the JSON values in it) far from the end of the stack.
pub const MAX_YAML_DEPTH: usize = 64;

pub(crate) fn yaml_options() -> serde_saphyr::Options {
    let mut o = serde_saphyr::Options::default();
    // YAML 1.1 would read `no`, `on`, `off` as booleans; a spec means the strings.
    o.strict_booleans = true;
    // Nothing reads a spec's comments; not capturing them makes parsing about a tenth faster.
    o.emit_comments = false;
    let mut budget = serde_saphyr::budget::Budget::default();
    budget.max_depth = MAX_YAML_DEPTH;
    // One spec per file: a second document is refused anyway, so there is no need to read far into a stream of them.
    budget.max_documents = 2;
    o.budget = Some(budget);
    o
}

/// Parses and checks one spec. `globals` are the variables the target defines (defaults and overrides).
pub fn load_spec(src: Arc<Source>, globals: &HashSet<String>) -> Result<Spec, SpecError> {
    let raw: RawSpec = serde_saphyr::from_str_with_options(&src.text, yaml_options()).map_err(|e| {
        let loc = e.location().map(|l| Loc::from_saphyr(&l)).unwrap_or_default();
        let mut msg = super::yaml_errors::message(&e);
        let line = src.text.lines().nth((loc.line as usize).saturating_sub(1)).unwrap_or("");
        // Only a syntax error can come from an unquoted JSONPath; a wrong value on the same line is something else.
        let syntax = msg.starts_with("while ");
        if syntax && line.contains("{") && line.contains('$') && (line.contains('[') || line.contains('*')) {
            msg.push_str(" (inside `{...}`, quote a JSONPath that has `[`, `]`, `*` or `,`: path: '$.a[0]')");
        }
        SpecError::new(&src, loc, msg)
    })?;
    let mut defined = globals.clone();
    defined.extend(super::builtins::NAMES.iter().map(|n| n.to_string()));
    Loader {
        src: &src,
        defined,
        fixed: globals.clone(),
    }
    .spec(raw, src.clone())
}

struct Loader<'a> {
    src: &'a Source,
    /// Variables defined so far: the target's, the spec's, then captures step by step.
    defined: HashSet<String>,
    /// The target's variables and the spec's own: a capture may not take their names, or a step that uses the
    /// captured value would get the fixed one when the capture failed.
    fixed: HashSet<String>,
}

type R<T> = Result<T, SpecError>;

/// The predicates a JSON check may give, for messages.
const PRED_KEYS: &str = "exists, absent, equals, type, matches, format, length, count, contains, one_of, gt, ge, lt, le, every, not or schema";

fn loc<T>(s: &Spanned<T>) -> Loc {
    Loc::from_saphyr(&s.referenced)
}

impl Loader<'_> {
    fn err(&self, at: Loc, msg: impl Into<String>) -> SpecError {
        SpecError::new(self.src, at, msg)
    }

    fn spec(mut self, raw: RawSpec, src: Arc<Source>) -> R<Spec> {
        if raw.version.value != FORMAT_VERSION {
            return Err(self.err(
                loc(&raw.version),
                format!("spec format version {} is not supported; this harness reads version {FORMAT_VERSION}", raw.version.value),
            ));
        }
        if raw.name.value.trim().is_empty() {
            return Err(self.err(loc(&raw.name), "`name` cannot be empty"));
        }
        for r in &raw.requires {
            if !r
                .value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                || r.value.is_empty()
            {
                return Err(self.err(
                    loc(r),
                    format!(
                        "`{}` is not a capability name (letters, digits, `-`, `_`)",
                        r.value
                    ),
                ));
            }
        }
        let mut vars = Vec::new();
        for (name, value) in raw.vars.0 {
            if !is_name(&name) {
                return Err(self.err(
                    loc(&value),
                    format!("`{name}` is not a variable name (letters, digits and `_`)"),
                ));
            }
            self.not_builtin(&name, loc(&value))?;
            self.check_json_vars(&value.value, loc(&value))?;
            self.defined.insert(name.clone());
            self.fixed.insert(name.clone());
            vars.push((name, value.value));
        }
        let default_timeout = raw.timeout.as_ref().map(|t| self.duration(t)).transpose()?;
        if raw.steps.value.is_empty() {
            return Err(self.err(loc(&raw.steps), "a spec needs at least one step"));
        }
        let mut steps = Vec::new();
        for (i, s) in raw.steps.value.into_iter().enumerate() {
            let at = loc(&s);
            steps.push(self.step(i, at, s.value, default_timeout)?);
        }
        // Clean-up steps may use any capture: each runs only if the values its request needs were captured.
        let mut finally = Vec::new();
        if let Some(f) = raw.finally {
            if f.value.is_empty() {
                return Err(self.err(
                    loc(&f),
                    "`finally` needs at least one step (or leave it out)",
                ));
            }
            for (i, s) in f.value.into_iter().enumerate() {
                let at = loc(&s);
                finally.push(self.step(i, at, s.value, default_timeout)?);
            }
        }
        Ok(Spec {
            source: src,
            name: raw.name.value,
            description: raw.description,
            tags: raw.tags,
            requires: raw.requires.into_iter().map(|r| r.value).collect(),
            vars,
            uses_webhooks: steps.iter().chain(&finally).any(|s| s.receive)
                || self.src.text.contains("${webhook_url}"),
            starts_runs: steps
                .iter()
                .chain(&finally)
                .any(|s| !s.receive && s.request.starts_run()),
            steps,
            finally,
        })
    }

    fn not_builtin(&self, name: &str, at: Loc) -> R<()> {
        if super::builtins::NAMES.contains(&name) {
            return Err(self.err(
                at,
                format!("`{name}` is a built-in variable (a fresh value for each run of the spec); choose another name"),
            ));
        }
        Ok(())
    }

    fn level(&self, raw: &Option<Spanned<String>>) -> R<Level> {
        match raw {
            None => Ok(Level::Must),
            Some(l) => Level::parse(&l.value).ok_or_else(|| {
                self.err(
                    loc(l),
                    format!("`level` is must or should, not `{}`", l.value),
                )
            }),
        }
    }

    fn retry(&self, raw: &Spanned<RawRetry>) -> R<Retry> {
        let every = self.duration(&raw.value.every)?;
        let within = self.duration(&raw.value.within)?;
        if within < every {
            return Err(self.err(
                loc(&raw.value.within),
                "`within` is shorter than `every`: the step would be tried only once",
            ));
        }
        Ok(Retry { every, within })
    }

    fn step(
        &mut self,
        i: usize,
        at: Loc,
        raw: RawStep,
        default_timeout: Option<Duration>,
    ) -> R<Step> {
        let mut raw = raw;
        let receive = match (&raw.receive, raw.request.take()) {
            (Some(r), None) if r.value == "webhook" => true,
            (Some(r), None) => {
                return Err(self.err(
                    loc(r),
                    format!("`receive` takes `webhook`, not `{}`", r.value),
                ))
            }
            (Some(r), Some(_)) => {
                return Err(self.err(
                    loc(r),
                    "a step either sends a `request` or `receive`s a webhook call, not both",
                ))
            }
            (None, None) => {
                return Err(self.err(at, "a step needs a `request` (or `receive: webhook`)"))
            }
            (None, Some(req)) => {
                let request = self.request(req)?;
                return self.step_with(i, at, request, false, raw, default_timeout);
            }
        };
        let request = RequestTemplate {
            method: super::WEBHOOK_METHOD.into(),
            path: Template::parse(super::WEBHOOK_PATH).expect("a fixed path"),
            path_loc: at,
            query: Vec::new(),
            headers: Vec::new(),
            body: Body::None,
        };
        self.step_with(i, at, request, receive, raw, default_timeout)
    }

    fn step_with(
        &mut self,
        i: usize,
        at: Loc,
        request: RequestTemplate,
        receive: bool,
        raw: RawStep,
        default_timeout: Option<Duration>,
    ) -> R<Step> {
        let timeout = match &raw.timeout {
            Some(t) => Some(self.duration(t)?),
            None => default_timeout,
        };
        let retry = raw.retry.as_ref().map(|r| self.retry(r)).transpose()?;
        let mut captures = Vec::new();
        for (name, c) in raw.capture.0 {
            if !is_name(&name) {
                return Err(self.err(
                    loc(&c),
                    format!("`{name}` is not a variable name (letters, digits and `_`)"),
                ));
            }
            self.not_builtin(&name, loc(&c))?;
            if self.fixed.contains(&name) {
                return Err(self.err(
                    loc(&c),
                    format!("capture `{name}` has the name of a variable of the target or the spec; choose another, so that a failed capture is never mistaken for it"),
                ));
            }
            captures.push(self.capture(name, loc(&c), c.value)?);
        }
        // Header captures may be used by this step's expectations; the others only by later steps.
        for c in captures.iter().filter(|c| c.is_early()) {
            self.defined.insert(c.name.clone());
        }
        let expect = raw.expect.unwrap_or_default();
        let (status, headers, body, stream) = self.expect(expect)?;
        if receive {
            if let Some(s) = &status {
                return Err(self.err(s.loc, "a received webhook call has no status to check; check its `body` and `headers`"));
            }
            if let Some(s) = &stream {
                return Err(self.err(
                    s.loc,
                    "a received webhook call is not an event stream; check its `body`",
                ));
            }
        }
        self.events_of_requested_modes(&request, stream.as_ref(), &captures)?;
        for c in &captures {
            self.defined.insert(c.name.clone());
        }
        let varies = raw
            .varies
            .iter()
            .map(|v| self.varying_path(v))
            .collect::<R<Vec<_>>>()?;
        let name = raw.name.unwrap_or_else(|| match receive {
            true => "receive: webhook".to_string(),
            false => format!("{} {}", request.method, request.path_text()),
        });
        Ok(Step {
            name: if i == usize::MAX { String::new() } else { name },
            loc: at,
            request,
            receive,
            timeout,
            retry,
            status,
            headers,
            body,
            stream,
            captures,
            varies,
            setup: raw.setup,
        })
    }

    /// A `varies` path names one place, so that the drift check can mask it.
    fn varying_path(&self, s: &Spanned<String>) -> R<Path> {
        let path = self.path(s)?;
        if path.segments().is_none() {
            return Err(self.err(
                loc(s),
                format!("`varies` takes paths to one place each (names and indexes, like `$.values.messages[0]`), not `{}`", s.value),
            ));
        }
        Ok(path)
    }

    /// Refuses an expected event that the stream modes the request names never send (`messages` vs
    /// `messages-tuple`). Forbidden names (`never`, a count of at most 0) may be anything.
    fn events_of_requested_modes(
        &self,
        request: &RequestTemplate,
        stream: Option<&StreamChecks>,
        captures: &[Capture],
    ) -> R<()> {
        let Body::Json(json) = &request.body else {
            return Ok(());
        };
        let Some(modes) = event_names::requested_modes(json) else {
            return Ok(());
        };
        let mut expected: Vec<(Loc, String)> = Vec::new();
        if let Some(s) = stream {
            if let Some((l, p)) = &s.sequence {
                expected.extend(
                    p.written
                        .iter()
                        .map(|w| (*l, w.trim_end_matches(['?', '+', '*']).to_string())),
                );
            }
            if let Some((l, items)) = &s.subsequence {
                expected.extend(items.iter().map(|p| (*l, p.to_string())));
            }
            for (l, p) in s.first.iter().chain(&s.last) {
                expected.push((*l, p.to_string()));
            }
            for (l, p, b) in &s.count {
                if b.min.is_some_and(|m| m > 0) {
                    expected.push((*l, p.to_string()));
                }
            }
            expected.extend(s.events.iter().map(|e| (e.loc, e.pattern.to_string())));
        }
        for c in captures {
            if let CaptureFrom::Event(p, _) = &c.from {
                expected.push((c.loc, p.to_string()));
            }
        }
        match expected
            .iter()
            .find_map(|(l, n)| event_names::mode_mismatch(&modes, n).map(|m| (*l, m)))
        {
            Some((l, m)) => Err(self.err(l, m)),
            None => Ok(()),
        }
    }

    fn template(&self, s: &Spanned<String>) -> R<Template> {
        let t = Template::parse(&s.value).map_err(|e| self.err(loc(s), e))?;
        for v in t.vars() {
            self.require_var(v, loc(s))?;
        }
        Ok(t)
    }

    fn require_var(&self, name: &str, near: Loc) -> R<()> {
        if self.defined.contains(name) {
            return Ok(());
        }
        let at = self
            .src
            .find_from(near, &format!("${{{name}}}"))
            .unwrap_or(near);
        let mut known: Vec<&str> = self.defined.iter().map(String::as_str).collect();
        known.sort_unstable();
        Err(self.err(
            at,
            format!(
                "variable `{name}` is not defined here (defined: {}); a step can use captures of earlier steps only",
                if known.is_empty() { "none".to_string() } else { known.join(", ") }
            ),
        ))
    }

    fn check_json_vars(&self, v: &Value, at: Loc) -> R<()> {
        let mut names = Vec::new();
        value_vars(v, &mut names).map_err(|e| self.err(at, e))?;
        for (name, _) in names {
            self.require_var(&name, at)?;
        }
        Ok(())
    }

    fn request(&self, raw: RawRequest) -> R<RequestTemplate> {
        let method = raw.method.value.to_ascii_uppercase();
        if !matches!(
            method.as_str(),
            "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD" | "OPTIONS"
        ) {
            return Err(self.err(
                loc(&raw.method),
                format!("unknown method `{}`", raw.method.value),
            ));
        }
        let p = &raw.path.value;
        if !p.starts_with('/') || p.starts_with("//") {
            return Err(self.err(
                loc(&raw.path),
                format!("`path` must start with `/`: it is relative to the target, and requests to other origins are refused (got {p:?})"),
            ));
        }
        headers::check_no_control("`path`", p).map_err(|e| {
            self.err(
                loc(&raw.path),
                format!(
                    "{e}: it would not be sent as written (percent-encode it: a line break is %0A)"
                ),
            )
        })?;
        let path = self.template(&raw.path)?;
        let mut query = Vec::new();
        for (k, v) in raw.query.0 {
            if v.value.is_object() || v.value.is_array() {
                return Err(self.err(loc(&v), "a query value must be a string, number or boolean"));
            }
            self.check_json_vars(&v.value, loc(&v))?;
            query.push((k, v.value));
        }
        let mut headers: Vec<(String, Template)> = Vec::new();
        for (k, v) in &raw.headers.0 {
            headers::check_request_name(k).map_err(|e| self.err(loc(v), e))?;
            headers::check_no_control(&format!("the value of header `{k}`"), &v.value)
                .map_err(|e| self.err(loc(v), format!("{e}, which header values cannot hold")))?;
            let name = k.to_ascii_lowercase();
            if headers.iter().any(|(n, _)| *n == name) {
                return Err(self.err(
                    loc(v),
                    format!("header `{k}` is set twice (header names ignore case); keep one"),
                ));
            }
            headers.push((name, self.template(v)?));
        }
        let body = match (raw.json, raw.body) {
            (Some(_), Some(b)) => {
                return Err(self.err(loc(&b), "give either `json` or `body`, not both"))
            }
            (Some(j), None) => {
                self.check_json_vars(&j.value, loc(&j))?;
                Body::Json(j.value)
            }
            (None, Some(b)) => Body::Text(self.template(&b)?),
            (None, None) => Body::None,
        };
        Ok(RequestTemplate {
            method,
            path,
            path_loc: loc(&raw.path),
            query,
            headers,
            body,
        })
    }

    fn duration(&self, s: &Spanned<String>) -> R<Duration> {
        parse_duration(&s.value).map_err(|e| self.err(loc(s), e))
    }

    fn regex(&self, s: &Spanned<String>) -> R<Arc<Regex>> {
        crate::regexes::compile(&s.value)
            .map_err(|e| self.err(loc(s), crate::regexes::regex_message(&e.to_string())))
    }

    /// A regex in an expectation, which may use variables (matched literally).
    fn pattern(&self, s: &Spanned<String>) -> R<Pattern> {
        let p = Pattern::parse(&s.value).map_err(|e| self.err(loc(s), e))?;
        if let Pattern::Template(t) = &p {
            for v in t.vars() {
                self.require_var(v, loc(s))?;
            }
        }
        Ok(p)
    }

    fn path(&self, s: &Spanned<String>) -> R<Path> {
        Path::parse(&s.value).map_err(|e| self.path_err(s, e))
    }

    /// A JSONPath error, pointing at the regex pattern inside the path when that is what is wrong.
    fn path_err(&self, s: &Spanned<String>, e: String) -> SpecError {
        let at = Path::invalid_pattern(&s.value)
            .and_then(|p| self.src.find_from(loc(s), &p))
            .unwrap_or(loc(s));
        self.err(at, e)
    }

    /// A check's path may hold variables; its syntax is checked now with a placeholder in each.
    fn check_path(&self, s: &Spanned<String>) -> R<CheckPath> {
        let t = self.template(s)?;
        if !t.has_vars() {
            return Ok(CheckPath::Fixed(self.path(s)?));
        }
        let mut placeholders = crate::template::Vars::new();
        for v in t.vars() {
            placeholders.insert(v.to_string(), Value::String("x".into()));
        }
        let probe = t
            .render_string(&placeholders)
            .map_err(|e| self.err(loc(s), e))?;
        Path::parse(&probe).map_err(|e| self.path_err(s, e))?;
        Ok(CheckPath::Template(t))
    }

    fn name_pattern(&self, s: &Spanned<String>) -> R<NamePattern> {
        NamePattern::parse(&s.value).map_err(|e| self.err(loc(s), e))
    }

    #[allow(clippy::type_complexity)]
    fn expect(
        &self,
        raw: RawExpect,
    ) -> R<(
        Option<StatusCheck>,
        Vec<HeaderCheck>,
        Vec<JsonCheck>,
        Option<StreamChecks>,
    )> {
        let status = match raw.status {
            Some(s) => {
                if let Some(bad) = s.value.codes.iter().find(|c| !(100..=599).contains(*c)) {
                    return Err(self.err(loc(&s), format!("{bad} is not an HTTP status code")));
                }
                if s.value.codes.is_empty() {
                    return Err(self.err(loc(&s), "`status` needs at least one code"));
                }
                let level = match &s.value.level {
                    None => Level::Must,
                    Some(l) => Level::parse(l).ok_or_else(|| {
                        self.err(loc(&s), format!("`level` is must or should, not `{l}`"))
                    })?,
                };
                Some(StatusCheck {
                    loc: loc(&s),
                    any_of: s.value.codes,
                    level,
                })
            }
            None => None,
        };
        let mut headers: Vec<HeaderCheck> = Vec::new();
        for (name, h) in raw.headers.0 {
            let at = loc(&h);
            headers::check_name(&name).map_err(|e| self.err(at, e))?;
            if let Some(first) = headers.iter().find(|c| c.name == name.to_ascii_lowercase()) {
                return Err(self.err(
                    at,
                    format!(
                        "header `{name}` is checked twice (header names ignore case; the first is on line {}): put all its checks in one mapping",
                        first.loc.line
                    ),
                ));
            }
            let h = h.value;
            let mut preds = Vec::new();
            if let Some(p) = &h.present {
                preds.push((loc(p), HeaderPred::Present(p.value)));
            }
            if let Some(a) = &h.absent {
                preds.push((loc(a), HeaderPred::Present(!a.value)));
            }
            if let Some(e) = &h.equals {
                preds.push((loc(e), HeaderPred::Equals(self.template(e)?)));
            }
            if let Some(m) = &h.matches {
                preds.push((loc(m), HeaderPred::Matches(self.pattern(m)?)));
            }
            if let Some(c) = &h.contains {
                preds.push((loc(c), HeaderPred::Contains(self.template(c)?)));
            }
            for (key, v) in h.comparisons() {
                let (cmp, operand) = self.comparison(key, v)?;
                preds.push((loc(v), HeaderPred::Compare(cmp, operand)));
            }
            if preds.is_empty() {
                return Err(self.err(at, format!("header `{name}`: give at least one of equals, matches, contains, present, absent, gt, ge, lt, le")));
            }
            headers.push(HeaderCheck {
                loc: at,
                name: name.to_ascii_lowercase(),
                preds,
                level: self.level(&h.level)?,
            });
        }
        let body = raw
            .body
            .into_iter()
            .map(|c| self.json_check(c))
            .collect::<R<Vec<_>>>()?;
        let stream = raw
            .stream
            .map(|s| self.stream(loc(&s), s.value))
            .transpose()?;
        Ok((status, headers, body, stream))
    }

    fn json_check(&self, raw: Spanned<RawJsonCheck>) -> R<JsonCheck> {
        let at = loc(&raw);
        let c = raw.value;
        let Some(raw_path) = &c.path else {
            return Err(self.err(
                at,
                "a check needs a `path` (a JSONPath such as `$.thread_id`)",
            ));
        };
        let (path_loc, path_text) = (loc(raw_path), raw_path.value.clone());
        let path = self.check_path(raw_path)?;
        let level = self.level(&c.level)?;
        let preds = self.preds(c)?;
        if preds.is_empty() {
            return Err(self.err(
                at,
                format!("`{path_text}` has nothing to check: give {PRED_KEYS}"),
            ));
        }
        Ok(JsonCheck {
            loc: path_loc,
            path,
            preds,
            level,
        })
    }

    /// The predicates of a check (or of a `not` inside one), in the order messages report them.
    fn preds(&self, c: RawJsonCheck) -> R<Vec<(Loc, Pred)>> {
        let mut preds = Vec::new();
        if let Some(e) = &c.exists {
            preds.push((loc(e), Pred::Exists(e.value)));
        }
        if let Some(a) = &c.absent {
            preds.push((loc(a), Pred::Exists(!a.value)));
        }
        if let Some(n) = &c.count {
            preds.push((loc(n), Pred::Count(self.bound("count", n)?)));
        }
        if let Some(e) = &c.equals {
            self.check_json_vars(&e.value, loc(e))?;
            preds.push((loc(e), Pred::Equals(e.value.clone())));
        }
        if let Some(t) = &c.type_ {
            let mut types = Vec::new();
            for name in &t.value.0 {
                let name = &name.0;
                types.push(JsonType::parse(name).ok_or_else(|| {
                    self.err(
                        loc(t),
                        format!("unknown type `{name}`; the types are {}", JsonType::NAMES),
                    )
                })?);
            }
            preds.push((loc(t), Pred::Type(types)));
        }
        if let Some(m) = &c.matches {
            preds.push((loc(m), Pred::Matches(self.pattern(m)?)));
        }
        if let Some(f) = &c.format {
            let format = Format::parse(&f.value).ok_or_else(|| {
                self.err(
                    loc(f),
                    format!(
                        "unknown format `{}`; the formats are {}",
                        f.value,
                        Format::NAMES
                    ),
                )
            })?;
            preds.push((loc(f), Pred::Format(format)));
        }
        if let Some(l) = &c.length {
            preds.push((loc(l), Pred::Length(self.bound("length", l)?)));
        }
        if let Some(x) = &c.contains {
            self.check_json_vars(&x.value, loc(x))?;
            preds.push((loc(x), Pred::Contains(x.value.clone())));
        }
        if let Some(o) = &c.one_of {
            self.check_json_vars(&Value::Array(o.value.clone()), loc(o))?;
            preds.push((loc(o), Pred::OneOf(o.value.clone())));
        }
        for (key, v) in c.comparisons() {
            let (cmp, operand) = self.comparison(key, v)?;
            preds.push((loc(v), Pred::Compare(cmp, operand)));
        }
        if let Some(every) = c.every {
            let at_every = loc(&every);
            if every.value.is_empty() {
                return Err(self.err(at_every, "`every` needs at least one check"));
            }
            let inner = every
                .value
                .into_iter()
                .map(|c| self.json_check(c))
                .collect::<R<Vec<_>>>()?;
            preds.push((at_every, Pred::Every(inner)));
        }
        if let Some(s) = &c.schema {
            let check = SchemaCheck::from_spec(&s.value).map_err(|e| self.err(loc(s), e))?;
            preds.push((loc(s), Pred::Schema(check)));
        }
        if let Some(not) = c.not {
            let at_not = loc(&not);
            let inner = *not.value;
            if let Some(p) = &inner.path {
                return Err(self.err(
                    loc(p),
                    "`not` takes predicates of the check's own path; it cannot have a `path` (write a separate check)",
                ));
            }
            if let Some(l) = &inner.level {
                return Err(self.err(
                    loc(l),
                    "`level` goes on the check, beside `path`, not inside `not`",
                ));
            }
            let inner = self.preds(inner)?;
            if inner.is_empty() {
                return Err(self.err(
                    at_not,
                    format!("`not` has nothing to negate: give {PRED_KEYS}"),
                ));
            }
            preds.push((at_not, Pred::Not(inner)));
        }
        Ok(preds)
    }

    /// `gt: 3` or `ge: '${before}'`.
    fn comparison(&self, key: &str, v: &Spanned<Value>) -> R<(Cmp, Operand)> {
        let cmp = Cmp::ALL
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, c)| *c)
            .expect("a comparison key");
        let operand = Operand::from_value(key, &v.value).map_err(|e| self.err(loc(v), e))?;
        for name in operand.vars() {
            self.require_var(name, loc(v))?;
        }
        Ok((cmp, operand))
    }

    /// The bound of `length` or `count`, whose ends may be variables.
    fn bound(&self, key: &str, b: &Spanned<RawBound>) -> R<BoundSpec> {
        let end = |c: &Option<RawCount>| -> R<Option<Operand>> {
            let Some(c) = c else { return Ok(None) };
            let operand = match c {
                RawCount::Number(n) => Operand::Fixed(Num::Int((*n).into())),
                RawCount::Text(t) => Operand::from_value(key, &Value::String(t.clone()))
                    .map_err(|e| self.err(loc(b), e))?,
            };
            for name in operand.vars() {
                self.require_var(name, loc(b))?;
            }
            Ok(Some(operand))
        };
        if let (Some(RawCount::Number(min)), Some(RawCount::Number(max))) =
            (&b.value.min, &b.value.max)
        {
            if min > max {
                return Err(self.err(
                    loc(b),
                    format!("`min` ({min}) is more than `max` ({max}): no {key} can pass"),
                ));
            }
        }
        Ok(BoundSpec {
            min: end(&b.value.min)?,
            max: end(&b.value.max)?,
        })
    }

    fn stream(&self, at: Loc, raw: RawStream) -> R<StreamChecks> {
        let sequence = match raw.sequence {
            Some(s) => {
                let items: Vec<String> = s.value.iter().map(|i| i.value.clone()).collect();
                let pat =
                    SeqPattern::parse(&items).map_err(|(i, e)| self.err(loc(&s.value[i]), e))?;
                Some((loc(&s), pat))
            }
            None => None,
        };
        let subsequence = match raw.subsequence {
            Some(s) => {
                let pats = s
                    .value
                    .iter()
                    .map(|i| self.name_pattern(i))
                    .collect::<R<Vec<_>>>()?;
                if pats.is_empty() {
                    return Err(self.err(loc(&s), "`subsequence` needs at least one event name"));
                }
                Some((loc(&s), pats))
            }
            None => None,
        };
        let first = raw
            .first
            .as_ref()
            .map(|f| Ok((loc(f), self.name_pattern(f)?)))
            .transpose()?;
        let last = raw
            .last
            .as_ref()
            .map(|f| Ok((loc(f), self.name_pattern(f)?)))
            .transpose()?;
        let never = raw
            .never
            .iter()
            .map(|n| {
                let p = NamePattern::parse_forbidden(&n.value).map_err(|e| self.err(loc(n), e))?;
                Ok((loc(n), p))
            })
            .collect::<R<Vec<_>>>()?;
        let mut count = Vec::new();
        for (name, b) in raw.count.0 {
            let p = NamePattern::parse(&name).map_err(|e| self.err(loc(&b), e))?;
            count.push((loc(&b), p, b.value));
        }
        let mut events = Vec::new();
        for e in raw.events {
            let at_e = loc(&e);
            let e = e.value;
            let which = match e.which.as_ref().map(|w| (w.value.as_str(), loc(w))) {
                None | Some(("every", _)) => Which::Every,
                Some(("first", _)) => Which::First,
                Some(("last", _)) => Which::Last,
                Some((other, l)) => {
                    return Err(
                        self.err(l, format!("`which` is every, first or last, not `{other}`"))
                    )
                }
            };
            let data = e
                .data
                .into_iter()
                .map(|c| self.json_check(c))
                .collect::<R<Vec<_>>>()?;
            events.push(EventCheck {
                loc: at_e,
                pattern: self.name_pattern(&e.event)?,
                which,
                data,
                level: self.level(&e.level)?,
                id: e.id.as_ref().map(|i| self.id_check(i)).transpose()?,
            });
        }
        let end_event = match raw.end_event.as_ref().map(|w| (w.value.as_str(), loc(w))) {
            None | Some(("optional", _)) => EndEvent::Optional,
            Some(("required", _)) => EndEvent::Required,
            Some(("forbidden", _)) => EndEvent::Forbidden,
            Some((other, l)) => {
                return Err(self.err(
                    l,
                    format!("`end_event` is optional, required or forbidden, not `{other}`"),
                ))
            }
        };
        let ids = match &raw.ids {
            None => None,
            Some(i) => Some((
                loc(i),
                IdRule::parse(&i.value).ok_or_else(|| {
                    self.err(
                        loc(i),
                        format!("`ids` is present, absent or increasing, not `{}`", i.value),
                    )
                })?,
            )),
        };
        let until = match raw.until {
            None => None,
            Some(u) => {
                let at_u = loc(&u);
                let data = u
                    .value
                    .data
                    .into_iter()
                    .map(|c| self.json_check(c))
                    .collect::<R<Vec<_>>>()?;
                Some(Until {
                    loc: at_u,
                    pattern: self.name_pattern(&u.value.event)?,
                    data,
                })
            }
        };
        Ok(StreamChecks {
            ids,
            until,
            loc: at,
            sequence,
            subsequence,
            first,
            last,
            never,
            count,
            events,
            end_event,
            level: self.level(&raw.level)?,
        })
    }

    fn id_check(&self, raw: &Spanned<RawIdCheck>) -> R<IdCheck> {
        let equals = raw
            .value
            .equals
            .as_ref()
            .map(|t| self.template(t))
            .transpose()?;
        let after = raw
            .value
            .after
            .as_ref()
            .map(|t| self.template(t))
            .transpose()?;
        if equals.is_none() && after.is_none() {
            return Err(self.err(loc(raw), "`id` needs `equals` or `after`"));
        }
        Ok(IdCheck {
            loc: loc(raw),
            equals,
            after,
        })
    }

    fn capture(&self, name: String, at: Loc, raw: RawCapture) -> R<Capture> {
        let from = match (&raw.body, &raw.header, &raw.event) {
            (Some(b), None, None) => {
                if let Some(p) = &raw.path {
                    return Err(self.err(
                        loc(p),
                        "`path` goes with `event`; with `body` the JSONPath is the value of `body`",
                    ));
                }
                CaptureFrom::Body(self.path(b)?)
            }
            (None, Some(h), None) => {
                if let Some(p) = &raw.path {
                    return Err(self.err(loc(p), "`path` goes with `event`, not with `header`"));
                }
                headers::check_name(&h.value).map_err(|e| self.err(loc(h), e))?;
                CaptureFrom::Header(h.value.to_ascii_lowercase())
            }
            (None, None, Some(e)) => {
                if let (Some(p), Some(true)) = (&raw.path, raw.id.as_ref().map(|i| i.value)) {
                    return Err(self.err(
                        loc(p),
                        "`path` selects from the event's data; with `id: true` the value is the event's id",
                    ));
                }
                let path = match &raw.path {
                    Some(p) => self.path(p)?,
                    None => Path::parse("$").expect("root path"),
                };
                CaptureFrom::Event(self.name_pattern(e)?, path)
            }
            _ => {
                return Err(self.err(
                    at,
                    format!("capture `{name}`: give exactly one of `body`, `header` or `event`"),
                ))
            }
        };
        let regex = match &raw.regex {
            Some(r) => {
                let re = self.regex(r)?;
                if re.captures_len() > 2 {
                    return Err(self.err(
                        loc(r),
                        "a capture regex may have at most one group: its text is the value",
                    ));
                }
                Some(re)
            }
            None => None,
        };
        let event_id = raw.id.as_ref().is_some_and(|i| i.value);
        let last_event = match (&raw.which, &raw.event) {
            (None, _) => false,
            (Some(w), Some(_)) => match w.value.as_str() {
                "first" => false,
                "last" => true,
                other => {
                    return Err(self.err(loc(w), format!("`which` is first or last, not `{other}`")))
                }
            },
            (Some(w), None) => {
                return Err(self.err(loc(w), "`which` goes with `event`"));
            }
        };
        if let (Some(i), None) = (&raw.id, &raw.event) {
            return Err(self.err(loc(i), "`id` goes with `event`: it captures an event's id"));
        }
        Ok(Capture {
            name,
            loc: at,
            from,
            regex,
            event_id,
            last_event,
        })
    }
}

impl RequestTemplate {
    fn path_text(&self) -> String {
        let mut vars = crate::template::Vars::new();
        for v in self.path.vars() {
            vars.insert(v.to_string(), Value::String(format!("${{{v}}}")));
        }
        self.path.render_string(&vars).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Spec, SpecError> {
        let globals: HashSet<String> = ["assistant_id".to_string()].into();
        load_spec(Arc::new(Source::new("specs/t.yaml", text)), &globals)
    }

    #[test]
    fn specs_that_start_runs_are_known() {
        let with = |method: &str, path: &str| {
            let text = format!(
                "version: 1\nname: x\nsteps:\n  - request: {{method: {method}, path: '{path}'}}\n"
            );
            load(&text).unwrap().starts_runs
        };
        for path in [
            "/runs",
            "/runs/wait",
            "/runs/stream",
            "/runs/batch",
            "/threads/${assistant_id}/runs",
            "/threads/${assistant_id}/runs/stream/",
            "/threads/${assistant_id}/runs/wait?x=1",
        ] {
            assert!(with("POST", path), "{path}");
        }
        assert!(!with("GET", "/threads/${assistant_id}/runs"));
        for path in [
            "/runs/crons",
            "/runs/search",
            "/runs/cancel",
            "/threads/t/runs/r/cancel",
            "/threads",
        ] {
            assert!(!with("POST", path), "{path}");
        }
    }

    const OK: &str = "\
version: 1
name: stream
steps:
  - name: run
    request:
      method: post
      path: /runs/stream
      json: {assistant_id: '${assistant_id}', stream_mode: [updates]}
    capture:
      rid: {header: content-location, regex: '/runs/([^/]+)$'}
      tid: {event: metadata, path: $.thread_id}
    expect:
      status: 200
      headers:
        content-type: {matches: '^text/event-stream'}
      stream:
        sequence: [metadata, updates+]
        events:
          - event: metadata
            data:
              - {path: $.run_id, equals: '${rid}'}
  - request: {method: GET, path: '/threads/${tid}'}
";

    #[test]
    fn a_valid_spec_loads() {
        let s = load(OK).unwrap();
        assert_eq!(s.steps.len(), 2);
        assert_eq!(s.steps[0].request.method, "POST");
        assert_eq!(s.steps[0].loc, Loc::new(4, 5));
        assert_eq!(s.steps[1].name, "GET /threads/${tid}");
        assert_eq!(s.steps[0].captures.len(), 2);
    }

    #[test]
    fn a_bare_null_type_is_the_type_null() {
        let text = "version: 1\nname: t\nsteps:\n  - request: {method: GET, path: /ok}\n    expect:\n      body:\n        - {path: $.a, type: null, exists: true}\n";
        let s = load(text).unwrap();
        let preds = &s.steps[0].body[0].preds;
        assert_eq!(preds.len(), 2, "{preds:?}");
        assert!(
            preds
                .iter()
                .any(|(_, p)| matches!(p, Pred::Type(t) if t == &[JsonType::Null])),
            "{preds:?}"
        );
    }

    #[test]
    fn schema_takes_a_component_name_or_an_inline_schema() {
        let text = "version: 1\nname: t\nsteps:\n  - request: {method: GET, path: /ok}\n    expect:\n      body:\n        - {path: $, schema: Thread}\n        - {path: $, schema: {type: object}}\n";
        let s = load(text).unwrap();
        let is_schema = |c: &JsonCheck| matches!(c.preds[..], [(_, Pred::Schema(_))]);
        assert!(s.steps[0].body.iter().all(is_schema));
        let (l, m) = err(&text.replace("schema: Thread", "schema: [Thread]"));
        assert_eq!(l, Loc::new(7, 29));
        assert!(m.starts_with("`schema` is a component name"), "{m}");
    }

    fn err(text: &str) -> (Loc, String) {
        let e = load(text).unwrap_err();
        (e.loc, e.message)
    }

    #[test]
    fn errors_point_at_the_value() {
        let (l, m) = err(&OK.replace("/threads/${tid}", "/threads/${nope}"));
        assert_eq!(l, Loc::new(22, 44));
        assert!(m.starts_with("variable `nope` is not defined here"), "{m}");
        let (l, m) = err(&OK.replace("$.thread_id}", "'$.thread_id['}"));
        assert_eq!(l, Loc::new(11, 36), "{m}");
        assert!(m.contains("invalid JSONPath"), "{m}");
        let (l, m) = err(&OK.replace("^text/event-stream", "(unclosed"));
        assert_eq!(l.line, 15);
        assert!(m.starts_with("invalid regex"), "{m}");
        let (l, m) = err(&OK.replace("method: post", "method: post\n      bogus: 1"));
        assert_eq!(l, Loc::new(7, 7));
        assert!(m.starts_with("unknown field `bogus`"), "{m}");
        let (l, _) = err(&OK.replace("version: 1", "version: 2"));
        assert_eq!(l, Loc::new(1, 10));
        let (_, m) = err(&OK.replace("path: /runs/stream", "path: http://elsewhere/runs"));
        assert!(m.contains("must start with `/`"), "{m}");
    }

    fn body_check(check: &str) -> Result<Spec, SpecError> {
        load(&format!(
            "version: 1\nname: t\nvars: {{n: 2}}\nsteps:\n  - request: {{method: GET, path: /ok}}\n    expect:\n      body:\n        - {check}\n"
        ))
    }

    #[test]
    fn comparisons_formats_not_and_variable_bounds_load() {
        for ok in [
            "{path: $.a, gt: 1, le: 2.5}",
            "{path: $.a, ge: '${n}'}",
            "{path: $, length: '${n}'}",
            "{path: '$[*]', count: {min: '${n}', max: 10}}",
            "{path: $.a, format: date-time}",
            "{path: $.a, not: {equals: error}}",
            "{path: $.a, not: {not: {exists: true}}}",
        ] {
            let s = body_check(ok).unwrap_or_else(|e| panic!("{ok}: {}", e.message));
            assert_eq!(
                s.steps[0].body[0].preds.len(),
                if ok.contains("gt: 1") { 2 } else { 1 },
                "{ok}"
            );
        }
        let msg = |check: &str| body_check(check).unwrap_err().message;
        assert!(msg("{path: $.a, gt: null}").contains("not null"));
        assert!(msg("{path: $.a, gt: '7'}").contains("write 7 without quotes"));
        assert!(msg("{path: $.a, gt: '${m}'}").starts_with("variable `m` is not defined"));
        assert!(msg("{path: $, length: 'many'}").contains("`length` takes a number"));
        assert!(msg("{path: $, length: -1}").contains("cannot be negative"));
        assert!(msg("{path: $.a, format: email}").starts_with("unknown format `email`"));
        assert!(msg("{path: $.a, not: {}}").starts_with("`not` has nothing to negate"));
        assert!(msg("{path: $.a, not: {path: $.b, exists: true}}").contains("cannot have a `path`"));
        assert!(msg("{equals: 1}").starts_with("a check needs a `path`"));
    }

    #[test]
    fn event_id_captures_and_checks_load() {
        let with = |capture: &str, stream: &str| {
            load(&format!(
                "version: 1\nname: t\nsteps:\n  - request: {{method: POST, path: /runs/stream}}\n    capture:\n      x: {capture}\n    expect:\n      stream: {stream}\n"
            ))
        };
        let s = with(
            "{event: values, id: true, which: last}",
            "{ids: increasing}",
        )
        .unwrap();
        let c = &s.steps[0].captures[0];
        assert!(c.event_id && c.last_event);
        assert!(with("{event: values, which: middle}", "{}")
            .unwrap_err()
            .message
            .contains("`which` is first or last"));
        assert!(with("{body: $.a, which: last}", "{}")
            .unwrap_err()
            .message
            .contains("`which` goes with `event`"));
        assert!(with("{body: $.a, id: true}", "{}")
            .unwrap_err()
            .message
            .contains("`id` goes with `event`"));
        assert!(
            with("{event: values}", "{events: [{event: values, id: {}}]}")
                .unwrap_err()
                .message
                .contains("`id` needs `equals` or `after`")
        );
        assert!(
            with(
                "{event: values}",
                "{events: [{event: values, id: {after: '${x}'}}]}"
            )
            .unwrap_err()
            .message
            .starts_with("variable `x` is not defined"),
            "an event capture is known from the next step"
        );
    }

    #[test]
    fn deep_yaml_is_an_error_at_its_place() {
        let block: String = (0..MAX_YAML_DEPTH + 1)
            .map(|i| format!("{}- \n", "  ".repeat(i + 4)))
            .collect();
        let text = format!("version: 1\nname: t\nsteps:\n  - request:\n      method: POST\n      path: /t\n      json:\n{block}");
        let (l, m) = err(&text);
        assert!(m.contains("nest too deeply"), "{m}");
        assert!(l.line > 7, "{l:?}");
        let ok = OK.replace(
            "json: {assistant_id",
            "json: {deep: [[[[[[[[[[1]]]]]]]]]], assistant_id",
        );
        assert!(load(&ok).is_ok());
    }

    #[test]
    fn captures_are_visible_only_where_they_are_known() {
        // A body capture is not known to the expectations of its own step.
        let text = OK
            .replace(
                "tid: {event: metadata, path: $.thread_id}",
                "tid: {body: $.thread_id}",
            )
            .replace("equals: '${rid}'", "equals: '${tid}'");
        let (_, m) = err(&text);
        assert!(m.starts_with("variable `tid` is not defined here"), "{m}");
    }
}
