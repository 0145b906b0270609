//! The one place that knows which JSONPath engine we use (RFC 9535, via serde_json_path).
//!
//! A query is "singular" when RFC 9535 says it can select at most one node (only name and index selectors, no
//! descendants, wildcards, slices, filters or unions). Assertions treat a singular query as one value and any other
//! query as the list of the nodes it selects.

use serde_json::Value;
use serde_json_path::JsonPath;

#[derive(Debug, Clone)]
pub struct Path {
    text: String,
    compiled: JsonPath,
    singular: bool,
}

impl Path {
    pub fn parse(text: &str) -> Result<Path, String> {
        let compiled =
            JsonPath::parse(text).map_err(|e| format!("invalid JSONPath `{text}`: {e}"))?;
        Ok(Path {
            text: text.to_string(),
            singular: is_singular(text),
            compiled,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn is_singular(&self) -> bool {
        self.singular
    }

    pub fn query<'v>(&self, root: &'v Value) -> Vec<&'v Value> {
        self.compiled.query(root).all()
    }

    /// The names and indexes of a singular path, in order; None for any other path (or an escape we do not decode).
    pub fn segments(&self) -> Option<Vec<Segment>> {
        if !self.singular {
            return None;
        }
        singular_segments(self.text.trim())
    }
}

/// One step of a singular path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    Name(String),
    Index(i64),
}

impl Segment {
    /// The segment as it is written after a path: `.name`, `['a b']` or `[0]`.
    pub fn written(&self) -> String {
        match self {
            Segment::Name(n)
                if n.chars()
                    .next()
                    .is_some_and(|c| c.is_alphabetic() || c == '_')
                    && n.chars().all(|c| c.is_alphanumeric() || c == '_') =>
            {
                format!(".{n}")
            }
            Segment::Name(n) => format!("['{}']", n.replace('\\', "\\\\").replace('\'', "\\'")),
            Segment::Index(i) => format!("[{i}]"),
        }
    }
}

fn singular_segments(q: &str) -> Option<Vec<Segment>> {
    let b: Vec<char> = q.chars().collect();
    let mut out = Vec::new();
    let mut i = 1;
    let skip_ws = |i: &mut usize| {
        while *i < b.len() && b[*i].is_whitespace() {
            *i += 1;
        }
    };
    loop {
        skip_ws(&mut i);
        match b.get(i) {
            None => return Some(out),
            Some('.') => {
                let start = i + 1;
                i = start;
                while i < b.len() && (b[i].is_alphanumeric() || b[i] == '_' || !b[i].is_ascii()) {
                    i += 1;
                }
                out.push(Segment::Name(b[start..i].iter().collect()));
            }
            Some('[') => {
                i += 1;
                skip_ws(&mut i);
                match b.get(i) {
                    Some(&quote @ ('\'' | '"')) => {
                        i += 1;
                        let mut name = String::new();
                        while *b.get(i)? != quote {
                            if b[i] == '\\' {
                                i += 1;
                                name.push(match *b.get(i)? {
                                    'b' => '\u{8}',
                                    'f' => '\u{c}',
                                    'n' => '\n',
                                    'r' => '\r',
                                    't' => '\t',
                                    c @ ('/' | '\\' | '\'' | '"') => c,
                                    _ => return None,
                                });
                            } else {
                                name.push(b[i]);
                            }
                            i += 1;
                        }
                        i += 1;
                        out.push(Segment::Name(name));
                    }
                    _ => {
                        let start = i;
                        while i < b.len() && (b[i].is_ascii_digit() || b[i] == '-') {
                            i += 1;
                        }
                        let text: String = b[start..i].iter().collect();
                        out.push(Segment::Index(text.parse().ok()?));
                    }
                }
                skip_ws(&mut i);
                if b.get(i) != Some(&']') {
                    return None;
                }
                i += 1;
            }
            _ => return None,
        }
    }
}

/// Recognises RFC 9535 `singular-query` on a query already known to be valid: `$` then only `.name`, `['name']`,
/// `["name"]` and `[index]` segments.
fn is_singular(q: &str) -> bool {
    let b = q.trim().as_bytes();
    if b.first() != Some(&b'$') {
        return false;
    }
    let mut i = 1;
    let skip_ws = |i: &mut usize| {
        while *i < b.len() && matches!(b[*i], b' ' | b'\t' | b'\n' | b'\r') {
            *i += 1;
        }
    };
    while i < b.len() {
        skip_ws(&mut i);
        if i >= b.len() {
            break;
        }
        match b[i] {
            b'.' => {
                // `..` is the descendant segment; `.*` a wildcard.
                if b.get(i + 1).is_none_or(|c| *c == b'.' || *c == b'*') {
                    return false;
                }
                i += 1;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] >= 0x80)
                {
                    i += 1;
                }
            }
            b'[' => {
                i += 1;
                skip_ws(&mut i);
                match b.get(i) {
                    Some(q @ (b'\'' | b'"')) => {
                        let quote = *q;
                        i += 1;
                        while i < b.len() && b[i] != quote {
                            i += if b[i] == b'\\' { 2 } else { 1 };
                        }
                        i += 1;
                    }
                    Some(c) if c.is_ascii_digit() || *c == b'-' => {
                        i += 1;
                        while i < b.len() && b[i].is_ascii_digit() {
                            i += 1;
                        }
                    }
                    _ => return false,
                }
                skip_ws(&mut i);
                // Anything but `]` here is a union or a slice.
                if b.get(i) != Some(&b']') {
                    return false;
                }
                i += 1;
            }
            _ => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn singular_queries() {
        for q in [
            "$",
            "$.a",
            "$.a.b_c",
            "$['a']",
            "$[\"a b\"]",
            "$[0]",
            "$[-1]",
            "$.a[0]['b'][ 2 ]",
            "$['a\\'b']",
        ] {
            assert!(Path::parse(q).unwrap().is_singular(), "{q}");
        }
        for q in [
            "$.*",
            "$..a",
            "$[*]",
            "$[0,1]",
            "$['a','b']",
            "$[0:2]",
            "$[?@.a]",
            "$.a[*].b",
            "$[::2]",
        ] {
            assert!(!Path::parse(q).unwrap().is_singular(), "{q}");
        }
    }

    #[test]
    fn singular_paths_split_into_segments() {
        let seg = |q: &str| Path::parse(q).unwrap().segments();
        use Segment::{Index, Name};
        assert_eq!(seg("$"), Some(vec![]));
        assert_eq!(
            seg("$.a['b c'][ -1 ][\"d\\\"e\"]"),
            Some(vec![
                Name("a".into()),
                Name("b c".into()),
                Index(-1),
                Name("d\"e".into())
            ])
        );
        assert_eq!(seg("$.a[*]"), None);
        assert_eq!(Name("b c".into()).written(), "['b c']");
        assert_eq!(Name("thread_id".into()).written(), ".thread_id");
        assert_eq!(Index(0).written(), "[0]");
    }

    #[test]
    fn invalid_paths_are_rejected_with_the_text() {
        let err = Path::parse("$.a[").unwrap_err();
        assert!(err.contains("`$.a[`"), "{err}");
        assert!(Path::parse("a.b").is_err());
        assert!(Path::parse("$[?@.a == ]").is_err());
    }

    #[test]
    fn queries_select_in_document_order() {
        let v = json!({"messages": [{"type": "human"}, {"type": "ai"}], "n": null});
        let p = Path::parse("$.messages[*].type").unwrap();
        assert_eq!(p.query(&v), vec![&json!("human"), &json!("ai")]);
        assert_eq!(Path::parse("$.n").unwrap().query(&v), vec![&Value::Null]);
        assert!(Path::parse("$.missing").unwrap().query(&v).is_empty());
        let f = Path::parse("$.messages[?@.type == 'ai']").unwrap();
        assert_eq!(f.query(&v), vec![&json!({"type": "ai"})]);
    }
}
