//! Whether the target answers at all, asked once before any spec runs: a deployment that is down, or a URL with a
//! typo, is one clear line and an early end, not a failure of every spec each saying "connection refused".

use std::fmt;
use std::time::Duration;

use crate::secrets::ApiKey;

/// Why the target is taken to be down. `url` is the target's URL without its credentials.
#[derive(Debug)]
#[non_exhaustive]
pub enum Unreachable {
    /// The runtime to ask it in could not start.
    Runtime(std::io::Error),
    /// The connection failed.
    NoAnswer {
        /// The target's URL, without its credentials.
        url: String,
        /// What the HTTP client said (boxed, so that its type is no part of this crate's API).
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// Nothing came back in the time it has.
    Timeout {
        /// The target's URL, without its credentials.
        url: String,
        /// The time it had.
        within: Duration,
    },
}

impl fmt::Display for Unreachable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unreachable::Runtime(e) => write!(f, "cannot start the async runtime: {e}"),
            Unreachable::NoAnswer { url, source } => write!(
                f,
                "the target {url} does not answer: {}; is it running, and is the URL right?",
                crate::transport::error_chain(source.as_ref())
            ),
            Unreachable::Timeout { url, within } => write!(
                f,
                "the target {url} does not answer within {}s; is it running, and is the URL right?",
                within.as_secs()
            ),
        }
    }
}

impl std::error::Error for Unreachable {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Unreachable::Runtime(e) => Some(e),
            Unreachable::NoAnswer { source, .. } => Some(source.as_ref()),
            Unreachable::Timeout { .. } => None,
        }
    }
}

/// How long the target has to answer: enough for a cold start of a serverless deployment's front door, short enough
/// that a run against nothing ends at once.
const WITHIN: Duration = Duration::from_secs(4);

/// `Ok` when anything answers `GET <url>/ok`, whatever the status: only the connection is in question here.
pub fn check(url: &str, key: Option<&ApiKey>) -> Result<(), Unreachable> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(Unreachable::Runtime)?;
    let client = crate::transport::client();
    let probe = format!("{url}/ok");
    let mut request = client.get(&probe);
    if let Some(k) = key {
        request = request.header("x-api-key", k.value.as_str());
    }
    runtime.block_on(async {
        match tokio::time::timeout(WITHIN, request.send()).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(source)) => Err(Unreachable::NoAnswer {
                url: crate::secrets::display_url(url),
                source: Box::new(source),
            }),
            Err(_) => Err(Unreachable::Timeout {
                url: crate::secrets::display_url(url),
                within: WITHIN,
            }),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_closed_port_is_said_at_once() {
        // A port just bound and released: nothing listens there.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let started = std::time::Instant::now();
        let e = check(&format!("http://127.0.0.1:{port}"), None).unwrap_err();
        assert!(matches!(e, Unreachable::NoAnswer { .. }), "{e:?}");
        let e = e.to_string();
        assert!(
            e.starts_with(&format!(
                "the target http://127.0.0.1:{port} does not answer"
            )),
            "{e}"
        );
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn any_answer_will_do() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            use std::io::{Read, Write};
            if let Ok((mut s, _)) = listener.accept() {
                let mut buf = [0u8; 1024];
                let _ = s.read(&mut buf);
                let _ = s.write_all(
                    b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                );
            }
        });
        assert!(check(&format!("http://127.0.0.1:{port}"), None).is_ok());
    }
}
