//! A loopback HTTP server that answers with bytes from a file, exactly, for testing the harness against servers
//! that misbehave: wrong framing, cut-off streams, stalls, resets.
//!
//! A response file is sent as it is, but for three directives: a line `<<STALL>>` stops sending and keeps the
//! connection open (until the test ends), a line `<<RESET>>` resets the connection at once, mid-response, and
//! `<<PAUSE>>` anywhere (even inside a line or a UTF-8 character) sends what came before as its own write, and
//! `<<REPEAT n>>` at the start of a line sends the rest of that line (its `\n` included) n times, for streams far larger
//! than the file. `<<WAIT ms>>` on a line of its own waits that many milliseconds (a slow server). `<<ECHO>>` is replaced by the
//! request head, as a server that reflects request headers (an error
//! page, a debugging proxy) would send it. Each request is answered with the next file in order; the connection closes
//! after each response, so a body without Content-Length ends where the file ends.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

pub struct RawServer {
    pub url: String,
    /// The request heads (request line and headers) received, in order.
    pub requests: Arc<Mutex<Vec<String>>>,
}

enum Part {
    Bytes(Vec<u8>),
    Stall,
    Reset,
    Pause,
    Repeat(Vec<u8>, usize),
    Wait(u64),
}

fn parts(raw: &[u8]) -> Vec<Part> {
    // A directive, and the part it makes (none for a pause, which only splits the bytes).
    type Directive = (&'static [u8], Option<fn() -> Part>);
    const TOKENS: [Directive; 3] = [
        (b"<<STALL>>\n", Some(|| Part::Stall)),
        (b"<<RESET>>\n", Some(|| Part::Reset)),
        (b"<<PAUSE>>", None),
    ];
    let mut out = Vec::new();
    let mut cur = Vec::new();
    let mut i = 0;
    'scan: while i < raw.len() {
        if let Some((ms, used)) = wait(&raw[i..]) {
            out.push(Part::Bytes(std::mem::take(&mut cur)));
            out.push(Part::Wait(ms));
            i += used;
            continue;
        }
        if let Some((line, times, used)) = repeat(&raw[i..]) {
            out.push(Part::Bytes(std::mem::take(&mut cur)));
            out.push(Part::Repeat(line, times));
            i += used;
            continue;
        }
        for (tok, part) in TOKENS {
            if raw[i..].starts_with(tok) {
                out.push(Part::Bytes(std::mem::take(&mut cur)));
                out.push(match part {
                    Some(make) => make(),
                    None => Part::Pause,
                });
                i += tok.len();
                continue 'scan;
            }
        }
        cur.push(raw[i]);
        i += 1;
    }
    out.push(Part::Bytes(cur));
    out
}

/// `<<WAIT ms>>\n` at the start of `raw`: the milliseconds, and the bytes the directive takes.
fn wait(raw: &[u8]) -> Option<(u64, usize)> {
    let rest = raw.strip_prefix(b"<<WAIT ")?;
    let end = rest.iter().position(|&b| b == b'>')?;
    let ms = std::str::from_utf8(&rest[..end]).ok()?.parse().ok()?;
    let used = b"<<WAIT ".len() + end + b">>\n".len();
    raw.get(..used)?.ends_with(b">>\n").then_some((ms, used))
}

/// `<<REPEAT n>>line\n` at the start of `raw`: the line, n, and the bytes the directive takes.
fn repeat(raw: &[u8]) -> Option<(Vec<u8>, usize, usize)> {
    let rest = raw.strip_prefix(b"<<REPEAT ")?;
    let close = rest.windows(2).position(|w| w == b">>")?;
    let times = std::str::from_utf8(&rest[..close]).ok()?.parse().ok()?;
    let line = &rest[close + 2..];
    let end = line
        .iter()
        .position(|b| *b == b'\n')
        .map_or(line.len(), |e| e + 1);
    let used = b"<<REPEAT ".len() + close + 2 + end;
    Some((line[..end].to_vec(), times, used))
}

pub async fn start(files: Vec<PathBuf>) -> RawServer {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let url = format!("http://{}", listener.local_addr().expect("local addr"));
    let requests = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&requests);
    tokio::spawn(async move {
        for file in files {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let raw = std::fs::read(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            let seen = Arc::clone(&seen);
            tokio::spawn(async move {
                let head = read_request(&mut sock).await;
                let raw = echo(&raw, &head);
                seen.lock().unwrap().push(head);
                send(&mut sock, &raw).await;
            });
        }
    });
    RawServer { url, requests }
}

/// A server that answers every request whose target starts with one of `routes`' prefixes with that route's file
/// (the first that matches; 404 when none does), as many times as it is asked: for runs of many specs at once, whose
/// requests come in no fixed order.
pub async fn start_routed(routes: Vec<(String, PathBuf)>) -> RawServer {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let url = format!("http://{}", listener.local_addr().expect("local addr"));
    let requests = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&requests);
    let routes = Arc::new(routes);
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let seen = Arc::clone(&seen);
            let routes = Arc::clone(&routes);
            tokio::spawn(async move {
                let head = read_request(&mut sock).await;
                let target = head.split(' ').nth(1).unwrap_or("").to_string();
                seen.lock().unwrap().push(head.clone());
                let raw = match routes
                    .iter()
                    .find(|(prefix, _)| target.starts_with(prefix.as_str()))
                {
                    Some((_, file)) => {
                        std::fs::read(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()))
                    }
                    None => {
                        b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                            .to_vec()
                    }
                };
                send(&mut sock, &echo(&raw, &head)).await;
            });
        }
    });
    RawServer { url, requests }
}

/// Sends a response file's bytes, obeying its directives.
async fn send(sock: &mut tokio::net::TcpStream, raw: &[u8]) {
    for part in parts(raw) {
        match part {
            Part::Bytes(b) => {
                if sock.write_all(&b).await.is_err() {
                    return;
                }
                let _ = sock.flush().await;
            }
            Part::Stall => tokio::time::sleep(Duration::from_secs(3600)).await,
            Part::Pause => tokio::time::sleep(Duration::from_millis(30)).await,
            Part::Wait(ms) => tokio::time::sleep(Duration::from_millis(ms)).await,
            Part::Repeat(line, times) => {
                // In writes of about 64 KiB, however short the line.
                let per_write = (65536 / line.len().max(1)).max(1);
                let mut left = times;
                while left > 0 {
                    let n = left.min(per_write);
                    if sock.write_all(&line.repeat(n)).await.is_err() {
                        return;
                    }
                    left -= n;
                }
            }
            Part::Reset => {
                // Linger 0 makes close send a TCP reset instead of a clean end of stream.
                #[allow(deprecated)]
                let _ = sock.set_linger(Some(Duration::ZERO));
                return;
            }
        }
    }
    let _ = sock.shutdown().await;
}

fn echo(raw: &[u8], head: &str) -> Vec<u8> {
    const ECHO: &[u8] = b"<<ECHO>>";
    let mut out = Vec::new();
    let mut i = 0;
    while i < raw.len() {
        if raw[i..].starts_with(ECHO) {
            out.extend_from_slice(head.as_bytes());
            i += ECHO.len();
        } else {
            out.push(raw[i]);
            i += 1;
        }
    }
    out
}

/// Reads the request head and a Content-Length body, so the client never sees a reset for unread data.
async fn read_request(sock: &mut tokio::net::TcpStream) -> String {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).into_owned();
            let len = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                })
                .unwrap_or(0);
            while buf.len() < end + 4 + len {
                match sock.read(&mut chunk).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                }
            }
            return head;
        }
        match sock.read(&mut chunk).await {
            Ok(0) | Err(_) => return String::from_utf8_lossy(&buf).into_owned(),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}
