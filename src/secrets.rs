//! Secrets the harness knows of (the API key, the credentials in `LANGGRAPH_URL`) and how they are kept out of what
//! it prints and writes. A server may echo request headers back (error pages and debugging proxies do), so the
//! values are scrubbed from every report and recording, not just left out of the harness's own messages; and curl
//! lines never show the value of a header that carries a credential.

use base64::Engine as _;
use serde_json::Value;

use crate::fixture::Exchange;

/// What a secret value is replaced with.
pub const REDACTED: &str = "<redacted>";

/// The API key, and the environment variable it came from (what a curl line names instead of the value).
#[derive(Debug, Clone, PartialEq)]
pub struct ApiKey {
    pub value: String,
    pub var: &'static str,
}

/// The values never to print, in every form they may come back in.
#[derive(Debug, Clone, Default)]
pub struct Secrets {
    /// One alternation of every value, longest first so that `user:pass` wins over `pass`; `None`: nothing to hide.
    pattern: Option<regex::bytes::Regex>,
}

impl Secrets {
    /// The secrets of a run: the API key, and the userinfo of the target's URL with the basic-auth token the HTTP
    /// client makes of it.
    pub fn new(api_key: Option<&str>, url: Option<&str>) -> Secrets {
        let mut base: Vec<String> = api_key.into_iter().map(str::to_string).collect();
        if let Some(info) = url.and_then(userinfo) {
            base.extend(credentials(info));
        }
        let mut values: Vec<String> = Vec::new();
        for v in base.iter().filter(|v| !v.is_empty()) {
            for form in [v.clone(), json_escaped(v), percent_encoded(v)] {
                if !values.contains(&form) {
                    values.push(form);
                }
            }
        }
        values.sort_by_key(|v| std::cmp::Reverse(v.len()));
        let alternation: Vec<String> = values.iter().map(|v| regex::escape(v)).collect();
        let pattern = (!values.is_empty()).then(|| {
            regex::bytes::RegexBuilder::new(&alternation.join("|"))
                .unicode(false)
                .size_limit(1 << 24)
                .build()
                .expect("escaped literals form a valid pattern")
        });
        Secrets { pattern }
    }

    pub fn is_empty(&self) -> bool {
        self.pattern.is_none()
    }

    pub fn scrub(&self, text: &str) -> String {
        // Whole UTF-8 values are replaced by ASCII, so valid UTF-8 stays valid.
        String::from_utf8_lossy(&self.scrub_bytes(text.as_bytes())).into_owned()
    }

    /// As `scrub`, for bytes that need not be UTF-8 (recorded bodies).
    pub fn scrub_bytes(&self, bytes: &[u8]) -> Vec<u8> {
        match &self.pattern {
            Some(p) => p.replace_all(bytes, REDACTED.as_bytes()).into_owned(),
            None => bytes.to_vec(),
        }
    }

    /// An exchange as it may be written into a recording.
    pub fn scrub_exchange(&self, e: &Exchange) -> Exchange {
        Exchange {
            step: e.step,
            method: e.method.clone(),
            target: self.scrub(&e.target),
            request_json: e.request_json.as_ref().map(|j| self.scrub_json(j)),
            status: e.status,
            reason: self.scrub(&e.reason),
            headers: e
                .headers
                .iter()
                .map(|(k, v)| (k.clone(), self.scrub(v)))
                .collect(),
            body: self.scrub_bytes(&e.body),
        }
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

/// `url` as it may be shown: any userinfo (`user:password@`) replaced.
pub fn display_url(url: &str) -> String {
    match userinfo_span(url) {
        Some((start, end)) => format!("{}{REDACTED}{}", &url[..start], &url[end..]),
        None => url.to_string(),
    }
}

/// Whether a request header carries a credential, so a curl line must not show its value.
pub fn is_secret_header(name: &str) -> bool {
    const NAMED: [&str; 4] = [
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
    ];
    const PARTS: [&str; 9] = [
        "api-key",
        "api_key",
        "apikey",
        "auth",
        "token",
        "secret",
        "password",
        "session",
        "credential",
    ];
    let name = name.to_ascii_lowercase();
    NAMED.contains(&name.as_str()) || PARTS.iter().any(|p| name.contains(p))
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
        let out = s.scrub_exchange(&e);
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
    fn credential_headers_are_recognised() {
        for h in [
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
        for h in ["content-type", "accept", "x-request-id", "prefer"] {
            assert!(!is_secret_header(h), "{h}");
        }
        assert_eq!(redacted_header_value("Bearer abc.def"), "Bearer <redacted>");
        assert_eq!(redacted_header_value("abc def=="), "abc <redacted>");
        assert_eq!(redacted_header_value("a=b; c=d"), "<redacted>");
        assert_eq!(redacted_header_value("sk-123"), "<redacted>");
    }
}
