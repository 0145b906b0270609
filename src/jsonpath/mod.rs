//! The one place that knows which JSONPath engine we use (RFC 9535, via serde_json_path).
//!
//! A query is "singular" when RFC 9535 says it can select at most one node (only name and index selectors, no
//! descendants, wildcards, slices, filters or unions). Assertions treat a singular query as one value and any other
//! query as the list of the nodes it selects.
//!
//! Evaluation is bounded: before the engine runs a query that is not singular, its cost on the document is counted
//! (`cost.rs`), and a query that would visit more than [`cost::MAX_VISITS`] nodes is an error, not minutes of work.

mod cost;
mod hint;
mod scan;

pub use cost::MAX_VISITS;

use std::fmt;
use std::sync::Arc;

use serde_json::Value;
use serde_json_path::JsonPath;

/// The longest JSONPath accepted, in bytes.
pub const MAX_PATH_BYTES: usize = 2048;

/// How deeply brackets and parentheses may nest. Parsing time about doubles with each nested filter, and deep
/// nesting exhausts the stack; real paths stay below four.
pub const MAX_NESTING: usize = 10;

/// Why a JSONPath is refused.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum PathError {
    /// Longer than [`MAX_PATH_BYTES`].
    TooLong { bytes: usize },
    /// Brackets and parentheses nest `depth` deep, past [`MAX_NESTING`].
    TooDeep { path: String, depth: usize },
    /// Not JSONPath (RFC 9535); the engine's error says where.
    Invalid {
        path: String,
        source: Arc<serde_json_path::ParseError>,
    },
    /// A `match` or `search` (`function`) whose pattern is not a valid regex.
    InvalidRegex {
        path: String,
        function: &'static str,
        pattern: String,
        source: regex::Error,
    },
    /// Valid, but of a form whose cost cannot be counted before it runs.
    CostUnknown { path: String },
}

impl fmt::Display for PathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PathError::TooLong { bytes } => write!(
                f,
                "this JSONPath is {bytes} bytes long; the limit is {MAX_PATH_BYTES}"
            ),
            PathError::TooDeep { path, depth } => write!(
                f,
                "brackets and parentheses nest {depth} deep in JSONPath `{path}`; the limit is {MAX_NESTING}"
            ),
            PathError::Invalid { path, source } => {
                write!(f, "invalid JSONPath `{path}`: {source}")?;
                match hint::hint(path, source.position(), source.message()) {
                    Some(hint) => write!(f, "; {hint}"),
                    None => Ok(()),
                }
            }
            PathError::InvalidRegex {
                path,
                function,
                pattern,
                source,
            } => write!(
                f,
                "the pattern `{pattern}` given to `{function}` in JSONPath `{path}` is not a valid regex: {}",
                crate::regexes::regex_message(&source.to_string()).trim_start_matches("invalid regex: ")
            ),
            PathError::CostUnknown { path } => write!(
                f,
                "JSONPath `{path}` is valid, but the harness cannot work out what it would cost to evaluate; write it \
                 more simply"
            ),
        }
    }
}

impl std::error::Error for PathError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            PathError::Invalid { source, .. } => Some(source.as_ref()),
            PathError::InvalidRegex { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// Why a query was not evaluated.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum QueryError {
    /// `path` would visit more than [`MAX_VISITS`] nodes of the document.
    TooCostly { path: String },
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QueryError::TooCostly { path } => write!(
                f,
                "`{path}` would visit more than {} nodes of this document, so it was not evaluated (the bound keeps a \
                 check from running for minutes; each `..` inside a filter multiplies the work): make the path more \
                 specific",
                thousands(MAX_VISITS)
            ),
        }
    }
}

impl std::error::Error for QueryError {}

#[derive(Debug, Clone)]
pub struct Path {
    text: String,
    compiled: JsonPath,
    singular: bool,
    /// The names and indexes of a singular path, to be followed directly: most checks use such paths, once per
    /// event of a stream, and following them costs a fraction of a general query.
    walk: Option<Vec<Segment>>,
    /// The structure of a path that is not singular, to count its cost on a document before the engine runs it.
    cost: Option<cost::Query>,
}

impl Path {
    pub fn parse(text: &str) -> Result<Path, PathError> {
        if text.len() > MAX_PATH_BYTES {
            return Err(PathError::TooLong { bytes: text.len() });
        }
        let scan = scan::scan(text);
        if scan.max_depth > MAX_NESTING {
            return Err(PathError::TooDeep {
                path: text.to_string(),
                depth: scan.max_depth,
            });
        }
        let compiled = JsonPath::parse(text).map_err(|e| PathError::Invalid {
            path: text.to_string(),
            source: Arc::new(e),
        })?;
        // An invalid pattern would make `match`/`search` select nothing, so `absent` and `count: 0` would pass.
        for r in &scan.regexes {
            if let Err(e) = crate::regexes::compile(&r.pattern) {
                return Err(PathError::InvalidRegex {
                    path: text.to_string(),
                    function: r.function,
                    pattern: r.pattern.clone(),
                    source: e,
                });
            }
        }
        let singular = is_singular(text);
        let cost = match singular {
            true => None,
            false => Some(cost::structure(text).ok_or_else(|| PathError::CostUnknown {
                path: text.to_string(),
            })?),
        };
        Ok(Path {
            text: text.to_string(),
            walk: singular.then(|| singular_segments(text.trim())).flatten(),
            singular,
            compiled,
            cost,
        })
    }

    /// The first `match`/`search` pattern in `text` that is not a valid regex, so an error can point at it.
    pub fn invalid_pattern(text: &str) -> Option<String> {
        scan::scan(text)
            .regexes
            .into_iter()
            .map(|r| r.pattern)
            .find(|p| regex::Regex::new(p).is_err())
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn is_singular(&self) -> bool {
        self.singular
    }

    /// The nodes the path selects in `root`, in document order; an error, before any work, when the query would visit
    /// more than `MAX_VISITS` nodes of this document.
    pub fn query<'v>(&self, root: &'v Value) -> Result<Vec<&'v Value>, QueryError> {
        if let Some(segments) = &self.walk {
            return Ok(follow(root, segments).into_iter().collect());
        }
        if let Some(c) = &self.cost {
            cost::estimate(c, root, MAX_VISITS).map_err(|_| QueryError::TooCostly {
                path: self.text.clone(),
            })?;
        }
        Ok(self.compiled.query(root).all())
    }

    /// The names and indexes of a singular path, in order; None for any other path (or an escape we do not decode).
    pub fn segments(&self) -> Option<Vec<Segment>> {
        if !self.singular {
            return None;
        }
        singular_segments(self.text.trim())
    }
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The node a singular path names, if the document has it (RFC 9535: a negative index counts from the end).
fn follow<'v>(root: &'v Value, segments: &[Segment]) -> Option<&'v Value> {
    segments.iter().try_fold(root, |v, s| match s {
        Segment::Name(n) => v.as_object()?.get(n),
        Segment::Index(i) => {
            let a = v.as_array()?;
            let i = if *i < 0 {
                a.len()
                    .checked_sub(usize::try_from(i.unsigned_abs()).ok()?)?
            } else {
                usize::try_from(*i).ok()?
            };
            a.get(i)
        }
    })
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
                        out.push(Segment::Name(quoted_name(&b, &mut i, quote)?));
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

/// The name in quotes that starts at `i` (just past the opening quote), unescaped; `i` ends past the closing quote.
fn quoted_name(b: &[char], i: &mut usize, quote: char) -> Option<String> {
    let mut name = String::new();
    while *b.get(*i)? != quote {
        if b[*i] == '\\' {
            *i += 1;
            name.push(match *b.get(*i)? {
                'b' => '\u{8}',
                'f' => '\u{c}',
                'n' => '\n',
                'r' => '\r',
                't' => '\t',
                c @ ('/' | '\\' | '\'' | '"') => c,
                _ => return None,
            });
        } else {
            name.push(b[*i]);
        }
        *i += 1;
    }
    *i += 1;
    Some(name)
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
    fn singular_paths_are_followed_as_the_engine_would_query_them() {
        let doc = serde_json::json!({
            "a": {"b": [10, {"c": null}, [1, 2]], "k e y": 1, "ü": "x", "0": "zero"},
            "messages": [{"type": "ai"}, {"type": "human"}],
            "": {"empty": true}
        });
        let paths = [
            "$",
            "$.a",
            "$.a.b",
            "$.a.b[0]",
            "$.a.b[1].c",
            "$.a.b[2][1]",
            "$.a.b[-1]",
            "$.a.b[-3]",
            "$.a.b[-4]",
            "$.a.b[3]",
            "$.a.b[9999999999]",
            "$.a.b[-9999999999]",
            "$['a']['k e y']",
            "$.a.ü",
            "$.a['0']",
            "$.a[0]",
            "$.messages[1].type",
            "$.missing.x",
            "$.a.b.c",
            "$['']",
            "$[''].empty",
            "$[\"a\"]",
            "$.messages[0]['type']",
        ];
        for text in paths {
            let p = Path::parse(text).unwrap();
            assert!(p.walk.is_some(), "{text} is followed directly");
            let engine: Vec<&Value> = p.compiled.query(&doc).all();
            assert_eq!(p.query(&doc).unwrap(), engine, "{text}");
        }
        assert!(Path::parse("$.a.b[*]").unwrap().walk.is_none());
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
        assert!(matches!(err, PathError::Invalid { .. }), "{err:?}");
        let err = err.to_string();
        assert!(err.contains("`$.a[`"), "{err}");
        assert!(Path::parse("a.b").is_err());
        assert!(Path::parse("$[?@.a == ]").is_err());
    }

    #[test]
    fn deep_nesting_is_refused_before_the_parser_sees_it() {
        let filters = |d: usize| format!("${}.a{}", "[?@".repeat(d), "]".repeat(d));
        let t = std::time::Instant::now();
        let err = Path::parse(&filters(21)).unwrap_err();
        assert!(
            matches!(err, PathError::TooDeep { depth: 21, .. }),
            "{err:?}"
        );
        let err = err.to_string();
        assert!(
            err.contains("nest 21 deep") && err.contains("the limit is 10"),
            "{err}"
        );
        assert!(t.elapsed() < std::time::Duration::from_secs(1));
        assert!(Path::parse(&filters(MAX_NESTING)).is_ok());
        let parens = format!("$[?{}@.a{}]", "(".repeat(1000), ")".repeat(1000));
        assert!(Path::parse(&parens)
            .unwrap_err()
            .to_string()
            .contains("nest 1001 deep"));
        let long = format!("$.{}", "a".repeat(MAX_PATH_BYTES));
        assert!(Path::parse(&long)
            .unwrap_err()
            .to_string()
            .contains("the limit is 2048"));
    }

    #[test]
    fn an_invalid_regex_in_match_or_search_is_refused() {
        let err = Path::parse("$[?match(@.a, '(')]").unwrap_err().to_string();
        assert!(
            err.starts_with("the pattern `(` given to `match` in JSONPath `$[?match(@.a, '(')]` is not a valid regex: unclosed group"),
            "{err}"
        );
        assert_eq!(
            Path::invalid_pattern("$[?match(@.a, 'ok') && match(@.b, 'a(b')]").as_deref(),
            Some("a(b")
        );
        assert!(Path::parse("$[?search(@.a, 'x[')]")
            .unwrap_err()
            .to_string()
            .contains("`search`"));
        assert!(Path::parse("$[?match(@.a, 'a.c') || search(@.b, '^x')]").is_ok());
    }

    #[test]
    fn queries_select_in_document_order() {
        let v = json!({"messages": [{"type": "human"}, {"type": "ai"}], "n": null});
        let p = Path::parse("$.messages[*].type").unwrap();
        assert_eq!(p.query(&v).unwrap(), vec![&json!("human"), &json!("ai")]);
        assert_eq!(
            Path::parse("$.n").unwrap().query(&v).unwrap(),
            vec![&Value::Null]
        );
        assert!(Path::parse("$.missing")
            .unwrap()
            .query(&v)
            .unwrap()
            .is_empty());
        let f = Path::parse("$.messages[?@.type == 'ai']").unwrap();
        assert_eq!(f.query(&v).unwrap(), vec![&json!({"type": "ai"})]);
    }

    /// The reproduction: an answer 100 objects deep (601 bytes), and filters with descendants nested six deep. The
    /// engine took 178 s and then passed `count: 0`; now the check fails at once, saying why.
    #[test]
    fn a_query_that_would_run_for_minutes_is_refused_at_once() {
        let mut doc = json!(1);
        for _ in 0..100 {
            doc = json!({ "a": doc });
        }
        assert_eq!(doc.to_string().len(), 601);
        let p = Path::parse("$..[?@..[?@..[?@..[?@..[?@..[?@.zzz]]]]]]").unwrap();
        let t = std::time::Instant::now();
        let e = p.query(&doc).unwrap_err().to_string();
        assert!(
            t.elapsed() < std::time::Duration::from_secs(5),
            "{:?}",
            t.elapsed()
        );
        assert!(
            e.contains("would visit more than 10,000,000 nodes of this document"),
            "{e}"
        );
        // A query of the same form that costs little runs.
        let one = Path::parse("$..[?@..[?@ == 1]]").unwrap();
        assert_eq!(one.query(&doc).unwrap().len(), 99);
    }

    /// Every path the specs and the format's documentation use, and the forms of RFC 9535, can be costed.
    #[test]
    fn every_valid_form_can_be_costed() {
        for text in [
            "$..*",
            "$..[*]",
            "$.a..['b','c']",
            "$[1:3]",
            "$[::-1]",
            "$[ -1 : ]",
            "$[?@.a]",
            "$[?!@.a]",
            "$[?@.a == 'x,]' || @.b != \"y\"]",
            "$[?@.a < 1.5e3 && @.b >= -2]",
            "$[?length(@.a) > 2]",
            "$[?count(@.*) == 1]",
            "$[?match(@.a, '^x$')]",
            "$[?search(@.a, '[a-z]')]",
            "$[?value(@..a) == 1]",
            "$[?@[?@.a]]",
            "$[?(@.a) && (!@.b)]",
            "$[?@ == $.x]",
            "$[?@.a==null]",
            "$[?@.a==true]",
            "$['a','b'][0,1]",
            "$.a.*",
            "$[\"a\\\"b\"]",
            "$ [0] .a",
            "$.a[?@.config == null || length(@.config) == 0].graph_id",
            "$[?@.thread_id == $[0].thread_id]",
        ] {
            let p = Path::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert!(p.is_singular() || p.cost.is_some(), "{text}");
        }
    }
}
