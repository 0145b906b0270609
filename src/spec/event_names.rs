//! The event names the API sends, so that a typo in a spec (`never: [eror]`) is refused when the spec is loaded
//! instead of passing forever. Names far from all of these stay allowed: a spec may forbid what an implementation
//! wrongly sends.

use crate::spelling::closest;

/// Event names of `/runs/stream` and the join stream (subgraph events are `<mode>|<namespace>`).
pub const KNOWN: [&str; 15] = [
    "metadata",
    "values",
    "updates",
    "messages",
    "messages/partial",
    "messages/complete",
    "messages/metadata",
    "events",
    "debug",
    "custom",
    "tasks",
    "checkpoints",
    "feedback",
    "error",
    "end",
];

/// `message` is what an event without an `event:` field is called, so it is no typo of `messages`.
const ALSO_ALLOWED: [&str; 1] = ["message"];

/// An event name a spec may not use.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum EventNameError {
    /// `messages-tuple`, a stream mode whose events are named `messages`; `name` as written.
    TupleMode { name: String },
    /// A near miss of `known`, a name the API sends; `name` is the mode part (before any `|`).
    Typo { name: String, known: &'static str },
}

impl std::fmt::Display for EventNameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EventNameError::TupleMode { name } => write!(
                f,
                "`{name}`: stream mode `messages-tuple` sends events named `messages`; no event is named `messages-tuple`"
            ),
            EventNameError::Typo { name, known } => {
                let hint = if known.starts_with("messages") {
                    " (stream mode `messages` sends `messages/partial`, `messages/complete` and `messages/metadata`; `messages-tuple` sends `messages`)"
                } else {
                    ""
                };
                write!(f, "unknown event name `{name}`: did you mean `{known}`?{hint}")
            }
        }
    }
}

impl std::error::Error for EventNameError {}

/// Refuses a name that is a near miss of a name the API sends, or a stream mode whose events are named otherwise.
/// A name a spec forbids (`never`) may be such a mode: an implementation could wrongly send it.
pub fn refuse_typo(name: &str, forbidden: bool) -> Result<(), EventNameError> {
    let mode = name.split('|').next().unwrap_or(name);
    if mode == "messages-tuple" && !forbidden {
        return Err(EventNameError::TupleMode {
            name: name.to_string(),
        });
    }
    if KNOWN.contains(&mode) || ALSO_ALLOWED.contains(&mode) {
        return Ok(());
    }
    match closest(mode, KNOWN) {
        Some(known) => Err(EventNameError::Typo {
            name: mode.to_string(),
            known,
        }),
        None => Ok(()),
    }
}

/// The stream modes a request's JSON asks for, when written out (no variables); None otherwise.
pub fn requested_modes(json: &serde_json::Value) -> Option<Vec<String>> {
    let literal =
        |v: &serde_json::Value| v.as_str().filter(|s| !s.contains("${")).map(str::to_string);
    match json.get("stream_mode")? {
        serde_json::Value::Array(a) => a.iter().map(literal).collect(),
        one => literal(one).map(|m| vec![m]),
    }
}

/// Why an event the spec expects cannot come from the stream modes requested: the messages modes name their events
/// otherwise.
pub fn mode_mismatch(modes: &[String], name: &str) -> Option<String> {
    let has = |m: &str| modes.iter().any(|x| x == m);
    let mode = name.split('|').next().unwrap_or(name);
    if mode == "messages" && has("messages") && !has("messages-tuple") {
        return Some(format!(
            "`{name}`: stream mode `messages` sends `messages/partial`, `messages/complete` and `messages/metadata` events; `messages` events come from stream mode `messages-tuple`"
        ));
    }
    if mode.starts_with("messages/") && has("messages-tuple") && !has("messages") {
        return Some(format!(
            "`{name}`: stream mode `messages-tuple` sends `messages` events; `{mode}` comes from stream mode `messages`"
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_messages_modes_name_their_events_otherwise() {
        let modes = |v| requested_modes(&v).unwrap();
        let m = modes(serde_json::json!({"stream_mode": ["messages", "values"]}));
        assert!(mode_mismatch(&m, "messages")
            .unwrap()
            .contains("come from stream mode `messages-tuple`"));
        assert_eq!(mode_mismatch(&m, "messages/partial"), None);
        let t = modes(serde_json::json!({"stream_mode": "messages-tuple"}));
        assert!(mode_mismatch(&t, "messages/complete")
            .unwrap()
            .contains("comes from stream mode `messages`"));
        assert_eq!(mode_mismatch(&t, "messages"), None);
        let both = modes(serde_json::json!({"stream_mode": ["messages", "messages-tuple"]}));
        assert_eq!(mode_mismatch(&both, "messages"), None);
        assert_eq!(
            requested_modes(&serde_json::json!({"stream_mode": "${modes}"})),
            None
        );
        assert_eq!(requested_modes(&serde_json::json!({})), None);
    }

    #[test]
    fn typos_of_known_names_are_refused() {
        assert_eq!(
            refuse_typo("eror", false).unwrap_err(),
            EventNameError::Typo {
                name: "eror".into(),
                known: "error"
            }
        );
        assert_eq!(
            refuse_typo("eror", false).unwrap_err().to_string(),
            "unknown event name `eror`: did you mean `error`?"
        );
        assert!(refuse_typo("updtes", false)
            .unwrap_err()
            .to_string()
            .contains("did you mean `updates`?"));
        assert!(refuse_typo("metdata", false)
            .unwrap_err()
            .to_string()
            .contains("did you mean `metadata`?"));
        assert!(refuse_typo("updtes|", false)
            .unwrap_err()
            .to_string()
            .contains("`updates`"));
        assert!(refuse_typo("Values", false)
            .unwrap_err()
            .to_string()
            .contains("`values`"));
        assert!(refuse_typo("messages/partal", false)
            .unwrap_err()
            .to_string()
            .contains("stream mode `messages` sends `messages/partial`"));
        assert!(refuse_typo("messages-tuple", false)
            .unwrap_err()
            .to_string()
            .contains("sends events named `messages`"));
        assert_eq!(
            refuse_typo("messages-tuple", true),
            Ok(()),
            "a spec may forbid it"
        );
        assert!(
            refuse_typo("eror", true).is_err(),
            "`never: [eror]` would always pass"
        );
    }

    #[test]
    fn known_names_and_unrelated_names_are_allowed() {
        for ok in KNOWN {
            assert_eq!(refuse_typo(ok, false), Ok(()), "{ok}");
        }
        for ok in [
            "message",
            "updates|sub:1",
            "my_custom_event",
            "heartbeat",
            "...",
        ] {
            assert_eq!(refuse_typo(ok, false), Ok(()), "{ok}");
        }
    }
}
