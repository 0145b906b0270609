//! Expectations on a JSON document, each one a JSONPath and one or more predicates.
//!
//! A singular path (only names and indexes) is checked as one value, which must be there; any other path is checked
//! as the JSON array of the nodes it selects. `count`, `exists` and `absent` look at how many nodes were selected,
//! and `every` checks each selected node on its own (there must be at least one, so it cannot pass vacuously).

use serde_json::Value;

use super::schema::SchemaCheck;
use super::{preview, Failure};
use crate::jsonpath::Path;
use crate::report::diff;
use crate::source::Loc;
use crate::spec::raw::Bound;
use crate::spec::template::{render_json, Pattern, Template, Vars};

#[derive(Debug, Clone)]
pub struct JsonCheck {
    pub loc: Loc,
    pub path: CheckPath,
    pub preds: Vec<(Loc, Pred)>,
}

/// A JSONPath, or one with variables in it (`$['${node}'].messages`), compiled once the variables are known.
#[derive(Debug, Clone)]
pub enum CheckPath {
    Fixed(Path),
    Template(Template),
}

impl From<Path> for CheckPath {
    fn from(p: Path) -> Self {
        CheckPath::Fixed(p)
    }
}

impl CheckPath {
    fn resolve(&self, vars: &Vars) -> Result<std::borrow::Cow<'_, Path>, String> {
        match self {
            CheckPath::Fixed(p) => Ok(std::borrow::Cow::Borrowed(p)),
            CheckPath::Template(t) => {
                Path::parse(&t.render_string(vars)?).map(std::borrow::Cow::Owned)
            }
        }
    }
}

#[derive(Debug, Clone)]
pub enum Pred {
    Exists(bool),
    Count(Bound),
    Equals(Value),
    Type(Vec<JsonType>),
    Matches(Pattern),
    Length(Bound),
    Contains(Value),
    OneOf(Vec<Value>),
    Every(Vec<JsonCheck>),
    Schema(SchemaCheck),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonType {
    Null,
    Boolean,
    Number,
    Integer,
    String,
    Array,
    Object,
}

impl JsonType {
    pub const NAMES: &'static str = "null, boolean, number, integer, string, array, object";

    pub fn parse(s: &str) -> Option<JsonType> {
        Some(match s {
            "null" => JsonType::Null,
            "boolean" => JsonType::Boolean,
            "number" => JsonType::Number,
            "integer" => JsonType::Integer,
            "string" => JsonType::String,
            "array" => JsonType::Array,
            "object" => JsonType::Object,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            JsonType::Null => "null",
            JsonType::Boolean => "boolean",
            JsonType::Number => "number",
            JsonType::Integer => "integer",
            JsonType::String => "string",
            JsonType::Array => "array",
            JsonType::Object => "object",
        }
    }

    fn holds(self, v: &Value) -> bool {
        match self {
            JsonType::Null => v.is_null(),
            JsonType::Boolean => v.is_boolean(),
            JsonType::Number => v.is_number(),
            JsonType::Integer => {
                v.is_i64() || v.is_u64() || v.as_f64().is_some_and(|f| f.fract() == 0.0)
            }
            JsonType::String => v.is_string(),
            JsonType::Array => v.is_array(),
            JsonType::Object => v.is_object(),
        }
    }
}

pub fn type_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_f64() => "number",
        Value::Number(_) => "integer",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

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

impl JsonCheck {
    /// Checks `root`; `subject` names the document in messages ("the response body", "event #2 `updates`").
    pub fn check(&self, root: &Value, vars: &Vars, subject: &str) -> Vec<Failure> {
        let path = match self.path.resolve(vars) {
            Ok(p) => p,
            Err(e) => return vec![Failure::new(self.loc, e)],
        };
        let nodes = path.query(root);
        let p = path.as_str();
        let mut out = Vec::new();
        for (loc, pred) in &self.preds {
            let fail = |msg: String| Failure::new(*loc, msg);
            match pred {
                Pred::Exists(want) => {
                    if *want && nodes.is_empty() {
                        out.push(fail(format!(
                            "`{p}` selects nothing in {subject}, expected it to exist"
                        )));
                    } else if !*want && !nodes.is_empty() {
                        out.push(fail(format!(
                            "`{p}` should select nothing in {subject}, but it selects {}",
                            short(nodes[0])
                        )));
                    }
                }
                Pred::Count(b) => {
                    if !b.contains(nodes.len() as u64) {
                        out.push(fail(format!(
                            "`{p}` selects {} node(s) in {subject}, expected {b}",
                            nodes.len()
                        )));
                    }
                }
                Pred::Every(checks) => {
                    if nodes.is_empty() {
                        out.push(fail(format!(
                            "`{p}` selects nothing in {subject}, so `every` has nothing to check"
                        )));
                    }
                    for (i, node) in nodes.iter().enumerate() {
                        let sub = format!(
                            "node {} of {} selected by `{p}` in {subject}",
                            i + 1,
                            nodes.len()
                        );
                        for c in checks {
                            out.extend(c.check(node, vars, &sub));
                        }
                    }
                }
                Pred::Schema(schema) => out.extend(check_schema(
                    schema,
                    &nodes,
                    path.is_singular(),
                    p,
                    subject,
                    *loc,
                )),
                _ => {
                    let owned;
                    let value: &Value = if path.is_singular() {
                        match nodes.first() {
                            Some(v) => v,
                            None => {
                                out.push(fail(format!("`{p}` selects nothing in {subject}")));
                                continue;
                            }
                        }
                    } else {
                        owned = Value::Array(nodes.iter().map(|v| (*v).clone()).collect());
                        &owned
                    };
                    if let Some(f) = check_value(pred, value, vars, p, subject, *loc) {
                        out.push(f);
                    }
                }
            }
        }
        out
    }
}

/// `schema` checks each node on its own: the one node of a singular path, each node of any other. There must be
/// at least one, so it cannot pass vacuously.
fn check_schema(
    schema: &SchemaCheck,
    nodes: &[&Value],
    singular: bool,
    p: &str,
    subject: &str,
    loc: Loc,
) -> Vec<Failure> {
    if nodes.is_empty() {
        let why = if singular {
            ""
        } else {
            ", so `schema` has nothing to check"
        };
        return vec![Failure::new(
            loc,
            format!("`{p}` selects nothing in {subject}{why}"),
        )];
    }
    if singular {
        return schema
            .check(nodes[0], &format!("`{p}` in {subject}"), loc)
            .into_iter()
            .collect();
    }
    let n = nodes.len();
    nodes
        .iter()
        .enumerate()
        .filter_map(|(i, node)| {
            let what = format!("node {} of {n} selected by `{p}` in {subject}", i + 1);
            schema.check(node, &what, loc)
        })
        .collect()
}

fn check_value(
    pred: &Pred,
    value: &Value,
    vars: &Vars,
    p: &str,
    subject: &str,
    loc: Loc,
) -> Option<Failure> {
    let fail = |msg: String| Some(Failure::new(loc, msg));
    let render = |v: &Value| render_json(v, vars);
    match pred {
        Pred::Equals(want) => {
            let want = match render(want) {
                Ok(w) => w,
                Err(e) => return fail(e),
            };
            if json_eq(value, &want) {
                return None;
            }
            Some(
                Failure::new(loc, format!("`{p}` in {subject} is not the expected value"))
                    .with_diff(diff(&pretty(&want), &pretty(value))),
            )
        }
        Pred::Type(types) => {
            if types.iter().any(|t| t.holds(value)) {
                return None;
            }
            let names: Vec<&str> = types.iter().map(|t| t.name()).collect();
            fail(format!(
                "`{p}` in {subject} should be of type {}, but it is {} {}",
                names.join(" or "),
                type_of(value),
                short(value)
            ))
        }
        Pred::Matches(re) => match value {
            Value::String(s) => match re.is_match(s, vars) {
                Ok(true) => None,
                Ok(false) => fail(format!(
                    "`{p}` in {subject} is {:?}, which does not match /{}/",
                    preview(s, 200),
                    re.as_str()
                )),
                Err(e) => fail(e),
            },
            other => fail(format!(
                "`{p}` in {subject} should be a string matching /{}/, but it is {} {}",
                re.as_str(),
                type_of(other),
                short(other)
            )),
        },
        Pred::Length(b) => {
            let n = match value {
                Value::String(s) => s.chars().count(),
                Value::Array(a) => a.len(),
                Value::Object(o) => o.len(),
                other => {
                    return fail(format!(
                        "`{p}` in {subject} has no length: it is {} {}",
                        type_of(other),
                        short(other)
                    ))
                }
            };
            if b.contains(n as u64) {
                None
            } else {
                fail(format!(
                    "`{p}` in {subject} has length {n}, expected {b}: {}",
                    short(value)
                ))
            }
        }
        Pred::Contains(want) => {
            let want = match render(want) {
                Ok(w) => w,
                Err(e) => return fail(e),
            };
            let ok = match (value, &want) {
                (Value::String(s), Value::String(w)) => s.contains(w.as_str()),
                (Value::String(_), _) => {
                    return fail(format!(
                        "`{p}` in {subject} is a string; `contains` needs a string to look for"
                    ))
                }
                (Value::Array(a), w) => a.iter().any(|x| includes(x, w)),
                (Value::Object(_), Value::Object(_)) => includes(value, &want),
                (Value::Object(_), _) => {
                    return fail(format!(
                        "`{p}` in {subject} is an object; `contains` needs an object (the keys and values to look for)"
                    ))
                }
                (other, _) => return fail(format!(
                    "`{p}` in {subject} is {} {}; `contains` needs a string, an array or an object",
                    type_of(other),
                    short(other)
                )),
            };
            if ok {
                None
            } else {
                Some(
                    Failure::new(
                        loc,
                        format!("`{p}` in {subject} does not contain {}", short(&want)),
                    )
                    .with_note(format!(
                        "actual value: {}",
                        preview(&value.to_string(), 2000)
                    )),
                )
            }
        }
        Pred::OneOf(options) => {
            let mut rendered = Vec::new();
            for o in options {
                match render(o) {
                    Ok(v) => rendered.push(v),
                    Err(e) => return fail(e),
                }
            }
            if rendered.iter().any(|o| json_eq(value, o)) {
                None
            } else {
                fail(format!(
                    "`{p}` in {subject} is {}, expected one of {}",
                    short(value),
                    short(&Value::Array(rendered))
                ))
            }
        }
        Pred::Exists(_) | Pred::Count(_) | Pred::Every(_) | Pred::Schema(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(path: &str, pred: Pred, doc: &Value) -> Vec<Failure> {
        let c = JsonCheck {
            loc: Loc::new(1, 1),
            path: Path::parse(path).unwrap().into(),
            preds: vec![(Loc::new(2, 3), pred)],
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
        let b = |min, max| Bound { min, max };
        assert!(check("$.messages", Pred::Length(b(Some(2), Some(2))), &doc()).is_empty());
        assert!(check("$.run_id", Pred::Length(b(Some(1), None)), &doc()).is_empty());
        assert_eq!(
            check("$.messages", Pred::Length(b(Some(3), None)), &doc()).len(),
            1
        );
        assert_eq!(
            check("$.attempt", Pred::Length(b(Some(1), None)), &doc()).len(),
            1
        );
        assert!(check("$.messages[*]", Pred::Count(b(Some(2), Some(2))), &doc()).is_empty());
        let f = check(
            "$.messages[?@.type == 'tool']",
            Pred::Count(b(Some(1), None)),
            &doc(),
        );
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
        };
        assert!(check("$.messages[*]", Pred::Every(vec![inner.clone()]), &doc()).is_empty());
        let tc = JsonCheck {
            loc: Loc::new(4, 1),
            path: Path::parse("$.tool_calls").unwrap().into(),
            preds: vec![(Loc::new(4, 5), Pred::Exists(true))],
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
                Pred::Length(Bound {
                    min: Some(1),
                    max: None,
                }),
            )],
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

    #[test]
    fn expected_values_may_use_variables() {
        let mut vars = Vars::new();
        vars.insert("rid".into(), json!("r1"));
        let c = JsonCheck {
            loc: Loc::new(1, 1),
            path: Path::parse("$.run_id").unwrap().into(),
            preds: vec![(Loc::new(1, 1), Pred::Equals(json!("${rid}")))],
        };
        assert!(c.check(&doc(), &vars, "x").is_empty());
        vars.insert("rid".into(), json!("r2"));
        assert_eq!(c.check(&doc(), &vars, "x").len(), 1);
    }
}
