//! Sending a step's request and taking in the answer: the status and headers at once, the body within the step's
//! deadline, whole or as a stream.

use std::time::Duration;

use serde_json::Value;
use tokio::time::Instant;

use super::Ctx;
use crate::check::Failure;
use crate::source::Loc;
use crate::text::preview;
use crate::transport::{BodyReader, Prepared, ReadError, MAX_BODY_BYTES};

/// The status line and headers of an answer.
pub struct Head {
    pub status: reqwest::StatusCode,
    pub headers: reqwest::header::HeaderMap,
}

impl Head {
    /// Every value the header came with (usually one); names are matched without regard to case.
    pub fn values(&self, name: &str) -> Vec<&str> {
        self.headers
            .get_all(name)
            .iter()
            .map(|v| v.to_str().unwrap_or("<not text>"))
            .collect()
    }

    pub fn content_type(&self) -> &str {
        self.headers
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    pub fn is_event_stream(&self) -> bool {
        self.content_type()
            .to_ascii_lowercase()
            .starts_with("text/event-stream")
    }

    /// Headers as text, for recordings.
    pub fn pairs(&self) -> Vec<(String, String)> {
        self.headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect()
    }
}

/// How long an answer that misses the step's timeout is still waited for, to tell a late answer (reported with its
/// status) from none at all.
const LATE_GRACE: Duration = Duration::from_secs(2);

/// Why no answer was taken in.
pub enum SendError {
    /// The request failed, or no answer came in time.
    Failed(Failure),
    /// The retry window closed during this attempt: the attempt says nothing of the server.
    CutShort(Failure),
}

/// Sends the request; the answer's head, and a reader for its body bounded by `deadline`.
pub async fn send(
    ctx: &Ctx<'_>,
    prepared: &Prepared,
    at: Loc,
    deadline: Instant,
    timeout: Duration,
) -> Result<(Head, BodyReader), SendError> {
    let request = prepared
        .build(ctx.client, ctx.api_key)
        .map_err(|e| SendError::Failed(Failure::new(at, e.to_string())))?;
    let sent = Instant::now();
    let answer = crate::transport::send(ctx.client, request);
    tokio::pin!(answer);
    let resp = match tokio::time::timeout_at(deadline, &mut answer).await {
        Err(_) if deadline + Duration::from_millis(5) < sent + timeout => {
            return Err(SendError::CutShort(Failure::new(
                at,
                format!(
                    "no response before the retry window closed, {:.1}s into this attempt",
                    sent.elapsed().as_secs_f64()
                ),
            )))
        }
        Err(_) => {
            return Err(SendError::Failed(
                late(at, &mut answer, sent, timeout).await,
            ))
        }
        Ok(Err(e)) => {
            return Err(SendError::Failed(Failure::new(
                at,
                format!(
                    "the request failed: {}",
                    crate::transport::explain_failure(&e, &prepared.url())
                ),
            )))
        }
        Ok(Ok(r)) => r,
    };
    // Taken, not copied: the body is read from the response without its headers.
    let mut resp = resp;
    let head = Head {
        status: resp.status(),
        headers: std::mem::take(resp.headers_mut()),
    };
    Ok((head, BodyReader::new(resp, deadline)))
}

/// The failure of an answer that did not come within the step's timeout: late, with its status, when it comes
/// within a short grace; otherwise none.
async fn late<F>(
    at: Loc,
    answer: &mut std::pin::Pin<&mut F>,
    sent: Instant,
    timeout: Duration,
) -> Failure
where
    F: std::future::Future<Output = Result<reqwest::Response, reqwest::Error>>,
{
    match tokio::time::timeout(LATE_GRACE, answer.as_mut()).await {
        Ok(Ok(r)) => Failure::new(
            at,
            format!(
                "the response came late: status {} after {:.2}s, and the step allows {}",
                r.status().as_u16(),
                sent.elapsed().as_secs_f64(),
                secs(timeout)
            ),
        ),
        _ => Failure::new(
            at,
            format!(
                "no response within {}: the request went out on an open connection, and not one byte of an answer \
                 came back; the server may be overloaded, stopped (its machine takes connections for it all the \
                 same) or not an HTTP server: check it, or give the step a longer `timeout`",
                secs(timeout)
            ),
        ),
    }
}

pub fn secs(d: Duration) -> String {
    format!("{}s", d.as_secs_f64())
}

pub fn read_failure(at: Loc, e: ReadError, timeout: Duration, so_far: &[u8]) -> Failure {
    let f = match e {
        ReadError::Timeout => Failure::new(
            at,
            format!("the body did not complete within {}", secs(timeout)),
        ),
        ReadError::Broken(m) => Failure::new(
            at,
            format!("the connection failed while reading the body: {m}"),
        ),
        ReadError::TooLarge => Failure::new(
            at,
            format!("the body is larger than {MAX_BODY_BYTES} bytes"),
        ),
    };
    f.with_note(format!(
        "received so far: {}",
        preview(&String::from_utf8_lossy(so_far), 500)
    ))
}

fn is_json_type(content_type: &str) -> bool {
    let mime = content_type.split(';').next().unwrap_or("").trim();
    let ends_json = mime.len() >= 5
        && mime.is_char_boundary(mime.len() - 5)
        && mime[mime.len() - 5..].eq_ignore_ascii_case("+json");
    mime.eq_ignore_ascii_case("application/json") || ends_json
}

/// The body as JSON, whatever its content type: a body that parses is checked as JSON. A content type that does not
/// say JSON is its own failure, reported once, beside the checks.
pub fn json_body(at: Loc, content_type: &str, body: &[u8]) -> (Option<Value>, Option<Failure>) {
    let Ok(text) = std::str::from_utf8(body) else {
        let m = crate::wire::not_utf8(body).unwrap_or_default();
        let text = String::from_utf8_lossy(body);
        return (
            None,
            Some(Failure::new(at, m).with_note(format!("body: {}", preview(&text, 500)))),
        );
    };
    // `/wait` bodies may start with newline keep-alives; JSON allows leading whitespace. The text is UTF-8 already,
    // so the parser need not check it again.
    match serde_json::from_str::<Value>(text) {
        Ok(doc) if is_json_type(content_type) => (Some(doc), None),
        Ok(doc) => (
            Some(doc),
            Some(Failure::new(
                at,
                format!("the body is JSON, but its content type is {content_type:?}, not application/json"),
            )),
        ),
        Err(e) => {
            let text = String::from_utf8_lossy(body);
            let what = if is_json_type(content_type) {
                format!("the body is not valid JSON ({e})")
            } else {
                format!("expected a JSON body, but the content type is {content_type:?} and the body is not JSON ({e})")
            };
            (None, Some(Failure::new(at, what).with_note(format!("body: {}", preview(&text, 500)))))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_json_whatever_the_content_type() {
        let at = Loc::new(1, 1);
        let (doc, f) = json_body(at, "application/json; charset=utf-8", b"\n\n{\"a\":1}");
        assert_eq!(doc, Some(serde_json::json!({"a": 1})));
        assert!(f.is_none());
        let (doc, f) = json_body(at, "text/plain", b"{\"a\":1}");
        assert!(doc.is_some(), "checked as JSON all the same");
        assert!(f
            .unwrap()
            .message
            .contains("content type is \"text/plain\""));
        let (doc, f) = json_body(at, "text/plain", b"Thread not found");
        assert!(doc.is_none());
        assert!(f.unwrap().message.starts_with("expected a JSON body"));
        let (_, f) = json_body(at, "application/problem+json", b"{");
        assert!(f.unwrap().message.starts_with("the body is not valid JSON"));
    }
}
