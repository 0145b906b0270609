//! Event-name patterns and the matcher for `sequence` expectations.
//!
//! A name matches itself only. A name ending in `|` (say `updates|`) matches that stream mode from any subgraph
//! (`updates|agent:1f0…`), whose namespaces change from run to run. In a sequence, an item may end in `?` (optional),
//! `+` (one or more) or `*` (any number), and `...` stands for any events at all.

use std::fmt;

use crate::spec::event_names::EventNameError;

/// Why a text is no event-name pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum NameError {
    Empty,
    /// A quantifier or `...` outside a sequence; `name` as written.
    Quantifier {
        name: String,
    },
    /// A control character in `name`.
    Control {
        name: String,
    },
    /// A name the API does not send, near one it does.
    Unknown(EventNameError),
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NameError::Empty => f.write_str("an event name cannot be empty"),
            NameError::Quantifier { name } => write!(
                f,
                "`{name}`: `...`, `?`, `+` and `*` are only allowed in `sequence`; here, write the event name alone"
            ),
            NameError::Control { name } => {
                write!(f, "{name:?}: event names cannot contain control characters")
            }
            NameError::Unknown(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for NameError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            NameError::Unknown(e) => Some(e),
            _ => None,
        }
    }
}

/// Why a `sequence` cannot be read: what is wrong with its item number `index` (from 0).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SeqError {
    /// A quantifier with no name before it (`+`).
    NoName { index: usize, item: String },
    /// An item whose name is no event-name pattern.
    Name { index: usize, error: NameError },
}

impl SeqError {
    /// The item the error is about, counted from 0.
    pub fn index(&self) -> usize {
        match self {
            SeqError::NoName { index, .. } | SeqError::Name { index, .. } => *index,
        }
    }
}

impl fmt::Display for SeqError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SeqError::NoName { item, .. } => write!(f, "`{item}` needs an event name before it"),
            SeqError::Name { error, .. } => write!(f, "{error}"),
        }
    }
}

impl std::error::Error for SeqError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SeqError::Name { error, .. } => Some(error),
            SeqError::NoName { .. } => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NamePattern {
    Exact(String),
    /// Any event `<mode>|<namespace>…`; holds `<mode>|`.
    Namespaced(String),
    Any,
}

impl NamePattern {
    /// A pattern outside a sequence (no quantifiers, no `...`).
    pub fn parse(s: &str) -> Result<NamePattern, NameError> {
        Self::parse_as(s, false)
    }

    /// A name the spec forbids (`never`), which may be a name no correct server sends.
    pub fn parse_forbidden(s: &str) -> Result<NamePattern, NameError> {
        Self::parse_as(s, true)
    }

    fn parse_as(s: &str, forbidden: bool) -> Result<NamePattern, NameError> {
        if s.is_empty() {
            return Err(NameError::Empty);
        }
        if s == "..." || s.ends_with(['?', '+', '*']) {
            return Err(NameError::Quantifier {
                name: s.to_string(),
            });
        }
        if s.chars().any(|c| c.is_control()) {
            return Err(NameError::Control {
                name: s.to_string(),
            });
        }
        crate::spec::event_names::refuse_typo(s, forbidden).map_err(NameError::Unknown)?;
        Ok(if s.ends_with('|') {
            NamePattern::Namespaced(s.to_string())
        } else {
            NamePattern::Exact(s.to_string())
        })
    }

    pub fn matches(&self, name: &str) -> bool {
        match self {
            NamePattern::Exact(n) => n == name,
            NamePattern::Namespaced(prefix) => {
                name.len() > prefix.len() && name.starts_with(prefix.as_str())
            }
            NamePattern::Any => true,
        }
    }
}

impl fmt::Display for NamePattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NamePattern::Exact(n) | NamePattern::Namespaced(n) => f.write_str(n),
            NamePattern::Any => f.write_str("..."),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quant {
    One,
    Opt,
    Star,
}

/// A compiled `sequence`: `a+` is kept as `a` then `a*`, so three quantifiers suffice.
#[derive(Debug, Clone)]
pub struct SeqPattern {
    items: Vec<(NamePattern, Quant)>,
    /// The items as written, for messages and diffs.
    pub written: Vec<String>,
}

impl SeqPattern {
    pub fn parse(items: &[String]) -> Result<SeqPattern, SeqError> {
        let mut out = Vec::new();
        for (i, s) in items.iter().enumerate() {
            if s == "..." {
                out.push((NamePattern::Any, Quant::Star));
                continue;
            }
            let (base, q) = match s.chars().last() {
                Some('?') => (&s[..s.len() - 1], Some('?')),
                Some('+') => (&s[..s.len() - 1], Some('+')),
                Some('*') => (&s[..s.len() - 1], Some('*')),
                _ => (s.as_str(), None),
            };
            if base.is_empty() {
                return Err(SeqError::NoName {
                    index: i,
                    item: s.clone(),
                });
            }
            let p = NamePattern::parse(base).map_err(|error| SeqError::Name { index: i, error })?;
            match q {
                None => out.push((p, Quant::One)),
                Some('?') => out.push((p, Quant::Opt)),
                Some('*') => out.push((p, Quant::Star)),
                _ => {
                    out.push((p.clone(), Quant::One));
                    out.push((p, Quant::Star));
                }
            }
        }
        Ok(SeqPattern {
            items: out,
            written: items.to_vec(),
        })
    }

    /// Whether every item has exactly-one quantity, so that a line-by-line diff against the actual names is exact.
    #[cfg(test)]
    pub fn is_plain(&self) -> bool {
        self.items
            .iter()
            .all(|(p, q)| *q == Quant::One && *p != NamePattern::Any)
    }

    pub fn matcher(&self) -> SeqMatcher<'_> {
        let mut m = SeqMatcher {
            pat: self,
            states: vec![false; self.items.len() + 1],
        };
        m.states[0] = true;
        m.close();
        m
    }
}

/// Runs a `SeqPattern` over event names one at a time, so a wrong event fails the moment it arrives.
/// It tracks the set of pattern positions reachable after the names seen so far (a tiny NFA).
pub struct SeqMatcher<'p> {
    pat: &'p SeqPattern,
    states: Vec<bool>,
}

impl SeqMatcher<'_> {
    fn close(&mut self) {
        for i in 0..self.pat.items.len() {
            if self.states[i] && self.pat.items[i].1 != Quant::One {
                self.states[i + 1] = true;
            }
        }
    }

    /// Feeds one name; false when no continuation of the pattern can accept what was seen.
    pub fn feed(&mut self, name: &str) -> bool {
        let mut next = vec![false; self.states.len()];
        for (i, (p, q)) in self.pat.items.iter().enumerate() {
            if self.states[i] && p.matches(name) {
                match q {
                    Quant::Star => next[i] = true,
                    Quant::One | Quant::Opt => next[i + 1] = true,
                }
            }
        }
        self.states = next;
        self.close();
        self.states.iter().any(|s| *s)
    }

    /// Whether the names seen so far form a complete match.
    pub fn accepts(&self) -> bool {
        self.states[self.pat.items.len()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seq(items: &[&str]) -> SeqPattern {
        SeqPattern::parse(&items.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap()
    }

    fn run(p: &SeqPattern, names: &[&str]) -> (Option<usize>, bool) {
        let mut m = p.matcher();
        for (i, n) in names.iter().enumerate() {
            if !m.feed(n) {
                return (Some(i), false);
            }
        }
        (None, m.accepts())
    }

    #[test]
    fn exact_sequences() {
        let p = seq(&["metadata", "updates"]);
        assert!(p.is_plain());
        assert_eq!(run(&p, &["metadata", "updates"]), (None, true));
        assert_eq!(
            run(&p, &["metadata"]),
            (None, false),
            "too short is only known at the end"
        );
        assert_eq!(
            run(&p, &["metadata", "values"]),
            (Some(1), false),
            "a wrong name fails at once"
        );
        assert_eq!(
            run(&p, &["metadata", "updates", "updates"]),
            (Some(2), false)
        );
    }

    #[test]
    fn quantifiers_and_ellipsis() {
        let p = seq(&[
            "metadata",
            "messages/metadata?",
            "messages/partial+",
            "values*",
        ]);
        assert!(!p.is_plain());
        assert_eq!(run(&p, &["metadata", "messages/partial"]), (None, true));
        assert_eq!(
            run(
                &p,
                &[
                    "metadata",
                    "messages/metadata",
                    "messages/partial",
                    "messages/partial",
                    "values"
                ]
            ),
            (None, true)
        );
        assert_eq!(run(&p, &["metadata", "values"]), (Some(1), false));
        let p = seq(&["metadata", "...", "values"]);
        assert_eq!(
            run(&p, &["metadata", "debug", "values", "debug", "values"]),
            (None, true)
        );
        assert_eq!(run(&p, &["metadata", "values", "debug"]), (None, false));
    }

    #[test]
    fn namespaced_names() {
        let p = NamePattern::parse("updates|").unwrap();
        assert!(p.matches("updates|sub:1234"));
        assert!(!p.matches("updates"));
        assert!(!p.matches("updates|"));
        assert!(!NamePattern::parse("updates")
            .unwrap()
            .matches("updates|sub:1"));
        let s = seq(&["metadata", "updates|+", "updates"]);
        assert_eq!(
            run(
                &s,
                &[
                    "metadata",
                    "updates|sub:1",
                    "updates|sub:1|inner:2",
                    "updates"
                ]
            ),
            (None, true)
        );
    }

    #[test]
    fn bad_patterns() {
        assert!(NamePattern::parse("").is_err());
        let e = NamePattern::parse("values+").unwrap_err().to_string();
        assert!(e.contains("only allowed in `sequence`;"), "{e}");
        assert!(
            !e.contains("subsequence"),
            "subsequence refuses them too: {e}"
        );
        assert!(NamePattern::parse("...").is_err());
        let err = SeqPattern::parse(&["a".into(), "+".into()]).unwrap_err();
        assert_eq!(err.index(), 1);
        let err = SeqPattern::parse(&["metadata".into(), "updtes+".into()]).unwrap_err();
        assert_eq!(err.index(), 1);
        assert!(err.to_string().contains("did you mean `updates`?"), "{err}");
        assert!(NamePattern::parse("eror").is_err());
    }
}
