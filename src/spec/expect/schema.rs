//! `schema:`: a value checked against a component of the API's OpenAPI document or an inline JSON Schema, compiled
//! when the spec is loaded.

use std::sync::Arc;

use jsonschema::Validator;
use serde_json::Value;

use crate::contract::ContractError;
use crate::text::type_of;

/// Why `schema:` cannot be compiled.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum SchemaError {
    /// The contract cannot be read, the component is not in it, or the schema does not compile.
    Contract(ContractError),
    /// Neither a component's name nor a mapping: `found` is the JSON type written.
    WrongType { found: &'static str },
}

impl std::fmt::Display for SchemaError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SchemaError::Contract(e) => write!(f, "{e}"),
            SchemaError::WrongType { found } => write!(
                f,
                "`schema` is a component name of the API's OpenAPI document (`schema: Thread`) or an inline JSON \
                 Schema (a mapping), not {found}"
            ),
        }
    }
}

impl std::error::Error for SchemaError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SchemaError::Contract(e) => Some(e),
            SchemaError::WrongType { .. } => None,
        }
    }
}

impl From<ContractError> for SchemaError {
    fn from(e: ContractError) -> Self {
        SchemaError::Contract(e)
    }
}

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
    pub fn from_spec(written: &Value) -> Result<SchemaCheck, SchemaError> {
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
            other => Err(SchemaError::WrongType {
                found: type_of(other),
            }),
        }
    }
}
