//! The overlay: corrections to the OpenAPI document where the reference server's own answers break it, applied
//! before anything is compiled. Each entry names a place in the document by JSON pointer, says what goes there
//! (`set`) or that it goes (`remove: true`), and why (`reason`, required: the list of corrections is a finding).

use std::fmt;
use std::sync::Arc;

use serde::Deserialize;
use serde_json::Value;

/// Why the overlay cannot be applied.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum OverlayError {
    /// The overlay file does not read as a list of entries.
    Parse(Arc<serde_saphyr::Error>),
    /// The entry at `at` does not fit the document.
    Entry { at: String, why: EntryError },
}

impl fmt::Display for OverlayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OverlayError::Parse(e) => write!(f, "the OpenAPI overlay: {}", e.without_snippet()),
            OverlayError::Entry { at, why } => {
                write!(f, "the OpenAPI overlay entry at `{at}`: {why}")
            }
        }
    }
}

impl std::error::Error for OverlayError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            OverlayError::Parse(e) => Some(e.as_ref()),
            OverlayError::Entry { why, .. } => Some(why),
        }
    }
}

/// What is wrong with one entry of the overlay.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum EntryError {
    NoReason,
    /// `at` is not a JSON pointer.
    NotAPointer,
    /// The place the entry's pointer leads into (`parent`) is not in the document.
    NotInDocument {
        parent: String,
    },
    /// `key` is no index of the array at `parent`.
    NotAnIndex {
        key: String,
        parent: String,
    },
    /// The value at `parent` holds nothing by key or index.
    NotAContainer {
        parent: String,
    },
    /// `remove: true`, and nothing is there.
    NothingToRemove,
    /// Neither `set` nor `remove`, or both.
    SetOrRemove,
}

impl fmt::Display for EntryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EntryError::NoReason => f.write_str("`reason` cannot be empty"),
            EntryError::NotAPointer => f.write_str("`at` must be a JSON pointer starting with `/`"),
            EntryError::NotInDocument { parent } => write!(f, "`{parent}` is not in the document"),
            EntryError::NotAnIndex { key, parent } => {
                write!(f, "`{key}` is not an index of the array at `{parent}`")
            }
            EntryError::NotAContainer { parent } => {
                write!(f, "`{parent}` is neither an object nor an array")
            }
            EntryError::NothingToRemove => f.write_str("there is nothing there to remove"),
            EntryError::SetOrRemove => f.write_str("give either `set: <value>` or `remove: true`"),
        }
    }
}

impl std::error::Error for EntryError {}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// A JSON pointer into the document, e.g. `/components/schemas/Thread/properties/values`.
    pub at: String,
    #[serde(default, deserialize_with = "present")]
    pub set: Option<Value>,
    #[serde(default)]
    pub remove: bool,
    pub reason: String,
}

fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

/// Reads the overlay file's entries.
pub fn parse(yaml: &str) -> Result<Vec<Entry>, OverlayError> {
    serde_saphyr::from_str::<Vec<Entry>>(yaml).map_err(|e| OverlayError::Parse(Arc::new(e)))
}

/// Applies every entry in order; an entry that no longer fits the document is an error, so a new server version
/// cannot leave a stale correction in place unnoticed.
pub fn apply(doc: &mut Value, entries: &[Entry]) -> Result<(), OverlayError> {
    for e in entries {
        apply_one(doc, e).map_err(|why| OverlayError::Entry {
            at: e.at.clone(),
            why,
        })?;
    }
    Ok(())
}

fn apply_one(doc: &mut Value, e: &Entry) -> Result<(), EntryError> {
    if e.reason.trim().is_empty() {
        return Err(EntryError::NoReason);
    }
    let (parent_ptr, key) = split_last(&e.at)?;
    let parent = doc
        .pointer_mut(parent_ptr)
        .ok_or_else(|| EntryError::NotInDocument {
            parent: parent_ptr.to_string(),
        })?;
    match (&e.set, e.remove) {
        (Some(v), false) => match parent {
            Value::Object(m) => {
                m.insert(key, v.clone());
                Ok(())
            }
            Value::Array(a) => {
                let slot = key
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| a.get_mut(i))
                    .ok_or_else(|| EntryError::NotAnIndex {
                        key: key.clone(),
                        parent: parent_ptr.to_string(),
                    })?;
                *slot = v.clone();
                Ok(())
            }
            _ => Err(EntryError::NotAContainer {
                parent: parent_ptr.to_string(),
            }),
        },
        (None, true) => {
            let gone = match parent {
                Value::Object(m) => m.shift_remove(&key).is_some(),
                Value::Array(a) => match key.parse::<usize>() {
                    Ok(i) if i < a.len() => {
                        a.remove(i);
                        true
                    }
                    _ => false,
                },
                _ => false,
            };
            if gone {
                Ok(())
            } else {
                Err(EntryError::NothingToRemove)
            }
        }
        _ => Err(EntryError::SetOrRemove),
    }
}

/// `/a/b~1c` -> (`/a`, `b/c`): the parent's pointer and the last token, unescaped.
fn split_last(ptr: &str) -> Result<(&str, String), EntryError> {
    let i = ptr
        .rfind('/')
        .filter(|_| ptr.starts_with('/'))
        .ok_or(EntryError::NotAPointer)?;
    Ok((
        &ptr[..i],
        ptr[i + 1..].replace("~1", "/").replace("~0", "~"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc() -> Value {
        json!({"components": {"schemas": {"T": {"required": ["a", "b"], "properties": {"a/b": {"type": "string"}}}}}})
    }

    fn applied(yaml: &str) -> Result<Value, OverlayError> {
        let mut d = doc();
        apply(&mut d, &parse(yaml)?)?;
        Ok(d)
    }

    /// The message of the error applying `yaml` makes.
    fn refused(yaml: &str) -> String {
        applied(yaml).unwrap_err().to_string()
    }

    #[test]
    fn set_replaces_or_adds_and_remove_deletes() {
        let d = applied(
            "- {at: /components/schemas/T/required, set: [a], reason: b is sometimes left out}\n\
             - {at: '/components/schemas/T/properties/a~1b/type', set: [string, 'null'], reason: may be null}\n\
             - {at: /components/schemas/T/additionalProperties, set: true, reason: more keys come}\n\
             - {at: /components/schemas/T/required/0, remove: true, reason: a too}\n",
        )
        .unwrap();
        let t = &d["components"]["schemas"]["T"];
        assert_eq!(t["required"], json!([]));
        assert_eq!(t["properties"]["a/b"]["type"], json!(["string", "null"]));
        assert_eq!(t["additionalProperties"], json!(true));
    }

    #[test]
    fn an_entry_that_does_not_fit_is_an_error() {
        let e =
            applied("- {at: /components/schemas/Nope/required, set: [], reason: x}\n").unwrap_err();
        assert!(
            matches!(&e, OverlayError::Entry { at, why: EntryError::NotInDocument { parent } }
                if at == "/components/schemas/Nope/required" && parent == "/components/schemas/Nope"),
            "{e:?}"
        );
        assert_eq!(e.to_string(), "the OpenAPI overlay entry at `/components/schemas/Nope/required`: `/components/schemas/Nope` is not in the document");
        let e = refused("- {at: /components/schemas/T/nope, remove: true, reason: x}\n");
        assert!(e.ends_with("there is nothing there to remove"), "{e}");
        let e = refused("- {at: /components/schemas/T/required, reason: x}\n");
        assert!(
            e.ends_with("give either `set: <value>` or `remove: true`"),
            "{e}"
        );
        let e = refused("- {at: /components/schemas/T/required, set: [], reason: ' '}\n");
        assert!(e.ends_with("`reason` cannot be empty"), "{e}");
        let e = refused("- {at: components, set: [], reason: x}\n");
        assert!(
            e.ends_with("must be a JSON pointer starting with `/`"),
            "{e}"
        );
        assert!(refused("- {at: /x, set: 1}\n").contains("reason"));
    }
}
