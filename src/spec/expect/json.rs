//! Expectations on a JSON document, each one a JSONPath and one or more predicates.
//!
//! A singular path (only names and indexes) is checked as one value, which must be there; any other path is checked
//! as the JSON array of the nodes it selects. `count`, `exists` and `absent` look at how many nodes were selected,
//! and `every` checks each selected node on its own (there must be at least one, so it cannot pass vacuously).

use std::borrow::Cow;

use serde_json::Value;

use super::numbers::{BoundSpec, Cmp, Operand};
use super::schema::SchemaCheck;
use super::Level;
use crate::format::Format;
use crate::jsonpath::{Path, PathError};
use crate::source::Loc;
use crate::template::{Pattern, Template, TemplateError, Vars};

/// An item of `body:` (or of an event's `data:`): a path and what must hold of what it selects.
#[derive(Debug, Clone)]
pub struct JsonCheck {
    pub loc: Loc,
    pub path: CheckPath,
    pub preds: Vec<(Loc, Pred)>,
    /// Nested checks (under `every`) take the level of the check they are in.
    pub level: Level,
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
    /// The path, with the variables' values in it when it has any.
    pub fn resolve(&self, vars: &Vars) -> Result<Cow<'_, Path>, CheckPathError> {
        match self {
            CheckPath::Fixed(p) => Ok(Cow::Borrowed(p)),
            CheckPath::Template(t) => {
                let text = t.render_string(vars).map_err(CheckPathError::Template)?;
                Path::parse(&text)
                    .map(Cow::Owned)
                    .map_err(CheckPathError::Path)
            }
        }
    }
}

/// Why a path with variables has no path once they are known: they do not render, or what they render to is no
/// JSONPath.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum CheckPathError {
    Template(TemplateError),
    Path(PathError),
}

impl std::fmt::Display for CheckPathError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CheckPathError::Template(e) => write!(f, "{e}"),
            CheckPathError::Path(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for CheckPathError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CheckPathError::Template(e) => Some(e),
            CheckPathError::Path(e) => Some(e),
        }
    }
}

/// One predicate of a JSON check; `check::json` has one function for each.
#[derive(Debug, Clone)]
pub enum Pred {
    Exists(bool),
    Count(BoundSpec),
    Equals(Value),
    Type(Vec<JsonType>),
    Matches(Pattern),
    Length(BoundSpec),
    Contains(Value),
    OneOf(Vec<Value>),
    Compare(Cmp, Operand),
    Format(Format),
    Every(Vec<JsonCheck>),
    /// Holds unless every one of these holds.
    Not(Vec<(Loc, Pred)>),
    Schema(SchemaCheck),
}

/// A type name of `type:`.
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

    pub fn name(self) -> &'static str {
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

    pub fn holds(self, v: &Value) -> bool {
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
