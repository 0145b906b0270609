//! `schema:`: a value checked against a component of the API's OpenAPI document or an inline JSON Schema.
//! A failure names where in the value (JSON pointer), the keyword and its place in the schema, with the offending
//! value previewed; when there are several, the first few and how many.

use std::sync::Arc;

use jsonschema::{ValidationError, Validator};
use serde_json::Value;

use super::{preview, Failure};
use crate::source::Loc;

/// Errors listed in a failure; the rest are counted.
const SHOWN: usize = 3;

#[derive(Clone)]
pub struct SchemaCheck {
    /// The component's name; `None` for an inline schema.
    pub component: Option<String>,
    pub validator: Arc<Validator>,
}

impl std::fmt::Debug for SchemaCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SchemaCheck({})", self.label())
    }
}

impl SchemaCheck {
    fn label(&self) -> String {
        match &self.component {
            Some(name) => format!("schema `{name}`"),
            None => "the inline schema".to_string(),
        }
    }

    /// Checks one value; `what` names it ("`$` in the response body").
    pub fn check(&self, value: &Value, what: &str, loc: Loc) -> Option<Failure> {
        let mut errors = self.validator.iter_errors(value);
        let first = errors.next()?;
        let mut shown = vec![describe(&first)];
        let mut total = 1;
        for e in errors {
            total += 1;
            if shown.len() < SHOWN {
                shown.push(describe(&e));
            }
        }
        let label = self.label();
        if total == 1 {
            return Some(Failure::new(
                loc,
                format!("{what} does not match {label}: {}", shown[0]),
            ));
        }
        let mut f = Failure::new(
            loc,
            format!("{what} does not match {label}: {total} errors"),
        );
        for line in shown {
            f = f.with_note(line);
        }
        if total > SHOWN {
            f = f.with_note(format!("… and {} more", total - SHOWN));
        }
        Some(f)
    }
}

/// `at /status, "bogus" is not one of ... (keyword `enum`, schema path /properties/status/enum)`.
fn describe(e: &ValidationError<'_>) -> String {
    let at = match e.instance_path().as_str() {
        "" => "the top level",
        p => p,
    };
    format!(
        "at {at}, {} (keyword `{}`, schema path {})",
        preview(&e.to_string(), 200),
        e.kind().keyword(),
        schema_path(e)
    )
}

/// The keyword's place in the schema, from the component's root: references are followed, so a keyword inside
/// another component shows under the `$ref` that leads there.
fn schema_path(e: &ValidationError<'_>) -> String {
    let p = e.evaluation_path().as_str();
    let p = p.strip_prefix("/$ref").unwrap_or(p);
    if p.is_empty() {
        "/".to_string()
    } else {
        p.to_string()
    }
}

impl SchemaCheck {
    /// From what a spec wrote after `schema:`: a component name, or an inline schema (a mapping).
    pub fn from_spec(written: &Value) -> Result<SchemaCheck, String> {
        let contract = crate::contract::reference()?;
        match written {
            Value::String(name) => Ok(SchemaCheck {
                component: Some(name.clone()),
                validator: contract.component(name)?,
            }),
            Value::Object(_) => Ok(SchemaCheck {
                component: None,
                validator: Arc::new(contract.inline(written)?),
            }),
            other => Err(format!(
                "`schema` is a component name of the API's OpenAPI document (`schema: Thread`) or an inline JSON Schema (a mapping), not {}",
                crate::check::json::type_of(other)
            )),
        }
    }
}
