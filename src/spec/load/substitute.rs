//! Every string of a step as written, with what kind of string it is: how the parameters of shared steps are put in
//! their place, and how their captures get the names they have in the spec.
//!
//! The walk destructures each raw type whole, so that a field added to the grammar does not compile until this file
//! says what kind of string it holds.

use std::collections::HashMap;

use serde_json::Value;
use serde_saphyr::{Location, Spanned};

use crate::spec::raw::{OrderedMap, RawBound, RawCount};
use crate::spec::raw::{
    RawCapture, RawEventCheck, RawExpect, RawHeaderCheck, RawIdCheck, RawJsonCheck, RawRequest,
    RawRetry, RawStep, RawStream, RawUntil,
};

/// What a string of the grammar is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// `${name}` in it is a variable (a request's path, an expected value, ...).
    Template,
    /// Taken as written by the spec format (a duration, a regex of a capture, an event name, a step's name): only
    /// parameters of shared steps are put in.
    Literal,
}

/// Sees every string of a step, with the place it was written and its kind.
pub(super) trait Visitor {
    fn text(&mut self, at: &Location, kind: Kind, s: &mut String);
    fn value(&mut self, at: &Location, kind: Kind, v: &mut Value);
}

fn text<V: Visitor + ?Sized>(v: &mut V, kind: Kind, s: &mut Spanned<String>) {
    v.text(&s.referenced, kind, &mut s.value);
}

fn opt_text<V: Visitor + ?Sized>(v: &mut V, kind: Kind, s: &mut Option<Spanned<String>>) {
    if let Some(s) = s {
        text(v, kind, s);
    }
}

fn opt_value<V: Visitor + ?Sized>(v: &mut V, kind: Kind, x: &mut Option<Spanned<Value>>) {
    if let Some(x) = x {
        v.value(&x.referenced, kind, &mut x.value);
    }
}

/// Every string of `step`; `at` is where the step starts (for its name, which has no place of its own).
/// The parameters a use gives (`with`): values where variables are read.
fn with<V: Visitor + ?Sized>(v: &mut V, with: &mut Option<Spanned<OrderedMap<Spanned<Value>>>>) {
    if let Some(w) = with {
        for (_, x) in &mut w.value.0 {
            v.value(&x.referenced, Kind::Template, &mut x.value);
        }
    }
}

pub(super) fn step<V: Visitor + ?Sized>(v: &mut V, at: &Location, step: &mut RawStep) {
    let RawStep {
        name,
        request,
        receive,
        timeout,
        retry,
        expect,
        capture,
        varies,
        setup: _,
        since,
        use_,
        with,
        as_: _,
    } = step;
    if let Some(name) = name {
        v.text(at, Kind::Literal, name);
    }
    if let Some(r) = request {
        self::request(v, &mut r.value);
    }
    opt_text(v, Kind::Literal, receive);
    opt_text(v, Kind::Literal, timeout);
    if let Some(r) = retry {
        let RawRetry { every, within } = &mut r.value;
        text(v, Kind::Literal, every);
        text(v, Kind::Literal, within);
    }
    if let Some(e) = expect {
        self::expect(v, e);
    }
    for (_, c) in &mut capture.0 {
        self::capture(v, &mut c.value);
    }
    for p in varies {
        text(v, Kind::Literal, p);
    }
    opt_text(v, Kind::Literal, since);
    opt_text(v, Kind::Literal, use_);
    self::with(v, with);
}

pub(super) fn request<V: Visitor + ?Sized>(v: &mut V, r: &mut RawRequest) {
    let RawRequest {
        method,
        path,
        query,
        headers,
        json,
        body,
        use_,
        with,
    } = r;
    opt_text(v, Kind::Literal, use_);
    self::with(v, with);
    opt_text(v, Kind::Literal, method);
    opt_text(v, Kind::Template, path);
    for (_, x) in &mut query.0 {
        v.value(&x.referenced, Kind::Template, &mut x.value);
    }
    for (_, h) in &mut headers.0 {
        text(v, Kind::Template, h);
    }
    opt_value(v, Kind::Template, json);
    opt_text(v, Kind::Template, body);
}

pub(super) fn expect<V: Visitor + ?Sized>(v: &mut V, e: &mut RawExpect) {
    let RawExpect {
        status: _,
        headers,
        body,
        stream,
        use_,
        with,
    } = e;
    opt_text(v, Kind::Literal, use_);
    self::with(v, with);
    for (_, h) in &mut headers.0 {
        header_check(v, &mut h.value);
    }
    for c in body {
        check(v, &mut c.value);
    }
    if let Some(s) = stream {
        self::stream(v, &mut s.value);
    }
}

fn header_check<V: Visitor + ?Sized>(v: &mut V, h: &mut RawHeaderCheck) {
    let RawHeaderCheck {
        equals,
        matches,
        contains,
        present: _,
        absent: _,
        level,
        gt,
        ge,
        lt,
        le,
    } = h;
    opt_text(v, Kind::Template, equals);
    opt_text(v, Kind::Template, matches);
    opt_text(v, Kind::Template, contains);
    opt_text(v, Kind::Literal, level);
    for x in [gt, ge, lt, le] {
        opt_value(v, Kind::Template, x);
    }
}

fn check<V: Visitor + ?Sized>(v: &mut V, c: &mut RawJsonCheck) {
    let RawJsonCheck {
        path,
        exists: _,
        absent: _,
        equals,
        type_: _,
        matches,
        format,
        length,
        count,
        contains,
        one_of,
        gt,
        ge,
        lt,
        le,
        every,
        schema,
        level,
        not,
    } = c;
    opt_text(v, Kind::Template, path);
    opt_value(v, Kind::Template, equals);
    opt_text(v, Kind::Template, matches);
    opt_text(v, Kind::Literal, format);
    for b in [length, count].into_iter().flatten() {
        bound(v, b);
    }
    opt_value(v, Kind::Template, contains);
    if let Some(list) = one_of {
        for x in &mut list.value {
            v.value(&list.referenced, Kind::Template, x);
        }
    }
    for x in [gt, ge, lt, le] {
        opt_value(v, Kind::Template, x);
    }
    if let Some(e) = every {
        for c in &mut e.value {
            check(v, &mut c.value);
        }
    }
    opt_value(v, Kind::Literal, schema);
    opt_text(v, Kind::Literal, level);
    if let Some(n) = not {
        check(v, &mut n.value);
    }
}

fn bound<V: Visitor + ?Sized>(v: &mut V, b: &mut Spanned<RawBound>) {
    let RawBound { min, max } = &mut b.value;
    for end in [min, max].into_iter().flatten() {
        if let RawCount::Text(t) = end {
            v.text(&b.referenced, Kind::Template, t);
        }
    }
}

pub(super) fn stream<V: Visitor + ?Sized>(v: &mut V, s: &mut RawStream) {
    let RawStream {
        use_,
        with,
        sequence,
        subsequence,
        first,
        last,
        never,
        count: _,
        events,
        end_event,
        level,
        ids,
        until,
    } = s;
    opt_text(v, Kind::Literal, use_);
    self::with(v, with);
    for list in [sequence, subsequence].into_iter().flatten() {
        for n in &mut list.value {
            text(v, Kind::Literal, n);
        }
    }
    opt_text(v, Kind::Literal, first);
    opt_text(v, Kind::Literal, last);
    for n in never {
        text(v, Kind::Literal, n);
    }
    for e in events {
        let RawEventCheck {
            event,
            which,
            data,
            level,
            id,
        } = &mut e.value;
        text(v, Kind::Literal, event);
        opt_text(v, Kind::Literal, which);
        for c in data {
            check(v, &mut c.value);
        }
        opt_text(v, Kind::Literal, level);
        if let Some(id) = id {
            let RawIdCheck { equals, after } = &mut id.value;
            opt_text(v, Kind::Template, equals);
            opt_text(v, Kind::Template, after);
        }
    }
    opt_text(v, Kind::Literal, end_event);
    opt_text(v, Kind::Literal, level);
    opt_text(v, Kind::Literal, ids);
    if let Some(u) = until {
        let RawUntil { event, data } = &mut u.value;
        text(v, Kind::Literal, event);
        for c in data {
            check(v, &mut c.value);
        }
    }
}

fn capture<V: Visitor + ?Sized>(v: &mut V, c: &mut RawCapture) {
    let RawCapture {
        body,
        header,
        event,
        path,
        regex,
        id: _,
        which,
    } = c;
    for s in [body, header, event, path, regex, which] {
        opt_text(v, Kind::Literal, s);
    }
}

/// What a `${name}` in shared steps becomes.
#[derive(Debug, Clone)]
pub(super) enum Put {
    /// A parameter: its value, as a lone `${name}` keeps a variable's JSON type, or spliced in as text.
    Param(Value),
    /// A capture of the shared steps: the variable under its name in the spec.
    Rename(String),
}

/// `${name}`s in `s` with their byte ranges and names, `$${` skipped (it writes a literal `${`).
pub(super) fn var_refs(s: &str) -> Vec<(std::ops::Range<usize>, &str)> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(d) = s[i..].find('$') {
        let at = i + d;
        let after = &s[at + 1..];
        if after.starts_with("${") {
            i = at + 3;
        } else if let Some(body) = after.strip_prefix('{') {
            match body.find('}') {
                Some(end) => {
                    out.push((at..at + 2 + end + 1, &body[..end]));
                    i = at + 2 + end + 1;
                }
                None => break,
            }
        } else {
            i = at + 1;
        }
    }
    out
}

/// `s` with each `${name}` of `map` put in (renames only where `kind` makes it a variable).
pub(super) fn in_text(s: &str, kind: Kind, map: &HashMap<String, Put>) -> Option<String> {
    let refs = var_refs(s);
    let mut out = String::new();
    let mut last = 0;
    let mut changed = false;
    for (range, name) in refs {
        let put = match map.get(name) {
            Some(Put::Param(Value::String(t))) => t.clone(),
            Some(Put::Param(other)) => other.to_string(),
            Some(Put::Rename(to)) if kind == Kind::Template => format!("${{{to}}}"),
            _ => continue,
        };
        out.push_str(&s[last..range.start]);
        out.push_str(&put);
        last = range.end;
        changed = true;
    }
    changed.then(|| {
        out.push_str(&s[last..]);
        out
    })
}

/// `v` with each `${name}` of `map` put in its strings: a string that is one `${param}` becomes the parameter's value.
pub(super) fn in_value(v: &mut Value, kind: Kind, map: &HashMap<String, Put>) {
    match v {
        Value::String(s) => {
            if let [(range, name)] = var_refs(s).as_slice() {
                if *range == (0..s.len()) {
                    if let Some(Put::Param(x)) = map.get(*name) {
                        *v = x.clone();
                        return;
                    }
                }
            }
            if let Some(t) = in_text(s, kind, map) {
                *s = t;
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| in_value(x, kind, map)),
        Value::Object(o) => o.values_mut().for_each(|x| in_value(x, kind, map)),
        _ => {}
    }
}

/// Puts parameters and capture names in every string of a step.
pub(super) struct Substitute<'m>(pub &'m HashMap<String, Put>);

impl Visitor for Substitute<'_> {
    fn text(&mut self, _: &Location, kind: Kind, s: &mut String) {
        if let Some(t) = in_text(s, kind, self.0) {
            *s = t;
        }
    }

    fn value(&mut self, _: &Location, kind: Kind, v: &mut Value) {
        in_value(v, kind, self.0);
    }
}

/// The variables a step's strings use, where they are used as variables, with the place of the string.
#[derive(Default)]
pub(super) struct Uses(pub Vec<(Location, String)>);

impl Visitor for Uses {
    fn text(&mut self, at: &Location, kind: Kind, s: &mut String) {
        if kind == Kind::Template {
            self.0
                .extend(var_refs(s).into_iter().map(|(_, n)| (*at, n.to_string())));
        }
    }

    fn value(&mut self, at: &Location, kind: Kind, v: &mut Value) {
        match v {
            Value::String(s) => self.text(at, kind, s),
            Value::Array(a) => a.iter_mut().for_each(|x| self.value(at, kind, x)),
            Value::Object(o) => o.values_mut().for_each(|x| self.value(at, kind, x)),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map() -> HashMap<String, Put> {
        HashMap::from([
            (
                "meta".to_string(),
                Put::Param(json!({"suite": "${unique}"})),
            ),
            ("n".to_string(), Put::Param(json!(3))),
            ("who".to_string(), Put::Param(json!("${thread_id}"))),
            ("run_id".to_string(), Put::Rename("run_id__2".into())),
        ])
    }

    #[test]
    fn a_lone_parameter_keeps_its_type_and_text_splices_it() {
        let mut v = json!({"metadata": "${meta}", "k": ["x${n}", "${n}"], "t": "/threads/${who}/runs/${run_id}"});
        in_value(&mut v, Kind::Template, &map());
        assert_eq!(
            v,
            json!({"metadata": {"suite": "${unique}"}, "k": ["x3", 3], "t": "/threads/${thread_id}/runs/${run_id__2}"})
        );
    }

    #[test]
    fn escapes_other_variables_and_literal_strings_are_kept() {
        let m = map();
        assert_eq!(in_text("$${n} ${other} $5 ${n", Kind::Template, &m), None);
        assert_eq!(
            in_text("$${n}${n}", Kind::Template, &m).as_deref(),
            Some("$${n}3")
        );
        // A capture is a variable only where the format reads variables; a parameter goes everywhere.
        assert_eq!(
            in_text("${run_id} ${n}s", Kind::Literal, &m).as_deref(),
            Some("${run_id} 3s")
        );
        let mut v = json!("${run_id}");
        in_value(&mut v, Kind::Template, &m);
        assert_eq!(v, json!("${run_id__2}"));
    }
}
