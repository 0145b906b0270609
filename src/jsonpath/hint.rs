//! A hint for a JSONPath the engine refuses with no more than "parser error": the common slips a spec author makes
//! (no `$` in front, a bracket left open or closed twice, a `-` in a name after `.`), found by a light look at the
//! text, with the path written as it was likely meant when that parses.

use serde_json_path::JsonPath;

/// What to add to the engine's `message` about `path`, whose error is at byte `position`; None when there is nothing
/// cheap and sure to say.
pub fn hint(path: &str, position: usize, message: &str) -> Option<String> {
    if !path.starts_with('$') {
        return Some(missing_root(path));
    }
    if !message.ends_with("parser error") {
        return None;
    }
    brackets(path)
        .or_else(|| name_after_root(path))
        .or_else(|| dashed_name(path, position))
}

/// `metadata.owner`, `.a`, `[0]`, `@.a`, ` $.a`: a JSONPath starts with `$`.
fn missing_root(path: &str) -> String {
    let trimmed = path.trim_start();
    let meant = if trimmed.starts_with('$') {
        trimmed.to_string()
    } else if let Some(rest) = trimmed.strip_prefix('@') {
        format!("${rest}")
    } else if trimmed.starts_with(['.', '[']) {
        format!("${trimmed}")
    } else {
        format!("$.{trimmed}")
    };
    let what = if trimmed.starts_with('$') {
        "a JSONPath starts with `$`, with nothing before it"
    } else if trimmed.starts_with('@') {
        "a JSONPath starts with `$`, the document's root (`@` is the current node, inside a filter `[?...]`)"
    } else {
        "a JSONPath starts with `$`, the document's root"
    };
    if parses(&meant) {
        format!("{what}: `{meant}`")
    } else {
        format!("{what}, as in `$.name`")
    }
}

/// A `[` or `(` not closed, or a `]` or `)` that closes nothing, outside quoted names.
fn brackets(path: &str) -> Option<String> {
    let mut open: Vec<(usize, char)> = Vec::new();
    let mut quote: Option<char> = None;
    let mut chars = path.char_indices();
    while let Some((i, c)) = chars.next() {
        match quote {
            Some(_) if c == '\\' => {
                chars.next();
            }
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                '\'' | '"' => quote = Some(c),
                '[' | '(' => open.push((i, c)),
                ']' | ')' => {
                    let opener = if c == ']' { '[' } else { '(' };
                    match open.pop() {
                        Some((_, o)) if o == opener => {}
                        Some((at, o)) => {
                            return Some(format!(
                                "the `{o}` at position {at} is not closed before the `{c}` at position {i}: end it with \
                                 `{}`",
                                closer(o)
                            ))
                        }
                        None => {
                            return Some(format!(
                                "the `{c}` at position {i} closes no `{opener}`"
                            ))
                        }
                    }
                }
                _ => {}
            },
        }
    }
    if quote.is_some() {
        // The engine names an unclosed quote itself.
        return None;
    }
    let (at, o) = open.pop()?;
    Some(if o == '[' && at + 1 == path.len() {
        format!(
            "the `{o}` at position {at} is not closed, and nothing follows it: write what it selects and a `]`, as \
             in `['name']` or `[0]`"
        )
    } else {
        format!(
            "the `{o}` at position {at} is not closed: end it with `{}`",
            closer(o)
        )
    })
}

fn closer(open: char) -> char {
    if open == '[' {
        ']'
    } else {
        ')'
    }
}

/// `$metadata`: a name after `$` comes after a `.`.
fn name_after_root(path: &str) -> Option<String> {
    let rest = &path[1..];
    if !rest.starts_with(|c: char| c.is_alphabetic() || c == '_') {
        return None;
    }
    let meant = format!("$.{rest}");
    parses(&meant).then(|| format!("a name after `$` comes after a `.`: `{meant}`"))
}

/// `$.metadata.user-id`: after `.`, a name has only letters, digits and `_`; others are written in brackets.
fn dashed_name(path: &str, position: usize) -> Option<String> {
    let (before, after) = (path.get(..position)?, path.get(position..)?);
    let start = before.rfind('.')? + 1;
    let head = &before[start..];
    if head.is_empty()
        || !head.chars().all(|c| c.is_alphanumeric() || c == '_')
        || !after.starts_with(['-', ':', '@', '/', '+'])
    {
        return None;
    }
    let end = position + after.find(['.', '[']).unwrap_or(after.len());
    let name = &path[start..end];
    if name.contains(['\'', '\\']) {
        return None;
    }
    let meant = format!("{}['{name}']{}", &path[..start - 1], &path[end..]);
    parses(&meant).then(|| {
        format!(
            "after `.`, a name has only letters, digits and `_`; write any other name in brackets: `{meant}`"
        )
    })
}

fn parses(path: &str) -> bool {
    JsonPath::parse(path).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hint_for(path: &str) -> Option<String> {
        let e = JsonPath::parse(path).unwrap_err();
        hint(path, e.position(), e.message())
    }

    #[test]
    fn a_path_without_its_root_is_shown_with_it() {
        for (path, meant) in [
            ("metadata.owner", "`$.metadata.owner`"),
            ("messages[0].type", "`$.messages[0].type`"),
            (".metadata", "`$.metadata`"),
            ("[0]", "`$[0]`"),
            ("@.a", "`$.a`"),
            (" $.a", "`$.a`"),
        ] {
            let h = hint_for(path).unwrap();
            assert!(h.starts_with("a JSONPath starts with `$`"), "{path}: {h}");
            assert!(h.ends_with(meant), "{path}: {h}");
        }
        let h = hint_for("a b").unwrap();
        assert!(h.ends_with("as in `$.name`"), "{h}");
    }

    #[test]
    fn brackets_left_open_or_closing_nothing_are_named() {
        let h = hint_for("$.metadata[").unwrap();
        assert!(
            h.starts_with("the `[` at position 10 is not closed, and nothing follows it"),
            "{h}"
        );
        let h = hint_for("$.a[?(@.b == 1]").unwrap();
        assert_eq!(
            h,
            "the `(` at position 5 is not closed before the `]` at position 14: end it with `)`"
        );
        assert_eq!(
            hint_for("$.a]").unwrap(),
            "the `]` at position 3 closes no `[`"
        );
        // Brackets inside quoted names do not count.
        assert!(hint_for("$['[', 'x']]").unwrap().contains("position 11"));
    }

    #[test]
    fn names_that_need_brackets_or_a_dot() {
        assert_eq!(
            hint_for("$.metadata.user-id").unwrap(),
            "after `.`, a name has only letters, digits and `_`; write any other name in brackets: \
             `$.metadata['user-id']`"
        );
        assert_eq!(
            hint_for("$.a.x-y.b").unwrap(),
            "after `.`, a name has only letters, digits and `_`; write any other name in brackets: `$.a['x-y'].b`"
        );
        assert_eq!(
            hint_for("$metadata").unwrap(),
            "a name after `$` comes after a `.`: `$.metadata`"
        );
    }

    #[test]
    fn nothing_is_added_where_the_engine_already_says_what_is_wrong() {
        // "expected closing ']'", "expected an ending quote", "must start with lowercase alpha or '_'".
        for path in ["$.a[0", "$.a['b]", "$.a.0", "$.a[?@.b = 1]"] {
            assert_eq!(hint_for(path), None, "{path}");
        }
        // A space may be a key's or a slip of another kind: no guess.
        assert_eq!(hint_for("$.a b"), None);
    }
}
