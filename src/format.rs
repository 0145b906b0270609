//! String formats: `uuid`, `date-time` (RFC 3339) and `uri` (an absolute URI, RFC 3986). Small checkers of the
//! grammars, each returning why a string is not of the format.
//!
//! These are the only checkers of these formats: the `format:` predicate uses them, and so does `schema:`, whose
//! validators the contract builds with them in place of the JSON Schema library's own (which, for one, allows second
//! 60 at any minute).

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Uuid,
    DateTime,
    Uri,
}

impl Format {
    pub const ALL: [Format; 3] = [Format::Uuid, Format::DateTime, Format::Uri];

    pub const NAMES: &'static str = "uuid, date-time, uri";

    /// The name in specs and in JSON Schema (`format: date-time`).
    pub fn name(self) -> &'static str {
        match self {
            Format::Uuid => "uuid",
            Format::DateTime => "date-time",
            Format::Uri => "uri",
        }
    }

    pub fn parse(s: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == s)
    }

    /// "a UUID", for messages.
    pub fn described(self) -> &'static str {
        match self {
            Format::Uuid => "a UUID",
            Format::DateTime => "an RFC 3339 date-time",
            Format::Uri => "an absolute URI",
        }
    }

    /// Why `s` is not of this format, or nothing when it is.
    pub fn why_not(self, s: &str) -> Option<&'static str> {
        match self {
            Format::Uuid => uuid(s),
            Format::DateTime => date_time(s),
            Format::Uri => uri(s),
        }
        .err()
    }
}

/// `8-4-4-4-12` hex digits, in either case.
fn uuid(s: &str) -> Result<(), &'static str> {
    let b = s.as_bytes();
    if b.len() != 36 {
        return Err("a UUID has 36 characters, 8-4-4-4-12 hex digits");
    }
    for (i, c) in b.iter().enumerate() {
        let ok = if matches!(i, 8 | 13 | 18 | 23) {
            *c == b'-'
        } else {
            c.is_ascii_hexdigit()
        };
        if !ok {
            return Err("a UUID is 8-4-4-4-12 hex digits");
        }
    }
    Ok(())
}

/// RFC 3339 `date-time`: `2024-05-01T12:30:00Z`, `2024-05-01T12:30:00.123456+02:00`. The `T`, the seconds and the
/// offset are required (RFC 3339 lets `T` and `Z` be lower case). Second 60 is a leap second, which is the last
/// second of a day in UTC (RFC 3339, 5.7: `1990-12-31T15:59:60-08:00` is one).
fn date_time(s: &str) -> Result<(), &'static str> {
    let mut p = Cursor {
        b: s.as_bytes(),
        i: 0,
    };
    date(&mut p)?;
    match p.next() {
        Some(b'T' | b't') => {}
        Some(b' ') => return Err("the date and the time must be separated by `T`, not a space"),
        None => return Err("a date without a time"),
        _ => return Err("expected `T` after the date"),
    }
    let (hour, minute, second) = time(&mut p)?;
    let offset = offset(&mut p)?;
    if p.i != p.b.len() {
        return Err("unexpected text after the offset");
    }
    let utc_minute = (hour as i32 * 60 + minute as i32 - offset).rem_euclid(24 * 60);
    if second == 60 && utc_minute != 23 * 60 + 59 {
        return Err("second 60 is a leap second, which only 23:59 UTC has");
    }
    Ok(())
}

/// `2024-05-01`: a day that exists.
fn date(p: &mut Cursor) -> Result<(), &'static str> {
    let year = p.digits(4).ok_or("expected a four-digit year first")?;
    p.expect(b'-').ok_or("expected `-` after the year")?;
    let month = p.digits(2).ok_or("expected a two-digit month")?;
    p.expect(b'-').ok_or("expected `-` after the month")?;
    let day = p.digits(2).ok_or("expected a two-digit day")?;
    if !(1..=12).contains(&month) {
        return Err("the month is not 01 to 12");
    }
    if day < 1 || day > days_in_month(year, month) {
        return Err("the day does not exist in that month");
    }
    Ok(())
}

/// `12:30:00` or `12:30:00.123`: the hour, minute and second.
fn time(p: &mut Cursor) -> Result<(u32, u32, u32), &'static str> {
    let hour = p.digits(2).ok_or("expected a two-digit hour")?;
    p.expect(b':').ok_or("expected `:` after the hour")?;
    let minute = p.digits(2).ok_or("expected two-digit minutes")?;
    p.expect(b':').ok_or("the seconds are missing")?;
    let second = p.digits(2).ok_or("expected two-digit seconds")?;
    if hour > 23 || minute > 59 || second > 60 {
        return Err("the time is out of range");
    }
    if p.peek() == Some(b'.') {
        p.i += 1;
        if p.run_of_digits() == 0 {
            return Err("expected digits after the `.` of the seconds");
        }
    }
    Ok((hour, minute, second))
}

/// `Z`, `+02:00` or `-08:00`: minutes ahead of UTC.
fn offset(p: &mut Cursor) -> Result<i32, &'static str> {
    let sign = match p.next() {
        Some(b'Z' | b'z') => return Ok(0),
        Some(b'+') => 1,
        Some(b'-') => -1,
        None => return Err("the time-zone offset (`Z` or `+hh:mm`) is missing"),
        _ => return Err("expected `Z` or an offset such as `+00:00` after the time"),
    };
    let oh = p.digits(2).ok_or("expected a two-digit offset hour")?;
    p.expect(b':').ok_or("expected `:` in the offset")?;
    let om = p.digits(2).ok_or("expected two-digit offset minutes")?;
    if oh > 23 || om > 59 {
        return Err("the offset is out of range");
    }
    Ok(sign * (oh * 60 + om) as i32)
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let c = self.peek();
        self.i += usize::from(c.is_some());
        c
    }

    fn expect(&mut self, c: u8) -> Option<()> {
        (self.next() == Some(c)).then_some(())
    }

    /// Exactly `n` digits, as a number.
    fn digits(&mut self, n: usize) -> Option<u32> {
        let part = self.b.get(self.i..self.i + n)?;
        if !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        self.i += n;
        Some(part.iter().fold(0, |acc, d| acc * 10 + u32::from(d - b'0')))
    }

    fn run_of_digits(&mut self) -> usize {
        let start = self.i;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
        self.i - start
    }
}

/// RFC 3986 `URI`: `scheme ":" hier-part [ "?" query ] [ "#" fragment ]`, so a scheme is required.
fn uri(s: &str) -> Result<(), &'static str> {
    if !s.is_ascii() {
        return Err("a URI is ASCII (other characters must be percent-encoded)");
    }
    let (scheme, rest) = s
        .split_once(':')
        .ok_or("there is no scheme (such as `https:`)")?;
    let mut sc = scheme.bytes();
    if !sc.next().is_some_and(|c| c.is_ascii_alphabetic())
        || !sc.all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.'))
    {
        return Err("the scheme must be a letter followed by letters, digits, `+`, `-` or `.`");
    }
    let (rest, fragment) = match rest.split_once('#') {
        Some((r, f)) => (r, Some(f)),
        None => (rest, None),
    };
    let (hier, query) = match rest.split_once('?') {
        Some((h, q)) => (h, Some(q)),
        None => (rest, None),
    };
    for part in [query, fragment].into_iter().flatten() {
        chars_of(part, |c| is_pchar(c) || c == b'/' || c == b'?')?;
    }
    match hier.strip_prefix("//") {
        Some(after) => {
            let end = after.find('/').unwrap_or(after.len());
            authority(&after[..end])?;
            chars_of(&after[end..], |c| is_pchar(c) || c == b'/')
        }
        None => chars_of(hier, |c| is_pchar(c) || c == b'/'),
    }
}

fn authority(a: &str) -> Result<(), &'static str> {
    let host_port = match a.rsplit_once('@') {
        Some((userinfo, hp)) => {
            chars_of(userinfo, |c| {
                is_unreserved(c) || is_sub_delim(c) || c == b':'
            })?;
            hp
        }
        None => a,
    };
    let port = if let Some(literal) = host_port.strip_prefix('[') {
        let (inside, after) = literal
            .split_once(']')
            .ok_or("an IP literal host is missing its `]`")?;
        if !is_ip_literal(inside) {
            return Err("the IP literal host is not an IPv6 address");
        }
        match after {
            "" => None,
            p => Some(
                p.strip_prefix(':')
                    .ok_or("unexpected text after the IP literal host")?,
            ),
        }
    } else {
        let (host, port) = match host_port.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (host_port, None),
        };
        chars_of(host, |c| is_unreserved(c) || is_sub_delim(c))?;
        port
    };
    if port.is_some_and(|p| !p.bytes().all(|c| c.is_ascii_digit())) {
        return Err("the port is not a number");
    }
    Ok(())
}

/// What RFC 3986 allows between `[` and `]`: an IPv6 address, or `v<hex>.<text>` (IPvFuture).
fn is_ip_literal(inside: &str) -> bool {
    match inside.strip_prefix(['v', 'V']) {
        Some(future) => future.split_once('.').is_some_and(|(version, rest)| {
            !version.is_empty()
                && version.bytes().all(|c| c.is_ascii_hexdigit())
                && !rest.is_empty()
                && rest
                    .bytes()
                    .all(|c| is_unreserved(c) || is_sub_delim(c) || c == b':')
        }),
        None => inside.parse::<std::net::Ipv6Addr>().is_ok(),
    }
}

/// Every character passes `ok`, where `%` must start a `%XX` escape.
fn chars_of(s: &str, ok: impl Fn(u8) -> bool) -> Result<(), &'static str> {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            if !(b.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && b.get(i + 2).is_some_and(u8::is_ascii_hexdigit))
            {
                return Err("a `%` must be followed by two hex digits");
            }
            i += 3;
            continue;
        }
        if !ok(b[i]) {
            return Err("it has a character a URI does not allow there (a space, a quote, `<`, `>`, `\\`, `{`, `}`, a second `#`...); percent-encode it");
        }
        i += 1;
    }
    Ok(())
}

fn is_unreserved(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'~')
}

fn is_sub_delim(c: u8) -> bool {
    matches!(
        c,
        b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+' | b',' | b';' | b'='
    )
}

fn is_pchar(c: u8) -> bool {
    is_unreserved(c) || is_sub_delim(c) || c == b':' || c == b'@'
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(f: Format, s: &str) -> bool {
        f.why_not(s).is_none()
    }

    #[test]
    fn the_names_listed_are_the_formats() {
        let names: Vec<&str> = Format::ALL.iter().map(|f| f.name()).collect();
        assert_eq!(names.join(", "), Format::NAMES);
        assert!(Format::ALL
            .iter()
            .all(|f| Format::parse(f.name()) == Some(*f)));
    }

    #[test]
    fn uuids() {
        for s in [
            "1ef0c2a4-6d1b-6b2e-8f3a-0242ac120002",
            "5551FF48-8DC5-4863-BDE4-C1F272D91560",
            "00000000-0000-0000-0000-000000000000",
        ] {
            assert!(ok(Format::Uuid, s), "{s}");
        }
        for s in [
            "",
            "1ef0c2a46d1b6b2e8f3a0242ac120002",
            "{1ef0c2a4-6d1b-6b2e-8f3a-0242ac120002}",
            "1ef0c2a4-6d1b-6b2e-8f3a-0242ac12000g",
            "1ef0c2a4-6d1b-6b2e-8f3a_0242ac120002",
            " 1ef0c2a4-6d1b-6b2e-8f3a-0242ac12000",
        ] {
            assert!(!ok(Format::Uuid, s), "{s}");
        }
    }

    #[test]
    fn date_times_follow_rfc_3339_strictly() {
        for s in [
            "2024-05-01T12:30:00Z",
            "2024-05-01T12:30:00+00:00",
            "2025-11-25T04:53:19.123456+00:00",
            "1990-12-31T15:59:60-08:00",
            "2024-02-29T23:59:60Z",
            "2024-05-01t12:30:00z",
        ] {
            assert!(ok(Format::DateTime, s), "{s}");
        }
        let why = |s| Format::DateTime.why_not(s).unwrap();
        assert_eq!(
            why("2024-05-01 12:30:00Z"),
            "the date and the time must be separated by `T`, not a space"
        );
        assert_eq!(
            why("2024-05-01T12:30:00"),
            "the time-zone offset (`Z` or `+hh:mm`) is missing"
        );
        assert_eq!(why("2024-05-01T12:30Z"), "the seconds are missing");
        assert_eq!(why("2024-05-01"), "a date without a time");
        assert_eq!(
            why("2023-02-29T00:00:00Z"),
            "the day does not exist in that month"
        );
        assert_eq!(why("2024-13-01T00:00:00Z"), "the month is not 01 to 12");
        assert_eq!(
            why("2024-05-01T12:30:60Z"),
            "second 60 is a leap second, which only 23:59 UTC has"
        );
        assert_eq!(
            why("2024-02-29T23:59:60-08:00"),
            "second 60 is a leap second, which only 23:59 UTC has",
            "23:59 here is 07:59 in UTC"
        );
        assert_eq!(why("2024-05-01T24:00:00Z"), "the time is out of range");
        assert_eq!(
            why("2024-05-01T12:30:00.Z"),
            "expected digits after the `.` of the seconds"
        );
        assert_eq!(
            why("2024-05-01T12:30:00+0000"),
            "expected `:` in the offset"
        );
        assert_eq!(
            why("2024-05-01T12:30:00Zx"),
            "unexpected text after the offset"
        );
        assert!(!ok(Format::DateTime, "1714566600"));
    }

    #[test]
    fn absolute_uris() {
        for s in [
            "https://example.com",
            "http://127.0.0.1:2024/threads/abc?x=1&y=%20#top",
            "https://user:pw@[::1]:8080/a/b",
            "urn:uuid:1ef0c2a4-6d1b-6b2e-8f3a-0242ac120002",
            "mailto:someone@example.com",
            "file:///tmp/x",
            "https://example.com/a(b)*c;d=e",
        ] {
            assert!(ok(Format::Uri, s), "{s}");
        }
        let why = |s| Format::Uri.why_not(s).unwrap();
        assert_eq!(why("/threads/abc"), "there is no scheme (such as `https:`)");
        assert_eq!(
            why("1http://x"),
            "the scheme must be a letter followed by letters, digits, `+`, `-` or `.`"
        );
        assert!(why("https://example.com/a b").contains("percent-encode"));
        assert!(why("https://example.com/#a#b").contains("percent-encode"));
        assert_eq!(
            why("https://example.com/%zz"),
            "a `%` must be followed by two hex digits"
        );
        assert_eq!(why("https://example.com:80a/"), "the port is not a number");
        assert_eq!(
            why("http://[1.2.3.4]/"),
            "the IP literal host is not an IPv6 address"
        );
        assert!(ok(Format::Uri, "http://[v1.fe:x]/"), "IPvFuture");
        assert_eq!(
            why("https://[::1/x"),
            "an IP literal host is missing its `]`"
        );
        assert!(!ok(Format::Uri, "https://exämple.com"));
        assert!(!ok(Format::Uri, ""));
    }
}
