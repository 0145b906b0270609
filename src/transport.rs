//! HTTP: one shared client, requests rendered from a step, a curl line that repeats them, and body reads that never
//! wait past the step's deadline.

use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use tokio::time::Instant;

use crate::secrets::{display_url, is_secret_header, redacted_header_value, ApiKey};

/// The header that carries the API key.
pub const API_KEY_HEADER: &str = "x-api-key";

/// How long a connection (and, for https, its TLS handshake) may take to be made.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The longest URL the HTTP client sends: the request line's limit in the `http` crate.
pub const MAX_URL_BYTES: usize = 65_534;

/// What a curl line shows at most of a URL, of a header's value and of a body, in characters.
pub const CURL_URL_CHARS: usize = 2000;
pub const CURL_HEADER_CHARS: usize = 500;
pub const CURL_BODY_CHARS: usize = 4000;

/// The largest body kept in memory (non-streamed bodies, and recordings).
pub const MAX_BODY_BYTES: usize = 64 * 1024 * 1024;

/// Sent unless a spec sets its own: the harness cannot decode compressed bodies (reqwest is built without it), and
/// an explicit `identity` makes any other encoding the server's mistake (RFC 9110 §12.5.3).
pub const ACCEPT_ENCODING: &str = "identity";

/// How long an idle connection is kept for the next request. Servers close idle connections after a few seconds
/// (uvicorn and Node after 5 s), and a request sent on a connection the server is closing is lost; one that is not
/// idempotent cannot be sent again. A test thread's connection idles while its next spec waits for a run slot, so the
/// harness lets go of it well before a server would.
pub const POOL_IDLE: Duration = Duration::from_secs(2);

pub fn client() -> reqwest::Client {
    builder()
        .pool_idle_timeout(POOL_IDLE)
        .build()
        .expect("the HTTP client's fixed settings are valid")
}

fn builder() -> reqwest::ClientBuilder {
    // reqwest is built without a bundled crypto provider; ring is the one we ship (see Cargo.toml).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let b = reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .user_agent(concat!("langgraph-conformance/", env!("CARGO_PKG_VERSION")))
        .redirect(crate::redirect::policy());
    match tls() {
        Some(tls) => b.tls_backend_preconfigured(tls),
        None => b,
    }
}

/// The TLS settings reqwest would make (certificates checked as the platform checks them, HTTP/2 or 1.1 by ALPN),
/// made once and shared: each test thread has a client of its own, and making them anew loads the system's root
/// certificates each time (2.6 ms a client, 18 ms in a debug build). None if they cannot be made; reqwest then tries
/// itself, and says why it cannot.
fn tls() -> Option<rustls::ClientConfig> {
    use std::sync::{Arc, LazyLock};
    static TLS: LazyLock<Option<rustls::ClientConfig>> = LazyLock::new(|| {
        let provider = rustls::crypto::CryptoProvider::get_default()
            .cloned()
            .unwrap_or_else(|| Arc::new(rustls::crypto::ring::default_provider()));
        let verifier = rustls_platform_verifier::Verifier::new(Arc::clone(&provider)).ok()?;
        let mut tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .ok()?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_no_client_auth();
        tls.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Some(tls)
    });
    TLS.clone()
}

/// Sends a request. An idempotent request that fails on a connection before any response came is sent once more, on
/// a new connection, as curl and browsers do: a server may close an idle kept-alive connection (without
/// `Connection: close`) just as the client reuses it, and then the request is lost in the close, not refused.
///
/// hyper retries by itself only a request it had not started to write when it found the connection closed; once
/// written, it cannot know whether the server saw the request, so it leaves the choice to the caller, which knows
/// whether repeating it is safe. reqwest's default retry covers HTTP/2 refusals only.
pub async fn send(
    client: &reqwest::Client,
    request: reqwest::Request,
) -> reqwest::Result<reqwest::Response> {
    let again = if idempotent(request.method()) {
        request.try_clone()
    } else {
        None
    };
    match (client.execute(request).await, again) {
        (Err(e), Some(again)) if lost_on_the_connection(&e) => {
            // A client of its own, with no pool, so the retry cannot pick another stale connection.
            let fresh = builder()
                .pool_max_idle_per_host(0)
                .build()
                .expect("the HTTP client's fixed settings are valid");
            fresh.execute(again).await
        }
        (result, _) => result,
    }
}

/// Methods whose repetition has the same effect as sending them once (RFC 9110 §9.2.2).
fn idempotent(method: &reqwest::Method) -> bool {
    matches!(
        method.as_str(),
        "GET" | "HEAD" | "PUT" | "DELETE" | "OPTIONS"
    )
}

/// Whether the request failed on an open connection that closed before a response came (not a timeout, nor a
/// connection that could not be made, where a retry would not help).
fn lost_on_the_connection(e: &reqwest::Error) -> bool {
    use std::io::ErrorKind::{BrokenPipe, ConnectionAborted, ConnectionReset, UnexpectedEof};
    if e.is_timeout() || e.is_connect() || e.is_builder() {
        return false;
    }
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cause {
        if c.downcast_ref::<hyper::Error>()
            .is_some_and(hyper::Error::is_incomplete_message)
        {
            return true;
        }
        if c.downcast_ref::<std::io::Error>().is_some_and(|io| {
            matches!(
                io.kind(),
                ConnectionReset | ConnectionAborted | BrokenPipe | UnexpectedEof
            )
        }) {
            return true;
        }
        cause = c.source();
    }
    false
}

/// Why a prepared request cannot be sent: each names what is wrong, and where a value came from a variable.
#[derive(Debug)]
#[non_exhaustive]
pub enum BuildError {
    /// A method the HTTP client does not take.
    Method {
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A control character in the path (`target`), which came from a variable.
    ControlInPath { target: String, character: char },
    /// A URL of `bytes` bytes, past [`MAX_URL_BYTES`]; `shown` is the URL without credentials, cut to 200 characters.
    UrlTooLong { bytes: usize, shown: String },
    /// A header name the client cannot send.
    HeaderName { name: String },
    /// A header value with a line break or another control character; `shown` is its first 200 characters.
    HeaderValue { name: String, shown: String },
    /// The client refused to build it.
    Client(reqwest::Error),
}

impl std::fmt::Display for BuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BuildError::Method { source, .. } => write!(f, "{source}"),
            BuildError::ControlInPath { target, character } => write!(
                f,
                "cannot send the request: the path {target:?} holds the control character {character:?} (from a \
                 variable), so it would not be sent as written"
            ),
            BuildError::UrlTooLong { bytes, shown } => write!(
                f,
                "cannot send the request: its URL is {bytes} bytes long, and the HTTP client sends at most \
                 {MAX_URL_BYTES} (a variable in the path or query holds a value that large?): {shown}"
            ),
            BuildError::HeaderName { name } => write!(
                f,
                "cannot send header `{name}`: it is not a valid header name"
            ),
            BuildError::HeaderValue { name, shown } => write!(
                f,
                "cannot send header `{name}`: its value {shown:?} holds a line break or another control character, \
                 which header values cannot"
            ),
            BuildError::Client(e) => write!(f, "cannot build the request: {}", error_chain(e)),
        }
    }
}

impl std::error::Error for BuildError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            BuildError::Method { source, .. } => Some(source.as_ref()),
            BuildError::Client(e) => Some(e),
            _ => None,
        }
    }
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
    /// A request header the spec set (names compare without case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn url(&self) -> String {
        format!("{}{}", self.base.trim_end_matches('/'), self.target)
    }

    pub fn build(
        &self,
        client: &reqwest::Client,
        api_key: Option<&ApiKey>,
    ) -> Result<reqwest::Request, BuildError> {
        let method = reqwest::Method::from_bytes(self.method.as_bytes()).map_err(|e| {
            BuildError::Method {
                source: Box::new(e),
            }
        })?;
        // Values come from variables at run time, so they are checked here too; each error names what is wrong.
        if let Some(character) = self.target.chars().find(|c| c.is_control()) {
            return Err(BuildError::ControlInPath {
                target: self.target.clone(),
                character,
            });
        }
        let url = self.url();
        if url.len() > MAX_URL_BYTES {
            return Err(BuildError::UrlTooLong {
                bytes: url.len(),
                shown: crate::text::preview(&display_url(&url), 200),
            });
        }
        let mut rb = client.request(method, url);
        for (k, v) in &self.headers {
            let name = reqwest::header::HeaderName::from_bytes(k.as_bytes())
                .map_err(|_| BuildError::HeaderName { name: k.clone() })?;
            let value =
                reqwest::header::HeaderValue::from_str(v).map_err(|_| BuildError::HeaderValue {
                    name: k.clone(),
                    shown: crate::text::head(v, 200).0.into_owned(),
                })?;
            rb = rb.header(name, value);
        }
        if self.header("accept-encoding").is_none() {
            rb = rb.header("accept-encoding", ACCEPT_ENCODING);
        }
        if let Some(key) = api_key {
            if !self.sets_api_key() {
                rb = rb.header(API_KEY_HEADER, &key.value);
            }
        }
        if let Some(b) = &self.body {
            rb = rb.body(b.clone());
        }
        rb.build().map_err(BuildError::Client)
    }

    /// Whether the step sends an `x-api-key` of its own, which then replaces the configured key.
    fn sets_api_key(&self) -> bool {
        self.headers.iter().any(|(k, _)| k == API_KEY_HEADER)
    }

    /// A shell line that sends the same request. It shows no credential: the configured API key appears as the
    /// variable it came from (`$LANGGRAPH_API_KEY`), and the values of the step's own credential headers
    /// (`authorization`, `cookie`, `x-api-key`, ...) as a placeholder.
    ///
    /// A URL, header value or body too long to be worth a line is cut (at [`CURL_URL_CHARS`],
    /// [`CURL_HEADER_CHARS`], [`CURL_BODY_CHARS`]), and the line then ends with a note of what was cut: a report
    /// stays readable (a 40 MB body made a 40 MB report), and the cut line is marked as not runnable as it is.
    pub fn curl(&self, api_key: Option<&ApiKey>, streaming: bool) -> String {
        let mut cut: Vec<String> = Vec::new();
        let mut shown = |what: &str, text: &str, max: usize| -> String {
            let (head, was_cut) = crate::text::head(text, max);
            if was_cut {
                cut.push(format!("{what} ({} bytes)", text.len()));
                format!("{head}…")
            } else {
                head.into_owned()
            }
        };
        let mut parts = vec!["curl -sS".to_string()];
        if streaming {
            parts.push("-N".into());
        }
        if self.method != "GET" || self.body.is_some() {
            parts.push(format!("-X {}", self.method));
        }
        parts.push(shell_quote(&shown(
            "the URL",
            &display_url(&self.url()),
            CURL_URL_CHARS,
        )));
        for (k, v) in &self.headers {
            let value = if is_secret_header(k) {
                redacted_header_value(v)
            } else {
                shown(&format!("header `{k}`"), v, CURL_HEADER_CHARS)
            };
            parts.push(format!("-H {}", shell_quote(&format!("{k}: {value}"))));
        }
        if let Some(key) = api_key.filter(|_| !self.sets_api_key()) {
            parts.push(format!("-H \"{API_KEY_HEADER}: ${}\"", key.var));
        }
        if let Some(b) = &self.body {
            // Only the part shown is decoded: a body may be many megabytes.
            let end = b.len().min(CURL_BODY_CHARS * 4 + 4);
            let text = String::from_utf8_lossy(&b[..end]);
            let (head, was_cut) = crate::text::head(&text, CURL_BODY_CHARS);
            let body = if was_cut || end < b.len() {
                cut.push(format!("the body ({} bytes)", b.len()));
                format!("{head}…")
            } else {
                head.into_owned()
            };
            parts.push(format!("--data-raw {}", shell_quote(&body)));
        }
        let mut line = parts.join(" ");
        if !cut.is_empty() {
            line.push_str(&format!(
                "  # cut short, so not the request as sent: {}",
                cut.join(", ")
            ));
        }
        line
    }
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// Why reading a body stopped early.
#[derive(Debug, Clone, PartialEq)]
pub enum ReadError {
    /// The deadline passed; what had arrived is kept.
    Timeout,
    /// The connection failed (reset, truncated chunked encoding, ...).
    Broken(String),
    TooLarge,
}

/// The value of `fixture::INCOMPLETE_HEADER` for an answer that ended as `end`, of which `not_recorded` bytes did not fit in
/// the recording; None for an answer recorded whole.
pub fn incomplete_marker(end: Option<&ReadError>, not_recorded: usize) -> Option<String> {
    if not_recorded > 0 {
        return Some(format!(
            "cut: the recording keeps the first {MAX_BODY_BYTES} bytes; {not_recorded} more came"
        ));
    }
    Some(match end? {
        ReadError::Timeout => {
            "timeout: the answer did not end within the step's timeout".to_string()
        }
        ReadError::TooLarge => {
            format!("too-large: the answer is larger than {MAX_BODY_BYTES} bytes")
        }
        // A header value is one line of visible ASCII.
        ReadError::Broken(m) => format!(
            "broken: {}",
            m.chars()
                .map(|c| if c.is_ascii_graphic() || c == ' ' {
                    c
                } else {
                    '?'
                })
                .collect::<String>()
        ),
    })
}

/// An answer recorded incomplete in a way a replay cannot repeat (cut short by the recording's bound); `marker` is
/// what the recording says of it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct NotReplayable {
    pub marker: String,
}

impl std::fmt::Display for NotReplayable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "its recorded answer is incomplete ({}), so it cannot be replayed as it came",
            self.marker
        )
    }
}

impl std::error::Error for NotReplayable {}

/// How a replay ends an answer recorded with `marker`; an error (why it cannot be replayed) for a recording cut short.
pub fn replayed_end(marker: &str) -> Result<ReadError, NotReplayable> {
    let (kind, rest) = marker.split_once(':').unwrap_or((marker, ""));
    match kind.trim() {
        "timeout" => Ok(ReadError::Timeout),
        "too-large" => Ok(ReadError::TooLarge),
        "broken" => Ok(ReadError::Broken(rest.trim().to_string())),
        _ => Err(NotReplayable {
            marker: marker.to_string(),
        }),
    }
}

/// The error and its causes on one line: reqwest's top-level message alone rarely says what happened. A URL it
/// names (`builder error for url (...)`) is shortened: a path can hold a value of many megabytes.
pub fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut s = shorten_urls(&e.to_string());
    let mut cur = e.source();
    while let Some(c) = cur {
        let m = shorten_urls(&c.to_string());
        if !s.contains(&m) {
            s.push_str(": ");
            s.push_str(&m);
        }
        cur = c.source();
    }
    crate::text::head(&s, MAX_ERROR_CHARS).0.into_owned()
}

/// The longest error message of the HTTP client shown, in characters.
const MAX_ERROR_CHARS: usize = 2000;

/// `for url (URL)` in a message, with the URL cut to 200 characters.
fn shorten_urls(m: &str) -> String {
    const OPEN: &str = "for url (";
    let Some(start) = m.find(OPEN).map(|i| i + OPEN.len()) else {
        return m.to_string();
    };
    let end = m.rfind(')').filter(|e| *e >= start).unwrap_or(m.len());
    format!(
        "{}{}{}",
        &m[..start],
        crate::text::preview(&m[start..end], 200),
        &m[end..]
    )
}

/// Why a request failed, in words that say what happened and what to do: the causes the HTTP client and TLS give
/// are named and explained where they are known (a certificate the platform refuses, a plain-HTTP port spoken to in
/// TLS, a connection that cannot be made), and given as they are otherwise.
pub fn explain_failure(e: &reqwest::Error, url: &str) -> String {
    let chain = error_chain(e);
    let https = url.starts_with("https://");
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cause {
        // An I/O error's own `source` skips the error it wraps (an I/O error again, around the TLS error).
        let mut inner: &(dyn std::error::Error + 'static) = c;
        while let Some(i) = inner
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            inner = i;
        }
        if let Some(tls) = inner.downcast_ref::<rustls::Error>() {
            return format!("{} ({chain})", explain_tls(tls));
        }
        cause = c.source();
    }
    if e.is_connect() && e.is_timeout() {
        return format!(
            "could not connect within {}s: nothing accepted the connection{} ({chain})",
            CONNECT_TIMEOUT.as_secs(),
            if https {
                ", or the server never answered the TLS handshake, as a port that speaks plain HTTP does not; for \
                 such a port use http://"
            } else {
                "; check the host and port, and that the server is up"
            }
        );
    }
    if e.is_connect() && chain.contains("refused") {
        return format!(
            "the connection was refused: no server listens on this host and port; check LANGGRAPH_URL and that the \
             server is up ({chain})"
        );
    }
    if e.is_builder() && std::error::Error::source(e).is_none() {
        return format!(
            "the HTTP client would not send this request, and gave no reason ({chain}); the URL is {} bytes long",
            url.len()
        );
    }
    chain
}

fn explain_tls(e: &rustls::Error) -> String {
    use rustls::CertificateError as C;
    match e {
        rustls::Error::InvalidCertificate(c) => match c {
            C::UnknownIssuer => "the server's TLS certificate is not signed by an authority this machine trusts (a \
                 self-signed certificate, or one of a private CA): add that CA to the system's trust store, or test \
                 the server over http://"
                .to_string(),
            C::NotValidForName | C::NotValidForNameContext { .. } => {
                "the server's TLS certificate is not issued for this host name: use the name the certificate names \
                 in LANGGRAPH_URL, or give the server a certificate for this one"
                    .to_string()
            }
            C::Expired | C::ExpiredContext { .. } => {
                "the server's TLS certificate has expired: renew it".to_string()
            }
            C::NotValidYet | C::NotValidYetContext { .. } => {
                "the server's TLS certificate is not valid yet: check the server's certificate and this machine's \
                 clock"
                    .to_string()
            }
            C::Revoked => "the server's TLS certificate has been revoked: give the server a new one".to_string(),
            C::Other(o) if format!("{o:?}").contains("CaUsedAsEndEntity") => {
                "the server presents a certificate authority's (CA) certificate as its own: a server needs a \
                 certificate issued by a CA for its host name, not the CA's; configure it with such a certificate \
                 (and trust the CA on this machine)"
                    .to_string()
            }
            other => format!("the server's TLS certificate was refused ({other:?}): check it with `openssl s_client -connect HOST:PORT`"),
        },
        rustls::Error::InvalidMessage(_) | rustls::Error::InappropriateMessage { .. } => {
            "the server did not answer in TLS (a port that speaks plain HTTP answers so): use http:// for it".to_string()
        }
        other => format!("the TLS connection failed ({other})"),
    }
}

/// Reads a body chunk by chunk, each read bounded by `deadline`. It remembers how the body ended when it did not
/// end well, so that a recording can say its answer is incomplete; and a replay of such a recording ends the same way.
pub struct BodyReader {
    stream: std::pin::Pin<Box<dyn futures_util::Stream<Item = reqwest::Result<Bytes>> + Send>>,
    deadline: Instant,
    /// How the body ended, when it did not end well.
    ended: Option<ReadError>,
    /// Replaying an incomplete answer: how it ended when it was recorded, given in place of its clean end.
    end_with: Option<ReadError>,
}

impl BodyReader {
    pub fn new(resp: reqwest::Response, deadline: Instant) -> Self {
        BodyReader {
            stream: Box::pin(resp.bytes_stream()),
            deadline,
            ended: None,
            end_with: None,
        }
    }

    /// Ends the body as `end` once its bytes are read, as the recorded answer ended.
    pub fn end_with(&mut self, end: ReadError) {
        self.end_with = Some(end);
    }

    /// How the body ended, when it did not end well (a timeout, a broken connection, past the size limit).
    pub fn incomplete(&self) -> Option<&ReadError> {
        self.ended.as_ref()
    }

    /// The next chunk, `Ok(None)` at the end of the body.
    pub async fn next(&mut self) -> Result<Option<Bytes>, ReadError> {
        let r = match tokio::time::timeout_at(self.deadline, self.stream.next()).await {
            Err(_) => Err(ReadError::Timeout),
            Ok(None) => match self.end_with.take() {
                Some(end) => Err(end),
                None => Ok(None),
            },
            Ok(Some(Ok(b))) => Ok(Some(b)),
            Ok(Some(Err(e))) => Err(ReadError::Broken(error_chain(&e))),
        };
        if let Err(e) = &r {
            self.ended = Some(e.clone());
        }
        r
    }

    /// The whole body, up to `MAX_BODY_BYTES`; on error, what had arrived comes with it.
    pub async fn read_all(&mut self) -> (Vec<u8>, Option<ReadError>) {
        let mut buf = Vec::new();
        loop {
            match self.next().await {
                Ok(Some(chunk)) => {
                    if buf.len() + chunk.len() > MAX_BODY_BYTES {
                        // Recorded as it came: the first 64 MiB, then the limit.
                        let room = MAX_BODY_BYTES - buf.len();
                        buf.extend_from_slice(&chunk[..room]);
                        self.ended = Some(ReadError::TooLarge);
                        return (buf, Some(ReadError::TooLarge));
                    }
                    buf.extend_from_slice(&chunk);
                }
                Ok(None) => return (buf, None),
                Err(ReadError::TooLarge) => return (buf, Some(ReadError::TooLarge)),
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

    fn key(var: &'static str) -> ApiKey {
        ApiKey {
            value: "lsv2_sekrit".into(),
            var,
        }
    }

    #[test]
    fn curl_line_quotes_and_hides_the_key() {
        let c = req().curl(Some(&key("LANGGRAPH_API_KEY")), true);
        assert_eq!(
            c,
            "curl -sS -N -X POST 'http://127.0.0.1:2024/runs/stream' -H 'content-type: application/json' \
             -H \"x-api-key: $LANGGRAPH_API_KEY\" --data-raw '{\"input\":\"it'\\''s\"}'"
        );
        let mut get = req();
        get.method = "GET".into();
        get.body = None;
        assert_eq!(
            get.curl(None, false),
            "curl -sS 'http://127.0.0.1:2024/runs/stream' -H 'content-type: application/json'"
        );
    }

    #[test]
    fn values_that_cannot_be_sent_are_named() {
        let client = crate::transport::client();
        let mut r = req();
        r.headers.push(("x-run".into(), "a\nHost: evil".into()));
        let e = r.build(&client, None).unwrap_err();
        assert!(
            matches!(&e, BuildError::HeaderValue { name, .. } if name == "x-run"),
            "{e:?}"
        );
        let e = e.to_string();
        assert!(
            e.starts_with(
                "cannot send header `x-run`: its value \"a\\nHost: evil\" holds a line break"
            ),
            "{e}"
        );
        let mut r = req();
        r.target = "/ok\nHost: evil".into();
        let e = r.build(&client, None).unwrap_err().to_string();
        assert!(
            e.contains("the path \"/ok\\nHost: evil\" holds the control character '\\n'"),
            "{e}"
        );
    }

    /// A 40 MB body made a 40 MB report; a curl line is now bounded, and says what it cut.
    #[test]
    fn curl_lines_are_bounded_and_say_what_they_cut() {
        let mut big = req();
        big.target = format!("/runs/{}", "p".repeat(100_000));
        big.headers.push(("x-note".into(), "h".repeat(10_000)));
        big.body = Some(format!("{{\"input\":\"{}\"}}", "b".repeat(40 << 20)).into_bytes());
        let c = big.curl(None, false);
        assert!(c.len() < 8000, "{} bytes", c.len());
        assert!(
            c.ends_with(&format!(
                "  # cut short, so not the request as sent: the URL (100027 bytes), header `x-note` (10000 bytes), the body ({} bytes)",
                (40 << 20) + 12
            )),
            "{}",
            &c[c.len() - 300..]
        );
        assert!(
            !req().curl(None, false).contains('#'),
            "a whole line has no note"
        );
    }

    #[test]
    fn curl_line_names_the_variable_that_held_the_key() {
        let c = req().curl(Some(&key("LANGSMITH_API_KEY")), false);
        assert!(c.contains("-H \"x-api-key: $LANGSMITH_API_KEY\""), "{c}");
        assert!(
            !c.contains("LANGGRAPH_API_KEY") && !c.contains("sekrit"),
            "{c}"
        );
    }

    #[test]
    fn curl_line_redacts_credential_headers_of_the_spec() {
        let mut own = req();
        own.headers.extend([
            (API_KEY_HEADER.to_string(), "mine".to_string()),
            ("authorization".to_string(), "Bearer tok.en".to_string()),
            (
                "proxy-authorization".to_string(),
                "Basic dXNlcjpw".to_string(),
            ),
            ("cookie".to_string(), "session=abc".to_string()),
            ("x-auth-token".to_string(), "t0k".to_string()),
            ("x-request-id".to_string(), "visible".to_string()),
        ]);
        let c = own.curl(Some(&key("LANGGRAPH_API_KEY")), false);
        for hidden in [
            "mine",
            "tok.en",
            "dXNlcjpw",
            "abc",
            "t0k",
            "$LANGGRAPH_API_KEY",
        ] {
            assert!(!c.contains(hidden), "{hidden} in {c}");
        }
        for shown in [
            "-H 'x-api-key: <redacted>'",
            "-H 'authorization: Bearer <redacted>'",
            "-H 'proxy-authorization: Basic <redacted>'",
            "-H 'cookie: <redacted>'",
            "-H 'x-auth-token: <redacted>'",
            "-H 'x-request-id: visible'",
        ] {
            assert!(c.contains(shown), "{shown} not in {c}");
        }
        assert!(own.curl(None, false).contains("-H 'x-api-key: <redacted>'"));
    }

    #[test]
    fn the_key_is_sent_but_not_over_an_explicit_header() {
        let client = crate::transport::client();
        let k = key("LANGGRAPH_API_KEY");
        let r = req().build(&client, Some(&k)).unwrap();
        assert_eq!(r.headers()[API_KEY_HEADER], "lsv2_sekrit");
        let mut own = req();
        own.headers.push((API_KEY_HEADER.into(), "mine".into()));
        let r = own.build(&client, Some(&k)).unwrap();
        assert_eq!(r.headers().get_all(API_KEY_HEADER).iter().count(), 1);
        assert_eq!(r.headers()[API_KEY_HEADER], "mine");
    }

    #[test]
    fn no_encoding_is_accepted_unless_the_spec_asks_for_one() {
        let client = crate::transport::client();
        let r = req().build(&client, None).unwrap();
        assert_eq!(r.headers()["accept-encoding"], "identity");
        let mut own = req();
        own.headers.push(("Accept-Encoding".into(), "gzip".into()));
        let r = own.build(&client, None).unwrap();
        let sent: Vec<_> = r.headers().get_all("accept-encoding").iter().collect();
        assert_eq!(sent, ["gzip"]);
    }

    #[test]
    fn only_idempotent_methods_are_repeated() {
        for m in ["GET", "HEAD", "PUT", "DELETE", "OPTIONS"] {
            assert!(idempotent(&m.parse().unwrap()), "{m}");
        }
        for m in ["POST", "PATCH"] {
            assert!(!idempotent(&m.parse().unwrap()), "{m}");
        }
    }

    /// Against servers that close kept-alive connections under the client: idempotent requests are sent again,
    /// once, on a new connection; others are not.
    mod stale_connections {
        use std::sync::atomic::Ordering;

        use super::super::*;
        use crate::support::idle_closer;

        fn request(method: &str, base: &str) -> Prepared {
            Prepared {
                method: method.into(),
                base: base.into(),
                target: "/ok".into(),
                headers: vec![],
                body: None,
            }
        }

        #[tokio::test]
        async fn idempotent_requests_survive_stale_pooled_connections() {
            let server = idle_closer::start(1).await;
            let client = client();
            for i in 0..50 {
                let method = ["GET", "PUT", "DELETE", "HEAD", "OPTIONS"][i % 5];
                let r = request(method, &server.url).build(&client, None).unwrap();
                let resp = send(&client, r).await;
                assert!(
                    resp.as_ref().is_ok_and(|r| r.status() == 200),
                    "request {i} ({method}): {resp:?}"
                );
            }
        }

        #[tokio::test]
        async fn other_requests_are_not_repeated() {
            let server = idle_closer::start(1).await;
            let client = client();
            let first = request("POST", &server.url).build(&client, None).unwrap();
            assert!(send(&client, first).await.is_ok());
            let second = request("POST", &server.url).build(&client, None).unwrap();
            let err = send(&client, second).await.unwrap_err();
            assert_eq!(server.connections.load(Ordering::SeqCst), 1, "{err}");
        }

        #[tokio::test]
        async fn a_request_is_repeated_at_most_once() {
            let server = idle_closer::start(0).await;
            let client = client();
            let r = request("GET", &server.url).build(&client, None).unwrap();
            assert!(send(&client, r).await.is_err());
            assert_eq!(server.connections.load(Ordering::SeqCst), 2);
        }
    }
}
