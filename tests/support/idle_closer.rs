//! A keep-alive HTTP server that closes a connection silently (no `Connection: close`) when a request arrives on it
//! after it has answered `answers` requests there: what a client sees when a server's idle timeout closes a pooled
//! connection just as the client reuses it. Deterministic, unlike a real idle timeout: the close always crosses the
//! request.

// `golden` includes it with the other servers of `support` and does not use it.
#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

pub struct IdleCloser {
    pub url: String,
    /// Connections accepted so far.
    pub connections: Arc<AtomicUsize>,
}

const RESPONSE: &[u8] =
    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 11\r\n\r\n{\"ok\":true}";

pub async fn start(answers: usize) -> IdleCloser {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let url = format!("http://{}", listener.local_addr().expect("local addr"));
    let connections = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&connections);
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let mut answered = 0;
                while read_head(&mut sock).await {
                    if answered == answers {
                        return; // dropped: closed without a word
                    }
                    if sock.write_all(RESPONSE).await.is_err() {
                        return;
                    }
                    answered += 1;
                }
            });
        }
    });
    IdleCloser { url, connections }
}

/// Reads one request head (the tests send no bodies); false at the end of the connection.
async fn read_head(sock: &mut tokio::net::TcpStream) -> bool {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        match sock.read(&mut byte).await {
            Ok(1) => buf.push(byte[0]),
            _ => return false,
        }
    }
    true
}
