//! A loopback server that answers like a recording, with one change: for testing that the differential mode reports
//! each kind of departure. The recording's exchanges, changed by the caller, are written as response files for
//! [`super::raw_server`], one per request in order, each closing its connection.

use langgraph_conformance::outcome::Exchange;

use super::raw_server::{self, RawServer};

/// The exchange as a response on the wire: its status line and headers (less framing, which is the server's
/// business), a length for a body that is not a stream, and the body byte for byte.
pub fn response(e: &Exchange) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {} {}\r\n", e.status, e.reason).into_bytes();
    let framing = ["transfer-encoding", "content-length", "connection"];
    for (k, v) in e
        .headers
        .iter()
        .filter(|(k, _)| !framing.contains(&k.to_ascii_lowercase().as_str()))
    {
        out.extend_from_slice(format!("{k}: {v}\r\n").as_bytes());
    }
    let stream = e
        .headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("content-type") && v.starts_with("text/event-stream"));
    if !stream {
        out.extend_from_slice(format!("content-length: {}\r\n", e.body.len()).as_bytes());
    }
    out.extend_from_slice(b"connection: close\r\n\r\n");
    out.extend_from_slice(&e.body);
    out
}

/// Starts a server that answers with `exchanges` (already changed), one per request, in order.
pub async fn start(dir: &std::path::Path, exchanges: &[Exchange]) -> RawServer {
    std::fs::create_dir_all(dir).expect("a folder for the responses");
    let files = exchanges
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let p = dir.join(format!("{:03}.http", i + 1));
            std::fs::write(&p, response(e)).expect("write a response");
            p
        })
        .collect();
    raw_server::start(files).await
}
