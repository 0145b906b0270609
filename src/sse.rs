//! A `text/event-stream` parser that follows the WHATWG rules ("Interpreting an event stream"), fed with bytes as
//! they arrive from the network.
//!
//! Lines end in CRLF, LF or CR; a UTF-8 BOM at the start is dropped; `data` lines are joined with "\n"; a line that
//! starts with `:` is a comment; an event with no data is not dispatched. Unlike a browser, which silently drops an
//! event the body ends in the middle of, this parser reports it (`Unterminated`), because for a test harness a
//! cut-off stream is a finding.

/// One thing the stream said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SseItem {
    Event(SseEvent),
    /// The text after `:`, one leading space removed.
    Comment(String),
    /// A valid `retry:` field (ASCII digits only).
    Retry(u64),
    /// At the end of the body: a last line without a line ending, and/or the event that a blank line would have
    /// dispatched.
    Unterminated {
        partial_line: Option<String>,
        event: Option<SseEvent>,
    },
    /// A line longer than the limit; its bytes are dropped up to the next line ending.
    LineTooLong {
        limit: usize,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    /// The `event` field, or "message" when there was none.
    pub event: String,
    pub data: String,
    /// The last event ID as of this event (it carries over from earlier events).
    pub id: Option<String>,
    /// Whether this event had an `id` field of its own.
    pub has_own_id: bool,
    /// Whether some line of the event was not valid UTF-8 (replaced by U+FFFD).
    pub invalid_utf8: bool,
}

impl SseEvent {
    /// The id this event carries itself (not one carried over from an earlier event); an empty `id:` is none.
    pub fn own_id(&self) -> Option<&str> {
        self.id
            .as_deref()
            .filter(|id| self.has_own_id && !id.is_empty())
    }
}

pub struct SseParser {
    max_line: usize,
    line: Vec<u8>,
    /// The previous chunk ended in CR: an LF at the start of the next one belongs to it.
    after_cr: bool,
    /// Whether the start of the stream has been checked for a BOM (which may be split across chunks).
    bom_checked: bool,
    skipping_long_line: bool,
    event_type: String,
    data: String,
    has_data: bool,
    last_id: Option<String>,
    own_id: bool,
    invalid_utf8: bool,
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

impl Default for SseParser {
    fn default() -> Self {
        Self::new()
    }
}

impl SseParser {
    pub fn new() -> Self {
        Self::with_max_line_bytes(64 * 1024 * 1024)
    }

    pub fn with_max_line_bytes(limit: usize) -> Self {
        SseParser {
            max_line: limit,
            line: Vec::new(),
            after_cr: false,
            bom_checked: false,
            skipping_long_line: false,
            event_type: String::new(),
            data: String::new(),
            has_data: false,
            last_id: None,
            own_id: false,
            invalid_utf8: false,
        }
    }

    pub fn feed(&mut self, mut chunk: &[u8], out: &mut Vec<SseItem>) {
        if !self.bom_checked {
            // Hold back the first bytes until we know whether they are a BOM.
            let have = self.line.len() + chunk.len();
            if have < BOM.len() && BOM.starts_with(&[self.line.as_slice(), chunk].concat()) {
                self.line.extend_from_slice(chunk);
                return;
            }
            self.bom_checked = true;
            let mut start = std::mem::take(&mut self.line);
            start.extend_from_slice(chunk);
            let rest = start.strip_prefix(BOM).unwrap_or(&start).to_vec();
            return self.feed_lines(&rest, out);
        }
        if self.after_cr {
            self.after_cr = false;
            if let Some(rest) = chunk.strip_prefix(b"\n") {
                chunk = rest;
            }
        }
        self.feed_lines(chunk, out);
    }

    fn feed_lines(&mut self, mut chunk: &[u8], out: &mut Vec<SseItem>) {
        while let Some(i) = chunk.iter().position(|b| *b == b'\n' || *b == b'\r') {
            self.push_bytes(&chunk[..i], out);
            let line = std::mem::take(&mut self.line);
            if self.skipping_long_line {
                self.skipping_long_line = false;
            } else {
                self.process_line(&line, out);
            }
            let cr = chunk[i] == b'\r';
            chunk = &chunk[i + 1..];
            if cr {
                match chunk.first() {
                    Some(b'\n') => chunk = &chunk[1..],
                    Some(_) => {}
                    None => self.after_cr = true,
                }
            }
        }
        self.push_bytes(chunk, out);
    }

    fn push_bytes(&mut self, bytes: &[u8], out: &mut Vec<SseItem>) {
        if self.skipping_long_line {
            return;
        }
        if self.line.len() + bytes.len() > self.max_line {
            self.line.clear();
            self.skipping_long_line = true;
            out.push(SseItem::LineTooLong {
                limit: self.max_line,
            });
            return;
        }
        self.line.extend_from_slice(bytes);
    }

    fn process_line(&mut self, raw: &[u8], out: &mut Vec<SseItem>) {
        let line = match std::str::from_utf8(raw) {
            Ok(s) => std::borrow::Cow::Borrowed(s),
            Err(_) => {
                self.invalid_utf8 = true;
                String::from_utf8_lossy(raw)
            }
        };
        if line.is_empty() {
            self.dispatch(out);
            return;
        }
        if let Some(comment) = line.strip_prefix(':') {
            out.push(SseItem::Comment(
                comment.strip_prefix(' ').unwrap_or(comment).to_string(),
            ));
            return;
        }
        let (field, value) = match line.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (line.as_ref(), ""),
        };
        match field {
            "event" => self.event_type = value.to_string(),
            "data" => {
                self.data.push_str(value);
                self.data.push('\n');
                self.has_data = true;
            }
            "id" if !value.contains('\0') => {
                self.last_id = Some(value.to_string());
                self.own_id = true;
            }
            "retry" if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
                if let Ok(n) = value.parse() {
                    out.push(SseItem::Retry(n));
                }
            }
            _ => {}
        }
    }

    /// The event built so far, or None when it has no data (the spec does not dispatch those).
    fn take_event(&mut self) -> Option<SseEvent> {
        let event_type = std::mem::take(&mut self.event_type);
        let own_id = std::mem::take(&mut self.own_id);
        let invalid_utf8 = std::mem::take(&mut self.invalid_utf8);
        if !std::mem::take(&mut self.has_data) {
            self.data.clear();
            return None;
        }
        let mut data = std::mem::take(&mut self.data);
        data.pop();
        Some(SseEvent {
            event: if event_type.is_empty() {
                "message".into()
            } else {
                event_type
            },
            data,
            id: self.last_id.clone(),
            has_own_id: own_id,
            invalid_utf8,
        })
    }

    fn dispatch(&mut self, out: &mut Vec<SseItem>) {
        if let Some(e) = self.take_event() {
            out.push(SseItem::Event(e));
        }
    }

    pub fn finish(&mut self, out: &mut Vec<SseItem>) {
        if !self.bom_checked {
            self.bom_checked = true;
            // Fewer than three bytes, all a prefix of a BOM: not a BOM, so an unfinished line.
        }
        let partial_line = if self.line.is_empty() || self.skipping_long_line {
            None
        } else {
            let raw = std::mem::take(&mut self.line);
            // A partial comment line says nothing about events; any other is interpreted as if it had ended.
            let text = String::from_utf8_lossy(&raw).into_owned();
            if !text.starts_with(':') {
                let mut ignored = Vec::new();
                self.process_line(&raw, &mut ignored);
                out.extend(
                    ignored
                        .into_iter()
                        .filter(|i| matches!(i, SseItem::Retry(_))),
                );
            }
            Some(text)
        };
        let event = self.take_event();
        if partial_line.is_some() || event.is_some() {
            out.push(SseItem::Unterminated {
                partial_line,
                event,
            });
        }
        *self = SseParser::with_max_line_bytes(self.max_line);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_chunks(chunks: &[&[u8]]) -> Vec<SseItem> {
        let mut p = SseParser::new();
        let mut out = Vec::new();
        for c in chunks {
            p.feed(c, &mut out);
        }
        p.finish(&mut out);
        out
    }

    fn parse(s: &[u8]) -> Vec<SseItem> {
        parse_chunks(&[s])
    }

    fn ev(event: &str, data: &str) -> SseItem {
        SseItem::Event(SseEvent {
            event: event.into(),
            data: data.into(),
            id: None,
            has_own_id: false,
            invalid_utf8: false,
        })
    }

    /// Every way of cutting `s` in two, and byte by byte, gives the same items as feeding it whole.
    fn same_under_any_chunking(s: &[u8]) {
        let whole = parse(s);
        for i in 0..=s.len() {
            assert_eq!(
                parse_chunks(&[&s[..i], &s[i..]]),
                whole,
                "split at {i} of {:?}",
                String::from_utf8_lossy(s)
            );
        }
        let bytes: Vec<&[u8]> = s.chunks(1).collect();
        assert_eq!(parse_chunks(&bytes), whole, "byte by byte");
    }

    #[test]
    fn line_endings_crlf_lf_cr_and_mixed() {
        let want = vec![ev("a", "1"), ev("b", "2")];
        assert_eq!(
            parse(b"event: a\r\ndata: 1\r\n\r\nevent: b\r\ndata: 2\r\n\r\n"),
            want
        );
        assert_eq!(parse(b"event: a\ndata: 1\n\nevent: b\ndata: 2\n\n"), want);
        assert_eq!(parse(b"event: a\rdata: 1\r\revent: b\rdata: 2\r\r"), want);
        assert_eq!(
            parse(b"event: a\r\ndata: 1\n\revent: b\rdata: 2\r\n\n"),
            want
        );
        for s in [
            &b"event: a\r\ndata: 1\r\n\r\n"[..],
            b"event: a\rdata: 1\r\r",
            b"data: x\r\n\r\n\r\ndata: y\n\n",
        ] {
            same_under_any_chunking(s);
        }
    }

    #[test]
    fn crlf_split_across_chunks_is_one_line_end() {
        assert_eq!(
            parse_chunks(&[b"data: 1\r", b"\n\r", b"\n"]),
            vec![ev("message", "1")]
        );
        assert_eq!(
            parse_chunks(&[b"data: 1\r", b"\r"]),
            vec![ev("message", "1")]
        );
    }

    #[test]
    fn bom_is_stripped_once_at_the_start() {
        assert_eq!(parse(b"\xEF\xBB\xBFdata: 1\n\n"), vec![ev("message", "1")]);
        assert_eq!(
            parse_chunks(&[b"\xEF", b"\xBB", b"\xBFdata: 1\n\n"]),
            vec![ev("message", "1")]
        );
        // A second BOM is part of the field name, which is then unknown.
        assert_eq!(parse(b"\xEF\xBB\xBF\xEF\xBB\xBFdata: 1\n\n"), vec![]);
        same_under_any_chunking(b"\xEF\xBB\xBFdata: 1\n\n");
    }

    #[test]
    fn utf8_split_inside_a_character_and_invalid_bytes() {
        let s = "data: héllo ✓\n\n".as_bytes();
        same_under_any_chunking(s);
        assert_eq!(parse(s), vec![ev("message", "héllo ✓")]);
        let bad = parse(b"data: a\xFFb\n\n");
        assert_eq!(
            bad,
            vec![SseItem::Event(SseEvent {
                event: "message".into(),
                data: "a\u{FFFD}b".into(),
                id: None,
                has_own_id: false,
                invalid_utf8: true
            })]
        );
    }

    #[test]
    fn fields_and_spaces() {
        assert_eq!(parse(b"data:x\n\n"), vec![ev("message", "x")]);
        assert_eq!(
            parse(b"data:  two\n\n"),
            vec![ev("message", " two")],
            "only one space is removed"
        );
        assert_eq!(
            parse(b"data\n\n"),
            vec![ev("message", "")],
            "a field alone has an empty value"
        );
        assert_eq!(parse(b"data: a:b\n\n"), vec![ev("message", "a:b")]);
        assert_eq!(parse(b"bogus: 1\ndata: x\n\n"), vec![ev("message", "x")]);
    }

    #[test]
    fn comments() {
        assert_eq!(
            parse(b": heartbeat\r\n\r\n"),
            vec![SseItem::Comment("heartbeat".into())]
        );
        assert_eq!(parse(b":x\n"), vec![SseItem::Comment("x".into())]);
    }

    #[test]
    fn data_lines_join_and_empty_events_are_not_dispatched() {
        assert_eq!(
            parse(b"data: {\ndata:   \"a\": 1\ndata: }\n\n"),
            vec![ev("message", "{\n  \"a\": 1\n}")]
        );
        assert_eq!(parse(b"event: end\n\n"), vec![]);
        assert_eq!(
            parse(b"event: end\n\ndata: x\n\n"),
            vec![ev("message", "x")],
            "the type resets"
        );
        assert_eq!(
            parse(b"data: \n\n"),
            vec![ev("message", "")],
            "an empty data line is data"
        );
    }

    #[test]
    fn ids_persist_and_nul_is_ignored() {
        let out = parse(b"id: 1\ndata: a\n\ndata: b\n\nid: x\0y\ndata: c\n\nid\ndata: d\n\n");
        let ids: Vec<(Option<String>, bool)> = out
            .iter()
            .map(|i| match i {
                SseItem::Event(e) => (e.id.clone(), e.has_own_id),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            ids,
            vec![
                (Some("1".into()), true),
                (Some("1".into()), false),
                (Some("1".into()), false),
                (Some("".into()), true)
            ]
        );
    }

    #[test]
    fn retry() {
        assert_eq!(parse(b"retry: 3000\n"), vec![SseItem::Retry(3000)]);
        assert_eq!(parse(b"retry: 3s\nretry:\n"), vec![]);
    }

    #[test]
    fn a_stream_cut_off_is_reported() {
        let meta = ev("metadata", "{}");
        assert_eq!(
            parse(b"event: metadata\ndata: {}\n\nevent: updates\ndata: {\"a\"\n"),
            vec![
                meta.clone(),
                SseItem::Unterminated {
                    partial_line: None,
                    event: Some(SseEvent {
                        event: "updates".into(),
                        data: "{\"a\"".into(),
                        id: None,
                        has_own_id: false,
                        invalid_utf8: false
                    })
                }
            ]
        );
        assert_eq!(
            parse(b"event: metadata\r\ndata: {}\r\n\r\nevent: upd"),
            vec![
                meta.clone(),
                SseItem::Unterminated {
                    partial_line: Some("event: upd".into()),
                    event: None
                }
            ]
        );
        assert_eq!(
            parse(b"data: {\"x\""),
            vec![SseItem::Unterminated {
                partial_line: Some("data: {\"x\"".into()),
                event: Some(SseEvent {
                    event: "message".into(),
                    data: "{\"x\"".into(),
                    id: None,
                    has_own_id: false,
                    invalid_utf8: false
                })
            }]
        );
        assert_eq!(
            parse(b"event: metadata\ndata: {}\n\n"),
            vec![meta],
            "a clean end reports nothing"
        );
        assert_eq!(parse(b""), vec![]);
    }

    #[test]
    fn long_lines_are_bounded() {
        let mut p = SseParser::with_max_line_bytes(16);
        let mut out = Vec::new();
        for _ in 0..1000 {
            p.feed(b"data: xxxxxxxxxxxxxxxxxxxxxxxx", &mut out);
        }
        assert!(p.line.len() <= 16);
        p.feed(b"\n\ndata: ok\n\n", &mut out);
        assert_eq!(
            out,
            vec![SseItem::LineTooLong { limit: 16 }, ev("message", "ok")]
        );
    }

    #[test]
    fn real_server_framings() {
        let py = b"event: metadata\r\ndata: {\"run_id\":\"r\",\"attempt\":1}\r\n\r\n: heartbeat\r\n\r\nevent: updates\r\ndata: {\"agent\":{}}\r\n\r\n";
        assert_eq!(
            parse(py),
            vec![
                ev("metadata", "{\"run_id\":\"r\",\"attempt\":1}"),
                SseItem::Comment("heartbeat".into()),
                ev("updates", "{\"agent\":{}}")
            ]
        );
        same_under_any_chunking(py);
        let js = b"event: values\nid: 0\ndata: {\ndata:   \"a\": 1\ndata: }\n\n";
        let out = parse(js);
        assert_eq!(
            out,
            vec![SseItem::Event(SseEvent {
                event: "values".into(),
                data: "{\n  \"a\": 1\n}".into(),
                id: Some("0".into()),
                has_own_id: true,
                invalid_utf8: false
            })]
        );
        same_under_any_chunking(js);
    }

    #[test]
    fn random_input_never_panics_and_chunking_never_matters() {
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let alphabet = b"event:data:id:retry: \r\n\r\n:\xEF\xBB\xBF\xFF\x00abc123{}";
        for _ in 0..300 {
            let len = (next() % 200) as usize;
            let s: Vec<u8> = (0..len)
                .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                .collect();
            let whole = parse(&s);
            let mut chunks = Vec::new();
            let mut i = 0;
            while i < s.len() {
                let n = 1 + (next() % 9) as usize;
                chunks.push(&s[i..(i + n).min(s.len())]);
                i += n;
            }
            assert_eq!(
                parse_chunks(&chunks),
                whole,
                "{:?}",
                String::from_utf8_lossy(&s)
            );
        }
    }
}
