//! `${name}` variables inside spec strings.
//!
//! A string that is exactly one `${name}` stands for the variable's JSON value (so a whole input object can be a
//! variable); anywhere else the value is spliced in as text. `$${` writes a literal `${`.

use std::collections::HashMap;

use regex::Regex;
use serde_json::Value;

pub type Vars = HashMap<String, Value>;

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
    pub fn parse(s: &str) -> Result<Template, String> {
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
                let end = body
                    .find('}')
                    .ok_or_else(|| format!("unclosed `${{` in {s:?}"))?;
                let name = &body[..end];
                if !is_name(name) {
                    return Err(format!(
                        "`${{{name}}}` is not a variable name (letters, digits and `_`, not starting with a digit)"
                    ));
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
    pub fn render_value(&self, vars: &Vars) -> Result<Value, String> {
        if let [Piece::Var(name)] = self.pieces.as_slice() {
            return lookup(vars, name).cloned();
        }
        self.render_string(vars).map(Value::String)
    }

    pub fn render_string(&self, vars: &Vars) -> Result<String, String> {
        self.render_with(vars, |s| s.to_string())
    }

    /// Like `render_string`, passing each variable's text through `escape` (for regexes).
    pub fn render_with(
        &self,
        vars: &Vars,
        escape: impl Fn(&str) -> String,
    ) -> Result<String, String> {
        let mut out = String::new();
        for p in &self.pieces {
            match p {
                Piece::Text(t) => out.push_str(t),
                Piece::Var(name) => match lookup(vars, name)? {
                    Value::String(s) => out.push_str(&escape(s)),
                    other => out.push_str(&escape(&other.to_string())),
                },
            }
        }
        Ok(out)
    }
}

/// A regex, possibly with `${name}` variables whose values are matched literally.
#[derive(Debug, Clone)]
pub enum Pattern {
    Fixed(std::sync::Arc<Regex>),
    Template(Template),
}

impl Pattern {
    /// Compiles `src`; with variables, checks the syntax with a placeholder in each.
    pub fn parse(src: &str) -> Result<Pattern, String> {
        let t = Template::parse(src)?;
        let compile = |s: &str| {
            crate::regexes::compile(s).map_err(|e| crate::regexes::regex_message(&e.to_string()))
        };
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

    pub fn is_match(&self, s: &str, vars: &Vars) -> Result<bool, String> {
        match self {
            Pattern::Fixed(r) => Ok(r.is_match(s)),
            Pattern::Template(t) => {
                let re = crate::regexes::compile(&t.render_with(vars, regex::escape)?)
                    .map_err(|e| e.to_string())?;
                Ok(re.is_match(s))
            }
        }
    }
}

fn lookup<'v>(vars: &'v Vars, name: &str) -> Result<&'v Value, String> {
    vars.get(name)
        .ok_or_else(|| format!("{UNBOUND}{name}` is not defined"))
}

const UNBOUND: &str = "variable `";

/// The variable an error from rendering is about, when the error is that it has no value. The loader guarantees every
/// variable is defined where it is used, so at run time this means a capture failed.
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
pub fn value_vars(v: &Value, out: &mut Vec<(String, String)>) -> Result<(), String> {
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
                    return Err(format!("variables are not allowed in object keys ({k:?})"));
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
) -> Result<std::borrow::Cow<'v, Value>, String> {
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

pub fn render_json(v: &Value, vars: &Vars) -> Result<Value, String> {
    Ok(match v {
        Value::String(s) => Template::parse(s)?.render_value(vars)?,
        Value::Array(a) => Value::Array(
            a.iter()
                .map(|x| render_json(x, vars))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, x)| Ok((k.clone(), render_json(x, vars)?)))
                .collect::<Result<_, String>>()?,
        ),
        other => other.clone(),
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
        assert!(Template::parse("${id").unwrap_err().contains("unclosed"));
        assert!(Template::parse("${1x}")
            .unwrap_err()
            .contains("not a variable name"));
        let err = Template::parse("${nope}")
            .unwrap()
            .render_value(&vars())
            .unwrap_err();
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
            .starts_with("invalid regex"));
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
