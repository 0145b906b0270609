//! Checking `schema:`: a value checked against a component of the API's OpenAPI document or an inline JSON Schema.
//! A failure names where in the value (JSON pointer), the keyword and its place in the schema, with the offending
//! value previewed; when there are several, the first few and how many.

use jsonschema::error::ValidationErrorKind;
use jsonschema::ValidationError;
use serde_json::Value;

use super::Failure;
use crate::source::Loc;
use crate::spec::expect::schema::SchemaCheck;
use crate::text::preview;

/// Errors listed in a failure; the rest are counted.
const SHOWN: usize = 3;

impl SchemaCheck {
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
        what_is_wrong(e),
        e.kind().keyword(),
        schema_path(e)
    )
}

/// The library's sentence, except for `enum`, whose options it abbreviates: the author wants to see them all.
fn what_is_wrong(e: &ValidationError<'_>) -> String {
    match e.kind() {
        ValidationErrorKind::Enum { options } => format!(
            "{} is not one of {}",
            preview(&e.instance().to_string(), 120),
            preview(&options.to_string(), 200)
        ),
        _ => preview(&e.to_string(), 200),
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::ContractError;
    use crate::jsonpath::Path;
    use crate::spec::expect::json::{JsonCheck, Pred};
    use crate::spec::expect::schema::SchemaError;
    use crate::template::Vars;
    use serde_json::json;

    fn thread(status: &str) -> Value {
        json!({
            "thread_id": "6f1c3b4e-2a1d-4c5e-9f00-0123456789ab",
            "created_at": "2026-11-25T05:00:00+00:00",
            "updated_at": "2026-11-25T05:00:00+00:00",
            "metadata": {}, "status": status, "values": null
        })
    }

    fn check(path: &str, schema: Value, doc: &Value) -> Vec<Failure> {
        let c = JsonCheck {
            loc: Loc::new(1, 1),
            path: Path::parse(path).unwrap().into(),
            preds: vec![(
                Loc::new(2, 3),
                Pred::Schema(SchemaCheck::from_spec(&schema).unwrap()),
            )],
            level: crate::check::Level::Must,
        };
        c.check(doc, &Vars::new(), "the response body")
    }

    #[test]
    fn a_component_passes_and_fails_with_pointer_keyword_and_schema_path() {
        assert!(check("$", json!("Thread"), &thread("idle")).is_empty());
        let f = check("$", json!("Thread"), &thread("bogus"));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].loc, Loc::new(2, 3));
        assert_eq!(
            f[0].message,
            "`$` in the response body does not match schema `Thread`: at /status, \"bogus\" is not one of [\"idle\",\"busy\",\"interrupted\",\"error\"] (keyword `enum`, schema path /properties/status/enum)"
        );
    }

    #[test]
    fn an_inline_schema_passes_and_fails() {
        let schema = json!({"type": "object", "required": ["thread_id"]});
        assert!(check("$", schema.clone(), &thread("idle")).is_empty());
        let f = check("$", schema, &json!({"id": 1}));
        assert_eq!(
            f[0].message,
            "`$` in the response body does not match the inline schema: at the top level, \"thread_id\" is a required property (keyword `required`, schema path /required)"
        );
    }

    #[test]
    fn several_errors_show_the_first_few_and_a_count() {
        let f = check("$", json!("Thread"), &json!({"status": 1}));
        assert_eq!(f.len(), 1);
        assert!(
            f[0].message
                .ends_with("does not match schema `Thread`: 6 errors"),
            "{}",
            f[0].message
        );
        assert_eq!(f[0].notes.len(), 4, "{:?}", f[0].notes);
        assert_eq!(f[0].notes[3], "… and 3 more");
    }

    #[test]
    fn a_non_singular_path_checks_every_node_and_never_vacuously() {
        let list = json!([thread("idle"), thread("busy"), thread("nope")]);
        assert!(check("$[0:2]", json!("Thread"), &list).is_empty());
        let f = check("$[*]", json!("Thread"), &list);
        assert_eq!(f.len(), 1);
        assert!(f[0].message.starts_with("node 3 of 3 selected by `$[*]` in the response body does not match schema `Thread`: at /status"), "{}", f[0].message);
        let f = check("$[*]", json!("Thread"), &json!([]));
        assert_eq!(
            f[0].message,
            "`$[*]` selects nothing in the response body, so `schema` has nothing to check"
        );
        let f = check("$.thread", json!("Thread"), &json!({}));
        assert_eq!(
            f[0].message,
            "`$.thread` selects nothing in the response body"
        );
    }

    #[test]
    fn a_long_offending_value_is_previewed() {
        let big = "x".repeat(1000);
        let f = check("$", json!({"type": "integer"}), &json!(big));
        assert!(f[0].message.contains("… ("), "{}", f[0].message);
        assert!(f[0].message.len() < 400, "{}", f[0].message);
    }

    #[test]
    fn what_a_spec_may_write() {
        let e = SchemaCheck::from_spec(&json!("Thred")).unwrap_err();
        assert!(
            matches!(
                &e,
                SchemaError::Contract(ContractError::UnknownComponent { near: Some(n), .. }) if n == "Thread"
            ),
            "{e:?}"
        );
        let e = e.to_string();
        assert!(e.ends_with("did you mean `Thread`?"), "{e}");
        let e = SchemaCheck::from_spec(&json!(3)).unwrap_err().to_string();
        assert!(e.ends_with("not integer"), "{e}");
        let e = SchemaCheck::from_spec(&json!({"type": 3}))
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("the inline schema is not a valid JSON Schema"),
            "{e}"
        );
    }
}
