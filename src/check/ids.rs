//! Checking event ids: `ids: present|absent|increasing` over a stream, and `id: {equals, after}` on an event.
//!
//! Ids are compared as numbers part by part, split on `-`: the reference server sends `<epoch-ms>-<seq>`, the JS
//! server 0-based integers, and as strings `"10"` would sort before `"9"`.

use std::cmp::Ordering;
use std::fmt;

use crate::spec::expect::stream::{IdCheck, IdRule};
use crate::template::{TemplateError, Vars};

/// Why an event's id does not hold to `ids:` or `id:`. `n` is the event's number in the stream, `name` its name.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum IdError {
    /// An id that is not numbers joined by `-`, so it cannot be ordered.
    NotOrderable { id: String },
    /// An id where `ids: absent` expects none.
    Unexpected { n: usize, name: String, id: String },
    /// No id where one is expected.
    Missing { n: usize, name: String },
    /// An id not greater than the one before it (`ids: increasing`).
    NotIncreasing {
        n: usize,
        name: String,
        id: String,
        previous: String,
    },
    /// An id other than `id: {equals}`.
    NotEqual {
        n: usize,
        name: String,
        id: String,
        expected: String,
    },
    /// An id not after `id: {after}`.
    NotAfter {
        n: usize,
        name: String,
        id: String,
        after: String,
    },
    /// The expected id does not render.
    Template(TemplateError),
}

impl fmt::Display for IdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdError::NotOrderable { id } => write!(
                f,
                "event id {id:?} is not numbers joined by `-`, so it cannot be ordered"
            ),
            IdError::Unexpected { n, name, id } => {
                write!(f, "event #{n} `{name}` has id {id:?}, expected no ids")
            }
            IdError::Missing { n, name } => write!(f, "event #{n} `{name}` has no id"),
            IdError::NotIncreasing {
                n,
                name,
                id,
                previous,
            } => write!(
                f,
                "event #{n} `{name}` has id {id:?}, which is not greater than the id before it, {previous:?}"
            ),
            IdError::NotEqual {
                n,
                name,
                id,
                expected,
            } => write!(f, "event #{n} `{name}` has id {id:?}, expected {expected:?}"),
            IdError::NotAfter { n, name, id, after } => write!(
                f,
                "event #{n} `{name}` has id {id:?}, expected an id after {after:?}"
            ),
            IdError::Template(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for IdError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            IdError::Template(e) => Some(e),
            _ => None,
        }
    }
}

impl From<TemplateError> for IdError {
    fn from(e: TemplateError) -> Self {
        IdError::Template(e)
    }
}

/// The parts of an id, each a run of digits without leading zeros; None if it is not numbers joined by `-`.
fn parts(id: &str) -> Option<Vec<&str>> {
    id.split('-')
        .map(|p| {
            (!p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
                .then(|| p.trim_start_matches('0'))
        })
        .collect()
}

/// Compares two ids part by part as numbers of any size; a missing part counts as smaller (`5` < `5-0`).
pub fn compare(a: &str, b: &str) -> Result<Ordering, IdError> {
    let not = |id: &str| IdError::NotOrderable { id: id.to_string() };
    let (pa, pb) = (
        parts(a).ok_or_else(|| not(a))?,
        parts(b).ok_or_else(|| not(b))?,
    );
    for (x, y) in pa.iter().zip(&pb) {
        let o = x.len().cmp(&y.len()).then_with(|| x.cmp(y));
        if o != Ordering::Equal {
            return Ok(o);
        }
    }
    Ok(pa.len().cmp(&pb.len()))
}

/// Follows `ids:` over the events of a stream.
#[derive(Debug, Default)]
pub struct IdTracker {
    last: Option<String>,
}

impl IdTracker {
    /// Checks event #`n` `name` with its own id (None: the event had no `id:` field).
    pub fn feed(
        &mut self,
        rule: IdRule,
        n: usize,
        name: &str,
        id: Option<&str>,
    ) -> Result<(), IdError> {
        let name = name.to_string();
        match (rule, id) {
            (IdRule::Absent, Some(id)) => Err(IdError::Unexpected {
                n,
                name,
                id: id.to_string(),
            }),
            (IdRule::Absent, None) => Ok(()),
            (_, None) => Err(IdError::Missing { n, name }),
            (IdRule::Present, Some(_)) => Ok(()),
            (IdRule::Increasing, Some(id)) => {
                if let Some(prev) = &self.last {
                    if compare(id, prev)? != Ordering::Greater {
                        return Err(IdError::NotIncreasing {
                            n,
                            name,
                            id: id.to_string(),
                            previous: prev.clone(),
                        });
                    }
                } else {
                    parts(id).ok_or_else(|| IdError::NotOrderable { id: id.to_string() })?;
                }
                self.last = Some(id.to_string());
                Ok(())
            }
        }
    }
}

impl IdCheck {
    pub fn check(
        &self,
        n: usize,
        name: &str,
        id: Option<&str>,
        vars: &Vars,
    ) -> Result<(), IdError> {
        let name = name.to_string();
        let Some(id) = id else {
            return Err(IdError::Missing { n, name });
        };
        if let Some(t) = &self.equals {
            let want = t.render_string(vars)?;
            if want != id {
                return Err(IdError::NotEqual {
                    n,
                    name,
                    id: id.to_string(),
                    expected: want,
                });
            }
        }
        if let Some(t) = &self.after {
            let after = t.render_string(vars)?;
            if compare(id, &after)? != Ordering::Greater {
                return Err(IdError::NotAfter {
                    n,
                    name,
                    id: id.to_string(),
                    after,
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Loc;
    use crate::template::Template;

    #[test]
    fn ids_compare_as_numbers_part_by_part() {
        assert_eq!(compare("10", "9"), Ok(Ordering::Greater));
        assert_eq!(
            compare("1700000000001-0", "1700000000000-5"),
            Ok(Ordering::Greater)
        );
        assert_eq!(
            compare("1700000000000-10", "1700000000000-9"),
            Ok(Ordering::Greater)
        );
        assert_eq!(compare("007", "7"), Ok(Ordering::Equal));
        assert_eq!(compare("5", "5-0"), Ok(Ordering::Less));
        assert_eq!(
            compare("99999999999999999999999", "1"),
            Ok(Ordering::Greater)
        );
        assert_eq!(
            compare("abc", "1"),
            Err(IdError::NotOrderable { id: "abc".into() })
        );
        assert!(compare("abc", "1")
            .unwrap_err()
            .to_string()
            .contains("\"abc\" is not numbers"));
        assert!(compare("1-", "1").is_err());
        assert!(
            compare("-1", "1").is_err(),
            "the JS server's -1 is only a header value"
        );
    }

    #[test]
    fn the_rules_over_a_stream() {
        let mut t = IdTracker::default();
        assert!(t.feed(IdRule::Increasing, 1, "metadata", Some("9")).is_ok());
        assert!(t.feed(IdRule::Increasing, 2, "values", Some("10")).is_ok());
        assert_eq!(
            t.feed(IdRule::Increasing, 3, "values", Some("10"))
                .unwrap_err()
                .to_string(),
            "event #3 `values` has id \"10\", which is not greater than the id before it, \"10\""
        );
        assert_eq!(
            t.feed(IdRule::Increasing, 4, "values", None)
                .unwrap_err()
                .to_string(),
            "event #4 `values` has no id"
        );
        assert!(IdTracker::default()
            .feed(IdRule::Present, 1, "a", Some("x"))
            .is_ok());
        assert!(IdTracker::default()
            .feed(IdRule::Absent, 1, "a", None)
            .is_ok());
        assert!(IdTracker::default()
            .feed(IdRule::Absent, 1, "a", Some("1"))
            .is_err());
        assert!(IdTracker::default()
            .feed(IdRule::Increasing, 1, "a", Some("x"))
            .is_err());
    }

    #[test]
    fn an_event_id_equals_or_comes_after() {
        let vars: Vars = [("last".to_string(), serde_json::json!("1700000000000-0"))].into();
        let after = IdCheck {
            loc: Loc::new(1, 1),
            equals: None,
            after: Some(Template::parse("${last}").unwrap()),
        };
        assert!(after
            .check(1, "values", Some("1700000000001-0"), &vars)
            .is_ok());
        assert_eq!(
            after
                .check(1, "values", Some("1700000000000-0"), &vars)
                .unwrap_err()
                .to_string(),
            "event #1 `values` has id \"1700000000000-0\", expected an id after \"1700000000000-0\""
        );
        let equals = IdCheck {
            loc: Loc::new(1, 1),
            equals: Some(Template::parse("${last}").unwrap()),
            after: None,
        };
        assert!(equals
            .check(2, "values", Some("1700000000000-0"), &vars)
            .is_ok());
        assert_eq!(
            equals.check(2, "values", None, &vars),
            Err(IdError::Missing {
                n: 2,
                name: "values".into()
            })
        );
    }
}
