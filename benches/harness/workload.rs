//! Realistic event streams: what the reference server sends for a run in `updates` mode (a `metadata` event, then
//! one `updates` event per step, each an AI message of 300 to 2000 bytes), in the framings servers use.

use serde_json::{json, Value};

#[derive(Debug, Clone, Copy)]
pub enum Framing {
    /// The Python server: `event: updates\r\ndata: {json}\r\n\r\n`.
    Crlf,
    /// The same with LF line ends.
    Lf,
    /// The JS server: pretty-printed JSON, one `data:` line per JSON line, LF line ends.
    MultiLine,
}

impl Framing {
    pub fn name(self) -> &'static str {
        match self {
            Framing::Crlf => "crlf",
            Framing::Lf => "lf",
            Framing::MultiLine => "multiline",
        }
    }

    /// One event, as the server writes it.
    pub fn frame(self, event: &str, data: &Value) -> Vec<u8> {
        let (nl, text) = match self {
            Framing::Crlf => ("\r\n", data.to_string()),
            Framing::Lf => ("\n", data.to_string()),
            Framing::MultiLine => (
                "\n",
                serde_json::to_string_pretty(data).expect("a JSON value serialises"),
            ),
        };
        let mut out = format!("event: {event}{nl}");
        for line in text.split('\n') {
            out.push_str(&format!("data: {line}{nl}"));
        }
        out.push_str(nl);
        out.into_bytes()
    }
}

/// The first event of every run.
pub fn metadata_frame(framing: Framing) -> Vec<u8> {
    framing.frame(
        "metadata",
        &json!({"run_id": "1ef0c6a2-7b1e-6d3c-8f4e-2a9b5c7d1e3f", "attempt": 1}),
    )
}

/// `count` distinct `updates` events of 300 to 2000 bytes (spread evenly), to cycle through: a stream of any
/// length costs no more than copying them.
pub fn update_frames(framing: Framing, count: usize) -> Vec<Vec<u8>> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    (0..count)
        .map(|i| {
            let size = 300 + (rng.next() % 1701) as usize;
            let empty = framing.frame("updates", &update(i, "")).len();
            let content = prose(&mut rng, size.saturating_sub(empty));
            framing.frame("updates", &update(i, &content))
        })
        .collect()
}

/// A whole body of at least `min_bytes`: `metadata`, then `updates` events. Returns it with its number of events.
pub fn body(framing: Framing, min_bytes: usize) -> (Vec<u8>, usize) {
    let frames = update_frames(framing, 257);
    let mut out = metadata_frame(framing);
    let mut events = 1;
    while out.len() < min_bytes {
        out.extend_from_slice(&frames[events % frames.len()]);
        events += 1;
    }
    (out, events)
}

/// An `updates` payload: one AI message from the `agent` node, shaped like a LangChain message dict.
fn update(i: usize, content: &str) -> Value {
    json!({"agent": {"messages": [{
        "content": content,
        "additional_kwargs": {},
        "response_metadata": {"finish_reason": "stop", "model_name": "conformance-echo"},
        "type": "ai",
        "name": null,
        "id": format!("run-1ef0c6a2-7b1e-6d3c-8f4e-{i:012}"),
        "tool_calls": [],
        "invalid_tool_calls": [],
        "usage_metadata": null
    }]}})
}

/// About `len` bytes of text, with the characters that make JSON escape (quotes, newlines) and UTF-8 multi-byte.
fn prose(rng: &mut Rng, len: usize) -> String {
    const WORDS: [&str; 12] = [
        "the",
        "graph",
        "streams",
        "each",
        "step",
        "as",
        "it",
        "runs;",
        "\"quoted\"",
        "naïve",
        "✓",
        "line\n",
    ];
    let mut s = String::new();
    while s.len() < len {
        s.push_str(WORDS[(rng.next() % WORDS.len() as u64) as usize]);
        s.push(' ');
    }
    s
}

/// xorshift64: the same workload on every run, without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}
