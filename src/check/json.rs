//! Evaluating expectations on a JSON document: one function per predicate, each saying whether it holds of what the
//! check's path selected.
//!
//! A singular path (only names and indexes) is checked as one value, which must be there; any other path is checked
//! as the JSON array of the nodes it selects. `count`, `exists` and `absent` look at how many nodes were selected,
//! and `every` checks each selected node on its own (there must be at least one, so it cannot pass vacuously).

use serde_json::Value;

use super::{near_miss, Failure, Level};
use crate::format::Format;
use crate::jsonpath::Path;
use crate::source::Loc;
use crate::spec::expect::json::{JsonCheck, JsonType, Pred};
use crate::spec::expect::numbers::{Bound, BoundSpec, Cmp, Num, Operand};
use crate::spec::expect::schema::SchemaCheck;
use crate::template::{render_json, render_json_cow, Pattern, Vars};
use crate::text::{diff, preview, type_of};

/// JSON equality where `1` and `1.0` are the same number, as in JSON itself.
pub fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            if x.is_f64() || y.is_f64() {
                x.as_f64() == y.as_f64()
            } else {
                x == y
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_eq(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

/// `contains` on objects: every expected key is there with a matching value (recursively a subset for objects).
fn includes(actual: &Value, expected: &Value) -> bool {
    match (actual, expected) {
        (Value::Object(a), Value::Object(e)) => e
            .iter()
            .all(|(k, ev)| a.get(k).is_some_and(|av| includes(av, ev))),
        _ => json_eq(actual, expected),
    }
}

pub fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string())
}

fn short(v: &Value) -> String {
    preview(&v.to_string(), 120)
}

/// What a predicate found: it holds, it does not, or it cannot be decided (nothing selected where a value is needed,
/// a value of the wrong type, a variable that is not a number). `not` turns holds into fails and back, but never
/// turns "cannot" into a pass: `not: {gt: 3}` on a string is a failure, not a vacuous success.
enum Outcome {
    Holds,
    Fails(Vec<Failure>),
    Cannot(Failure),
}

/// What a check's path selected, and where: the context every predicate is evaluated in.
struct Selection<'a> {
    path: &'a Path,
    nodes: Vec<&'a Value>,
    root: &'a Value,
    subject: &'a str,
    /// Whether the caller already shows the document (an event's data), so messages need not repeat it.
    root_shown: bool,
}

impl Selection<'_> {
    fn p(&self) -> &str {
        self.path.as_str()
    }

    /// "`$.x` selects nothing in ...", with where it looked and a near miss when there is one.
    fn nothing(&self, loc: Loc, tail: &str) -> Failure {
        let mut f = Failure::new(
            loc,
            format!("`{}` selects nothing in {}{tail}", self.p(), self.subject),
        );
        for n in near_miss::notes(self.path, self.root, self.root_shown) {
            f = f.with_note(n);
        }
        f
    }
}

impl JsonCheck {
    /// Checks `root`; `subject` names the document in messages ("the response body", "event #2 `updates`").
    pub fn check(&self, root: &Value, vars: &Vars, subject: &str) -> Vec<Failure> {
        self.leveled(self.check_in(root, vars, subject, false))
    }

    /// As `check`, for a document the caller shows in its own notes (an event's data).
    pub fn check_shown(&self, root: &Value, vars: &Vars, subject: &str) -> Vec<Failure> {
        self.leveled(self.check_in(root, vars, subject, true))
    }

    /// A `should` check's failures are warnings, whatever its nested checks say.
    fn leveled(&self, mut out: Vec<Failure>) -> Vec<Failure> {
        if self.level == Level::Should {
            out.iter_mut().for_each(|f| f.level = Level::Should);
        }
        out
    }

    fn check_in(&self, root: &Value, vars: &Vars, subject: &str, root_shown: bool) -> Vec<Failure> {
        let path = match self.path.resolve(vars) {
            Ok(p) => p,
            Err(e) => return vec![Failure::new(self.loc, e.to_string())],
        };
        let nodes = match path.query(root) {
            Ok(n) => n,
            Err(e) => return vec![Failure::new(self.loc, e.to_string())],
        };
        let sel = Selection {
            path: &path,
            nodes,
            root,
            subject,
            root_shown,
        };
        let mut out = Vec::new();
        for (loc, pred) in &self.preds {
            match eval(pred, *loc, &sel, vars) {
                Outcome::Holds => {}
                Outcome::Fails(f) => out.extend(f),
                Outcome::Cannot(f) => out.push(f),
            }
        }
        out
    }
}

/// Evaluates one predicate on what the check's path selected. One arm per predicate and no catch-all: a new `Pred`
/// does not compile until it has its function here.
fn eval(pred: &Pred, loc: Loc, sel: &Selection, vars: &Vars) -> Outcome {
    match pred {
        Pred::Exists(want) => exists(*want, loc, sel),
        Pred::Count(bound) => count(bound, loc, sel, vars),
        Pred::Every(checks) => every(checks, loc, sel, vars),
        Pred::Not(inner) => not(inner, loc, sel, vars),
        Pred::Schema(schema) => schema_matches(schema, loc, sel),
        Pred::Equals(want) => on_value(loc, sel, |v, at| equals(want, v, at, vars)),
        Pred::Type(types) => on_value(loc, sel, |v, at| type_is(types, v, at)),
        Pred::Matches(re) => on_value(loc, sel, |v, at| matches(re, v, at, vars)),
        Pred::Format(format) => on_value(loc, sel, |v, at| is_format(*format, v, at)),
        Pred::Length(bound) => on_value(loc, sel, |v, at| length(bound, v, at, vars)),
        Pred::Contains(want) => on_value(loc, sel, |v, at| contains(want, v, at, vars)),
        Pred::OneOf(options) => on_value(loc, sel, |v, at| one_of(options, v, at, vars)),
        Pred::Compare(cmp, x) => on_value(loc, sel, |v, at| compare(*cmp, x, v, at, vars)),
    }
}

/// Where a value predicate is written and what it looks at, for its messages.
struct At<'a> {
    loc: Loc,
    /// The check's path.
    p: &'a str,
    subject: &'a str,
}

impl At<'_> {
    fn fails(&self, message: String) -> Outcome {
        Outcome::Fails(vec![Failure::new(self.loc, message)])
    }

    fn cannot(&self, message: impl std::fmt::Display) -> Outcome {
        Outcome::Cannot(Failure::new(self.loc, message.to_string()))
    }
}

/// A value predicate looks at one value: the node of a singular path, which must be there, or the array of the nodes
/// any other path selects.
fn on_value(loc: Loc, sel: &Selection, pred: impl FnOnce(&Value, &At) -> Outcome) -> Outcome {
    let at = At {
        loc,
        p: sel.p(),
        subject: sel.subject,
    };
    if !sel.path.is_singular() {
        return pred(
            &Value::Array(sel.nodes.iter().map(|v| (*v).clone()).collect()),
            &at,
        );
    }
    match sel.nodes.first() {
        Some(v) => pred(v, &at),
        None => Outcome::Cannot(sel.nothing(loc, "")),
    }
}

/// `exists: true`: the path selects something; `exists: false` and `absent: true`: it selects nothing.
fn exists(want: bool, loc: Loc, sel: &Selection) -> Outcome {
    match (want, sel.nodes.first()) {
        (true, None) => Outcome::Fails(vec![sel.nothing(loc, ", expected it to exist")]),
        (false, Some(first)) => Outcome::Fails(vec![Failure::new(
            loc,
            format!(
                "`{}` should select nothing in {}, but it selects {}",
                sel.p(),
                sel.subject,
                short(first)
            ),
        )]),
        _ => Outcome::Holds,
    }
}

/// `count`: how many nodes the path selects is within the bound.
fn count(bound: &BoundSpec, loc: Loc, sel: &Selection, vars: &Vars) -> Outcome {
    match bound.resolve("count", vars) {
        Err(e) => Outcome::Cannot(Failure::new(loc, e.to_string())),
        Ok(b) if b.contains(sel.nodes.len() as u64) => Outcome::Holds,
        Ok(b) => Outcome::Fails(vec![Failure::new(
            loc,
            format!(
                "`{}` selects {} node(s) in {}, expected {}",
                sel.p(),
                sel.nodes.len(),
                sel.subject,
                bound_text(bound, b)
            ),
        )]),
    }
}

/// `every`: each selected node passes the checks under it. Selecting nothing cannot be decided, so that `every`
/// never passes vacuously.
fn every(checks: &[JsonCheck], loc: Loc, sel: &Selection, vars: &Vars) -> Outcome {
    if sel.nodes.is_empty() {
        return Outcome::Cannot(sel.nothing(loc, ", so `every` has nothing to check"));
    }
    let mut out = Vec::new();
    for (i, node) in sel.nodes.iter().enumerate() {
        let sub = format!(
            "node {} of {} selected by `{}` in {}",
            i + 1,
            sel.nodes.len(),
            sel.p(),
            sel.subject
        );
        for c in checks {
            out.extend(c.check(node, vars, &sub));
        }
    }
    if out.is_empty() {
        Outcome::Holds
    } else {
        Outcome::Fails(out)
    }
}

/// `not` holds when at least one of its predicates does not; it fails when all of them hold.
fn not(inner: &[(Loc, Pred)], loc: Loc, sel: &Selection, vars: &Vars) -> Outcome {
    let mut some_fail = false;
    for (l, pred) in inner {
        match eval(pred, *l, sel, vars) {
            Outcome::Holds => {}
            Outcome::Fails(_) => some_fail = true,
            Outcome::Cannot(f) => return Outcome::Cannot(f),
        }
    }
    if some_fail {
        return Outcome::Holds;
    }
    let said: Vec<String> = inner.iter().map(|(_, p)| describe(p, vars)).collect();
    let why = if said.len() > 1 {
        "which `not` rules out (not all of these may hold)"
    } else {
        "which `not` rules out"
    };
    let shown = if sel.path.is_singular() {
        sel.nodes.first().map(|v| short(v)).unwrap_or_default()
    } else {
        short(&Value::Array(
            sel.nodes.iter().map(|v| (*v).clone()).collect(),
        ))
    };
    Outcome::Fails(vec![Failure::new(
        loc,
        format!(
            "`{}` in {} {}, {why}",
            sel.p(),
            sel.subject,
            said.join(" and ")
        ),
    )
    .with_note(format!("actual value: {shown}"))])
}

/// `schema` checks each node on its own: the one node of a singular path, each node of any other. There must be at
/// least one, so it cannot pass vacuously.
fn schema_matches(schema: &SchemaCheck, loc: Loc, sel: &Selection) -> Outcome {
    let (p, subject) = (sel.p(), sel.subject);
    if sel.nodes.is_empty() {
        let why = if sel.path.is_singular() {
            ""
        } else {
            ", so `schema` has nothing to check"
        };
        return Outcome::Cannot(sel.nothing(loc, why));
    }
    let failures: Vec<Failure> = if sel.path.is_singular() {
        schema
            .check(sel.nodes[0], &format!("`{p}` in {subject}"), loc)
            .into_iter()
            .collect()
    } else {
        let n = sel.nodes.len();
        sel.nodes
            .iter()
            .enumerate()
            .filter_map(|(i, node)| {
                let what = format!("node {} of {n} selected by `{p}` in {subject}", i + 1);
                schema.check(node, &what, loc)
            })
            .collect()
    };
    if failures.is_empty() {
        Outcome::Holds
    } else {
        Outcome::Fails(failures)
    }
}

/// `equals`: the value is the expected one, numbers compared by value (`1` equals `1.0`). A failure shows a diff.
fn equals(want: &Value, value: &Value, at: &At, vars: &Vars) -> Outcome {
    let want = match render_json_cow(want, vars) {
        Ok(w) => w,
        Err(e) => return at.cannot(e),
    };
    if json_eq(value, &want) {
        return Outcome::Holds;
    }
    Outcome::Fails(vec![Failure::new(
        at.loc,
        format!("`{}` in {} is not the expected value", at.p, at.subject),
    )
    .with_diff(diff(&pretty(&want), &pretty(value)))])
}

/// `type`: the value is of one of the types.
fn type_is(types: &[JsonType], value: &Value, at: &At) -> Outcome {
    if types.iter().any(|t| t.holds(value)) {
        return Outcome::Holds;
    }
    let names: Vec<&str> = types.iter().map(|t| t.name()).collect();
    at.fails(format!(
        "`{}` in {} should be of type {}, but it is {} {}",
        at.p,
        at.subject,
        names.join(" or "),
        type_of(value),
        short(value)
    ))
}

/// `matches`: the value is a string in which the regex finds a match.
fn matches(re: &Pattern, value: &Value, at: &At, vars: &Vars) -> Outcome {
    let (p, subject) = (at.p, at.subject);
    match value {
        Value::String(s) => match re.is_match(s, vars) {
            Ok(true) => Outcome::Holds,
            Ok(false) => at.fails(format!(
                "`{p}` in {subject} is {:?}, which does not match /{}/",
                preview(s, 200),
                re.as_str()
            )),
            Err(e) => at.cannot(e),
        },
        other => at.cannot(format!(
            "`{p}` in {subject} should be a string matching /{}/, but it is {} {}",
            re.as_str(),
            type_of(other),
            short(other)
        )),
    }
}

/// `format`: the value is a string of the format.
fn is_format(format: Format, value: &Value, at: &At) -> Outcome {
    let (p, subject) = (at.p, at.subject);
    match value {
        Value::String(s) => match format.why_not(s) {
            None => Outcome::Holds,
            Some(why) => at.fails(format!(
                "`{p}` in {subject} is {:?}, which is not {}: {why}",
                preview(s, 200),
                format.described()
            )),
        },
        other => at.cannot(format!(
            "`{p}` in {subject} should be a string that is {}, but it is {} {}",
            format.described(),
            type_of(other),
            short(other)
        )),
    }
}

/// `length`: the number of characters of a string, items of an array or keys of an object is within the bound.
fn length(bound: &BoundSpec, value: &Value, at: &At, vars: &Vars) -> Outcome {
    let (p, subject) = (at.p, at.subject);
    let n = match value {
        Value::String(s) => s.chars().count(),
        Value::Array(a) => a.len(),
        Value::Object(o) => o.len(),
        other => {
            return at.cannot(format!(
                "`{p}` in {subject} has no length: it is {} {}",
                type_of(other),
                short(other)
            ))
        }
    };
    let b = match bound.resolve("length", vars) {
        Ok(b) => b,
        Err(e) => return at.cannot(e),
    };
    if b.contains(n as u64) {
        return Outcome::Holds;
    }
    at.fails(format!(
        "`{p}` in {subject} has length {n}, expected {}: {}",
        bound_text(bound, b),
        short(value)
    ))
}

/// `contains`: a string holds the substring, an array an item that includes the value, an object the keys and values
/// of the expected object.
fn contains(want: &Value, value: &Value, at: &At, vars: &Vars) -> Outcome {
    let (p, subject) = (at.p, at.subject);
    let want = match render_json_cow(want, vars) {
        Ok(w) => w,
        Err(e) => return at.cannot(e),
    };
    let ok = match (value, &*want) {
        (Value::String(s), Value::String(w)) => s.contains(w.as_str()),
        (Value::String(_), _) => {
            return at.cannot(format!(
                "`{p}` in {subject} is a string; `contains` needs a string to look for"
            ))
        }
        (Value::Array(a), w) => a.iter().any(|x| includes(x, w)),
        (Value::Object(_), Value::Object(_)) => includes(value, &want),
        (Value::Object(_), _) => {
            return at.cannot(format!(
                "`{p}` in {subject} is an object; `contains` needs an object (the keys and values to look for)"
            ))
        }
        (other, _) => {
            return at.cannot(format!(
                "`{p}` in {subject} is {} {}; `contains` needs a string, an array or an object",
                type_of(other),
                short(other)
            ))
        }
    };
    if ok {
        return Outcome::Holds;
    }
    Outcome::Fails(vec![Failure::new(
        at.loc,
        format!("`{p}` in {subject} does not contain {}", short(&want)),
    )
    .with_note(format!(
        "actual value: {}",
        preview(&value.to_string(), 2000)
    ))])
}

/// `one_of`: the value equals one of the options.
fn one_of(options: &[Value], value: &Value, at: &At, vars: &Vars) -> Outcome {
    let mut rendered = Vec::new();
    for o in options {
        match render_json_cow(o, vars) {
            Ok(v) => rendered.push(v),
            Err(e) => return at.cannot(e),
        }
    }
    if rendered.iter().any(|o| json_eq(value, o)) {
        return Outcome::Holds;
    }
    at.fails(format!(
        "`{}` in {} is {}, expected one of {}",
        at.p,
        at.subject,
        short(value),
        short(&Value::Array(
            rendered.into_iter().map(|v| v.into_owned()).collect()
        ))
    ))
}

/// `gt`, `ge`, `lt`, `le`: the value is a number on the right side of the operand.
fn compare(cmp: Cmp, x: &Operand, value: &Value, at: &At, vars: &Vars) -> Outcome {
    let (p, subject) = (at.p, at.subject);
    let want = match x.resolve(cmp.key(), vars) {
        Ok(n) => n,
        Err(e) => return at.cannot(e),
    };
    let expected = format!("{} {}", cmp.words(), operand_text(cmp.key(), x, vars));
    let Value::Number(n) = value else {
        return at.cannot(format!(
            "`{p}` in {subject} should be a number {expected}, but it is {} {}",
            type_of(value),
            short(value)
        ));
    };
    let got = Num::from_json(n);
    if got.compare(want).is_some_and(|o| cmp.holds(o)) {
        Outcome::Holds
    } else {
        at.fails(format!("`{p}` in {subject} is {got}, expected {expected}"))
    }
}

/// What a predicate says, as the end of a sentence about a value ("equals \"error\"").
fn describe(pred: &Pred, vars: &Vars) -> String {
    let rendered = |v: &Value| short(&render_json(v, vars).unwrap_or_else(|_| v.clone()));
    match pred {
        Pred::Exists(true) => "exists".into(),
        Pred::Exists(false) => "is absent".into(),
        Pred::Count(b) => format!("selects {b} node(s)"),
        Pred::Equals(v) => format!("equals {}", rendered(v)),
        Pred::Type(types) => {
            let names: Vec<&str> = types.iter().map(|t| t.name()).collect();
            format!("is of type {}", names.join(" or "))
        }
        Pred::Matches(re) => format!("matches /{}/", re.as_str()),
        Pred::Length(b) => format!("has length {b}"),
        Pred::Contains(v) => format!("contains {}", rendered(v)),
        Pred::OneOf(v) => format!("is one of {}", rendered(&Value::Array(v.clone()))),
        Pred::Compare(cmp, x) => format!("is {} {}", cmp.words(), operand_text(cmp.key(), x, vars)),
        Pred::Format(f) => format!("is {}", f.described()),
        Pred::Every(_) => "passes the checks under `every`".into(),
        Pred::Schema(schema) => format!("matches {}", schema.label()),
        Pred::Not(inner) => {
            let said: Vec<String> = inner.iter().map(|(_, p)| describe(p, vars)).collect();
            format!("does not ({})", said.join(" and "))
        }
    }
}

/// `3`, or `12 (${total})` when the number came from a variable.
fn operand_text(key: &str, x: &Operand, vars: &Vars) -> String {
    match (x, x.resolve(key, vars)) {
        (Operand::Fixed(n), _) => n.to_string(),
        (Operand::Template(t), Ok(n)) => format!("{n} (`{}`)", t.source()),
        (Operand::Template(t), Err(_)) => format!("`{}`", t.source()),
    }
}

/// The resolved bound, with the bound as written when it used variables.
fn bound_text(spec: &BoundSpec, resolved: Bound) -> String {
    if spec.vars().is_empty() {
        resolved.to_string()
    } else {
        format!("{resolved} (`{spec}`)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::expect::json::CheckPath;
    use crate::template::Template;
    use serde_json::json;

    fn check(path: &str, pred: Pred, doc: &Value) -> Vec<Failure> {
        let c = JsonCheck {
            loc: Loc::new(1, 1),
            path: Path::parse(path).unwrap().into(),
            preds: vec![(Loc::new(2, 3), pred)],
            level: Level::Must,
        };
        c.check(doc, &Vars::new(), "the response body")
    }

    fn doc() -> Value {
        json!({
            "run_id": "r1", "attempt": 1, "n": null,
            "messages": [{"type": "human", "content": "hi"}, {"type": "ai", "content": "Echo: hi", "tool_calls": []}]
        })
    }

    #[test]
    fn exists_and_absent() {
        assert!(check("$.run_id", Pred::Exists(true), &doc()).is_empty());
        assert!(
            check("$.n", Pred::Exists(true), &doc()).is_empty(),
            "null is a value"
        );
        assert_eq!(check("$.nope", Pred::Exists(true), &doc()).len(), 1);
        assert!(check("$.nope", Pred::Exists(false), &doc()).is_empty());
        let f = check("$.run_id", Pred::Exists(false), &doc());
        assert!(f[0].message.contains("should select nothing"), "{f:?}");
    }

    #[test]
    fn equals_compares_numbers_by_value_and_shows_a_diff() {
        assert!(check("$.attempt", Pred::Equals(json!(1.0)), &doc()).is_empty());
        let f = check(
            "$.messages[*].type",
            Pred::Equals(json!(["human", "tool"])),
            &doc(),
        );
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].loc, Loc::new(2, 3));
        let d = f[0].diff.as_deref().unwrap();
        assert!(d.contains("-  \"tool\"") && d.contains("+  \"ai\""), "{d}");
        assert_eq!(
            check("$.missing", Pred::Equals(json!(1)), &doc())[0].message,
            "`$.missing` selects nothing in the response body"
        );
    }

    #[test]
    fn type_checks() {
        let t = |s: &str| Pred::Type(vec![JsonType::parse(s).unwrap()]);
        assert!(check("$.run_id", t("string"), &doc()).is_empty());
        assert!(check("$.attempt", t("integer"), &doc()).is_empty());
        assert!(check("$.attempt", t("number"), &doc()).is_empty());
        assert!(check(
            "$.n",
            Pred::Type(vec![JsonType::String, JsonType::Null]),
            &doc()
        )
        .is_empty());
        let f = check("$.attempt", t("string"), &doc());
        assert_eq!(
            f[0].message,
            "`$.attempt` in the response body should be of type string, but it is integer 1"
        );
    }

    #[test]
    fn matches_needs_a_string() {
        let re = |s: &str| Pred::Matches(Pattern::parse(s).unwrap());
        assert!(check("$.messages[1].content", re("^Echo: "), &doc()).is_empty());
        assert!(check("$.run_id", re("^x"), &doc())[0]
            .message
            .contains("does not match /^x/"));
        assert!(check("$.attempt", re("1"), &doc())[0]
            .message
            .contains("should be a string"));
    }

    #[test]
    fn length_and_count() {
        let b = |min, max| Pred::Length(BoundSpec::from(Bound { min, max }));
        let n = |min, max| Pred::Count(BoundSpec::from(Bound { min, max }));
        assert!(check("$.messages", b(Some(2), Some(2)), &doc()).is_empty());
        assert!(check("$.run_id", b(Some(1), None), &doc()).is_empty());
        assert_eq!(check("$.messages", b(Some(3), None), &doc()).len(), 1);
        assert_eq!(check("$.attempt", b(Some(1), None), &doc()).len(), 1);
        assert!(check("$.messages[*]", n(Some(2), Some(2)), &doc()).is_empty());
        let f = check("$.messages[?@.type == 'tool']", n(Some(1), None), &doc());
        assert!(f[0].message.contains("selects 0 node(s)"), "{f:?}");
    }

    #[test]
    fn contains_on_strings_arrays_and_objects() {
        assert!(check(
            "$.messages[1].content",
            Pred::Contains(json!("Echo")),
            &doc()
        )
        .is_empty());
        assert!(check("$.messages", Pred::Contains(json!({"type": "ai"})), &doc()).is_empty());
        assert!(check("$.messages[*].type", Pred::Contains(json!("ai")), &doc()).is_empty());
        assert!(check("$", Pred::Contains(json!({"attempt": 1})), &doc()).is_empty());
        assert_eq!(
            check(
                "$.messages",
                Pred::Contains(json!({"type": "tool"})),
                &doc()
            )
            .len(),
            1
        );
        assert_eq!(
            check("$.attempt", Pred::Contains(json!(1)), &doc()).len(),
            1
        );
    }

    #[test]
    fn one_of() {
        assert!(check(
            "$.messages[0].type",
            Pred::OneOf(vec![json!("human"), json!("user")]),
            &doc()
        )
        .is_empty());
        assert_eq!(
            check(
                "$.messages[1].type",
                Pred::OneOf(vec![json!("human")]),
                &doc()
            )
            .len(),
            1
        );
    }

    #[test]
    fn every_checks_each_node_and_is_never_vacuous() {
        let inner = JsonCheck {
            loc: Loc::new(3, 1),
            path: Path::parse("$.content").unwrap().into(),
            preds: vec![(Loc::new(3, 5), Pred::Type(vec![JsonType::String]))],
            level: Level::Must,
        };
        assert!(check("$.messages[*]", Pred::Every(vec![inner.clone()]), &doc()).is_empty());
        let tc = JsonCheck {
            loc: Loc::new(4, 1),
            path: Path::parse("$.tool_calls").unwrap().into(),
            preds: vec![(Loc::new(4, 5), Pred::Exists(true))],
            level: Level::Must,
        };
        let f = check("$.messages[*]", Pred::Every(vec![tc]), &doc());
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("node 1 of 2"), "{f:?}");
        let f = check("$.nothing[*]", Pred::Every(vec![inner]), &doc());
        assert!(f[0].message.contains("nothing to check"), "{f:?}");
    }

    #[test]
    fn paths_may_use_variables() {
        let mut vars = Vars::new();
        vars.insert("node".into(), json!("agent"));
        let c = JsonCheck {
            loc: Loc::new(1, 1),
            path: CheckPath::Template(Template::parse("$['${node}'].messages").unwrap()),
            preds: vec![(
                Loc::new(1, 1),
                Pred::Length(BoundSpec::from(Bound {
                    min: Some(1),
                    max: None,
                })),
            )],
            level: Level::Must,
        };
        assert!(c
            .check(&json!({"agent": {"messages": [1]}}), &vars, "x")
            .is_empty());
        assert_eq!(
            c.check(&json!({"tools": {"messages": [1]}}), &vars, "x")
                .len(),
            1
        );
    }

    fn vars() -> Vars {
        [
            ("before".to_string(), json!(1)),
            ("total".to_string(), json!("2")),
            ("word".to_string(), json!("many")),
        ]
        .into()
    }

    fn check_with(path: &str, pred: Pred, doc: &Value) -> Vec<Failure> {
        let c = JsonCheck {
            loc: Loc::new(1, 1),
            path: Path::parse(path).unwrap().into(),
            preds: vec![(Loc::new(2, 3), pred)],
            level: Level::Must,
        };
        c.check(doc, &vars(), "the response body")
    }

    fn cmp(c: Cmp, x: Value) -> Pred {
        Pred::Compare(c, Operand::from_value(c.key(), &x).unwrap())
    }

    #[test]
    fn numeric_comparisons() {
        assert!(check_with("$.attempt", cmp(Cmp::Ge, json!(1)), &doc()).is_empty());
        assert!(check_with("$.attempt", cmp(Cmp::Lt, json!(1.5)), &doc()).is_empty());
        assert!(check_with("$.attempt", cmp(Cmp::Le, json!("${before}")), &doc()).is_empty());
        assert_eq!(
            check_with("$.attempt", cmp(Cmp::Gt, json!("${before}")), &doc())[0].message,
            "`$.attempt` in the response body is 1, expected greater than 1 (`${before}`)"
        );
        assert_eq!(
            check_with("$.run_id", cmp(Cmp::Gt, json!(0)), &doc())[0].message,
            "`$.run_id` in the response body should be a number greater than 0, but it is string \"r1\""
        );
        assert_eq!(
            check_with("$.attempt", cmp(Cmp::Ge, json!("${word}")), &doc())[0].message,
            "`ge`: variable `word` is \"many\", not a number"
        );
    }

    #[test]
    fn formats() {
        let doc = json!({"id": "1ef0c2a4-6d1b-6b2e-8f3a-0242ac120002", "at": "2024-05-01 12:00:00", "n": 1});
        assert!(check("$.id", Pred::Format(Format::Uuid), &doc).is_empty());
        assert_eq!(
            check("$.at", Pred::Format(Format::DateTime), &doc)[0].message,
            "`$.at` in the response body is \"2024-05-01 12:00:00\", which is not an RFC 3339 date-time: the date and the time must be separated by `T`, not a space"
        );
        assert!(check("$.n", Pred::Format(Format::Uri), &doc)[0]
            .message
            .contains("should be a string that is an absolute URI, but it is integer 1"));
    }

    #[test]
    fn bounds_may_use_variables() {
        let len = |min: &str| {
            Pred::Length(BoundSpec {
                min: Some(Operand::from_value("length", &json!(min)).unwrap()),
                max: Some(Operand::from_value("length", &json!(min)).unwrap()),
            })
        };
        assert!(check_with("$.messages", len("${total}"), &doc()).is_empty());
        assert!(check_with("$.run_id", len("${total}"), &doc()).is_empty());
        assert_eq!(
            check_with("$.messages", len("${before}"), &doc())[0].message,
            "`$.messages` in the response body has length 2, expected exactly 1 (`exactly ${before}`): [{\"type\":\"human\",\"content\":\"hi\"},{\"type\":\"ai\",\"content\":\"Echo: hi\",\"tool_calls\":[]}]"
        );
        let count = Pred::Count(BoundSpec {
            min: Some(Operand::from_value("count", &json!("${before}")).unwrap()),
            max: None,
        });
        assert!(check_with("$.messages[*]", count.clone(), &doc()).is_empty());
        assert_eq!(
            check_with("$.nothing[*]", count, &doc())[0].message,
            "`$.nothing[*]` selects 0 node(s) in the response body, expected at least 1 (`at least ${before}`)"
        );
        assert_eq!(
            check_with("$.messages", len("${word}"), &doc())[0].message,
            "`length`: variable `word` is \"many\", not a whole number"
        );
    }

    #[test]
    fn not_negates_the_predicates_it_holds_together() {
        let not =
            |preds: Vec<Pred>| Pred::Not(preds.into_iter().map(|p| (Loc::new(3, 3), p)).collect());
        assert!(check("$.run_id", not(vec![Pred::Equals(json!("error"))]), &doc()).is_empty());
        let f = check("$.run_id", not(vec![Pred::Equals(json!("r1"))]), &doc());
        assert_eq!(
            f[0].message,
            "`$.run_id` in the response body equals \"r1\", which `not` rules out"
        );
        assert_eq!(f[0].notes, ["actual value: \"r1\""]);
        // Several predicates: "not all of them".
        let both = not(vec![
            Pred::Type(vec![JsonType::String]),
            Pred::Matches(Pattern::parse("^r").unwrap()),
        ]);
        assert!(check("$.run_id", both, &doc())[0].message.contains(
            "is of type string and matches /^r/, which `not` rules out (not all of these may hold)"
        ));
        let one_fails = not(vec![
            Pred::Type(vec![JsonType::String]),
            Pred::Matches(Pattern::parse("^x").unwrap()),
        ]);
        assert!(check("$.run_id", one_fails, &doc()).is_empty());
        // What cannot be decided is not a pass.
        let f = check("$.missing", not(vec![Pred::Equals(json!(1))]), &doc());
        assert_eq!(
            f[0].message,
            "`$.missing` selects nothing in the response body"
        );
        let f = check_with("$.run_id", not(vec![cmp(Cmp::Gt, json!(3))]), &doc());
        assert!(f[0].message.contains("should be a number"), "{f:?}");
        // Node predicates and double negation.
        assert!(check("$.missing", not(vec![Pred::Exists(true)]), &doc()).is_empty());
        assert!(check("$.run_id", not(vec![not(vec![Pred::Exists(true)])]), &doc()).is_empty());
        assert_eq!(
            check("$.run_id", not(vec![Pred::Exists(true)]), &doc()).len(),
            1
        );
    }

    #[test]
    fn selecting_nothing_shows_where_it_looked() {
        let f = check("$.run_idd", Pred::Equals(json!("r1")), &doc());
        assert_eq!(
            f[0].message,
            "`$.run_idd` selects nothing in the response body"
        );
        assert_eq!(f[0].notes[0], "the object at `$` has `run_id`");
        assert!(
            f[0].notes[1].starts_with("looked in: {\"run_id\":\"r1\""),
            "{f:?}"
        );
        let c = JsonCheck {
            loc: Loc::new(1, 1),
            path: Path::parse("$.nope").unwrap().into(),
            preds: vec![(Loc::new(2, 3), Pred::Exists(true))],
            level: Level::Must,
        };
        let f = c.check_shown(&doc(), &Vars::new(), "the data of event #1 `values`");
        assert_eq!(f[0].notes.len(), 1, "the caller shows the data: {f:?}");
    }

    #[test]
    fn expected_values_may_use_variables() {
        let mut vars = Vars::new();
        vars.insert("rid".into(), json!("r1"));
        let c = JsonCheck {
            loc: Loc::new(1, 1),
            path: Path::parse("$.run_id").unwrap().into(),
            preds: vec![(Loc::new(1, 1), Pred::Equals(json!("${rid}")))],
            level: Level::Must,
        };
        assert!(c.check(&doc(), &vars, "x").is_empty());
        vars.insert("rid".into(), json!("r2"));
        assert_eq!(c.check(&doc(), &vars, "x").len(), 1);
    }
}
