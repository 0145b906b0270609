//! A loopback server that answers every request with one long event stream, framed as the reference server frames
//! it: chunked transfer encoding, one HTTP chunk per event. Events are cycled from a small pool and written in
//! batches, so the server costs little next to the client being measured and holds no whole body in memory (which
//! would hide the client's own memory use).

use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::workload::{metadata_frame, update_frames, Framing};

const HEAD: &[u8] = b"HTTP/1.1 200 OK\r\n\
content-type: text/event-stream; charset=utf-8\r\n\
content-location: /runs/1ef0c6a2-7b1e-6d3c-8f4e-2a9b5c7d1e3f\r\n\
transfer-encoding: chunked\r\n\
connection: close\r\n\r\n";

/// Socket writes of about this size: a server under load fills the socket, so the client sees full reads.
const WRITE_BYTES: usize = 64 * 1024;

pub struct StreamServer {
    pub url: String,
    /// The event-stream bytes of one response (the chunk framing aside).
    pub body_bytes: u64,
}

struct Stream {
    metadata: Vec<u8>,
    updates: Vec<Vec<u8>>,
    /// The number of `updates` events after `metadata`.
    count: usize,
}

/// Answers each request with a `metadata` event and then `updates` events, as many as `updates` says, on 127.0.0.1
/// only. The server runs on a thread and runtime of its own, as a real server runs in a process of its own.
pub fn start(updates: usize, framing: Framing) -> StreamServer {
    let stream = Arc::new(Stream {
        metadata: metadata_frame(framing),
        updates: update_frames(framing, 257),
        count: updates,
    });
    let body_bytes = stream.metadata.len()
        + (0..updates)
            .map(|i| stream.updates[i % stream.updates.len()].len())
            .sum::<usize>();
    let url = crate::loopback::on_own_thread(move |sock| {
        let stream = Arc::clone(&stream);
        async move {
            // The client ends the connection early only when its checks fail; the bench reports that itself.
            let _ = serve(sock, &stream).await;
        }
    });
    StreamServer {
        url,
        body_bytes: body_bytes as u64,
    }
}

async fn serve(mut sock: TcpStream, stream: &Stream) -> std::io::Result<()> {
    read_request(&mut sock).await?;
    sock.write_all(HEAD).await?;
    let mut buf = Vec::with_capacity(2 * WRITE_BYTES);
    push_chunk(&mut buf, &stream.metadata);
    for i in 0..stream.count {
        push_chunk(&mut buf, &stream.updates[i % stream.updates.len()]);
        if buf.len() >= WRITE_BYTES {
            sock.write_all(&buf).await?;
            buf.clear();
        }
    }
    buf.extend_from_slice(b"0\r\n\r\n");
    sock.write_all(&buf).await?;
    sock.shutdown().await
}

fn push_chunk(buf: &mut Vec<u8>, data: &[u8]) {
    buf.extend_from_slice(format!("{:x}\r\n", data.len()).as_bytes());
    buf.extend_from_slice(data);
    buf.extend_from_slice(b"\r\n");
}

/// Reads the request head and its Content-Length body, so the client never sees a reset for unread data.
async fn read_request(sock: &mut TcpStream) -> std::io::Result<()> {
    let mut buf = Vec::new();
    let mut piece = [0u8; 4096];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let want = end + 4 + content_length(&buf[..end]);
            while buf.len() < want {
                let n = sock.read(&mut piece).await?;
                if n == 0 {
                    break;
                }
                buf.extend_from_slice(&piece[..n]);
            }
            return Ok(());
        }
        let n = sock.read(&mut piece).await?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&piece[..n]);
    }
}

fn content_length(head: &[u8]) -> usize {
    String::from_utf8_lossy(head)
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .and_then(|v| v.trim().parse().ok())
        })
        .unwrap_or(0)
}
