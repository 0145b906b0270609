//! `${name}` variables inside spec strings.
//!
//! A string that is exactly one `${name}` stands for the variable's JSON value (so a whole input object can be a
//! variable); anywhere else the value is spliced in as text. `$${` writes a literal `${`.
//!
//! What a rendering makes is bounded before it is made: variables that each double the one before (`v1:
//! '${v0}${v0}'`, `v2: '${v1}${v1}'`, ...) would otherwise reach gigabytes in forty lines. A value made from variables
//! weighs at most [`MAX_RENDERED_BYTES`] and nests at most [`MAX_RENDERED_DEPTH`] deep; past either, rendering is an
//! error that says so, and nothing larger was allocated.

use std::collections::HashMap;
use std::fmt;

use regex::Regex;
use serde_json::Value;

/// Variables by name, as `${name}` in a spec uses them.
pub type Vars = HashMap<String, Value>;

/// Why a template (or a pattern, or a JSON value with templates in it) cannot be read or rendered.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum TemplateError {
    /// A `${` with no `}` after it, in `text`.
    Unclosed { text: String },
    /// `${name}` where `name` is not a variable name.
    NotAName { name: String },
    /// A variable with no value.
    Unbound { name: String },
    /// Rendering `what` (a template or a value, as written) would make a value past [`MAX_RENDERED_BYTES`].
    TooLarge { what: String },
    /// Rendering `what` would nest values past [`MAX_RENDERED_DEPTH`].
    TooDeep { what: String },
    /// An object key with variables in it.
    VariableInKey { key: String },
    /// A pattern that is not a valid regex.
    InvalidRegex(regex::Error),
    /// A pattern that, with its variables' values in it, no longer compiles.
    InvalidRendered(regex::Error),
}

impl TemplateError {
    /// The variable that has no value, when that is the error. The loader guarantees every variable is defined where
    /// it is used, so at run time this means a capture failed.
    #[cfg(test)]
    pub fn unbound(&self) -> Option<&str> {
        match self {
            TemplateError::Unbound { name } => Some(name),
            _ => None,
        }
    }
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = |what: &str| crate::text::preview(&format!("`{what}`"), 80);
        match self {
            TemplateError::Unclosed { text } => write!(f, "unclosed `${{` in {text:?}"),
            TemplateError::NotAName { name } => write!(
                f,
                "`${{{name}}}` is not a variable name (letters, digits and `_`, not starting with a digit)"
            ),
            TemplateError::Unbound { name } => write!(f, "{UNBOUND}{name}` is not defined"),
            TemplateError::TooLarge { what } => write!(
                f,
                "{} would make a value larger than {} MiB, the most a value made from variables may be (a variable \
                 that repeats another, repeated in turn, doubles each time)",
                shown(what),
                MAX_RENDERED_BYTES >> 20
            ),
            TemplateError::TooDeep { what } => write!(
                f,
                "{} would nest values more than {MAX_RENDERED_DEPTH} deep, the most a value made from variables may",
                shown(what)
            ),
            TemplateError::VariableInKey { key } => {
                write!(f, "variables are not allowed in object keys ({key:?})")
            }
            TemplateError::InvalidRegex(e) => {
                f.write_str(&crate::regexes::regex_message(&e.to_string()))
            }
            TemplateError::InvalidRendered(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for TemplateError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            TemplateError::InvalidRegex(e) | TemplateError::InvalidRendered(e) => Some(e),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Piece {
    Text(String),
    Var(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    pieces: Vec<Piece>,
}

impl Template {
    pub fn parse(s: &str) -> Result<Template, TemplateError> {
        let mut pieces = Vec::new();
        let mut text = String::new();
        let mut rest = s;
        while let Some(i) = rest.find('$') {
            text.push_str(&rest[..i]);
            let after = &rest[i + 1..];
            if let Some(esc) = after.strip_prefix("${") {
                text.push_str("${");
                rest = esc;
            } else if let Some(body) = after.strip_prefix('{') {
                let end = body.find('}').ok_or_else(|| TemplateError::Unclosed {
                    text: s.to_string(),
                })?;
                let name = &body[..end];
                if !is_name(name) {
                    return Err(TemplateError::NotAName {
                        name: name.to_string(),
                    });
                }
                if !text.is_empty() {
                    pieces.push(Piece::Text(std::mem::take(&mut text)));
                }
                pieces.push(Piece::Var(name.to_string()));
                rest = &body[end + 1..];
            } else {
                text.push('$');
                rest = after;
            }
        }
        text.push_str(rest);
        if !text.is_empty() || pieces.is_empty() {
            pieces.push(Piece::Text(text));
        }
        Ok(Template { pieces })
    }

    /// The template as written.
    pub fn source(&self) -> String {
        self.pieces
            .iter()
            .map(|p| match p {
                Piece::Text(t) => t.replace("${", "$${"),
                Piece::Var(v) => format!("${{{v}}}"),
            })
            .collect()
    }

    pub fn vars(&self) -> impl Iterator<Item = &str> {
        self.pieces.iter().filter_map(|p| match p {
            Piece::Var(v) => Some(v.as_str()),
            Piece::Text(_) => None,
        })
    }

    pub fn has_vars(&self) -> bool {
        self.vars().next().is_some()
    }

    /// The value: a lone variable keeps its JSON type; anything else is a string.
    #[cfg(test)]
    pub fn render_value(&self, vars: &Vars) -> Result<Value, TemplateError> {
        self.value_in(vars, &mut Budget::new(), 0)
    }

    pub fn render_string(&self, vars: &Vars) -> Result<String, TemplateError> {
        self.render_with(vars, |s| s.to_string())
    }

    /// Like `render_string`, passing each variable's text through `escape` (for regexes).
    pub fn render_with(
        &self,
        vars: &Vars,
        escape: impl Fn(&str) -> String,
    ) -> Result<String, TemplateError> {
        self.text_in(vars, &escape, &mut Budget::new())
    }

    fn value_in(
        &self,
        vars: &Vars,
        budget: &mut Budget,
        depth: usize,
    ) -> Result<Value, TemplateError> {
        if let [Piece::Var(name)] = self.pieces.as_slice() {
            let v = lookup(vars, name)?;
            let size =
                size_within(v, budget.left).ok_or_else(|| budget.exceeded(&self.source()))?;
            if depth + size.depth > MAX_RENDERED_DEPTH {
                return Err(too_deep(&self.source()));
            }
            budget.take(size.bytes, || self.source())?;
            return Ok(v.clone());
        }
        budget.take(NODE_BYTES, || self.source())?;
        self.text_in(vars, &|s: &str| s.to_string(), budget)
            .map(Value::String)
    }

    fn text_in(
        &self,
        vars: &Vars,
        escape: &dyn Fn(&str) -> String,
        budget: &mut Budget,
    ) -> Result<String, TemplateError> {
        // Each piece is weighed before it is appended: the text never grows past the budget.
        let mut out = String::new();
        for p in &self.pieces {
            match p {
                Piece::Text(t) => {
                    budget.take(t.len(), || self.source())?;
                    out.push_str(t);
                }
                Piece::Var(name) => {
                    let v = lookup(vars, name)?;
                    let text = match v {
                        Value::String(s) => {
                            budget.check(s.len(), || self.source())?;
                            escape(s)
                        }
                        other => {
                            size_within(other, budget.left)
                                .ok_or_else(|| budget.exceeded(&self.source()))?;
                            escape(&other.to_string())
                        }
                    };
                    budget.take(text.len(), || self.source())?;
                    out.push_str(&text);
                }
            }
        }
        Ok(out)
    }
}

/// The most a value made from variables may weigh, in bytes: what it holds in memory, about (32 bytes for each JSON
/// value in it, plus the bytes of its strings and keys). A spec's variable, a request's path, headers and body are
/// each rendered within it.
pub const MAX_RENDERED_BYTES: usize = 16 * 1024 * 1024;

/// How deeply a value made from variables may nest (as deeply as a JSON body the harness reads).
pub const MAX_RENDERED_DEPTH: usize = 128;

/// What a JSON value is counted for, besides its text.
const NODE_BYTES: usize = 32;

/// What is left of the bytes one rendering may make.
struct Budget {
    left: usize,
}

impl Budget {
    fn new() -> Budget {
        Budget {
            left: MAX_RENDERED_BYTES,
        }
    }

    fn check(&self, n: usize, what: impl FnOnce() -> String) -> Result<(), TemplateError> {
        if n > self.left {
            return Err(self.exceeded(&what()));
        }
        Ok(())
    }

    fn take(&mut self, n: usize, what: impl FnOnce() -> String) -> Result<(), TemplateError> {
        self.check(n, what)?;
        self.left -= n;
        Ok(())
    }

    fn exceeded(&self, what: &str) -> TemplateError {
        TemplateError::TooLarge {
            what: what.to_string(),
        }
    }
}

fn too_deep(what: &str) -> TemplateError {
    TemplateError::TooDeep {
        what: what.to_string(),
    }
}

/// How much a value weighs, and how deeply it nests (a scalar is 0 deep).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Size {
    pub bytes: usize,
    pub depth: usize,
}

/// The size of `v`, or None as soon as it is found to weigh more than `limit`: a huge value is not walked to its end.
/// Not recursive, so no value can exhaust the stack.
pub fn size_within(v: &Value, limit: usize) -> Option<Size> {
    let mut bytes = 0usize;
    let mut depth = 0usize;
    let mut stack: Vec<(&Value, usize)> = vec![(v, 0)];
    while let Some((v, d)) = stack.pop() {
        depth = depth.max(d);
        bytes = bytes.saturating_add(NODE_BYTES);
        match v {
            Value::String(s) => bytes = bytes.saturating_add(s.len()),
            Value::Array(a) => stack.extend(a.iter().map(|x| (x, d + 1))),
            Value::Object(o) => {
                for (k, x) in o {
                    bytes = bytes.saturating_add(k.len());
                    stack.push((x, d + 1));
                }
            }
            _ => {}
        }
        if bytes > limit {
            return None;
        }
    }
    Some(Size { bytes, depth })
}

/// The sizes of a spec's variables as they would render, worked out from the text of their definitions before
/// anything is rendered, so that a spec whose variables would grow past the bounds is refused where it defines them.
/// Variables it does not know (the target's) count as empty; rendering checks again with their values.
#[derive(Debug, Default)]
pub struct Sizes {
    /// Each variable's size as a value, and its length when spliced into text (a string's own length).
    known: HashMap<String, (Size, usize)>,
}

impl Sizes {
    /// Adds the variable `name` defined as `value`; an error when it would weigh too much or nest too deeply.
    pub fn define(&mut self, name: &str, value: &Value) -> Result<(), TemplateError> {
        let size = self.of(value, 0)?;
        self.known.insert(name.to_string(), size);
        Ok(())
    }

    /// The size of `v` rendered, and its length as text.
    fn of(&self, v: &Value, depth: usize) -> Result<(Size, usize), TemplateError> {
        if depth > MAX_RENDERED_DEPTH {
            return Err(too_deep(&preview_json(v)));
        }
        let (mut bytes, mut deepest) = (NODE_BYTES, 0);
        match v {
            Value::String(s) => {
                let t = Template::parse(s)?;
                if let [Piece::Var(name)] = t.pieces.as_slice() {
                    let (size, text) = self.known.get(name).copied().unwrap_or_default();
                    if depth + size.depth > MAX_RENDERED_DEPTH {
                        return Err(too_deep(s));
                    }
                    return Ok((self.bounded(size, s)?, text));
                }
                let mut text = 0usize;
                for p in &t.pieces {
                    text = text.saturating_add(match p {
                        Piece::Text(t) => t.len(),
                        // Spliced as text: a string's own length, or the JSON of anything else (its weight bounds it).
                        Piece::Var(name) => self.known.get(name).map_or(0, |(_, t)| *t),
                    });
                }
                let size = Size {
                    bytes: bytes.saturating_add(text),
                    depth: 0,
                };
                return Ok((self.bounded(size, s)?, text));
            }
            Value::Array(a) => {
                for x in a {
                    let (s, _) = self.of(x, depth + 1)?;
                    bytes = bytes.saturating_add(s.bytes);
                    deepest = deepest.max(s.depth + 1);
                    self.bounded(Size { bytes, depth: 0 }, &preview_json(v))?;
                }
            }
            Value::Object(o) => {
                for (k, x) in o {
                    let (s, _) = self.of(x, depth + 1)?;
                    bytes = bytes.saturating_add(k.len()).saturating_add(s.bytes);
                    deepest = deepest.max(s.depth + 1);
                    self.bounded(Size { bytes, depth: 0 }, &preview_json(v))?;
                }
            }
            _ => {}
        }
        let size = Size {
            bytes,
            depth: deepest,
        };
        Ok((size, bytes))
    }

    fn bounded(&self, size: Size, what: &str) -> Result<Size, TemplateError> {
        if size.bytes > MAX_RENDERED_BYTES {
            return Err(Budget { left: 0 }.exceeded(what));
        }
        Ok(size)
    }
}

fn preview_json(v: &Value) -> String {
    crate::text::preview(&v.to_string(), 60)
}

/// A regex, possibly with `${name}` variables whose values are matched literally.
#[derive(Debug, Clone)]
pub enum Pattern {
    Fixed(std::sync::Arc<Regex>),
    Template(Template),
}

impl Pattern {
    /// Compiles `src`; with variables, checks the syntax with a placeholder in each.
    pub fn parse(src: &str) -> Result<Pattern, TemplateError> {
        let t = Template::parse(src)?;
        let compile = |s: &str| crate::regexes::compile(s).map_err(TemplateError::InvalidRegex);
        if !t.has_vars() {
            return compile(src).map(Pattern::Fixed);
        }
        let probe: Vars = t
            .vars()
            .map(|v| (v.to_string(), Value::String("x".into())))
            .collect();
        compile(&t.render_with(&probe, regex::escape)?)?;
        Ok(Pattern::Template(t))
    }

    pub fn as_str(&self) -> String {
        match self {
            Pattern::Fixed(r) => r.as_str().to_string(),
            Pattern::Template(t) => t.source(),
        }
    }

    pub fn is_match(&self, s: &str, vars: &Vars) -> Result<bool, TemplateError> {
        match self {
            Pattern::Fixed(r) => Ok(r.is_match(s)),
            Pattern::Template(t) => {
                let re = crate::regexes::compile(&t.render_with(vars, regex::escape)?)
                    .map_err(TemplateError::InvalidRendered)?;
                Ok(re.is_match(s))
            }
        }
    }
}

fn lookup<'v>(vars: &'v Vars, name: &str) -> Result<&'v Value, TemplateError> {
    vars.get(name).ok_or_else(|| TemplateError::Unbound {
        name: name.to_string(),
    })
}

const UNBOUND: &str = "variable `";

/// The variable a message of an error from rendering (a [`TemplateError`], shown) is about, when the error is that it
/// has no value: a failure keeps only the message. The loader guarantees every variable is defined where it is used,
/// so at run time this means a capture failed.
pub fn unbound_name(message: &str) -> Option<&str> {
    message
        .strip_prefix(UNBOUND)?
        .strip_suffix("` is not defined")
}

pub fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Every variable named in the strings of a JSON value, with the string it sits in.
pub fn value_vars(v: &Value, out: &mut Vec<(String, String)>) -> Result<(), TemplateError> {
    match v {
        Value::String(s) => {
            for name in Template::parse(s)?.vars() {
                out.push((name.to_string(), s.clone()));
            }
        }
        Value::Array(a) => {
            for x in a {
                value_vars(x, out)?;
            }
        }
        Value::Object(o) => {
            for (k, x) in o {
                if Template::parse(k)?.has_vars() {
                    return Err(TemplateError::VariableInKey { key: k.clone() });
                }
                value_vars(x, out)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Substitutes variables in every string of a JSON value.
/// As `render_json`, without a copy when the value holds no `${`: most expected values and request bodies are
/// constants, rendered once per request.
pub fn render_json_cow<'v>(
    v: &'v Value,
    vars: &Vars,
) -> Result<std::borrow::Cow<'v, Value>, TemplateError> {
    if has_template(v) {
        render_json(v, vars).map(std::borrow::Cow::Owned)
    } else {
        Ok(std::borrow::Cow::Borrowed(v))
    }
}

fn has_template(v: &Value) -> bool {
    match v {
        Value::String(s) => s.contains("${"),
        Value::Array(a) => a.iter().any(has_template),
        Value::Object(o) => o.values().any(has_template),
        _ => false,
    }
}

pub fn render_json(v: &Value, vars: &Vars) -> Result<Value, TemplateError> {
    json_in(v, vars, &mut Budget::new(), 0)
}

fn json_in(
    v: &Value,
    vars: &Vars,
    budget: &mut Budget,
    depth: usize,
) -> Result<Value, TemplateError> {
    if depth > MAX_RENDERED_DEPTH {
        return Err(too_deep(&preview_json(v)));
    }
    Ok(match v {
        Value::String(s) => Template::parse(s)?.value_in(vars, budget, depth)?,
        Value::Array(a) => {
            budget.take(NODE_BYTES, || preview_json(v))?;
            Value::Array(
                a.iter()
                    .map(|x| json_in(x, vars, budget, depth + 1))
                    .collect::<Result<_, _>>()?,
            )
        }
        Value::Object(o) => {
            budget.take(NODE_BYTES, || preview_json(v))?;
            Value::Object(
                o.iter()
                    .map(|(k, x)| {
                        budget.take(k.len(), || preview_json(v))?;
                        Ok((k.clone(), json_in(x, vars, budget, depth + 1)?))
                    })
                    .collect::<Result<_, TemplateError>>()?,
            )
        }
        other => {
            budget.take(NODE_BYTES, || preview_json(v))?;
            other.clone()
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn vars() -> Vars {
        let mut v = Vars::new();
        v.insert("id".into(), json!("abc"));
        v.insert("input".into(), json!({"messages": []}));
        v.insert("n".into(), json!(3));
        v
    }

    #[test]
    fn lone_variable_keeps_its_type() {
        assert_eq!(
            Template::parse("${input}")
                .unwrap()
                .render_value(&vars())
                .unwrap(),
            json!({"messages": []})
        );
        assert_eq!(
            Template::parse("${n}")
                .unwrap()
                .render_value(&vars())
                .unwrap(),
            json!(3)
        );
    }

    #[test]
    fn variables_inside_text_are_spliced() {
        let t = Template::parse("/threads/${id}/runs?n=${n}").unwrap();
        assert_eq!(t.render_string(&vars()).unwrap(), "/threads/abc/runs?n=3");
        assert_eq!(t.vars().collect::<Vec<_>>(), ["id", "n"]);
    }

    #[test]
    fn escapes_and_lone_dollars_stay_text() {
        let t = Template::parse("cost: $5, literal $${id}").unwrap();
        assert!(!t.has_vars());
        assert_eq!(t.render_string(&vars()).unwrap(), "cost: $5, literal ${id}");
    }

    #[test]
    fn errors_name_the_problem() {
        assert_eq!(
            Template::parse("${id").unwrap_err(),
            TemplateError::Unclosed {
                text: "${id".into()
            }
        );
        assert!(Template::parse("${id")
            .unwrap_err()
            .to_string()
            .contains("unclosed"));
        assert!(Template::parse("${1x}")
            .unwrap_err()
            .to_string()
            .contains("not a variable name"));
        let err = Template::parse("${nope}")
            .unwrap()
            .render_value(&vars())
            .unwrap_err();
        assert_eq!(err.unbound(), Some("nope"));
        let err = err.to_string();
        assert_eq!(err, "variable `nope` is not defined");
        assert_eq!(unbound_name(&err), Some("nope"));
        assert_eq!(unbound_name("variable `a` is odd"), None);
    }

    #[test]
    fn patterns_match_variable_values_literally() {
        let mut v = vars();
        v.insert("id".into(), json!("a.c"));
        let p = Pattern::parse("^/threads/${id}/runs$").unwrap();
        assert!(p.is_match("/threads/a.c/runs", &v).unwrap());
        assert!(
            !p.is_match("/threads/abc/runs", &v).unwrap(),
            "the dot is literal"
        );
        assert_eq!(p.as_str(), "^/threads/${id}/runs$");
        assert!(Pattern::parse("(${id}")
            .unwrap_err()
            .to_string()
            .starts_with("invalid regex"));
    }

    /// `v0: 16 bytes`, `v1: '${v0}${v0}'`, ... `v40`: 16 TiB if nothing stopped it.
    fn doubling(as_array: bool) -> Vec<(String, Value)> {
        let mut defs = vec![("v0".to_string(), json!("xxxxxxxxxxxxxxxx"))];
        for i in 1..=40 {
            let prev = format!("${{v{}}}", i - 1);
            let v = if as_array {
                json!([prev, prev])
            } else {
                json!(format!("{prev}{prev}"))
            };
            defs.push((format!("v{i}"), v));
        }
        defs
    }

    #[test]
    fn doubling_variables_stop_at_the_bound_before_allocating_past_it() {
        for as_array in [false, true] {
            let mut vars = Vars::new();
            let mut failed_at = None;
            for (name, def) in doubling(as_array) {
                match render_json(&def, &vars) {
                    Ok(v) => {
                        let size = size_within(&v, usize::MAX).unwrap();
                        assert!(size.bytes <= MAX_RENDERED_BYTES, "{name}: {size:?}");
                        vars.insert(name, v);
                    }
                    Err(e) => {
                        assert!(matches!(e, TemplateError::TooLarge { .. }), "{e:?}");
                        assert!(e.to_string().contains("larger than 16 MiB"), "{e}");
                        failed_at = Some(name);
                        break;
                    }
                }
            }
            let at = failed_at.expect("the doubling is stopped");
            let n: u32 = at[1..].parse().unwrap();
            assert!((15..=25).contains(&n), "stopped at {at}");
        }
    }

    #[test]
    fn doubling_variables_are_refused_from_their_text_alone() {
        for as_array in [false, true] {
            let mut sizes = Sizes::default();
            let err = doubling(as_array)
                .iter()
                .find_map(|(name, def)| sizes.define(name, def).err().map(|e| (name.clone(), e)));
            let (name, e) = err.expect("refused");
            assert!(e.to_string().contains("larger than 16 MiB"), "{e}");
            let n: u32 = name[1..].parse().unwrap();
            assert!((15..=25).contains(&n), "refused at {name}");
        }
        let mut sizes = Sizes::default();
        sizes
            .define("a", &json!({"k": "${b}", "l": [1, 2, "${c}"]}))
            .unwrap();
        sizes.define("b", &json!("${a}/${a}")).unwrap();
    }

    #[test]
    fn nesting_through_variables_is_bounded() {
        let mut vars = Vars::new();
        vars.insert("v0".into(), json!(0));
        let mut sizes = Sizes::default();
        sizes.define("v0", &json!(0)).unwrap();
        let mut rendered = None;
        let mut refused = None;
        for i in 1..200 {
            let def = json!([[[[[[[[[[format!("${{v{}}}", i - 1)]]]]]]]]]]);
            if refused.is_none() {
                if let Err(e) = sizes.define(&format!("v{i}"), &def) {
                    refused = Some((i, e));
                }
            }
            match render_json(&def, &vars) {
                Ok(v) => {
                    vars.insert(format!("v{i}"), v);
                }
                Err(e) => {
                    rendered = Some((i, e));
                    break;
                }
            }
        }
        let (i, e) = rendered.expect("stopped");
        assert!(e.to_string().contains("more than 128 deep"), "{e}");
        assert_eq!(i, 13);
        let (j, e) = refused.expect("refused");
        assert!(e.to_string().contains("more than 128 deep"), "{e}");
        assert_eq!(i, j);
    }

    #[test]
    fn json_rendering_walks_nested_values() {
        let v = json!({"assistant_id": "${id}", "input": "${input}", "k": [1, "x${n}"]});
        assert_eq!(
            render_json(&v, &vars()).unwrap(),
            json!({"assistant_id": "abc", "input": {"messages": []}, "k": [1, "x3"]})
        );
        let mut names = Vec::new();
        value_vars(&v, &mut names).unwrap();
        assert_eq!(
            names.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(),
            ["id", "input", "n"]
        );
    }
}
