//! A loopback server standing for another origin: it answers anything with `200 {"ok":true}` and keeps every byte
//! it receives, so a test can prove that no request (and no secret) reached it.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

pub struct OtherOrigin {
    /// `127.0.0.1:PORT`, to put in a `location`.
    pub authority: String,
    /// What each connection sent, in order; a connection that sent nothing still counts.
    pub received: Arc<Mutex<Vec<Vec<u8>>>>,
}

impl OtherOrigin {
    pub fn connections(&self) -> usize {
        self.received.lock().unwrap().len()
    }
}

pub async fn start() -> OtherOrigin {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let authority = listener.local_addr().expect("local addr").to_string();
    let received = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&received);
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let seen = Arc::clone(&seen);
            tokio::spawn(async move {
                let i = {
                    let mut all = seen.lock().unwrap();
                    all.push(Vec::new());
                    all.len() - 1
                };
                let mut buf = [0u8; 4096];
                // Enough to take a request head and a small body; then answer as a friendly server would.
                while let Ok(Ok(n)) =
                    tokio::time::timeout(std::time::Duration::from_millis(200), sock.read(&mut buf))
                        .await
                {
                    if n == 0 {
                        break;
                    }
                    seen.lock().unwrap()[i].extend_from_slice(&buf[..n]);
                }
                let body = r#"{"ok":true}"#;
                let answer = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = sock.write_all(answer.as_bytes()).await;
                let _ = sock.shutdown().await;
            });
        }
    });
    OtherOrigin {
        authority,
        received,
    }
}
