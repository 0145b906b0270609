//! The event names the API sends, so that a typo in a spec (`never: [eror]`) is refused when the spec is loaded
//! instead of passing forever. Names far from all of these stay allowed: a spec may forbid what an implementation
//! wrongly sends.

use super::spelling::closest;

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

/// Refuses a name that is a near miss of a name the API sends, or a stream mode whose events are named otherwise.
/// A name a spec forbids (`never`) may be such a mode: an implementation could wrongly send it.
pub fn refuse_typo(name: &str, forbidden: bool) -> Result<(), String> {
    let mode = name.split('|').next().unwrap_or(name);
    if mode == "messages-tuple" && !forbidden {
        return Err(format!(
            "`{name}`: stream mode `messages-tuple` sends events named `messages`; no event is named `messages-tuple`"
        ));
    }
    if KNOWN.contains(&mode) || ALSO_ALLOWED.contains(&mode) {
        return Ok(());
    }
    match closest(mode, KNOWN) {
        Some(known) => {
            let hint = if known.starts_with("messages") {
                " (stream mode `messages` sends `messages/partial`, `messages/complete` and `messages/metadata`; `messages-tuple` sends `messages`)"
            } else {
                ""
            };
            Err(format!(
                "unknown event name `{mode}`: did you mean `{known}`?{hint}"
            ))
        }
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_of_known_names_are_refused() {
        assert_eq!(
            refuse_typo("eror", false).unwrap_err(),
            "unknown event name `eror`: did you mean `error`?"
        );
        assert!(refuse_typo("updtes", false)
            .unwrap_err()
            .contains("did you mean `updates`?"));
        assert!(refuse_typo("metdata", false)
            .unwrap_err()
            .contains("did you mean `metadata`?"));
        assert!(refuse_typo("updtes|", false)
            .unwrap_err()
            .contains("`updates`"));
        assert!(refuse_typo("Values", false)
            .unwrap_err()
            .contains("`values`"));
        assert!(refuse_typo("messages/partal", false)
            .unwrap_err()
            .contains("stream mode `messages` sends `messages/partial`"));
        assert!(refuse_typo("messages-tuple", false)
            .unwrap_err()
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
