//! Finding spec files and turning their YAML into the checked model, with every mistake reported at its
//! file:line:column.

use std::collections::HashSet;
use std::path::{Path as FsPath, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use regex::Regex;
use serde_json::Value;
use serde_saphyr::Spanned;

use super::raw::{RawCapture, RawExpect, RawJsonCheck, RawRequest, RawSpec, RawStep, RawStream};
use super::template::{is_name, value_vars, Pattern, Template};
use super::{Body, Capture, CaptureFrom, RequestTemplate, Spec, Step, FORMAT_VERSION};
use crate::check::http::{HeaderCheck, HeaderPred, StatusCheck};
use crate::check::json::{CheckPath, JsonCheck, JsonType, Pred};
use crate::check::names::{NamePattern, SeqPattern};
use crate::check::schema::SchemaCheck;
use crate::check::stream::{EndEvent, EventCheck, StreamChecks, Which};
use crate::jsonpath::Path;
use crate::source::{Loc, Source, SpecError};

/// A spec file found on disk, with the test name derived from its path.
#[derive(Debug, Clone)]
pub struct SpecFile {
    /// `stateless::stream_updates` for `specs/stateless/stream_updates.yaml`.
    pub test_name: String,
    pub path: PathBuf,
}

/// Every `.yaml`/`.yml` file below `dir`, sorted by path so runs and listings are stable.
pub fn discover(dir: &FsPath) -> std::io::Result<Vec<SpecFile>> {
    let mut out = Vec::new();
    walk(dir, dir, &mut out)?;
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

fn walk(root: &FsPath, dir: &FsPath, out: &mut Vec<SpecFile>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            walk(root, &path, out)?;
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml")
        ) {
            let rel = path.strip_prefix(root).unwrap_or(&path).with_extension("");
            let test_name = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("::");
            out.push(SpecFile { test_name, path });
        }
    }
    Ok(())
}

fn yaml_options() -> serde_saphyr::Options {
    let mut o = serde_saphyr::Options::default();
    // YAML 1.1 would read `no`, `on`, `off` as booleans; a spec means the strings.
    o.strict_booleans = true;
    o
}

/// Parses and checks one spec. `globals` are the variables the target defines (defaults and overrides).
pub fn load_spec(src: Arc<Source>, globals: &HashSet<String>) -> Result<Spec, SpecError> {
    let raw: RawSpec = serde_saphyr::from_str_with_options(&src.text, yaml_options()).map_err(|e| {
        let loc = e.location().map(|l| Loc::from_saphyr(&l)).unwrap_or_default();
        let mut msg = yaml_message(&e);
        let line = src.text.lines().nth((loc.line as usize).saturating_sub(1)).unwrap_or("");
        if line.contains("{") && line.contains('$') && (line.contains('[') || line.contains('*')) {
            msg.push_str(" (inside `{...}`, quote a JSONPath that has `[`, `]`, `*` or `,`: path: '$.a[0]')");
        }
        SpecError::new(&src, loc, msg)
    })?;
    Loader {
        src: &src,
        defined: globals.clone(),
    }
    .spec(raw, src.clone())
}

/// The parser's message without its own snippet and position suffix: we render both ourselves.
fn yaml_message(e: &serde_saphyr::Error) -> String {
    let msg = e.without_snippet().to_string();
    let msg = msg.strip_prefix("error: ").unwrap_or(&msg);
    let re =
        Regex::new(r"^line \d+ column \d+: |,? at line \d+, column \d+$").expect("static regex");
    re.replace_all(msg.trim(), "").into_owned()
}

struct Loader<'a> {
    src: &'a Source,
    /// Variables defined so far: the target's, the spec's, then captures step by step.
    defined: HashSet<String>,
}

type R<T> = Result<T, SpecError>;

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
            self.check_json_vars(&value.value, loc(&value))?;
            self.defined.insert(name.clone());
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
        Ok(Spec {
            source: src,
            name: raw.name.value,
            description: raw.description,
            tags: raw.tags,
            requires: raw.requires.into_iter().map(|r| r.value).collect(),
            vars,
            steps,
        })
    }

    fn step(
        &mut self,
        i: usize,
        at: Loc,
        raw: RawStep,
        default_timeout: Option<Duration>,
    ) -> R<Step> {
        let request = self.request(raw.request)?;
        let timeout = match &raw.timeout {
            Some(t) => Some(self.duration(t)?),
            None => default_timeout,
        };
        let mut captures = Vec::new();
        for (name, c) in raw.capture.0 {
            if !is_name(&name) {
                return Err(self.err(
                    loc(&c),
                    format!("`{name}` is not a variable name (letters, digits and `_`)"),
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
        for c in &captures {
            self.defined.insert(c.name.clone());
        }
        let name = raw
            .name
            .unwrap_or_else(|| format!("{} {}", request.method, request.path_text()));
        Ok(Step {
            name: if i == usize::MAX { String::new() } else { name },
            loc: at,
            request,
            timeout,
            status,
            headers,
            body,
            stream,
            captures,
        })
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
        let path = self.template(&raw.path)?;
        let mut query = Vec::new();
        for (k, v) in raw.query.0 {
            if v.value.is_object() || v.value.is_array() {
                return Err(self.err(loc(&v), "a query value must be a string, number or boolean"));
            }
            self.check_json_vars(&v.value, loc(&v))?;
            query.push((k, v.value));
        }
        let mut headers = Vec::new();
        for (k, v) in &raw.headers.0 {
            if reqwest::header::HeaderName::from_bytes(k.as_bytes()).is_err() {
                return Err(self.err(loc(v), format!("`{k}` is not a valid header name")));
            }
            headers.push((k.to_ascii_lowercase(), self.template(v)?));
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
        parse_duration(&s.value).ok_or_else(|| {
            self.err(
                loc(s),
                format!(
                    "`{}` is not a duration (write `30s`, `500ms` or `2m`)",
                    s.value
                ),
            )
        })
    }

    fn regex(&self, s: &Spanned<String>) -> R<Regex> {
        Regex::new(&s.value).map_err(|e| self.err(loc(s), regex_message(&e.to_string())))
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
        Path::parse(&s.value).map_err(|e| self.err(loc(s), e))
    }

    /// A check's path may hold variables; its syntax is checked now with a placeholder in each.
    fn check_path(&self, s: &Spanned<String>) -> R<CheckPath> {
        let t = self.template(s)?;
        if !t.has_vars() {
            return Ok(CheckPath::Fixed(self.path(s)?));
        }
        let mut placeholders = super::template::Vars::new();
        for v in t.vars() {
            placeholders.insert(v.to_string(), Value::String("x".into()));
        }
        let probe = t
            .render_string(&placeholders)
            .map_err(|e| self.err(loc(s), e))?;
        Path::parse(&probe).map_err(|e| self.err(loc(s), e))?;
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
                if let Some(bad) = s.value.0.iter().find(|c| !(100..=599).contains(*c)) {
                    return Err(self.err(loc(&s), format!("{bad} is not an HTTP status code")));
                }
                if s.value.0.is_empty() {
                    return Err(self.err(loc(&s), "`status` needs at least one code"));
                }
                Some(StatusCheck {
                    loc: loc(&s),
                    any_of: s.value.0,
                })
            }
            None => None,
        };
        let mut headers = Vec::new();
        for (name, h) in raw.headers.0 {
            let at = loc(&h);
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
            if preds.is_empty() {
                return Err(self.err(at, format!("header `{name}`: give at least one of equals, matches, contains, present, absent")));
            }
            headers.push(HeaderCheck {
                loc: at,
                name: name.to_ascii_lowercase(),
                preds,
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
        let path = self.check_path(&c.path)?;
        let mut preds = Vec::new();
        if let Some(e) = &c.exists {
            preds.push((loc(e), Pred::Exists(e.value)));
        }
        if let Some(a) = &c.absent {
            preds.push((loc(a), Pred::Exists(!a.value)));
        }
        if let Some(n) = &c.count {
            preds.push((loc(n), Pred::Count(n.value)));
        }
        if let Some(e) = c.equals {
            self.check_json_vars(&e.value, loc(&e))?;
            preds.push((loc(&e), Pred::Equals(e.value)));
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
        if let Some(l) = &c.length {
            preds.push((loc(l), Pred::Length(l.value)));
        }
        if let Some(x) = c.contains {
            self.check_json_vars(&x.value, loc(&x))?;
            preds.push((loc(&x), Pred::Contains(x.value)));
        }
        if let Some(o) = c.one_of {
            self.check_json_vars(&Value::Array(o.value.clone()), loc(&o))?;
            preds.push((loc(&o), Pred::OneOf(o.value)));
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
        if preds.is_empty() {
            return Err(self.err(
                at,
                format!(
                    "`{}` has nothing to check: give exists, absent, equals, type, matches, length, count, contains, one_of, every or schema",
                    c.path.value
                ),
            ));
        }
        Ok(JsonCheck {
            loc: loc(&c.path),
            path,
            preds,
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
            .map(|n| Ok((loc(n), self.name_pattern(n)?)))
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
        Ok(StreamChecks {
            loc: at,
            sequence,
            subsequence,
            first,
            last,
            never,
            count,
            events,
            end_event,
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
                CaptureFrom::Header(h.value.to_ascii_lowercase())
            }
            (None, None, Some(e)) => {
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
        Ok(Capture {
            name,
            loc: at,
            from,
            regex,
        })
    }
}

impl RequestTemplate {
    fn path_text(&self) -> String {
        let mut vars = super::template::Vars::new();
        for v in self.path.vars() {
            vars.insert(v.to_string(), Value::String(format!("${{{v}}}")));
        }
        self.path.render_string(&vars).unwrap_or_default()
    }
}

/// `30s`, `1500ms`, `2m`, or a bare number of seconds.
pub fn parse_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    let (num, unit) = match s.find(|c: char| !(c.is_ascii_digit() || c == '.')) {
        Some(i) => (&s[..i], s[i..].trim()),
        None => (s, "s"),
    };
    let n: f64 = num.parse().ok()?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "s" => n,
        "m" => n * 60.0,
        _ => return None,
    };
    (secs > 0.0 && secs.is_finite()).then(|| Duration::from_secs_f64(secs))
}

/// The regex crate's message is a small drawing over several lines; its last line says what is wrong.
pub fn regex_message(e: &str) -> String {
    let what = e
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or(e);
    format!(
        "invalid regex: {}",
        what.strip_prefix("error: ").unwrap_or(what)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Spec, SpecError> {
        let globals: HashSet<String> = ["assistant_id".to_string()].into();
        load_spec(Arc::new(Source::new("specs/t.yaml", text)), &globals)
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
                .any(|(_, p)| matches!(p, crate::check::json::Pred::Type(t) if t == &[crate::check::json::JsonType::Null])),
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

    #[test]
    fn parse_durations() {
        assert_eq!(parse_duration("30s"), Some(Duration::from_secs(30)));
        assert_eq!(parse_duration("250ms"), Some(Duration::from_millis(250)));
        assert_eq!(parse_duration("2m"), Some(Duration::from_secs(120)));
        assert_eq!(parse_duration("5"), Some(Duration::from_secs(5)));
        assert_eq!(parse_duration("0s"), None);
        assert_eq!(parse_duration("soon"), None);
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
