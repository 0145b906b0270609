//! The API's contract: the reference server's OpenAPI document (`fixtures/openapi.json`, built in), corrected by
//! `fixtures/openapi-overlay.yaml`, and JSON Schema validators compiled from it for `schema:` checks.
//!
//! OpenAPI 3.1 schemas are JSON Schema 2020-12, so that is the draft used. A `nullable: true` (OpenAPI 3.0's way of
//! saying "or null", which some 3.1 documents still carry) is turned into a `null` alternative first. `format`
//! is asserted (`uuid`, `date-time`, ...): an id the contract declares a UUID must be one. `uuid`, `date-time` and
//! `uri` are checked by `crate::format`, as the `format:` predicate checks them.
//!
//! Each component is compiled once, on first use, and shared by every check that names it.

mod overlay;

pub use overlay::OverlayError;

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, OnceLock};

use jsonschema::{Draft, Registry, Resource, Validator};
use serde_json::Value;

use crate::format::Format;

const DOCUMENT: &str = include_str!("../../fixtures/openapi.json");
const OVERLAY: &str = include_str!("../../fixtures/openapi-overlay.yaml");

/// The document's address for `$ref`s; the schemas never leave the process.
const BASE: &str = "urn:langgraph-conformance:openapi";
const COMPONENTS: &str = "#/components/schemas/";

/// Why the OpenAPI document cannot be used, or a schema cannot be compiled against it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum ContractError {
    /// The document is not JSON.
    NotJson(Arc<serde_json::Error>),
    /// Not an OpenAPI 3.0 or 3.1 document: `version` is what its `openapi` says (empty when nothing).
    Version { version: String },
    /// The overlay does not read, or does not fit the document.
    Overlay(OverlayError),
    /// The document's references cannot be resolved.
    Unusable(Arc<jsonschema::ReferencingError>),
    /// No component of that name: the nearest name, else the components that are shapes of answers; `count` is
    /// how many components there are in all.
    UnknownComponent {
        name: String,
        near: Option<String>,
        answers: Vec<String>,
        count: usize,
    },
    /// The component does not compile.
    Component {
        name: String,
        source: Arc<jsonschema::ValidationError<'static>>,
    },
    /// The inline schema is not a JSON Schema: what the meta-schema found first (if it says).
    InvalidInline(Option<Arc<jsonschema::ValidationError<'static>>>),
    /// The inline schema does not compile.
    Inline(Arc<jsonschema::ValidationError<'static>>),
}

impl fmt::Display for ContractError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ContractError::NotJson(e) => write!(f, "the OpenAPI document is not JSON: {e}"),
            ContractError::Version { version } => write!(
                f,
                "the OpenAPI document is version `{version}`; schema checks read OpenAPI 3.0 and 3.1"
            ),
            ContractError::Overlay(e) => write!(f, "{e}"),
            ContractError::Unusable(e) => write!(f, "the OpenAPI document cannot be used: {e}"),
            ContractError::UnknownComponent {
                name,
                near: Some(near),
                ..
            } => write!(
                f,
                "`{name}` is not a schema of the API's OpenAPI document; did you mean `{near}`?"
            ),
            ContractError::UnknownComponent {
                name,
                near: None,
                answers,
                count,
            } => write!(
                f,
                "`{name}` is not a schema of the API's OpenAPI document; the shapes of its answers are: {} ({count} \
                 schemas in all, under `components.schemas` in fixtures/openapi.json)",
                answers.join(", ")
            ),
            ContractError::Component { name, source } => {
                write!(f, "component `{name}` cannot be compiled: {source}")
            }
            ContractError::InvalidInline(e) => write!(
                f,
                "the inline schema is not a valid JSON Schema: {}",
                e.as_deref().map(describe_meta_error).unwrap_or_default()
            ),
            ContractError::Inline(e) => write!(f, "the inline schema cannot be compiled: {e}"),
        }
    }
}

impl std::error::Error for ContractError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ContractError::NotJson(e) => Some(e.as_ref()),
            ContractError::Overlay(e) => Some(e),
            ContractError::Unusable(e) => Some(e.as_ref()),
            ContractError::Component { source, .. } => Some(source.as_ref()),
            ContractError::InvalidInline(e) => e.as_deref().map(|e| e as _),
            ContractError::Inline(e) => Some(e.as_ref()),
            ContractError::Version { .. } | ContractError::UnknownComponent { .. } => None,
        }
    }
}

pub struct Contract {
    names: Vec<String>,
    registry: Registry<'static>,
    compiled: Mutex<HashMap<String, Arc<Validator>>>,
}

impl std::fmt::Debug for Contract {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Contract")
            .field("components", &self.names.len())
            .finish()
    }
}

/// The built-in contract, read once. An error (a broken overlay) is reported by every spec that uses `schema:`.
pub fn reference() -> Result<&'static Contract, ContractError> {
    static REFERENCE: OnceLock<Result<Contract, ContractError>> = OnceLock::new();
    REFERENCE
        .get_or_init(|| Contract::new(DOCUMENT, OVERLAY))
        .as_ref()
        .map_err(Clone::clone)
}

impl Contract {
    pub fn new(document: &str, overlay: &str) -> Result<Contract, ContractError> {
        let mut doc: Value =
            serde_json::from_str(document).map_err(|e| ContractError::NotJson(Arc::new(e)))?;
        let version = doc.get("openapi").and_then(Value::as_str).unwrap_or("");
        if !(version.starts_with("3.0") || version.starts_with("3.1")) {
            return Err(ContractError::Version {
                version: version.to_string(),
            });
        }
        overlay::parse(overlay)
            .and_then(|entries| overlay::apply(&mut doc, &entries))
            .map_err(ContractError::Overlay)?;
        nullable_to_null(&mut doc);
        let mut names: Vec<String> = doc
            .pointer("/components/schemas")
            .and_then(Value::as_object)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        names.sort();
        let registry = Registry::new()
            .draft(Draft::Draft202012)
            .add(BASE, Resource::from_contents(doc))
            .and_then(|r| r.prepare())
            .map_err(|e| ContractError::Unusable(Arc::new(e)))?;
        Ok(Contract {
            names,
            registry,
            compiled: Mutex::new(HashMap::new()),
        })
    }

    /// The component's validator, compiled on first use. An unknown name gets a did-you-mean or the list of names.
    pub fn component(&self, name: &str) -> Result<Arc<Validator>, ContractError> {
        if !self.names.iter().any(|n| n == name) {
            return Err(self.unknown(name));
        }
        let mut cache = self.compiled.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(v) = cache.get(name) {
            return Ok(v.clone());
        }
        let pointer = format!(
            "{BASE}{COMPONENTS}{}",
            name.replace('~', "~0").replace('/', "~1")
        );
        let v = Arc::new(
            self.compile(&serde_json::json!({ "$ref": pointer }))
                .map_err(|e| ContractError::Component {
                    name: name.to_string(),
                    source: Arc::new(e),
                })?,
        );
        cache.insert(name.to_string(), v.clone());
        Ok(v)
    }

    /// A schema written in a spec; its `$ref`s may name components (`$ref: '#/components/schemas/Thread'`).
    pub fn inline(&self, schema: &Value) -> Result<Validator, ContractError> {
        let mut schema = schema.clone();
        point_refs_at_document(&mut schema);
        if !jsonschema::draft202012::meta::is_valid(&schema) {
            let e = jsonschema::draft202012::meta::validate(&schema)
                .err()
                .map(|e| Arc::new(e.to_owned()));
            return Err(ContractError::InvalidInline(e));
        }
        self.compile(&schema)
            .map_err(|e| ContractError::Inline(Arc::new(e)))
    }

    fn compile(&self, schema: &Value) -> Result<Validator, jsonschema::ValidationError<'static>> {
        let mut options = jsonschema::options()
            .with_draft(Draft::Draft202012)
            .should_validate_formats(true)
            .with_registry(&self.registry);
        // `format:` and `schema:` must not disagree about a string: both use the one checker of each format.
        for format in Format::ALL {
            options =
                options.with_format(format.name(), move |s: &str| format.why_not(s).is_none());
        }
        options.build(schema)
    }

    fn unknown(&self, name: &str) -> ContractError {
        let near = crate::spelling::closest(name, self.names.iter().map(String::as_str));
        // The shapes of answers, which is what specs check; request bodies would double the list.
        let request_words = [
            "Request", "Create", "Patch", "Search", "Count", "Update", "Cancel", "Batch",
            "Protocol",
        ];
        let answers = match near {
            Some(_) => Vec::new(),
            None => self
                .names
                .iter()
                .filter(|n| !request_words.iter().any(|w| n.contains(w)))
                .cloned()
                .collect(),
        };
        ContractError::UnknownComponent {
            name: name.to_string(),
            near: near.map(str::to_string),
            answers,
            count: self.names.len(),
        }
    }

    #[cfg(test)]
    pub fn names(&self) -> &[String] {
        &self.names
    }
}

fn describe_meta_error(e: &jsonschema::ValidationError<'_>) -> String {
    let at = e.instance_path().as_str();
    // The meta-schema says "not valid under any of the schemas listed in anyOf"; for `type` the author wants this.
    if at.ends_with("/type") && e.kind().keyword() == "anyOf" {
        return format!(
            "at {at}, {} is not a type name (null, boolean, object, array, number, string, integer) or a list of them",
            crate::text::preview(&e.instance().to_string(), 100)
        );
    }
    let at = if at.is_empty() { "the top level" } else { at };
    format!("at {at}, {}", crate::text::preview(&e.to_string(), 200))
}

/// `{type: string, nullable: true}` -> `{type: [string, null]}`, everywhere in the document. Where `type` is absent
/// (`nullable` beside a `$ref` or `anyOf`), the schema becomes `anyOf: [<itself>, {type: null}]`.
fn nullable_to_null(v: &mut Value) {
    match v {
        Value::Object(m) => {
            for child in m.values_mut() {
                nullable_to_null(child);
            }
            if m.shift_remove("nullable") != Some(Value::Bool(true)) {
                return;
            }
            match m.get_mut("type") {
                Some(Value::String(t)) => {
                    let t = t.clone();
                    m.insert("type".into(), serde_json::json!([t, "null"]));
                }
                Some(Value::Array(ts)) => {
                    if !ts.iter().any(|t| t == "null") {
                        ts.push("null".into());
                    }
                }
                _ => {
                    let itself = Value::Object(std::mem::take(m));
                    m.insert(
                        "anyOf".into(),
                        serde_json::json!([itself, {"type": "null"}]),
                    );
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(nullable_to_null),
        _ => {}
    }
}

/// Makes the spec's `#/components/...` references point into the OpenAPI document.
fn point_refs_at_document(v: &mut Value) {
    match v {
        Value::Object(m) => {
            if let Some(Value::String(r)) = m.get_mut("$ref") {
                if r.starts_with(COMPONENTS) {
                    *r = format!("{BASE}{r}");
                }
            }
            m.values_mut().for_each(point_refs_at_document);
        }
        Value::Array(a) => a.iter_mut().for_each(point_refs_at_document),
        _ => {}
    }
}

#[cfg(test)]
mod tests;
