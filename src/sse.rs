//! A `text/event-stream` parser that follows the WHATWG rules ("Interpreting an event stream"), fed with bytes as
//! they arrive from the network.
//!
//! Lines end in CRLF, LF or CR; a UTF-8 BOM at the start is dropped; `data` lines are joined with "\n"; a line that
//! starts with `:` is a comment; an event with no data is not dispatched. Unlike a browser, which silently drops an
//! event the body ends in the middle of, this parser reports it (`Unterminated`), because for a test harness a
//! cut-off stream is a finding. Likewise bytes that are not UTF-8 are reported where they are, not only replaced.
//!
//! Memory stays bounded whatever the server sends: a line, the data of one event and an event name each have a
//! limit (`SseLimits`); past one, the parser reports it and drops the bytes instead of keeping them.

/// One thing the stream said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SseItem {
    /// An event a blank line dispatched.
    Event(SseEvent),
    /// The text after `:`, one leading space removed.
    Comment(String),
    /// A valid `retry:` field (ASCII digits only).
    Retry(u64),
    /// At the end of the body: a last line without a line ending, and/or the event that a blank line would have
    /// dispatched.
    Unterminated {
        /// The last line, which no line ending ended.
        partial_line: Option<String>,
        /// The event no blank line dispatched.
        event: Option<SseEvent>,
    },
    /// Something the parser will not take: past a limit, or not UTF-8. A test stops reading here.
    Fault(SseFault),
}

/// What the parser will not take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SseFault {
    /// A line longer than the limit; its bytes are dropped up to the next line ending.
    LineTooLong {
        /// [`SseLimits::line_bytes`].
        limit: usize,
    },
    /// The `data` lines of one event add up to more than the limit; the event is dropped up to its blank line.
    EventTooLarge {
        /// [`SseLimits::data_bytes`].
        limit: usize,
    },
    /// An `event` name longer than the limit; the event is dropped up to its blank line.
    NameTooLong {
        /// [`SseLimits::name_bytes`].
        limit: usize,
    },
    /// Bytes that are not UTF-8 outside any dispatched event (a comment, or an event without data). Inside an
    /// event they are reported on the event (`SseEvent::invalid_utf8`).
    InvalidUtf8(StreamPos),
}

/// Where something is in the stream as it came over the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamPos {
    /// Bytes before it, from the first byte of the body (a BOM included).
    pub offset: u64,
    /// Its line, from 1 (CRLF, LF and CR each end one line).
    pub line: u64,
}

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    /// The `event` field, or "message" when there was none.
    pub event: String,
    /// The `data` lines, joined with "\n".
    pub data: String,
    /// The last event ID as of this event (it carries over from earlier events).
    pub id: Option<String>,
    /// Whether this event had an `id` field of its own.
    pub has_own_id: bool,
    /// Where the first bytes that are not UTF-8 were, if some line of the event had any (they are replaced by
    /// U+FFFD in the text).
    pub invalid_utf8: Option<StreamPos>,
}

/// What the parser keeps at most; past a limit it reports an item and drops the bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SseLimits {
    /// One line, its line ending excluded.
    pub line_bytes: usize,
    /// The data of one event (its `data` lines joined).
    pub data_bytes: usize,
    /// One `event` name.
    pub name_bytes: usize,
}

impl SseLimits {
    /// 16 MiB of data per event (the largest LangGraph events, whole graph states, are far below), and 4 KiB per
    /// event name (names with subgraph namespaces are a few hundred bytes).
    pub const DEFAULT: SseLimits = SseLimits {
        line_bytes: 16 * 1024 * 1024,
        data_bytes: 16 * 1024 * 1024,
        name_bytes: 4 * 1024,
    };
}

impl SseEvent {
    /// The id this event carries itself (not one carried over from an earlier event); an empty `id:` is none.
    pub fn own_id(&self) -> Option<&str> {
        self.id
            .as_deref()
            .filter(|id| self.has_own_id && !id.is_empty())
    }
}

/// The parser: [`SseParser::feed`] it the body's chunks as they come, then [`SseParser::finish`] it.
///
/// ```
/// use langgraph_conformance::sse::{SseItem, SseParser};
///
/// let mut parser = SseParser::new();
/// let mut items = Vec::new();
/// parser.feed(b"event: values\ndata: {\"a\"", &mut items);
/// parser.feed(b": 1}\n\n", &mut items);
/// parser.finish(&mut items);
/// let SseItem::Event(e) = &items[0] else { panic!("{items:?}") };
/// assert_eq!((e.event.as_str(), e.data.as_str()), ("values", "{\"a\": 1}"));
/// ```
pub struct SseParser {
    limits: SseLimits,
    line: Vec<u8>,
    /// The previous chunk ended in CR: an LF at the start of the next one belongs to it.
    after_cr: bool,
    /// Whether the start of the stream has been checked for a BOM (which may be split across chunks).
    bom_checked: bool,
    skipping_long_line: bool,
    /// Stream bytes passed to `feed_lines` so far (a BOM included).
    pos: u64,
    /// Where the line being read starts.
    line_start: StreamPos,
    event_type: String,
    data: String,
    has_data: bool,
    /// The event being read broke a limit: nothing of it is kept or dispatched.
    dropping_event: bool,
    last_id: Option<String>,
    own_id: bool,
    /// The first bytes that are not UTF-8 in the event being read.
    invalid_utf8: Option<StreamPos>,
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

impl Default for SseParser {
    fn default() -> Self {
        Self::new()
    }
}

impl SseParser {
    /// A parser with the default limits ([`SseLimits::DEFAULT`]).
    pub fn new() -> Self {
        Self::with_limits(SseLimits::DEFAULT)
    }

    /// A parser with these limits.
    pub fn with_limits(limits: SseLimits) -> Self {
        SseParser {
            limits,
            line: Vec::new(),
            after_cr: false,
            bom_checked: false,
            skipping_long_line: false,
            pos: 0,
            line_start: StreamPos { offset: 0, line: 1 },
            event_type: String::new(),
            data: String::new(),
            has_data: false,
            dropping_event: false,
            last_id: None,
            own_id: false,
            invalid_utf8: None,
        }
    }

    /// Reads the next chunk of the body; what it completes is pushed onto `out`. A chunk may end anywhere: in a
    /// line, in a line ending, in a character.
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
            let rest = match start.strip_prefix(BOM) {
                Some(rest) => {
                    self.pos = BOM.len() as u64;
                    self.line_start.offset = self.pos;
                    rest
                }
                None => &start,
            };
            return self.feed_lines(rest, out);
        }
        // An empty chunk says nothing about whether an LF follows the CR.
        if self.after_cr && !chunk.is_empty() {
            self.after_cr = false;
            if let Some(rest) = chunk.strip_prefix(b"\n") {
                chunk = rest;
                self.pos += 1;
                self.line_start.offset = self.pos;
            }
        }
        self.feed_lines(chunk, out);
    }

    fn feed_lines(&mut self, chunk: &[u8], out: &mut Vec<SseItem>) {
        let base = self.pos;
        let mut i = 0;
        while let Some(len) = memchr::memchr2(b'\n', b'\r', &chunk[i..]) {
            let end = i + len;
            let whole_here = self.line.is_empty()
                && !self.skipping_long_line
                && end - i <= self.limits.line_bytes;
            if whole_here {
                // The usual case: the line is all in this chunk, so it is read where it is, not copied.
                self.process_line(&chunk[i..end], out);
            } else {
                self.push_bytes(&chunk[i..end], out);
                let mut line = std::mem::take(&mut self.line);
                if self.skipping_long_line {
                    self.skipping_long_line = false;
                } else {
                    self.process_line(&line, out);
                }
                // The buffer is kept for the next line that spans chunks.
                line.clear();
                self.line = line;
            }
            i = end + 1;
            if chunk[end] == b'\r' {
                match chunk.get(i) {
                    Some(b'\n') => i += 1,
                    Some(_) => {}
                    None => self.after_cr = true,
                }
            }
            self.line_start = StreamPos {
                offset: base + i as u64,
                line: self.line_start.line + 1,
            };
        }
        self.push_bytes(&chunk[i..], out);
        self.pos = base + chunk.len() as u64;
    }

    fn push_bytes(&mut self, bytes: &[u8], out: &mut Vec<SseItem>) {
        if self.skipping_long_line {
            return;
        }
        if self.line.len() + bytes.len() > self.limits.line_bytes {
            self.line = Vec::new();
            self.skipping_long_line = true;
            out.push(SseItem::Fault(SseFault::LineTooLong {
                limit: self.limits.line_bytes,
            }));
            return;
        }
        self.line.extend_from_slice(bytes);
    }

    fn process_line(&mut self, raw: &[u8], out: &mut Vec<SseItem>) {
        let line = match std::str::from_utf8(raw) {
            Ok(s) => std::borrow::Cow::Borrowed(s),
            Err(e) => {
                let at = StreamPos {
                    offset: self.line_start.offset + e.valid_up_to() as u64,
                    line: self.line_start.line,
                };
                if raw.starts_with(b":") {
                    out.push(SseItem::Fault(SseFault::InvalidUtf8(at)));
                } else {
                    self.invalid_utf8.get_or_insert(at);
                }
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
            "event" | "data" if self.dropping_event => {}
            "event" if value.len() > self.limits.name_bytes => {
                self.drop_event();
                out.push(SseItem::Fault(SseFault::NameTooLong {
                    limit: self.limits.name_bytes,
                }));
            }
            "event" => self.event_type = value.to_string(),
            // `data` holds a line ending per line; the last one is not part of the event.
            "data" if self.data.len() + value.len() > self.limits.data_bytes => {
                self.drop_event();
                out.push(SseItem::Fault(SseFault::EventTooLarge {
                    limit: self.limits.data_bytes,
                }));
            }
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

    /// Forgets what the event being read has kept, and ignores the rest of it.
    fn drop_event(&mut self) {
        self.dropping_event = true;
        self.event_type = String::new();
        self.data = String::new();
        self.has_data = false;
    }

    /// The event built so far, or None when it has no data (the spec does not dispatch those) or broke a limit.
    /// Bytes that are not UTF-8 in an event that is not dispatched are reported on their own.
    fn take_event(&mut self, out: &mut Vec<SseItem>) -> Option<SseEvent> {
        let event_type = std::mem::take(&mut self.event_type);
        let own_id = std::mem::take(&mut self.own_id);
        let invalid_utf8 = self.invalid_utf8.take();
        let dropped = std::mem::take(&mut self.dropping_event);
        if !std::mem::take(&mut self.has_data) || dropped {
            self.data.clear();
            if let Some(at) = invalid_utf8 {
                out.push(SseItem::Fault(SseFault::InvalidUtf8(at)));
            }
            return None;
        }
        // The next event is likely as long as this one: its buffer starts that large (within reason), not empty.
        let next = String::with_capacity(self.data.capacity().min(64 * 1024));
        let mut data = std::mem::replace(&mut self.data, next);
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
        if let Some(e) = self.take_event(out) {
            out.push(SseItem::Event(e));
        }
    }

    /// Ends the stream: what the body's end leaves unfinished (a line, an event) is reported as
    /// [`SseItem::Unterminated`].
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
                        .filter(|i| matches!(i, SseItem::Retry(_) | SseItem::Fault(_))),
                );
            }
            Some(text)
        };
        let mut invalid = Vec::new();
        let event = self.take_event(&mut invalid);
        out.extend(invalid);
        if partial_line.is_some() || event.is_some() {
            out.push(SseItem::Unterminated {
                partial_line,
                event,
            });
        }
        *self = SseParser::with_limits(self.limits);
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
            invalid_utf8: None,
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
    fn an_empty_chunk_between_cr_and_lf_changes_nothing() {
        // Two data lines of one event; a second line end there would dispatch "1" alone.
        assert_eq!(
            parse_chunks(&[b"data: 1\r", b"", b"\ndata: 2\r", b"", b"", b"\n\r\n"]),
            vec![ev("message", "1\n2")]
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
                invalid_utf8: Some(StreamPos { offset: 7, line: 1 })
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
                        invalid_utf8: None
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
                    invalid_utf8: None
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
        let mut p = SseParser::with_limits(SseLimits {
            line_bytes: 16,
            ..SseLimits::DEFAULT
        });
        let mut out = Vec::new();
        for _ in 0..1000 {
            p.feed(b"data: xxxxxxxxxxxxxxxxxxxxxxxx", &mut out);
        }
        assert!(p.line.len() <= 16);
        p.feed(b"\n\ndata: ok\n\n", &mut out);
        assert_eq!(
            out,
            vec![
                SseItem::Fault(SseFault::LineTooLong { limit: 16 }),
                ev("message", "ok")
            ]
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
                invalid_utf8: None
            })]
        );
        same_under_any_chunking(js);
    }

    #[test]
    fn endless_data_without_a_blank_line_stays_bounded() {
        let limits = SseLimits {
            data_bytes: 1024,
            ..SseLimits::DEFAULT
        };
        let mut p = SseParser::with_limits(limits);
        let mut out = Vec::new();
        for _ in 0..100_000 {
            p.feed(
                b"data: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n",
                &mut out,
            );
            assert!(p.data.capacity() <= 2048, "{}", p.data.capacity());
        }
        p.feed(b"\ndata: ok\n\n", &mut out);
        assert_eq!(
            out,
            vec![
                SseItem::Fault(SseFault::EventTooLarge { limit: 1024 }),
                ev("message", "ok")
            ]
        );
    }

    #[test]
    fn the_data_limit_counts_the_joined_data() {
        let limits = SseLimits {
            data_bytes: 5,
            ..SseLimits::DEFAULT
        };
        let parse_with = |s: &[u8]| {
            let mut p = SseParser::with_limits(limits);
            let mut out = Vec::new();
            p.feed(s, &mut out);
            p.finish(&mut out);
            out
        };
        assert_eq!(
            parse_with(b"data: ab\ndata: cd\n\n"),
            vec![ev("message", "ab\ncd")]
        );
        assert_eq!(
            parse_with(b"data: ab\ndata: cde\n\n"),
            vec![SseItem::Fault(SseFault::EventTooLarge { limit: 5 })]
        );
    }

    #[test]
    fn a_long_event_name_drops_its_event() {
        let mut s = b"event: ".to_vec();
        s.extend(std::iter::repeat_n(b'x', 5000));
        s.extend_from_slice(b"\ndata: 1\n\ndata: 2\n\n");
        assert_eq!(
            parse(&s),
            vec![
                SseItem::Fault(SseFault::NameTooLong { limit: 4096 }),
                ev("message", "2")
            ]
        );
    }

    fn bad_at(offset: u64, line: u64) -> Option<StreamPos> {
        Some(StreamPos { offset, line })
    }

    #[test]
    fn bytes_that_are_not_utf8_are_placed_in_the_stream() {
        let s = b"event: a\r\ndata: ok\r\n\r\nevent: b\r\ndata: x\xFFy\r\n\r\n";
        let out = parse(s);
        let SseItem::Event(e) = &out[1] else {
            panic!("{out:?}")
        };
        assert_eq!((e.event.as_str(), e.invalid_utf8), ("b", bad_at(39, 5)));
        same_under_any_chunking(s);
        // A BOM counts in the offset, and a lone CR ends a line.
        let out = parse(b"\xEF\xBB\xBFdata: a\rdata: \xC3(\r\r");
        let SseItem::Event(e) = &out[0] else {
            panic!("{out:?}")
        };
        assert_eq!(e.invalid_utf8, bad_at(17, 2));
        same_under_any_chunking(b"\xEF\xBB\xBFdata: a\rdata: \xC3(\r\r");
    }

    #[test]
    fn bytes_that_are_not_utf8_outside_an_event_are_reported_alone() {
        assert_eq!(
            parse(b"data: a\n\n:\xFE\n"),
            vec![
                ev("message", "a"),
                SseItem::Fault(SseFault::InvalidUtf8(StreamPos {
                    offset: 10,
                    line: 3
                })),
                SseItem::Comment("\u{FFFD}".into())
            ]
        );
        assert_eq!(
            parse(b"event: \xFF\n\n"),
            vec![SseItem::Fault(SseFault::InvalidUtf8(StreamPos {
                offset: 7,
                line: 1
            }))]
        );
    }

    /// A tiny xorshift generator: the same cases on every run, no dependency.
    struct XorShift(u64);

    impl XorShift {
        fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % n as u64) as usize
        }
    }

    fn parse_pieces(limits: SseLimits, chunks: &[&[u8]]) -> Vec<SseItem> {
        let mut p = SseParser::with_limits(limits);
        let mut out = Vec::new();
        for c in chunks {
            p.feed(c, &mut out);
        }
        p.finish(&mut out);
        out
    }

    /// Random streams made mostly of what the parser looks for (line ends, field names, colons, BOM bytes, bytes that
    /// are not UTF-8), under tight and default limits: no panic, and the same items however the bytes are cut,
    /// empty chunks included.
    #[test]
    fn random_input_never_panics_and_chunking_never_matters() {
        const PIECES: &[&[u8]] = &[
            b"\r",
            b"\r",
            b"\n",
            b"\n",
            b"\r\n",
            b":",
            b":",
            b" ",
            b"data",
            b"data",
            b"event",
            b"id",
            b"retry",
            b"end",
            b"\xEF\xBB\xBF",
            b"\xEF",
            b"\xBB\xBF",
            b"\xFF",
            b"\xC3",
            b"\xA9",
            b"\xC3\xA9",
            b"\xE2\x9C",
            b"\x00",
            b"x",
            b"7",
            b"{\"a\":1}",
        ];
        let tight = SseLimits {
            line_bytes: 24,
            data_bytes: 32,
            name_bytes: 6,
        };
        let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
        for _ in 0..3000 {
            let pieces = rng.below(60);
            let s: Vec<u8> = (0..pieces)
                .flat_map(|_| PIECES[rng.below(PIECES.len())].iter().copied())
                .collect();
            for limits in [tight, SseLimits::DEFAULT] {
                let whole = parse_pieces(limits, &[&s]);
                let bytes: Vec<&[u8]> = s.chunks(1).collect();
                let show = || String::from_utf8_lossy(&s).into_owned();
                assert_eq!(
                    parse_pieces(limits, &bytes),
                    whole,
                    "byte by byte: {:?}",
                    show()
                );
                for _ in 0..3 {
                    let mut chunks: Vec<&[u8]> = Vec::new();
                    let mut i = 0;
                    while i < s.len() {
                        // A size of 0 is an empty chunk.
                        let n = rng.below(8);
                        chunks.push(&s[i..(i + n).min(s.len())]);
                        i += n;
                    }
                    if rng.below(2) == 0 {
                        chunks.push(b"");
                    }
                    assert_eq!(parse_pieces(limits, &chunks), whole, "{chunks:?}");
                }
            }
        }
    }
}
