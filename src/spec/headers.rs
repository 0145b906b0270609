//! What a spec may say about HTTP headers: valid names, values without control characters, and the headers the
//! harness owns.

/// Headers the harness sets itself, from the target URL and the body (or that would change how the message is
/// framed): a spec that sets them could send a request other than the one it shows.
const RESERVED: [&str; 9] = [
    "host",
    "content-length",
    "transfer-encoding",
    "connection",
    "keep-alive",
    "upgrade",
    "te",
    "trailer",
    "proxy-connection",
];

/// A header name or value, or a request path, that a spec may not write.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum HeaderError {
    /// Not an RFC 9110 token.
    InvalidName { name: String },
    /// A header the harness sets itself.
    Reserved { name: String },
    /// A control character in `what` (the path, a header's value: as messages name it).
    Control { what: String, character: char },
}

impl std::fmt::Display for HeaderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HeaderError::InvalidName { name } => write!(
                f,
                "{name:?} is not a valid header name (letters, digits and !#$%&'*+-.^_`|~, no spaces or colons)"
            ),
            HeaderError::Reserved { name } => write!(
                f,
                "`{name}` cannot be set by a spec: the harness sets it from the target URL and the body (the headers \
                 it owns are {})",
                RESERVED.join(", ")
            ),
            HeaderError::Control { what, character } => {
                write!(f, "{what} contains the control character {character:?}")
            }
        }
    }
}

impl std::error::Error for HeaderError {}

/// Whether `name` is a valid HTTP header name (an RFC 9110 token).
pub fn check_name(name: &str) -> Result<(), HeaderError> {
    let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    if name.is_empty() || !name.chars().all(token) {
        return Err(HeaderError::InvalidName {
            name: name.to_string(),
        });
    }
    Ok(())
}

/// A header a spec sets on its request: a valid name that the harness does not own.
pub fn check_request_name(name: &str) -> Result<(), HeaderError> {
    check_name(name)?;
    if RESERVED.contains(&name.to_ascii_lowercase().as_str()) {
        return Err(HeaderError::Reserved {
            name: name.to_string(),
        });
    }
    Ok(())
}

/// A header value or request path as sent: control characters (a line break above all) would be refused by the
/// client or, worse, silently dropped from the path, so the request sent would not be the one written.
pub fn check_no_control(what: &str, value: &str) -> Result<(), HeaderError> {
    match value.chars().find(|c| c.is_control()) {
        Some(character) => Err(HeaderError::Control {
            what: what.to_string(),
            character,
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(check_name("x-request-id").is_ok());
        assert!(check_name("a b")
            .unwrap_err()
            .to_string()
            .contains("not a valid header name"));
        assert!(check_name("").is_err());
        assert!(check_name("a:b").is_err());
        assert!(check_name("é").is_err());
    }

    #[test]
    fn the_harness_owns_host_and_framing_headers() {
        for h in [
            "Host",
            "content-length",
            "Transfer-Encoding",
            "connection",
            "TE",
        ] {
            let e = check_request_name(h).unwrap_err().to_string();
            assert!(e.contains("cannot be set by a spec"), "{h}: {e}");
        }
        assert!(check_request_name("x-api-key").is_ok());
        assert!(check_request_name("content-type").is_ok());
    }

    #[test]
    fn control_characters() {
        assert!(check_no_control("`path`", "/ok?a=b%0A").is_ok());
        let e = check_no_control("`path`", "/ok\nHost: evil").unwrap_err();
        assert_eq!(
            e,
            HeaderError::Control {
                what: "`path`".into(),
                character: '\n'
            }
        );
        let e = e.to_string();
        assert!(e.contains("'\\n'"), "{e}");
        assert!(check_no_control("x", "a\u{7f}").is_err());
        assert!(check_no_control("x", "tab\tno").is_err());
        assert!(check_no_control("x", "a b/é").is_ok());
    }
}
