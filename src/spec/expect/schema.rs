//! `schema:`: a value checked against a component of the API's OpenAPI document or an inline JSON Schema, compiled
//! when the spec is loaded.

use std::sync::Arc;

use jsonschema::Validator;
use serde_json::Value;

use crate::text::type_of;

/// `schema:`, compiled.
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
    pub fn label(&self) -> String {
        match &self.component {
            Some(name) => format!("schema `{name}`"),
            None => "the inline schema".to_string(),
        }
    }

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
                type_of(other)
            )),
        }
    }
}
