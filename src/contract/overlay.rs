//! The overlay: corrections to the OpenAPI document where the reference server's own answers break it, applied
//! before anything is compiled. Each entry names a place in the document by JSON pointer, says what goes there
//! (`set`) or that it goes (`remove: true`), and why (`reason`, required: the list of corrections is a finding).

use serde::Deserialize;
use serde_json::Value;

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
pub fn parse(yaml: &str) -> Result<Vec<Entry>, String> {
    serde_saphyr::from_str::<Vec<Entry>>(yaml)
        .map_err(|e| format!("the OpenAPI overlay: {}", e.without_snippet()))
}

/// Applies every entry in order; an entry that no longer fits the document is an error, so a new server version
/// cannot leave a stale correction in place unnoticed.
pub fn apply(doc: &mut Value, entries: &[Entry]) -> Result<(), String> {
    for e in entries {
        apply_one(doc, e)
            .map_err(|why| format!("the OpenAPI overlay entry at `{}`: {why}", e.at))?;
    }
    Ok(())
}

fn apply_one(doc: &mut Value, e: &Entry) -> Result<(), String> {
    if e.reason.trim().is_empty() {
        return Err("`reason` cannot be empty".into());
    }
    let (parent_ptr, key) = split_last(&e.at)?;
    let parent = doc
        .pointer_mut(parent_ptr)
        .ok_or_else(|| format!("`{parent_ptr}` is not in the document"))?;
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
                    .ok_or_else(|| {
                        format!("`{key}` is not an index of the array at `{parent_ptr}`")
                    })?;
                *slot = v.clone();
                Ok(())
            }
            _ => Err(format!("`{parent_ptr}` is neither an object nor an array")),
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
                Err("there is nothing there to remove".into())
            }
        }
        _ => Err("give either `set: <value>` or `remove: true`".into()),
    }
}

/// `/a/b~1c` -> (`/a`, `b/c`): the parent's pointer and the last token, unescaped.
fn split_last(ptr: &str) -> Result<(&str, String), String> {
    let i = ptr
        .rfind('/')
        .filter(|_| ptr.starts_with('/'))
        .ok_or_else(|| "`at` must be a JSON pointer starting with `/`".to_string())?;
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

    fn applied(yaml: &str) -> Result<Value, String> {
        let mut d = doc();
        apply(&mut d, &parse(yaml)?)?;
        Ok(d)
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
        assert_eq!(e, "the OpenAPI overlay entry at `/components/schemas/Nope/required`: `/components/schemas/Nope` is not in the document");
        let e =
            applied("- {at: /components/schemas/T/nope, remove: true, reason: x}\n").unwrap_err();
        assert!(e.ends_with("there is nothing there to remove"), "{e}");
        let e = applied("- {at: /components/schemas/T/required, reason: x}\n").unwrap_err();
        assert!(
            e.ends_with("give either `set: <value>` or `remove: true`"),
            "{e}"
        );
        let e =
            applied("- {at: /components/schemas/T/required, set: [], reason: ' '}\n").unwrap_err();
        assert!(e.ends_with("`reason` cannot be empty"), "{e}");
        let e = applied("- {at: components, set: [], reason: x}\n").unwrap_err();
        assert!(
            e.ends_with("must be a JSON pointer starting with `/`"),
            "{e}"
        );
        assert!(applied("- {at: /x, set: 1}\n")
            .unwrap_err()
            .contains("reason"));
    }
}
