//! A loopback JSON server for the request benchmarks: HTTP/1.1 with keep-alive, every request answered with the same
//! thread object (as `POST /threads` answers), after a fixed delay when one is set (a stand-in for a remote
//! deployment's latency).
//!
//! It runs on a runtime and threads of its own, as a real server runs in a process of its own: what the client
//! being measured does on its threads is then the client's alone.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

pub struct JsonServer {
    pub url: String,
    answered: Arc<AtomicUsize>,
}

impl JsonServer {
    /// Requests answered so far: a benchmark checks that the work it timed really reached the server.
    pub fn answered(&self) -> usize {
        self.answered.load(Ordering::Relaxed)
    }
}

/// The answer's body: a thread as the reference server returns it, about 600 bytes.
pub const THREAD: &str = r#"{"thread_id":"01a21147-2607-7761-8cdc-c9e1026a60f1","created_at":"2026-11-25T05:56:45.191777+00:00","updated_at":"2026-11-25T05:56:45.191777+00:00","state_updated_at":"2026-11-25T05:56:45.191777+00:00","metadata":{"graph_id":"agent","assistant_id":"fe096781-5601-53d2-b2f6-0d3403f7e9ca"},"status":"idle","config":{},"values":{"messages":[{"content":"Hello! My name is Bagatur and I am 26 years old.","additional_kwargs":{},"response_metadata":{},"type":"human","name":null,"id":"b55372fc-8d11-4406-b8b6-36b86302d6d7"}],"delay":0},"interrupts":{}}"#;

/// Starts the server on 127.0.0.1 and returns once it accepts connections. It lives as long as the process.
pub fn start(delay: Duration) -> JsonServer {
    let answered = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&answered);
    let url = on_own_thread(move |sock| {
        let counter = Arc::clone(&counter);
        async move {
            let _ = serve(sock, delay, &counter).await;
        }
    });
    JsonServer { url, answered }
}

/// Accepts connections on 127.0.0.1, on a thread and runtime of its own, handing each to `handle` as a task; returns
/// the server's URL once it accepts them.
pub fn on_own_thread<F, Fut>(handle: F) -> String
where
    F: Fn(TcpStream) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("the server's runtime");
        rt.block_on(async move {
            let listener = TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind loopback");
            let url = format!("http://{}", listener.local_addr().expect("local addr"));
            tx.send(url).expect("the bench waits for the url");
            while let Ok((sock, _)) = listener.accept().await {
                tokio::spawn(handle(sock));
            }
        });
    });
    rx.recv().expect("the server started")
}

/// Answers the requests of one connection, one after another, until the client closes it.
async fn serve(
    mut sock: TcpStream,
    delay: Duration,
    answered: &AtomicUsize,
) -> std::io::Result<()> {
    sock.set_nodelay(true)?;
    let response = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{THREAD}",
        THREAD.len()
    );
    let mut buf = Vec::with_capacity(8192);
    let mut piece = [0u8; 8192];
    loop {
        // One whole request (head and Content-Length body) in `buf`, or the connection is done.
        let used = loop {
            if let Some(n) = complete_request(&buf) {
                break n;
            }
            let n = sock.read(&mut piece).await?;
            if n == 0 {
                return Ok(());
            }
            buf.extend_from_slice(&piece[..n]);
        };
        buf.drain(..used);
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        sock.write_all(response.as_bytes()).await?;
        answered.fetch_add(1, Ordering::Relaxed);
    }
}

/// The length of the first whole request in `buf`, if it is all there.
fn complete_request(buf: &[u8]) -> Option<usize> {
    let end = buf.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let length = String::from_utf8_lossy(&buf[..end])
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    (buf.len() >= end + length).then_some(end + length)
}
