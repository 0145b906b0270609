//! Numbers a spec compares against: written as numbers, or as `${variables}` known only at run time (a count
//! captured from an earlier step, a `x-pagination-total` header). Comparisons `gt`, `ge`, `lt`, `le`, and the bounds
//! of `length` and `count`.

use std::cmp::Ordering;
use std::fmt;

use serde_json::{Number, Value};

use crate::template::{Template, TemplateError, Vars};

/// A number as compared: whole numbers exactly, others as floating point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Num {
    Int(i128),
    Float(f64),
}

impl Num {
    pub fn from_json(n: &Number) -> Num {
        if let Some(i) = n.as_i64() {
            Num::Int(i.into())
        } else if let Some(u) = n.as_u64() {
            Num::Int(u.into())
        } else {
            Num::Float(n.as_f64().unwrap_or(f64::NAN))
        }
    }

    /// Text that is a JSON number as a whole (a header value, a string variable); surrounding blanks are allowed.
    pub fn parse(text: &str) -> Option<Num> {
        let t = text.trim();
        if t.is_empty() || t.starts_with('+') {
            return None;
        }
        serde_json::from_str::<Number>(t)
            .ok()
            .map(|n| Num::from_json(&n))
    }

    /// A whole number at least zero, for bounds.
    fn as_count(self) -> Option<u64> {
        match self {
            Num::Int(i) => u64::try_from(i).ok(),
            Num::Float(f) if f >= 0.0 && f.fract() == 0.0 && f <= u64::MAX as f64 => Some(f as u64),
            Num::Float(_) => None,
        }
    }

    pub fn compare(self, other: Num) -> Option<Ordering> {
        match (self, other) {
            (Num::Int(a), Num::Int(b)) => Some(a.cmp(&b)),
            (a, b) => a.as_f64().partial_cmp(&b.as_f64()),
        }
    }

    fn as_f64(self) -> f64 {
        match self {
            Num::Int(i) => i as f64,
            Num::Float(f) => f,
        }
    }
}

impl fmt::Display for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Num::Int(i) => write!(f, "{i}"),
            Num::Float(x) => write!(f, "{x}"),
        }
    }
}

/// `gt`, `ge`, `lt` or `le`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    Gt,
    Ge,
    Lt,
    Le,
}

impl Cmp {
    /// The spec keys, in the order the loader reads them.
    pub const ALL: [(&'static str, Cmp); 4] = [
        ("gt", Cmp::Gt),
        ("ge", Cmp::Ge),
        ("lt", Cmp::Lt),
        ("le", Cmp::Le),
    ];

    pub fn key(self) -> &'static str {
        match self {
            Cmp::Gt => "gt",
            Cmp::Ge => "ge",
            Cmp::Lt => "lt",
            Cmp::Le => "le",
        }
    }

    pub fn words(self) -> &'static str {
        match self {
            Cmp::Gt => "greater than",
            Cmp::Ge => "at least",
            Cmp::Lt => "less than",
            Cmp::Le => "at most",
        }
    }

    pub fn holds(self, o: Ordering) -> bool {
        match self {
            Cmp::Gt => o == Ordering::Greater,
            Cmp::Ge => o != Ordering::Less,
            Cmp::Lt => o == Ordering::Less,
            Cmp::Le => o != Ordering::Greater,
        }
    }
}

/// Why an operand of `gt`, `ge`, `lt`, `le`, `length` or `count` (the spec key `key`) cannot be read, or has no
/// number once its variables are known.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum OperandError {
    /// Its text is not a template, or does not render.
    Template(TemplateError),
    /// A number in quotes, with no variable: `gt: "5"`.
    Quoted { key: String, text: String },
    /// Text with no variable, which is no number either.
    NoVariable { key: String, text: String },
    /// Neither a number nor text: `found` is the JSON type.
    WrongType { key: String, found: &'static str },
    /// A number written out where a whole number at least zero is needed (a bound).
    NotACount { key: String, number: Num },
    /// The text, rendered, is not a number (`whole`: not a whole number at least zero).
    NotANumber {
        key: String,
        /// The template as written.
        written: String,
        rendered: String,
        /// When the template is one variable alone: its name, and its value (shortened).
        variable: Option<(String, String)>,
        whole: bool,
    },
}

impl fmt::Display for OperandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OperandError::Template(e) => write!(f, "{e}"),
            OperandError::Quoted { key, text } => write!(
                f,
                "`{key}` takes a number or a `${{variable}}`: write {text} without quotes"
            ),
            OperandError::NoVariable { key, text } => write!(
                f,
                "`{key}` takes a number or a `${{variable}}`, not {text:?}"
            ),
            OperandError::WrongType { key, found } => write!(
                f,
                "`{key}` takes a number or a `${{variable}}`, not {found}"
            ),
            OperandError::NotACount { key, number } => {
                write!(f, "`{key}` needs a whole number, not {number}")
            }
            OperandError::NotANumber {
                key,
                written,
                rendered,
                variable,
                whole,
            } => {
                let what = if *whole { "a whole number" } else { "a number" };
                match variable {
                    Some((name, shown)) => {
                        write!(f, "`{key}`: variable `{name}` is {shown}, not {what}")
                    }
                    None => write!(
                        f,
                        "`{key}`: {written:?} became {rendered:?}, which is not {what}"
                    ),
                }
            }
        }
    }
}

impl std::error::Error for OperandError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            OperandError::Template(e) => Some(e),
            _ => None,
        }
    }
}

impl From<TemplateError> for OperandError {
    fn from(e: TemplateError) -> Self {
        OperandError::Template(e)
    }
}

/// A number in the spec: written out, or text with variables whose rendering must be a number.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    Fixed(Num),
    Template(Template),
}

impl Operand {
    /// From the YAML value of `key`: a number, or a string with at least one `${variable}`.
    pub fn from_value(key: &str, v: &Value) -> Result<Operand, OperandError> {
        match v {
            Value::Number(n) => Ok(Operand::Fixed(Num::from_json(n))),
            Value::String(s) => {
                let t = Template::parse(s)?;
                let (key, text) = (key.to_string(), s.clone());
                if !t.has_vars() && Num::parse(s).is_some() {
                    return Err(OperandError::Quoted { key, text });
                }
                if !t.has_vars() {
                    return Err(OperandError::NoVariable { key, text });
                }
                Ok(Operand::Template(t))
            }
            other => Err(OperandError::WrongType {
                key: key.to_string(),
                found: crate::text::type_of(other),
            }),
        }
    }

    pub fn vars(&self) -> Vec<&str> {
        match self {
            Operand::Fixed(_) => vec![],
            Operand::Template(t) => t.vars().collect(),
        }
    }

    /// The number, once the variables are known; `key` names the spec key in messages.
    pub fn resolve(&self, key: &str, vars: &Vars) -> Result<Num, OperandError> {
        match self {
            Operand::Fixed(n) => Ok(*n),
            Operand::Template(t) => {
                let text = t.render_string(vars)?;
                Num::parse(&text).ok_or_else(|| not_a(key, t, vars, text, false))
            }
        }
    }

    /// A whole number at least zero (a bound of `length` or `count`).
    fn resolve_count(&self, key: &str, vars: &Vars) -> Result<u64, OperandError> {
        match self {
            Operand::Fixed(n) => n.as_count().ok_or_else(|| OperandError::NotACount {
                key: key.to_string(),
                number: *n,
            }),
            Operand::Template(t) => {
                let text = t.render_string(vars)?;
                Num::parse(&text)
                    .and_then(Num::as_count)
                    .ok_or_else(|| not_a(key, t, vars, text, true))
            }
        }
    }
}

/// "`ge`: variable `before` is "abc", not a number" (or, for text around the variables, what the text became).
fn not_a(key: &str, t: &Template, vars: &Vars, rendered: String, whole: bool) -> OperandError {
    let names: Vec<&str> = t.vars().collect();
    let lone = matches!(names.as_slice(), [name] if t.source() == format!("${{{name}}}"));
    let variable = match (names.as_slice(), lone) {
        ([name], true) => {
            let shown = vars
                .get(*name)
                .map(|v| crate::text::preview(&v.to_string(), 100))
                .unwrap_or_default();
            Some((name.to_string(), shown))
        }
        _ => None,
    };
    OperandError::NotANumber {
        key: key.to_string(),
        written: t.source(),
        rendered,
        variable,
        whole,
    }
}

impl fmt::Display for Operand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Operand::Fixed(n) => write!(f, "{n}"),
            Operand::Template(t) => f.write_str(&t.source()),
        }
    }
}

/// A count: `2` (exactly) or `{min: 1, max: 3}` (either end optional).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Bound {
    pub min: Option<u64>,
    pub max: Option<u64>,
}

impl Bound {
    pub fn contains(&self, n: u64) -> bool {
        self.min.is_none_or(|m| n >= m) && self.max.is_none_or(|m| n <= m)
    }
}

impl fmt::Display for Bound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.min, self.max) {
            (Some(a), Some(b)) if a == b => write!(f, "exactly {a}"),
            (Some(a), Some(b)) => write!(f, "between {a} and {b}"),
            (Some(a), None) => write!(f, "at least {a}"),
            (None, Some(b)) => write!(f, "at most {b}"),
            (None, None) => write!(f, "any number"),
        }
    }
}

/// The bounds of `length` or `count` as written: `2`, `{min: 1}`, `'${total}'`, `{min: '${n}', max: 10}`.
#[derive(Debug, Clone, PartialEq)]
pub struct BoundSpec {
    pub min: Option<Operand>,
    pub max: Option<Operand>,
}

impl BoundSpec {
    #[cfg(test)]
    pub fn exactly(n: u64) -> BoundSpec {
        let n = Operand::Fixed(Num::Int(n.into()));
        BoundSpec {
            min: Some(n.clone()),
            max: Some(n),
        }
    }

    pub fn vars(&self) -> Vec<&str> {
        let mut out = Vec::new();
        for o in [&self.min, &self.max].into_iter().flatten() {
            out.extend(o.vars());
        }
        out
    }

    pub fn resolve(&self, key: &str, vars: &Vars) -> Result<Bound, OperandError> {
        let end = |o: &Option<Operand>| o.as_ref().map(|o| o.resolve_count(key, vars)).transpose();
        Ok(Bound {
            min: end(&self.min)?,
            max: end(&self.max)?,
        })
    }
}

impl From<Bound> for BoundSpec {
    fn from(b: Bound) -> Self {
        let op = |n: Option<u64>| n.map(|n| Operand::Fixed(Num::Int(n.into())));
        BoundSpec {
            min: op(b.min),
            max: op(b.max),
        }
    }
}

impl fmt::Display for BoundSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.min, &self.max) {
            (Some(a), Some(b)) if a == b => write!(f, "exactly {a}"),
            (Some(a), Some(b)) => write!(f, "between {a} and {b}"),
            (Some(a), None) => write!(f, "at least {a}"),
            (None, Some(b)) => write!(f, "at most {b}"),
            (None, None) => write!(f, "any number"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn vars() -> Vars {
        [
            ("n".to_string(), json!(3)),
            ("total".to_string(), json!("12")),
            ("word".to_string(), json!("abc")),
            ("half".to_string(), json!(2.5)),
        ]
        .into()
    }

    fn op(v: Value) -> Operand {
        Operand::from_value("gt", &v).unwrap()
    }

    #[test]
    fn numbers_compare_by_value() {
        let n = |s: &str| Num::parse(s).unwrap();
        assert_eq!(n("3").compare(n("3.0")), Some(Ordering::Equal));
        assert_eq!(n("-1").compare(n("2")), Some(Ordering::Less));
        assert_eq!(
            n("18446744073709551615").compare(n("18446744073709551614")),
            Some(Ordering::Greater),
            "large whole numbers stay exact"
        );
        assert_eq!(n(" 7 "), Num::Int(7));
        for bad in ["", "abc", "+1", "0x10", "1,000", "NaN"] {
            assert_eq!(Num::parse(bad), None, "{bad}");
        }
        assert!(Cmp::Gt.holds(Ordering::Greater) && !Cmp::Gt.holds(Ordering::Equal));
        assert!(Cmp::Ge.holds(Ordering::Equal) && !Cmp::Ge.holds(Ordering::Less));
        assert!(Cmp::Lt.holds(Ordering::Less) && !Cmp::Lt.holds(Ordering::Equal));
        assert!(Cmp::Le.holds(Ordering::Equal) && !Cmp::Le.holds(Ordering::Greater));
    }

    #[test]
    fn operands_are_numbers_or_variables() {
        assert_eq!(op(json!(2)).resolve("gt", &vars()), Ok(Num::Int(2)));
        assert_eq!(op(json!("${n}")).resolve("gt", &vars()), Ok(Num::Int(3)));
        assert_eq!(
            op(json!("${total}")).resolve("gt", &vars()),
            Ok(Num::Int(12)),
            "a captured header is text"
        );
        assert_eq!(
            op(json!("${word}"))
                .resolve("ge", &vars())
                .unwrap_err()
                .to_string(),
            "`ge`: variable `word` is \"abc\", not a number"
        );
        assert_eq!(
            op(json!("${n}x"))
                .resolve("ge", &vars())
                .unwrap_err()
                .to_string(),
            "`ge`: \"${n}x\" became \"3x\", which is not a number"
        );
        assert_eq!(
            Operand::from_value("gt", &json!("5")).unwrap_err(),
            OperandError::Quoted {
                key: "gt".into(),
                text: "5".into()
            }
        );
        assert_eq!(
            Operand::from_value("gt", &json!("5"))
                .unwrap_err()
                .to_string(),
            "`gt` takes a number or a `${variable}`: write 5 without quotes"
        );
        assert_eq!(
            Operand::from_value("gt", &json!("five"))
                .unwrap_err()
                .to_string(),
            "`gt` takes a number or a `${variable}`, not \"five\""
        );
        assert!(Operand::from_value("gt", &json!([1]))
            .unwrap_err()
            .to_string()
            .contains("not array"));
    }

    #[test]
    fn bounds_take_variables_that_are_whole_numbers() {
        let exact = BoundSpec {
            min: Some(op(json!("${total}"))),
            max: Some(op(json!("${total}"))),
        };
        assert_eq!(
            exact.resolve("length", &vars()),
            Ok(Bound {
                min: Some(12),
                max: Some(12)
            })
        );
        assert_eq!(exact.to_string(), "exactly ${total}");
        let half = BoundSpec {
            min: Some(op(json!("${half}"))),
            max: None,
        };
        assert_eq!(
            half.resolve("count", &vars()).unwrap_err().to_string(),
            "`count`: variable `half` is 2.5, not a whole number"
        );
        assert_eq!(BoundSpec::exactly(2).to_string(), "exactly 2");
        assert_eq!(exact.vars(), ["total", "total"]);
    }
}
