//! Secrets the harness knows of (the API key, the credentials in `LANGGRAPH_URL`) and how they are kept out of what
//! it prints and writes. A server may echo request headers back (error pages and debugging proxies do), so the
//! values are scrubbed from every report and recording, not just left out of the harness's own messages; and curl
//! lines never show the value of a header that carries a credential.

use base64::Engine as _;
use serde_json::Value;

/// What a secret value is replaced with.
pub const REDACTED: &str = "<redacted>";

/// The API key, and the environment variable it came from (what a curl line names instead of the value).
#[derive(Debug, Clone, PartialEq)]
pub struct ApiKey {
    /// The key, sent as `x-api-key` and never printed.
    pub value: String,
    /// `LANGGRAPH_API_KEY` or `LANGSMITH_API_KEY`.
    pub var: &'static str,
}

/// The values never to print, in every form they may come back in.
///
/// Values are matched without regard to ASCII case (a server may reflect `X-API-KEY: SEKRIT-1` as well as the key).
/// A value shorter than [`MIN_SUBSTRING_CHARS`] is hidden only where it stands alone (not between letters or digits):
/// a one-character key would otherwise blank that character out of every report.
#[derive(Default)]
pub struct Secrets {
    inner: std::sync::RwLock<Inner>,
}

#[derive(Debug, Clone, Default)]
struct Inner {
    /// Every form of every value, longest first, so that `user:pass` wins over `pass`.
    values: Vec<String>,
    /// One alternation of `values`; `None`: nothing to hide.
    pattern: Option<regex::bytes::Regex>,
    /// What is hidden only where it stands alone, and where it came from, for `notice`.
    short: Vec<(&'static str, usize)>,
}

/// A value at least this many characters long is hidden wherever it appears, even inside a longer word; a shorter
/// one only where it stands alone.
pub const MIN_SUBSTRING_CHARS: usize = 8;

/// A credential of a step's own request shorter than this is not hidden at all: it cannot be told from a word.
const MIN_STEP_CREDENTIAL_CHARS: usize = 4;

impl Clone for Secrets {
    fn clone(&self) -> Secrets {
        Secrets {
            inner: std::sync::RwLock::new(self.read().clone()),
        }
    }
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The values themselves are never shown, not even in a debug print.
        f.debug_struct("Secrets")
            .field("values", &self.read().values.len())
            .finish()
    }
}

impl Secrets {
    /// The secrets of a run: the API key, and the userinfo of the target's URL with the basic-auth token the HTTP
    /// client makes of it.
    pub fn new(api_key: Option<&str>, url: Option<&str>) -> Secrets {
        let s = Secrets::default();
        if let Some(k) = api_key.filter(|k| !k.is_empty()) {
            s.add_as("the API key", &[k.to_string()]);
        }
        if let Some(info) = url.and_then(userinfo) {
            s.add_as("the credentials in LANGGRAPH_URL", &credentials(info));
        }
        s
    }

    /// A copy for one spec's run, which the values of its steps' own credentials can be added to.
    pub fn for_run(&self) -> std::sync::Arc<Secrets> {
        std::sync::Arc::new(self.clone())
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Inner> {
        self.inner.read().unwrap_or_else(|p| p.into_inner())
    }

    /// Hides `values` (and their escaped forms) from now on.
    fn add_as(&self, origin: &'static str, values: &[String]) {
        let mut forms: Vec<String> = Vec::new();
        for v in values.iter().filter(|v| !v.is_empty()) {
            for form in [v.clone(), json_escaped(v), percent_encoded(v)] {
                if !forms.contains(&form) {
                    forms.push(form);
                }
            }
        }
        if forms.iter().all(|f| self.read().values.contains(f)) {
            return;
        }
        let mut inner = self.inner.write().unwrap_or_else(|p| p.into_inner());
        for f in forms {
            if !inner.values.contains(&f) {
                inner.values.push(f);
            }
        }
        if let Some(n) = values
            .first()
            .map(|v| v.chars().count())
            .filter(|n| *n < MIN_SUBSTRING_CHARS)
        {
            if !inner.short.iter().any(|(o, _)| *o == origin) {
                inner.short.push((origin, n));
            }
        }
        inner.values.sort_by_key(|v| std::cmp::Reverse(v.len()));
        let alternation: Vec<String> = inner.values.iter().map(|v| regex::escape(v)).collect();
        inner.pattern = Some(
            regex::bytes::RegexBuilder::new(&alternation.join("|"))
                .unicode(false)
                .case_insensitive(true)
                .size_limit(1 << 24)
                .build()
                .expect("escaped literals form a valid pattern"),
        );
    }

    /// Hides the value of a credential the step sends itself (`authorization: Bearer ...`, `x-access-key: ...`):
    /// the whole value and, after a scheme, the credential alone.
    pub fn add_credential(&self, value: &str) {
        let value = value.trim();
        let mut parts = vec![value.to_string()];
        if let Some((_, cred)) = value.split_once(' ') {
            parts.push(cred.trim().to_string());
        }
        parts.retain(|p| p.chars().count() >= MIN_STEP_CREDENTIAL_CHARS);
        for p in parts {
            self.add_as("a credential header of a step", &[p]);
        }
    }

    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.read().pattern.is_none()
    }

    /// The length in bytes of the longest form hidden: a text cut short must be scrubbed this far past the cut.
    pub fn longest(&self) -> usize {
        self.read().values.first().map_or(0, String::len)
    }

    /// Said once at the start of a run when a secret is so short that it is hidden only where it stands alone.
    pub fn notice(&self) -> Option<String> {
        let inner = self.read();
        let (origin, n) = inner.short.first()?;
        Some(format!(
            "{origin} is only {n} character(s) long, so reports hide it only where it stands alone, not inside longer \
             words (hiding every such character would make them unreadable); a real key is longer: check the setting"
        ))
    }

    pub fn scrub(&self, text: &str) -> String {
        // Whole UTF-8 values are replaced by ASCII, so valid UTF-8 stays valid.
        String::from_utf8_lossy(&self.scrub_bytes(text.as_bytes())).into_owned()
    }

    /// As `scrub`, for bytes that need not be UTF-8 (recorded bodies).
    pub fn scrub_bytes(&self, bytes: &[u8]) -> Vec<u8> {
        let inner = self.read();
        let Some(p) = &inner.pattern else {
            return bytes.to_vec();
        };
        let mut out = Vec::with_capacity(bytes.len());
        let mut last = 0;
        for m in p.find_iter(bytes) {
            let alone = || {
                let word = |b: Option<&u8>| b.is_some_and(u8::is_ascii_alphanumeric);
                let before = m.start().checked_sub(1).and_then(|i| bytes.get(i));
                !word(before) && !word(bytes.get(m.end()))
            };
            let short = std::str::from_utf8(m.as_bytes()).map_or(m.len(), |t| t.chars().count())
                < MIN_SUBSTRING_CHARS;
            if short && !alone() {
                continue;
            }
            out.extend_from_slice(&bytes[last..m.start()]);
            out.extend_from_slice(REDACTED.as_bytes());
            last = m.end();
        }
        out.extend_from_slice(&bytes[last..]);
        out
    }

    /// Every string and key of a JSON value, scrubbed.
    pub fn scrub_json(&self, value: &Value) -> Value {
        match value {
            Value::String(s) => Value::String(self.scrub(s)),
            Value::Array(a) => Value::Array(a.iter().map(|v| self.scrub_json(v)).collect()),
            Value::Object(m) => Value::Object(
                m.iter()
                    .map(|(k, v)| (self.scrub(k), self.scrub_json(v)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }
}

impl crate::text::Scrub for Secrets {
    fn scrub(&self, text: &str) -> String {
        Secrets::scrub(self, text)
    }

    fn longest(&self) -> usize {
        Secrets::longest(self)
    }
}

tokio::task_local! {
    /// The secrets of the spec being run, which its steps' own credentials are added to.
    static RUN: std::sync::Arc<Secrets>;
}

/// Runs `f` (one spec's run) with `secrets` as the run's: what is shortened for a message during it hides them before
/// it is cut (`text::head`), and the credentials its steps send are added to them.
pub async fn scoped<F: std::future::Future>(secrets: std::sync::Arc<Secrets>, f: F) -> F::Output {
    let scrub: std::sync::Arc<dyn crate::text::Scrub> = secrets.clone();
    RUN.scope(secrets, crate::text::SCRUB.scope(scrub, f)).await
}

/// As `scoped`, for code that is not async (tests).
#[cfg(test)]
pub fn sync_scoped<R>(secrets: std::sync::Arc<Secrets>, f: impl FnOnce() -> R) -> R {
    let scrub: std::sync::Arc<dyn crate::text::Scrub> = secrets.clone();
    RUN.sync_scope(secrets, || crate::text::SCRUB.sync_scope(scrub, f))
}

/// Adds a credential the current run's step sends to the run's secrets (nothing outside a run).
pub fn hide_in_run(value: &str) {
    let _ = RUN.try_with(|s| s.add_credential(value));
}

/// `url` as it may be shown: any userinfo (`user:password@`) replaced.
pub fn display_url(url: &str) -> String {
    match userinfo_span(url) {
        Some((start, end)) => format!("{}{REDACTED}{}", &url[..start], &url[end..]),
        None => url.to_string(),
    }
}

/// Whether a request header carries a credential, so a curl line must not show its value and a report must not show
/// it reflected.
pub fn is_secret_header(name: &str) -> bool {
    const NAMED: [&str; 4] = [
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
    ];
    const PARTS: [&str; 16] = [
        "api-key",
        "api_key",
        "apikey",
        "auth",
        "token",
        "secret",
        "password",
        "passwd",
        "session",
        "credential",
        "signature",
        "private",
        "csrf",
        "xsrf",
        "jwt",
        "bearer",
    ];
    /// Names ending in `key` that are not credentials.
    const NOT_SECRET: [&str; 3] = ["idempotency-key", "x-idempotency-key", "cache-key"];
    let name = name.to_ascii_lowercase();
    NAMED.contains(&name.as_str())
        || PARTS.iter().any(|p| name.contains(p))
        // `x-access-key`, `x-functions-key`, `ocp-apim-subscription-key`, ...
        || (name.ends_with("key") && !NOT_SECRET.contains(&name.as_str()))
}

/// A secret header's value for a curl line: the placeholder, after the scheme when there is one (`Bearer <redacted>`),
/// which tells a reader what kind of credential to put back.
pub fn redacted_header_value(value: &str) -> String {
    match value.split_once(' ') {
        Some((scheme, _))
            if scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-') =>
        {
            format!("{scheme} {REDACTED}")
        }
        _ => REDACTED.to_string(),
    }
}

/// Where the userinfo of a URL is: between `scheme://` and the last `@` of the authority.
fn userinfo_span(url: &str) -> Option<(usize, usize)> {
    let start = url.find("://").map_or(0, |i| i + 3);
    let authority_end = url[start..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| start + i);
    url[start..authority_end]
        .rfind('@')
        .map(|at| (start, start + at))
}

fn userinfo(url: &str) -> Option<&str> {
    userinfo_span(url).map(|(start, end)| &url[start..end])
}

/// The secret parts of a userinfo, as written and as sent. Without a password the user name is the credential (a
/// token given as `https://TOKEN@host`); with one, the user name alone is not secret.
fn credentials(info: &str) -> Vec<String> {
    let (user, password) = match info.split_once(':') {
        Some((u, p)) => (u, Some(p)),
        None => (info, None),
    };
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8_lossy()
            .into_owned()
    };
    let mut out = vec![info.to_string(), decode(info)];
    match password {
        Some(p) => out.extend([p.to_string(), decode(p)]),
        None => out.extend([user.to_string(), decode(user)]),
    }
    // What the HTTP client sends: `authorization: Basic base64(user:password)`.
    let pair = format!(
        "{}:{}",
        decode(user),
        password.map(decode).unwrap_or_default()
    );
    out.push(base64::prelude::BASE64_STANDARD.encode(pair));
    out
}

/// The value as it appears inside a JSON string.
fn json_escaped(v: &str) -> String {
    let quoted = Value::String(v.to_string()).to_string();
    quoted[1..quoted.len() - 1].to_string()
}

fn percent_encoded(v: &str) -> String {
    percent_encoding::utf8_percent_encode(v, percent_encoding::NON_ALPHANUMERIC).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::Exchange;

    #[test]
    fn the_key_is_scrubbed_in_every_form() {
        let s = Secrets::new(Some("lsv2_pt_a\"b/c"), None);
        let text = r#"x-api-key: lsv2_pt_a"b/c {"echo":"lsv2_pt_a\"b/c"} ?k=lsv2%5Fpt%5Fa%22b%2Fc"#;
        let out = s.scrub(text);
        assert_eq!(
            out,
            r#"x-api-key: <redacted> {"echo":"<redacted>"} ?k=<redacted>"#
        );
        assert_eq!(
            s.scrub_bytes(b"\xff lsv2_pt_a\"b/c \x00"),
            b"\xff <redacted> \x00"
        );
        let json = serde_json::json!({"lsv2_pt_a\"b/c": ["x lsv2_pt_a\"b/c", 1]});
        assert_eq!(
            s.scrub_json(&json),
            serde_json::json!({"<redacted>": ["x <redacted>", 1]})
        );
    }

    #[test]
    fn a_recorded_exchange_is_scrubbed_everywhere() {
        let s = Secrets::new(Some("kéy-1"), None);
        let e = Exchange {
            step: 1,
            method: "POST".into(),
            target: "/echo?k=k%C3%A9y%2D1".into(),
            request_json: Some(serde_json::json!({"key": "kéy-1"})),
            status: 400,
            reason: "Bad kéy-1".into(),
            headers: vec![("x-echo-api-key".into(), "kéy-1".into())],
            body: b"\xff x-api-key: k\xc3\xa9y-1".to_vec(),
        };
        let out = e.scrubbed(&s);
        assert_eq!(out.target, "/echo?k=<redacted>");
        assert_eq!(
            out.request_json,
            Some(serde_json::json!({"key": "<redacted>"}))
        );
        assert_eq!(out.reason, "Bad <redacted>");
        assert_eq!(out.headers[0].1, "<redacted>");
        assert_eq!(out.body, b"\xff x-api-key: <redacted>");
    }

    #[test]
    fn url_credentials_and_their_basic_token_are_scrubbed() {
        let s = Secrets::new(None, Some("https://me:p%40ss@example.com:8443/base"));
        // base64("me:p@ss"), what the client sends as basic auth.
        let token = base64::prelude::BASE64_STANDARD.encode("me:p@ss");
        let out = s.scrub(&format!(
            "https://me:p%40ss@example.com authorization: Basic {token} p@ss p%40ss"
        ));
        assert_eq!(
            out,
            "https://<redacted>@example.com authorization: Basic <redacted> <redacted> <redacted>"
        );
        assert!(
            s.scrub("me, myself").contains("me,"),
            "a user name with a password is not secret"
        );
        let token_only = Secrets::new(None, Some("https://ghp_abc@example.com"));
        assert_eq!(token_only.scrub("user ghp_abc"), "user <redacted>");
    }

    #[test]
    fn nothing_to_scrub_without_secrets() {
        let s = Secrets::new(None, Some("http://127.0.0.1:2024"));
        assert!(s.is_empty());
        assert_eq!(s.scrub("as it is"), "as it is");
        assert!(Secrets::new(Some(""), None).is_empty());
    }

    #[test]
    fn urls_are_shown_without_userinfo() {
        assert_eq!(
            display_url("https://me:secret@host:1/p@th?q=a@b"),
            "https://<redacted>@host:1/p@th?q=a@b"
        );
        assert_eq!(display_url("http://host/x@y"), "http://host/x@y");
        assert_eq!(display_url("me:secret@host"), "<redacted>@host");
    }

    #[test]
    fn case_does_not_hide_a_key() {
        let s = Secrets::new(Some("SeKrit-abc-123"), None);
        assert_eq!(
            s.scrub("X-API-KEY: SEKRIT-ABC-123, x-api-key: sekrit-abc-123"),
            "X-API-KEY: <redacted>, x-api-key: <redacted>"
        );
        assert_eq!(s.scrub_bytes(b"\xffsekrit%2Dabc%2d123"), b"\xff<redacted>");
    }

    #[test]
    fn a_short_key_is_hidden_only_where_it_stands_alone() {
        let s = Secrets::new(Some("k"), None);
        assert_eq!(
            s.scrub("x-api-key: k, keep {\"key\":\"K\"} k"),
            "x-api-key: <redacted>, keep {\"key\":\"<redacted>\"} <redacted>"
        );
        let n = s.notice().unwrap();
        assert!(
            n.starts_with("the API key is only 1 character(s) long"),
            "{n}"
        );
        assert!(Secrets::new(Some("a-long-enough-key"), None)
            .notice()
            .is_none());
        // Long enough, it is hidden even inside a word.
        let s = Secrets::new(Some("lsv2_abcdef"), None);
        assert_eq!(s.scrub("xlsv2_abcdefx"), "x<redacted>x");
    }

    #[test]
    fn a_steps_own_credentials_are_added_to_its_run() {
        let base = Secrets::new(Some("lsv2_configured"), None);
        let run = base.for_run();
        run.add_credential("Bearer tok.en-123");
        run.add_credential("abc");
        assert_eq!(
            run.scrub("authorization: Bearer tok.en-123 / TOK.EN-123 abc"),
            "authorization: <redacted> / <redacted> abc"
        );
        assert_eq!(
            base.scrub("tok.en-123"),
            "tok.en-123",
            "the run's copy only"
        );
        let long = format!("sig x-signature-value-1 {}", "x".repeat(100));
        let scrubbed = sync_scoped(run.clone(), || {
            hide_in_run("x-signature-value-1");
            crate::text::preview(&long, 30)
        });
        assert!(scrubbed.starts_with("sig <redacted> xxx"), "{scrubbed}");
        assert!(
            crate::text::preview(&long, 30).contains("x-signature-value-1"),
            "outside a run"
        );
        assert!(!format!("{run:?}").contains("tok"));
    }

    #[test]
    fn credential_headers_are_recognised() {
        for h in [
            "x-access-key",
            "X-Signature",
            "x-functions-key",
            "x-csrf-token",
            "x-private-token",
            "Authorization",
            "proxy-authorization",
            "cookie",
            "x-api-key",
            "api-key",
            "x-auth-token",
            "x-session-id",
            "x-client-secret",
        ] {
            assert!(is_secret_header(h), "{h}");
        }
        for h in [
            "content-type",
            "accept",
            "x-request-id",
            "prefer",
            "idempotency-key",
        ] {
            assert!(!is_secret_header(h), "{h}");
        }
        assert_eq!(redacted_header_value("Bearer abc.def"), "Bearer <redacted>");
        assert_eq!(redacted_header_value("abc def=="), "abc <redacted>");
        assert_eq!(redacted_header_value("a=b; c=d"), "<redacted>");
        assert_eq!(redacted_header_value("sk-123"), "<redacted>");
    }
}
