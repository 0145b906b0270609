//! What makes two answers comparable although each server picked its own values: ids masked in keys, names and
//! header paths, the target's variable values read as the reference's, and the singular or wildcard paths a caller
//! names (`varies`, arrays of unstable length).

use std::borrow::Cow;

use super::Variable;

/// The text that stands for an id wherever one is masked.
pub(super) const ID: &str = "<id>";

/// `s` with every UUID (`8-4-4-4-12` hex digits) and every run of exactly 32 hex digits (interrupt ids) replaced by
/// `<id>`, as `fixture::normalize` does: ids are the server's to choose, so two answers that differ only there are
/// the same answer. A run of hex digits counts only between characters that are not letters, digits or `_`, so that
/// a word that happens to be hex-like inside a longer name is left alone.
pub(super) fn mask_ids(s: &str) -> Cow<'_, str> {
    let b = s.as_bytes();
    if b.len() < 32 {
        return Cow::Borrowed(s);
    }
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut i = 0;
    while i < b.len() {
        if i > 0 && word(b[i - 1]) || !b[i].is_ascii_hexdigit() {
            i += 1;
            continue;
        }
        let len = if is_uuid(&b[i..]) {
            36
        } else {
            let run = b[i..].iter().take_while(|c| c.is_ascii_hexdigit()).count();
            if run == 32 {
                32
            } else {
                i += run.max(1);
                continue;
            }
        };
        if b.get(i + len).is_some_and(|&c| word(c)) {
            i += len;
            continue;
        }
        let o = out.get_or_insert_with(String::new);
        o.push_str(&s[copied..i]);
        o.push_str(ID);
        i += len;
        copied = i;
    }
    match out {
        Some(mut o) => {
            o.push_str(&s[copied..]);
            Cow::Owned(o)
        }
        None => Cow::Borrowed(s),
    }
}

fn is_uuid(b: &[u8]) -> bool {
    b.len() >= 36
        && b[..36].iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// A name the target used, in the reference's words: when it is not one the reference used (`in_reference`), but a
/// variable's target value that the reference knows under its own value, the reference's. So `chatbot` (the
/// target's node) is read as `agent` (the recorded node) where the reference has `agent`. Only whole names are
/// translated: a variable's value inside a longer text is the same text to a structural comparison.
pub(super) fn translate<'s>(
    name: &'s str,
    variables: &'s [Variable],
    in_reference: impl Fn(&str) -> bool,
) -> &'s str {
    if in_reference(name) {
        return name;
    }
    variables
        .iter()
        .filter(|v| v.target.as_str() == Some(name))
        .filter_map(|v| v.reference.as_str())
        .find(|r| in_reference(r))
        .unwrap_or(name)
}

/// One step down into a JSON document, as compared: the reference's own key (what `varies` paths name), the key as
/// shown in a departure (ids masked), or an index with both arrays' lengths (for negative indexes).
#[derive(Debug, Clone)]
pub(super) enum Seg {
    Key {
        raw: String,
        shown: String,
    },
    Index {
        i: usize,
        ref_len: usize,
        tgt_len: usize,
    },
}

/// `$` and the segments, written as a singular JSONPath: `$.config.configurable`, `$.messages[0]`, `$['a b']`.
pub(super) fn render(path: &[Seg]) -> String {
    let mut s = String::from("$");
    for seg in path {
        match seg {
            Seg::Key { shown, .. } => push_name(&mut s, shown),
            Seg::Index { i, .. } => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

fn push_name(s: &mut String, name: &str) {
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_alphanumeric() || c == '_');
    if plain {
        s.push('.');
        s.push_str(name);
    } else {
        s.push_str("['");
        s.push_str(&name.replace('\\', "\\\\").replace('\'', "\\'"));
        s.push_str("']");
    }
}

/// One step of a path a caller gives: a name, an index (negative from the end), or `*` (any key or index).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Pat {
    Name(String),
    Index(i64),
    Any,
}

/// A path written as `$`, `.name`, `['name']`, `["name"]`, `[3]`, `[-1]`, `.*` or `[*]` steps; None for anything
/// else (descendants, filters, slices, unions), which the caller's paths never need. `varies` paths are singular
/// JSONPaths already checked when the spec was loaded; the `*` steps are for `Options::unstable_lengths`.
pub(super) fn parse_pattern(text: &str) -> Option<Vec<Pat>> {
    let mut rest = text.trim().strip_prefix('$')?;
    let mut out = Vec::new();
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('.') {
            if r.starts_with('.') {
                return None;
            }
            let end = r.find(['.', '[']).unwrap_or(r.len());
            let name = &r[..end];
            if name.is_empty() {
                return None;
            }
            out.push(if name == "*" {
                Pat::Any
            } else {
                Pat::Name(name.to_string())
            });
            rest = &r[end..];
        } else if let Some(r) = rest.strip_prefix('[') {
            let r = r.trim_start();
            if let Some(q) = r.chars().next().filter(|c| *c == '\'' || *c == '"') {
                let mut name = String::new();
                let mut chars = r[1..].char_indices();
                let mut end = None;
                while let Some((i, c)) = chars.next() {
                    match c {
                        '\\' => name.push(chars.next()?.1),
                        c if c == q => {
                            end = Some(i + 2);
                            break;
                        }
                        c => name.push(c),
                    }
                }
                let r = r[end?..].trim_start();
                rest = r.strip_prefix(']')?;
                out.push(Pat::Name(name));
            } else {
                let close = r.find(']')?;
                let inner = r[..close].trim();
                out.push(if inner == "*" {
                    Pat::Any
                } else {
                    Pat::Index(inner.parse().ok()?)
                });
                rest = &r[close + 1..];
            }
        } else {
            return None;
        }
    }
    Some(out)
}

/// Whether `pattern` names exactly the place `path` leads to. A negative index counts from the end of either
/// side's array, as it would if the path were applied to each answer on its own.
pub(super) fn matches(pattern: &[Pat], path: &[Seg]) -> bool {
    pattern.len() == path.len()
        && pattern.iter().zip(path).all(|(p, s)| match (p, s) {
            (Pat::Any, _) => true,
            (Pat::Name(n), Seg::Key { raw, .. }) => n == raw,
            (
                Pat::Index(k),
                Seg::Index {
                    i,
                    ref_len,
                    tgt_len,
                },
            ) => {
                if *k >= 0 {
                    usize::try_from(*k).is_ok_and(|k| k == *i)
                } else {
                    let back = usize::try_from(k.unsigned_abs()).unwrap_or(usize::MAX);
                    ref_len.checked_sub(back) == Some(*i) || tgt_len.checked_sub(back) == Some(*i)
                }
            }
            _ => false,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_masked_in_text() {
        assert_eq!(
            mask_ids("updates|sub:36ac83dd-957d-2f27-e7c4-02b5890f5837"),
            "updates|sub:<id>"
        );
        assert_eq!(
            mask_ids("/threads/01a2111c-b5df-7254-a447-3d246a3c045a/runs/01a2111c-b5e1-746a-933f-58f72c2595c4"),
            "/threads/<id>/runs/<id>"
        );
        assert_eq!(mask_ids("0123456789abcdef0123456789abcdef"), "<id>");
        assert_eq!(
            mask_ids("x0123456789abcdef0123456789abcdef"),
            "x0123456789abcdef0123456789abcdef"
        );
        assert_eq!(
            mask_ids("0123456789abcdef0123456789abcdef0"),
            "0123456789abcdef0123456789abcdef0"
        );
        assert_eq!(
            mask_ids("run-36ac83dd-957d-2f27-e7c4-02b5890f5837"),
            "run-<id>"
        );
        assert_eq!(mask_ids("agent"), "agent");
        assert_eq!(
            mask_ids("é 36ac83dd-957d-2f27-e7c4-02b5890f5837 é"),
            "é <id> é"
        );
    }

    #[test]
    fn patterns_parse_and_match() {
        assert_eq!(parse_pattern("$"), Some(vec![]));
        assert_eq!(
            parse_pattern("$.values.messages[-1]"),
            Some(vec![
                Pat::Name("values".into()),
                Pat::Name("messages".into()),
                Pat::Index(-1)
            ])
        );
        assert_eq!(
            parse_pattern("$['a b'][*].*[\"c\\\"d\"]"),
            Some(vec![
                Pat::Name("a b".into()),
                Pat::Any,
                Pat::Any,
                Pat::Name("c\"d".into())
            ])
        );
        for bad in ["", "x", "$..a", "$[?@.a]", "$[1:2]", "$.", "$['a"] {
            assert_eq!(parse_pattern(bad), None, "{bad}");
        }
        let key = |k: &str| Seg::Key {
            raw: k.into(),
            shown: k.into(),
        };
        let path = [
            key("messages"),
            Seg::Index {
                i: 2,
                ref_len: 3,
                tgt_len: 4,
            },
        ];
        assert!(matches(&parse_pattern("$.messages[-1]").unwrap(), &path));
        assert!(matches(&parse_pattern("$.messages[2]").unwrap(), &path));
        assert!(matches(&parse_pattern("$.*[*]").unwrap(), &path));
        assert!(!matches(&parse_pattern("$.messages").unwrap(), &path));
        assert!(!matches(&parse_pattern("$.messages[-3]").unwrap(), &path));
        assert_eq!(render(&path), "$.messages[2]");
        assert_eq!(render(&[key("a b"), key("it's")]), "$['a b']['it\\'s']");
    }
}
