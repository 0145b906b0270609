//! What arrives on the wire in a form the harness cannot read as it is: a body in a content encoding it cannot
//! decode, bytes that are not UTF-8, an event stream past the parser's limits. Each is said as what the server sent,
//! rather than left to surface later as a confusing parse error.

use crate::check::seen::short_name;
use crate::spec::{CaptureFrom, Step};
use crate::sse::{SseEvent, SseFault, StreamPos};
use crate::transport::{Prepared, ACCEPT_ENCODING as ACCEPT_NONE};

/// A content encoding on a body the step needs, which the harness cannot decode (it is built without
/// decompression). Without an `accept-encoding` of the spec's own, the request said `identity` only, so any other
/// encoding is the server's doing; with one, the spec asked for it, and it only matters when the body is checked.
pub fn undecodable_encoding(
    content_encoding: &[&str],
    request: &Prepared,
    status: u16,
    reads_body: bool,
) -> Option<String> {
    let codings: Vec<&str> = content_encoding
        .iter()
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|c| !c.is_empty() && !c.eq_ignore_ascii_case("identity"))
        .collect();
    // No body to decode: HEAD, 204 and 304 carry the header of a body they do not send.
    if codings.is_empty() || request.method == "HEAD" || matches!(status, 204 | 304) {
        return None;
    }
    let sent = codings.join(", ");
    let asked = request
        .header("accept-encoding")
        .filter(|a| !a.trim().eq_ignore_ascii_case(ACCEPT_NONE));
    match asked {
        None => Some(format!(
            "the server sent a {sent}-encoded body, but the request did not accept any encoding (it sent `accept-encoding: identity`)"
        )),
        Some(asked) if reads_body => Some(format!(
            "the server sent a {sent}-encoded body (the request has `accept-encoding: {asked}`), which the harness cannot decode; remove that header to check the body"
        )),
        Some(_) => None,
    }
}

/// Whether the step looks at the body (checks it, or captures from it).
pub fn reads_body(step: &Step) -> bool {
    !step.body.is_empty()
        || step.stream.is_some()
        || step
            .captures
            .iter()
            .any(|c| !matches!(c.from, CaptureFrom::Header(_)))
}

/// Why a body that must be text (JSON is UTF-8, RFC 8259) is not.
pub fn not_utf8(body: &[u8]) -> Option<String> {
    let e = std::str::from_utf8(body).err()?;
    let good = &body[..e.valid_up_to()];
    let line = 1 + good.iter().filter(|b| **b == b'\n').count();
    Some(format!(
        "the body is not valid UTF-8: the bytes at offset {} (line {line}) are not",
        e.valid_up_to()
    ))
}

/// What a parser fault says; `next_event` is the number the event being read would have had.
pub fn stream_fault(fault: &SseFault, next_event: usize) -> String {
    match fault {
        SseFault::LineTooLong { limit } => format!(
            "a line of the stream is longer than {} (the harness's limit for a line)",
            size(*limit)
        ),
        SseFault::EventTooLarge { limit } => format!(
            "event #{next_event} has more than {} of data (the harness's limit for an event)",
            size(*limit)
        ),
        SseFault::NameTooLong { limit } => format!(
            "event #{next_event} has a name longer than {} (the harness's limit for an event name)",
            size(*limit)
        ),
        SseFault::InvalidUtf8(at) => format!(
            "the stream is not valid UTF-8: {}, outside any event (in a comment or an event without data)",
            where_bad(at)
        ),
    }
}

/// Bytes that are not UTF-8 in an event: which event, and where.
pub fn invalid_event(ev: &SseEvent, number: usize) -> Option<String> {
    let at = ev.invalid_utf8?;
    Some(format!(
        "event #{number} `{}` is not valid UTF-8: {}",
        short_name(&ev.event),
        where_bad(&at)
    ))
}

fn where_bad(at: &StreamPos) -> String {
    format!(
        "the bytes at offset {} of the stream (line {}) are not",
        at.offset, at.line
    )
}

/// A limit in the unit it was set in.
fn size(bytes: usize) -> String {
    const KIB: usize = 1024;
    const MIB: usize = 1024 * KIB;
    match bytes {
        b if b >= MIB && b % MIB == 0 => format!("{} MiB", b / MIB),
        b if b >= KIB && b % KIB == 0 => format!("{} KiB", b / KIB),
        b => format!("{b} bytes"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(headers: &[(&str, &str)]) -> Prepared {
        Prepared {
            method: "GET".into(),
            base: "http://127.0.0.1:1".into(),
            target: "/ok".into(),
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body: None,
        }
    }

    fn gzip() -> Vec<&'static str> {
        vec!["gzip"]
    }

    #[test]
    fn an_encoding_nobody_asked_for_is_the_servers_doing() {
        assert_eq!(
            undecodable_encoding(&gzip(), &get(&[]), 200, false).as_deref(),
            Some("the server sent a gzip-encoded body, but the request did not accept any encoding (it sent `accept-encoding: identity`)")
        );
        assert_eq!(
            undecodable_encoding(&["identity"], &get(&[]), 200, true),
            None
        );
        assert_eq!(undecodable_encoding(&[], &get(&[]), 200, true), None);
        assert_eq!(undecodable_encoding(&gzip(), &get(&[]), 204, true), None);
        let mut head = get(&[]);
        head.method = "HEAD".into();
        assert_eq!(undecodable_encoding(&gzip(), &head, 200, true), None);
        let identity = get(&[("Accept-Encoding", "identity")]);
        assert!(undecodable_encoding(&gzip(), &identity, 200, false)
            .unwrap()
            .contains("did not accept any encoding"));
    }

    #[test]
    fn an_encoding_the_spec_asked_for_matters_only_to_a_body_it_reads() {
        let asked = get(&[("accept-encoding", "gzip")]);
        assert_eq!(undecodable_encoding(&gzip(), &asked, 200, false), None);
        let m = undecodable_encoding(&["gzip, br"], &asked, 200, true).unwrap();
        assert!(
            m.starts_with(
                "the server sent a gzip, br-encoded body (the request has `accept-encoding: gzip`)"
            ),
            "{m}"
        );
    }

    #[test]
    fn a_body_that_is_not_utf8_says_where() {
        assert_eq!(not_utf8(b"{\"a\": 1}"), None);
        assert_eq!(
            not_utf8(b"{\n  \"a\": \"\xFF\"\n}").as_deref(),
            Some("the body is not valid UTF-8: the bytes at offset 10 (line 2) are not")
        );
    }

    #[test]
    fn limits_read_in_their_unit() {
        assert_eq!(size(16 * 1024 * 1024), "16 MiB");
        assert_eq!(size(4096), "4 KiB");
        assert_eq!(size(1000), "1000 bytes");
    }
}
