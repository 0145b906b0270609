//! HTTP: one shared client, requests rendered from a step, a curl line that repeats them, and body reads that never
//! wait past the step's deadline.

use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use tokio::time::Instant;

/// Header whose value is a secret: shown in curl lines as a shell variable, never as its value.
pub const API_KEY_HEADER: &str = "x-api-key";

/// The largest body kept in memory (non-streamed bodies, and recordings).
pub const MAX_BODY_BYTES: usize = 64 * 1024 * 1024;

pub fn client() -> reqwest::Client {
    // reqwest is built without a bundled crypto provider; ring is the one we ship (see Cargo.toml).
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .pool_idle_timeout(Duration::from_secs(30))
        .user_agent(concat!("langgraph-conformance/", env!("CARGO_PKG_VERSION")))
        .redirect(crate::redirect::policy())
        .build()
        .expect("the HTTP client's fixed settings are valid")
}

/// A request ready to send.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub method: String,
    pub base: String,
    /// Path and query string, as sent.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
}

impl Prepared {
    pub fn url(&self) -> String {
        format!("{}{}", self.base.trim_end_matches('/'), self.target)
    }

    pub fn build(
        &self,
        client: &reqwest::Client,
        api_key: Option<&str>,
    ) -> Result<reqwest::Request, String> {
        let method =
            reqwest::Method::from_bytes(self.method.as_bytes()).map_err(|e| e.to_string())?;
        let mut rb = client.request(method, self.url());
        for (k, v) in &self.headers {
            rb = rb.header(k, v);
        }
        if let Some(key) = api_key {
            if !self.headers.iter().any(|(k, _)| k == API_KEY_HEADER) {
                rb = rb.header(API_KEY_HEADER, key);
            }
        }
        if let Some(b) = &self.body {
            rb = rb.body(b.clone());
        }
        rb.build()
            .map_err(|e| format!("cannot build the request: {e}"))
    }

    /// A shell line that sends the same request. The API key appears as `$LANGGRAPH_API_KEY`, never as its value.
    pub fn curl(&self, with_key: bool, streaming: bool) -> String {
        let mut parts = vec!["curl -sS".to_string()];
        if streaming {
            parts.push("-N".into());
        }
        if self.method != "GET" || self.body.is_some() {
            parts.push(format!("-X {}", self.method));
        }
        parts.push(shell_quote(&self.url()));
        for (k, v) in &self.headers {
            if k == API_KEY_HEADER {
                continue;
            }
            parts.push(format!("-H {}", shell_quote(&format!("{k}: {v}"))));
        }
        if with_key {
            parts.push(format!("-H \"{API_KEY_HEADER}: $LANGGRAPH_API_KEY\""));
        }
        if let Some(b) = &self.body {
            parts.push(format!(
                "--data-raw {}",
                shell_quote(&String::from_utf8_lossy(b))
            ));
        }
        parts.join(" ")
    }
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// Why reading a body stopped early.
#[derive(Debug)]
pub enum ReadError {
    /// The deadline passed; what had arrived is kept.
    Timeout,
    /// The connection failed (reset, truncated chunked encoding, ...).
    Broken(String),
    TooLarge,
}

/// The error and its causes on one line: reqwest's top-level message alone rarely says what happened.
pub fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        let m = c.to_string();
        if !s.contains(&m) {
            s.push_str(": ");
            s.push_str(&m);
        }
        cur = c.source();
    }
    s
}

/// Reads a body chunk by chunk, each read bounded by `deadline`.
pub struct BodyReader {
    stream: std::pin::Pin<Box<dyn futures_util::Stream<Item = reqwest::Result<Bytes>> + Send>>,
    deadline: Instant,
}

impl BodyReader {
    pub fn new(resp: reqwest::Response, deadline: Instant) -> Self {
        BodyReader {
            stream: Box::pin(resp.bytes_stream()),
            deadline,
        }
    }

    /// The next chunk, `Ok(None)` at the end of the body.
    pub async fn next(&mut self) -> Result<Option<Bytes>, ReadError> {
        match tokio::time::timeout_at(self.deadline, self.stream.next()).await {
            Err(_) => Err(ReadError::Timeout),
            Ok(None) => Ok(None),
            Ok(Some(Ok(b))) => Ok(Some(b)),
            Ok(Some(Err(e))) => Err(ReadError::Broken(error_chain(&e))),
        }
    }

    /// The whole body, up to `MAX_BODY_BYTES`; on error, what had arrived comes with it.
    pub async fn read_all(&mut self) -> (Vec<u8>, Option<ReadError>) {
        let mut buf = Vec::new();
        loop {
            match self.next().await {
                Ok(Some(chunk)) => {
                    if buf.len() + chunk.len() > MAX_BODY_BYTES {
                        return (buf, Some(ReadError::TooLarge));
                    }
                    buf.extend_from_slice(&chunk);
                }
                Ok(None) => return (buf, None),
                Err(e) => return (buf, Some(e)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req() -> Prepared {
        Prepared {
            method: "POST".into(),
            base: "http://127.0.0.1:2024/".into(),
            target: "/runs/stream".into(),
            headers: vec![("content-type".into(), "application/json".into())],
            body: Some(br#"{"input":"it's"}"#.to_vec()),
        }
    }

    #[test]
    fn curl_line_quotes_and_hides_the_key() {
        let c = req().curl(true, true);
        assert_eq!(
            c,
            "curl -sS -N -X POST 'http://127.0.0.1:2024/runs/stream' -H 'content-type: application/json' \
             -H \"x-api-key: $LANGGRAPH_API_KEY\" --data-raw '{\"input\":\"it'\\''s\"}'"
        );
        let mut get = req();
        get.method = "GET".into();
        get.body = None;
        assert_eq!(
            get.curl(false, false),
            "curl -sS 'http://127.0.0.1:2024/runs/stream' -H 'content-type: application/json'"
        );
    }

    #[test]
    fn the_key_is_sent_but_not_over_an_explicit_header() {
        let client = crate::transport::client();
        let r = req().build(&client, Some("secret")).unwrap();
        assert_eq!(r.headers()[API_KEY_HEADER], "secret");
        let mut own = req();
        own.headers.push((API_KEY_HEADER.into(), "mine".into()));
        let r = own.build(&client, Some("secret")).unwrap();
        assert_eq!(r.headers().get_all(API_KEY_HEADER).iter().count(), 1);
        assert!(!own.curl(true, false).contains("mine"));
    }
}
