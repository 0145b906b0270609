//! What a query costs on a document, worked out before the engine runs it, so that no check runs for minutes.
//!
//! The engine's work grows with each descendant segment (`..`) nested in a filter: on an answer 100 objects deep,
//! `$..[?@..[?@..[?@.zzz]]]` nested three more times took three minutes, about fourteen times longer per level, and
//! an engine cannot be stopped halfway. So the query's text is read here into its structure (the engine has checked
//! it is valid) and walked over the document as the engine would walk it, counting the nodes visited, without
//! keeping any: every filter is taken to hold (so the count is at least the engine's), and the walk stops as soon as
//! the count passes the budget. Its time is bounded by the budget, its memory by the depth of the document.

use serde_json::Value;

/// The most nodes one query may visit: about a second of the engine's time. A descendant query over the largest body
/// the harness reads (64 MiB) stays well within it; a descendant nested in a filter over a large document does not.
pub const MAX_VISITS: u64 = 10_000_000;

/// What a call of `match` or `search` is counted as: the engine compiles the pattern at each call.
const REGEX_CALL: u64 = 100;

/// A query as far as its cost goes.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Query {
    /// `$` (the document) rather than `@` (the node a filter looks at).
    absolute: bool,
    segments: Vec<Segment>,
}

#[derive(Debug, Clone, PartialEq)]
struct Segment {
    descendant: bool,
    selectors: Vec<Selector>,
}

#[derive(Debug, Clone, PartialEq)]
enum Selector {
    Name(String),
    Index(i64),
    /// A wildcard or a slice: taken as every child.
    All,
    /// The queries the filter's expression holds, and what its function calls cost besides.
    Filter(Vec<Query>, u64),
}

/// The cost went past the budget.
#[derive(Debug, PartialEq, Eq)]
pub struct TooCostly;

/// Reads the structure of a query the engine has accepted. None when the text is not understood here (then the
/// query is not estimated, and is refused: see `Path::parse`).
pub(super) fn structure(text: &str) -> Option<Query> {
    let chars: Vec<char> = text.trim().chars().collect();
    let mut r = Reader { c: &chars, i: 0 };
    let q = r.query()?;
    r.ws();
    (r.i == chars.len()).then_some(q)
}

/// Counts the nodes the engine visits for `q` on `root`, up to `budget`.
pub(super) fn estimate(q: &Query, root: &Value, budget: u64) -> Result<u64, TooCostly> {
    let mut m = Meter { left: budget };
    m.query(q, root, root)?;
    Ok(budget - m.left)
}

struct Reader<'a> {
    c: &'a [char],
    i: usize,
}

impl Reader<'_> {
    fn peek(&self) -> Option<char> {
        self.c.get(self.i).copied()
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(' ' | '\t' | '\n' | '\r')) {
            self.i += 1;
        }
    }

    fn query(&mut self) -> Option<Query> {
        let absolute = match self.peek()? {
            '$' => true,
            '@' => false,
            _ => return None,
        };
        self.i += 1;
        let mut segments = Vec::new();
        loop {
            // Blanks may come between segments; if no segment follows, they belong to what follows the query.
            let before = self.i;
            self.ws();
            match self.peek() {
                Some('.') if self.c.get(self.i + 1) == Some(&'.') => {
                    self.i += 2;
                    let selectors = match self.peek()? {
                        '[' => self.bracketed()?,
                        '*' => {
                            self.i += 1;
                            vec![Selector::All]
                        }
                        _ => vec![Selector::Name(self.shorthand()?)],
                    };
                    segments.push(Segment {
                        descendant: true,
                        selectors,
                    });
                }
                Some('.') => {
                    self.i += 1;
                    let selectors = if self.peek()? == '*' {
                        self.i += 1;
                        vec![Selector::All]
                    } else {
                        vec![Selector::Name(self.shorthand()?)]
                    };
                    segments.push(Segment {
                        descendant: false,
                        selectors,
                    });
                }
                Some('[') => segments.push(Segment {
                    descendant: false,
                    selectors: self.bracketed()?,
                }),
                _ => {
                    self.i = before;
                    return Some(Query { absolute, segments });
                }
            }
        }
    }

    fn shorthand(&mut self) -> Option<String> {
        let start = self.i;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || !c.is_ascii())
        {
            self.i += 1;
        }
        (self.i > start).then(|| self.c[start..self.i].iter().collect())
    }

    /// `[` selectors `]`, at the `[`.
    fn bracketed(&mut self) -> Option<Vec<Selector>> {
        self.i += 1;
        let mut out = Vec::new();
        loop {
            self.ws();
            out.push(self.selector()?);
            self.ws();
            match self.peek()? {
                ',' => self.i += 1,
                ']' => {
                    self.i += 1;
                    return Some(out);
                }
                _ => return None,
            }
        }
    }

    fn selector(&mut self) -> Option<Selector> {
        match self.peek()? {
            q @ ('\'' | '"') => {
                self.i += 1;
                Some(Selector::Name(self.literal(q)?))
            }
            '*' => {
                self.i += 1;
                Some(Selector::All)
            }
            '?' => {
                self.i += 1;
                self.filter()
            }
            _ => {
                let start = self.i;
                while self.peek().is_some_and(|c| !matches!(c, ',' | ']')) {
                    self.i += 1;
                }
                let text: String = self.c[start..self.i].iter().collect();
                let text = text.trim();
                if text.contains(':') {
                    Some(Selector::All)
                } else {
                    text.parse().ok().map(Selector::Index)
                }
            }
        }
    }

    /// A filter's expression, up to the `,` or `]` that ends the selector: its queries and function calls.
    fn filter(&mut self) -> Option<Selector> {
        let mut queries = Vec::new();
        let mut calls = 0u64;
        let mut depth = 0usize;
        loop {
            match self.peek()? {
                ',' | ']' if depth == 0 => return Some(Selector::Filter(queries, calls)),
                q @ ('\'' | '"') => {
                    self.i += 1;
                    self.literal(q)?;
                }
                '$' | '@' => queries.push(self.query()?),
                '(' => {
                    let name: String = self.c[..self.i]
                        .iter()
                        .rev()
                        .take_while(|c| c.is_ascii_alphanumeric() || **c == '_')
                        .collect::<Vec<_>>()
                        .into_iter()
                        .rev()
                        .collect();
                    calls += match name.as_str() {
                        "match" | "search" => REGEX_CALL,
                        "" => 0,
                        _ => 1,
                    };
                    depth += 1;
                    self.i += 1;
                }
                ')' => {
                    depth = depth.checked_sub(1)?;
                    self.i += 1;
                }
                _ => self.i += 1,
            }
        }
    }

    /// A string literal's text, after its opening quote; the reader ends after the closing one.
    fn literal(&mut self, quote: char) -> Option<String> {
        let mut s = String::new();
        loop {
            let c = self.peek()?;
            self.i += 1;
            match c {
                c if c == quote => return Some(s),
                '\\' => {
                    let e = self.peek()?;
                    self.i += 1;
                    match e {
                        'b' => s.push('\u{8}'),
                        'f' => s.push('\u{c}'),
                        'n' => s.push('\n'),
                        'r' => s.push('\r'),
                        't' => s.push('\t'),
                        'u' => {
                            let unit = self.hex4()?;
                            let c = if (0xD800..0xDC00).contains(&unit) {
                                // A surrogate pair: `\uD83D\uDE00`.
                                if self.peek()? != '\\' || self.c.get(self.i + 1) != Some(&'u') {
                                    return None;
                                }
                                self.i += 2;
                                let low = self.hex4()?;
                                char::from_u32(
                                    0x10000
                                        + ((unit - 0xD800) << 10)
                                        + (low.checked_sub(0xDC00)?),
                                )?
                            } else {
                                char::from_u32(unit)?
                            };
                            s.push(c);
                        }
                        other => s.push(other),
                    }
                }
                c => s.push(c),
            }
        }
    }

    fn hex4(&mut self) -> Option<u32> {
        let hex: String = self.c.get(self.i..self.i + 4)?.iter().collect();
        self.i += 4;
        u32::from_str_radix(&hex, 16).ok()
    }
}

/// Counts visits, and stops the walk when the budget is spent.
struct Meter {
    left: u64,
}

impl Meter {
    fn charge(&mut self, n: u64) -> Result<(), TooCostly> {
        self.left = self.left.checked_sub(n).ok_or(TooCostly)?;
        Ok(())
    }

    fn query(&mut self, q: &Query, current: &Value, root: &Value) -> Result<(), TooCostly> {
        let start = if q.absolute { root } else { current };
        self.charge(1)?;
        self.segments(&q.segments, start, root)
    }

    /// Feeds each node a segment selects straight into the next segment: nothing is collected.
    fn segments(&mut self, segs: &[Segment], node: &Value, root: &Value) -> Result<(), TooCostly> {
        let Some((seg, rest)) = segs.split_first() else {
            return Ok(());
        };
        if seg.descendant {
            self.descend(seg, rest, node, root)
        } else {
            self.select(seg, rest, node, root)
        }
    }

    /// The node and every node below it, each given the segment's selectors. Documents nest at most 128 deep, so the
    /// recursion is shallow.
    fn descend(
        &mut self,
        seg: &Segment,
        rest: &[Segment],
        node: &Value,
        root: &Value,
    ) -> Result<(), TooCostly> {
        self.charge(1)?;
        self.select(seg, rest, node, root)?;
        for child in children(node) {
            self.descend(seg, rest, child, root)?;
        }
        Ok(())
    }

    fn select(
        &mut self,
        seg: &Segment,
        rest: &[Segment],
        node: &Value,
        root: &Value,
    ) -> Result<(), TooCostly> {
        for sel in &seg.selectors {
            match sel {
                Selector::Name(n) => {
                    if let Some(c) = node.as_object().and_then(|o| o.get(n)) {
                        self.charge(1)?;
                        self.segments(rest, c, root)?;
                    }
                }
                Selector::Index(i) => {
                    let a = node.as_array().map(Vec::as_slice).unwrap_or_default();
                    let at = if *i < 0 {
                        usize::try_from(i.unsigned_abs())
                            .ok()
                            .and_then(|back| a.len().checked_sub(back))
                    } else {
                        usize::try_from(*i).ok()
                    };
                    if let Some(c) = at.and_then(|at| a.get(at)) {
                        self.charge(1)?;
                        self.segments(rest, c, root)?;
                    }
                }
                Selector::All => {
                    for c in children(node) {
                        self.charge(1)?;
                        self.segments(rest, c, root)?;
                    }
                }
                Selector::Filter(queries, calls) => {
                    for c in children(node) {
                        self.charge(1 + calls)?;
                        for q in queries {
                            self.query(q, c, root)?;
                        }
                        // Taken to hold: the count is then at least the engine's.
                        self.segments(rest, c, root)?;
                    }
                }
            }
        }
        Ok(())
    }
}

fn children(v: &Value) -> Box<dyn Iterator<Item = &Value> + '_> {
    match v {
        Value::Array(a) => Box::new(a.iter()),
        Value::Object(o) => Box::new(o.values()),
        _ => Box::new(std::iter::empty()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn q(text: &str) -> Query {
        structure(text).unwrap_or_else(|| panic!("{text} not read"))
    }

    #[test]
    fn the_structure_of_queries_is_read() {
        let parsed = q("$.a..b[0, 'c d', *, 1:2, ?@.x == $.y && match(@.z, '[,]')][-1]");
        assert_eq!(parsed.segments.len(), 4);
        assert!(parsed.segments[1].descendant);
        let Selector::Filter(queries, calls) = &parsed.segments[2].selectors[4] else {
            panic!("{parsed:?}")
        };
        assert_eq!(queries.len(), 3);
        assert!(queries[1].absolute);
        assert_eq!(*calls, REGEX_CALL);
        assert_eq!(
            parsed.segments[2].selectors[..4],
            [
                Selector::Index(0),
                Selector::Name("c d".into()),
                Selector::All,
                Selector::All
            ]
        );
        assert_eq!(
            q(r#"$["\u00e9\uD83D\uDE00\n"]"#).segments[0].selectors,
            [Selector::Name("é😀\n".into())]
        );
        assert_eq!(q("$ .a [0]").segments.len(), 2);
        assert_eq!(
            q("$[?(@.a == 1) || !(@.b)]").segments[0].selectors,
            [Selector::Filter(vec![q("@.a"), q("@.b")], 0)]
        );
        assert!(structure("$.a ]").is_none());
    }

    #[test]
    fn the_estimate_is_at_least_what_the_engine_selects() {
        let doc = json!({"a": [{"b": 1, "c": [1, 2, {"b": 3}]}, {"b": 2}], "b": {"b": 4}});
        for text in [
            "$..b",
            "$.a[*].b",
            "$..[?@.b]",
            "$..*..*",
            "$.a[0,0,0,1]",
            "$[?@..b]..b",
            "$.a[-1]",
        ] {
            let engine = serde_json_path::JsonPath::parse(text)
                .unwrap()
                .query(&doc)
                .all()
                .len() as u64;
            let cost = estimate(&q(text), &doc, u64::MAX).unwrap();
            assert!(cost >= engine, "{text}: {cost} < {engine}");
        }
    }

    /// A small deterministic generator of queries and documents.
    struct Gen(u64);

    impl Gen {
        fn below(&mut self, n: u64) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0 % n
        }

        fn doc(&mut self, depth: u32) -> Value {
            match (depth, self.below(6)) {
                (0, _) | (_, 0) => json!(self.below(3)),
                (_, 1) => json!(["a", "b", "c"][self.below(3) as usize]),
                (_, 2 | 3) => {
                    Value::Array((0..self.below(4)).map(|_| self.doc(depth - 1)).collect())
                }
                _ => Value::Object(
                    (0..self.below(4))
                        .map(|_| {
                            (
                                ["a", "b", "c"][self.below(3) as usize].to_string(),
                                self.doc(depth - 1),
                            )
                        })
                        .collect(),
                ),
            }
        }

        fn query(&mut self, root: &str, depth: u32) -> String {
            let mut q = root.to_string();
            for _ in 0..self.below(4) {
                if self.below(4) == 0 {
                    q.push(' ');
                }
                let sel = self.selector(depth);
                q.push_str(&match (self.below(5), sel.starts_with('[')) {
                    (0, _) => format!("..{sel}"),
                    (1, false) if !sel.starts_with('\'') && !sel.starts_with('"') => {
                        format!(".{sel}")
                    }
                    (_, true) => sel,
                    _ => format!("[{sel}]"),
                });
            }
            q
        }

        fn selector(&mut self, depth: u32) -> String {
            match self.below(if depth == 0 { 6 } else { 9 }) {
                0 => "a".into(),
                1 => "*".into(),
                2 => "'b'".into(),
                3 => format!("{}", self.below(5) as i64 - 2),
                4 => ["1:", ":2", "::-1", "0:3:2"][self.below(4) as usize].into(),
                5 => format!("[{}, {}]", self.selector(0), self.selector(0)),
                _ => format!("[?{}]", self.expr(depth - 1)),
            }
        }

        fn expr(&mut self, depth: u32) -> String {
            match self.below(6) {
                0 => self.query("@", depth),
                1 => format!(
                    "{} == {}",
                    self.query("@", 0),
                    ["1", "'a'", "null", "$.a"][self.below(4) as usize]
                ),
                2 => format!("!({})", self.expr(depth)),
                3 => format!("{} && {}", self.expr(depth), self.expr(depth)),
                4 => format!("count({}) > 0", self.query("@", depth)),
                _ => format!("match(@.a, 'a|[b]') || length({}) >= 1", self.query("@", 0)),
            }
        }
    }

    /// Generated queries of every form: each valid one is read here, and its estimate is at least what the engine
    /// selects (the engine visits at least the nodes it selects).
    #[test]
    fn generated_queries_are_read_and_never_underestimated() {
        let mut g = Gen(0x2545_f491_4f6c_dd1d);
        let mut checked = 0;
        for _ in 0..3000 {
            let text = g.query("$", 2);
            let Ok(engine) = serde_json_path::JsonPath::parse(&text) else {
                continue;
            };
            let parsed = structure(&text).unwrap_or_else(|| panic!("{text} not read"));
            let doc = g.doc(4);
            let selected = engine.query(&doc).all().len() as u64;
            let cost = estimate(&parsed, &doc, u64::MAX).unwrap();
            assert!(cost >= selected, "{text} on {doc}: {cost} < {selected}");
            checked += 1;
        }
        assert!(checked > 1000, "{checked}");
    }

    #[test]
    fn nested_descendants_in_filters_run_out_of_budget_quickly() {
        let mut doc = json!({"end": true});
        for _ in 0..100 {
            doc = json!({ "a": doc });
        }
        let bomb = q("$..[?@..[?@..[?@..[?@..[?@..[?@.zzz]]]]]]");
        let t = std::time::Instant::now();
        assert_eq!(estimate(&bomb, &doc, MAX_VISITS), Err(TooCostly));
        assert!(
            t.elapsed() < std::time::Duration::from_secs(5),
            "{:?}",
            t.elapsed()
        );
        // One level is cheap: about the number of (node, descendant) pairs.
        let one = estimate(&q("$..[?@..[?@.zzz]]"), &doc, MAX_VISITS).unwrap();
        assert!(one < 20_000, "{one}");
    }
}
