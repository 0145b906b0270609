//! The YAML library's errors in the words of a spec author: what is wrong in the file and what to write instead,
//! never which library option or Rust type would accept it.

use regex::Regex;
use serde_saphyr::budget::BudgetBreach;
use serde_saphyr::Error;

use crate::source::Loc;

/// The message for a YAML error, without position (we render that ourselves).
pub fn message(e: &Error) -> String {
    let mut inner = e;
    while let Error::AliasError { error, .. } | Error::WithSnippet { error, .. } = inner {
        inner = error;
    }
    let plain = match inner {
        Error::DuplicateMappingKey { key: Some(k), .. } => Some(format!(
            "`{k}` is given twice in this mapping; keep one"
        )),
        Error::DuplicateMappingKey { key: None, .. } => {
            Some("a key is given twice in this mapping; keep one".into())
        }
        Error::NullIntoString { .. } => Some(
            "text is needed here, but the value is null (`~`, `null` or nothing after the colon); to mean the word, quote it: 'null'".into(),
        ),
        Error::MultipleDocuments { .. } => Some(
            "a spec file holds one YAML document: remove this `---` and what follows, or move it into a file of its own".into(),
        ),
        Error::RecursiveReferencesRequireWeakTypes { .. } => Some(
            "this alias (`*name`) refers to a node that contains it; an anchor cannot include itself".into(),
        ),
        Error::UnknownAnchor { .. } => {
            Some("this alias (`*name`) names no anchor (`&name`) defined before it".into())
        }
        Error::Eof { .. } => Some(
            "the file ends before the spec does: a spec needs `version`, `name` and `steps`"
                .into(),
        ),
        Error::Unexpected { expected, .. } => Some(match *expected {
            "sequence start" => "expected a list here (`[a, b]`, or lines starting with `- `)".into(),
            "mapping start" => "expected a mapping here (`key: value`)".into(),
            other => format!("expected {other}"),
        }),
        Error::Budget {
            breach: BudgetBreach::Depth { depth },
            ..
        } => Some(format!(
            "lists and mappings nest too deeply here ({depth} levels); a spec needs far fewer"
        )),
        Error::Budget { .. } => Some(
            "the YAML is too large or too complex to read (too many nodes, aliases or documents)"
                .into(),
        ),
        _ => None,
    };
    let msg = plain.unwrap_or_else(|| {
        let m = inner.to_string();
        let m = m.strip_prefix("error: ").unwrap_or(&m).to_string();
        let re = Regex::new(r"^line \d+ column \d+: |,? at line \d+, column \d+$")
            .expect("static regex");
        let m = re.replace_all(m.trim(), "").into_owned();
        if m == "recursion limit exceeded" {
            // The parser's cap on nested `[...]`/`{...}`.
            return "lists and mappings nest too deeply here; a spec needs far fewer levels".into();
        }
        m
    });
    did_you_mean(plain_number_types(&msg))
}

/// The library's "unknown field \`stauts\`, expected one of status, headers, ..." with the likely key added: "; did
/// you mean \`status\`?".
fn did_you_mean(msg: String) -> String {
    static UNKNOWN: std::sync::LazyLock<Regex> = std::sync::LazyLock::new(|| {
        Regex::new(r"^unknown (?:field|variant) `([^`]+)`, expected (?:one of )?(.+)$")
            .expect("static regex")
    });
    let Some(c) = UNKNOWN.captures(&msg) else {
        return msg;
    };
    let known: Vec<&str> = c[2]
        .split([',', ' '])
        .map(|w| w.trim_matches('`'))
        .filter(|w| !w.is_empty() && *w != "or")
        .collect();
    match crate::spelling::closest(&c[1], known) {
        Some(near) => format!("{msg}; did you mean `{near}`?"),
        None => msg,
    }
}

/// A flow collection left open (`{method: GET, path: /ok` or `tags: [threads` and a new line): the parser notices
/// only where it gives up, a line or more later. For the errors that an open `{...}` or `[...]` leads to (no `,` or
/// closing bracket where one was expected; a `key:` or a `- ` on a later line read as still inside it) the place and
/// message of the bracket that was not closed, found by reading the text up to where the parser stopped; None for
/// any other error, or when no bracket is left open there.
pub fn unclosed_bracket(text: &str, at: Loc, message: &str) -> Option<(Loc, String)> {
    let stopped_on = if message.contains("did not find expected ',' or")
        || message.contains("flow sequence, expected ',' or")
    {
        None
    } else if message == "illegal placement of ':' indicator" {
        Some(':')
    } else if message == "\"-\" is only valid inside a block" {
        Some('-')
    } else {
        return None;
    };
    let (line, col, open) = innermost_open(text, at)?;
    let (close, kind) = if open == '{' {
        ('}', "mapping")
    } else {
        (']', "list")
    };
    let why = match stopped_on {
        None => format!("looking for a `,` or the `{close}`"),
        Some(c) => format!("at a `{c}` it read as still inside the {kind}"),
    };
    Some((
        Loc::new(line, col),
        format!(
            "this `{open}` opens a {kind} that is not closed: end it with `{close}` (the YAML parser gave up at line \
             {}, column {}, {why})",
            at.line, at.col
        ),
    ))
}

/// The innermost `{` or `[` still open at `at`, outside quoted text and comments, with its line and column; None
/// when there is none, or when it is closed further on (then something else broke the parse, such as an unquoted
/// `[` inside it).
fn innermost_open(text: &str, at: Loc) -> Option<(u32, u32, char)> {
    let mut open: Vec<(u32, u32, char)> = Vec::new();
    // The innermost opener at `at`, and how deep it was.
    let mut suspect: Option<((u32, u32, char), usize)> = None;
    for (i, line) in text.lines().enumerate() {
        let n = i as u32 + 1;
        let mut quote: Option<char> = None;
        let mut prev = ' ';
        // Whether a flow collection or a quoted value may start here: at the line's start, or after `:`, `-`, `?`,
        // `,` or an opening bracket (elsewhere `{`, `[` and quotes are part of plain text, as in `name: it's`).
        let mut token_start = true;
        let chars: Vec<char> = line.chars().collect();
        let mut j = 0;
        while j < chars.len() {
            if suspect.is_none() && (n > at.line || (n == at.line && j + 1 >= at.col as usize)) {
                suspect = Some((*open.last()?, open.len()));
            }
            let c = chars[j];
            match quote {
                Some('\'') if c == '\'' => {
                    if chars.get(j + 1) == Some(&'\'') {
                        j += 1;
                    } else {
                        quote = None;
                    }
                }
                Some('"') if c == '\\' => j += 1,
                Some('"') if c == '"' => quote = None,
                Some(_) => {}
                None => match c {
                    '#' if prev.is_whitespace() => break,
                    '\'' | '"' if token_start => quote = Some(c),
                    '{' | '[' if token_start || !open.is_empty() => {
                        open.push((n, j as u32 + 1, c));
                    }
                    '}' | ']' if !open.is_empty() => {
                        let matches = open
                            .last()
                            .is_some_and(|(_, _, o)| (*o == '{') == (c == '}'));
                        if let Some((opener, _)) = suspect.filter(|(_, d)| open.len() == *d) {
                            // Closed after all, and the parse broke on something else; or closed by the wrong
                            // bracket, so not closed.
                            return (!matches).then_some(opener);
                        }
                        open.pop();
                    }
                    _ => {}
                },
            }
            if !c.is_whitespace() {
                token_start = quote.is_none() && matches!(c, ':' | '-' | '?' | ',' | '{' | '[');
            }
            prev = c;
            j += 1;
        }
    }
    match suspect {
        Some((opener, _)) => Some(opener),
        // The error is past the last character: whatever is open then.
        None => open.last().copied(),
    }
}

/// `expected u16`, `invalid u32`: Rust's integer types, said as the numbers they hold.
fn plain_number_types(msg: &str) -> String {
    let re = Regex::new(r"\b(expected|invalid) (u8|u16|u32|u64|usize|i64|f64|bool)\b")
        .expect("static regex");
    re.replace_all(msg, |c: &regex::Captures| {
        let what = match &c[2] {
            "u8" => "a whole number from 0 to 255",
            "u16" => "a whole number from 0 to 65535",
            "u32" => "a whole number from 0 to 4294967295",
            "u64" | "usize" => "a whole number from 0 up",
            "i64" => "a whole number",
            "f64" => "a number",
            _ => "true or false",
        };
        if &c[1] == "expected" {
            format!("expected {what}")
        } else {
            format!("not {what}")
        }
    })
    .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_key_or_value_gets_the_likely_one() {
        assert_eq!(
            did_you_mean("unknown field `stauts`, expected one of status, headers".into()),
            "unknown field `stauts`, expected one of status, headers; did you mean `status`?"
        );
        assert_eq!(
            did_you_mean("unknown variant `Force`, expected `force` or `passed`".into()),
            "unknown variant `Force`, expected `force` or `passed`; did you mean `force`?"
        );
        let far = "unknown field `zzz`, expected one of status, headers";
        assert_eq!(did_you_mean(far.into()), far);
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Doc {
        name: String,
        #[serde(default)]
        n: Option<u32>,
        #[serde(default)]
        list: Vec<serde_json::Value>,
    }

    fn msg(yaml: &str) -> String {
        let e = serde_saphyr::from_str::<Doc>(yaml).unwrap_err();
        message(&e)
    }

    #[test]
    fn library_advice_becomes_spec_advice() {
        let cases = [
            (
                "name: a\nname: b\n",
                "`name` is given twice in this mapping; keep one",
            ),
            ("name: ~\n", "text is needed here, but the value is null"),
            (
                "name: a\n---\nname: b\n",
                "a spec file holds one YAML document",
            ),
            (
                "name: a\nlist: &x [*x]\n",
                "an anchor cannot include itself",
            ),
            ("name: a\nlist: [*nope]\n", "names no anchor"),
            ("", "the file ends before the spec does"),
            ("name: a\nlist: {}\n", "expected a list here"),
            (
                "name: a\nn: 70000000000\n",
                "not a whole number from 0 to 4294967295",
            ),
        ];
        for (yaml, want) in cases {
            let m = msg(yaml);
            assert!(m.contains(want), "{yaml:?}: {m}");
            for library in [
                "Option<",
                "DuplicateKeyPolicy",
                "from_str_multiple",
                "weak recursion",
                "u32",
            ] {
                assert!(!m.contains(library), "{yaml:?}: {m}");
            }
        }
    }

    /// An unclosed `{` on line 4 was reported at 5:11, where the parser gave up.
    #[test]
    fn an_unclosed_bracket_is_reported_where_it_opens() {
        let text = "version: 1\nname: it's {not} a bracket\nsteps:\n  - request: {method: GET, path: '/o{k'\n    expect: {status: 200}\n";
        let (at, m) = unclosed_bracket(
            text,
            Loc::new(5, 11),
            "while parsing a flow mapping, did not find expected ',' or '}'",
        )
        .unwrap();
        assert_eq!(at, Loc::new(4, 14));
        assert!(
            m.starts_with("this `{` opens a mapping that is not closed: end it with `}`"),
            "{m}"
        );
        let list = "a: {b: [1, 2}\n";
        let (at, m) =
            unclosed_bracket(list, Loc::new(1, 13), "did not find expected ',' or ']'").unwrap();
        assert_eq!(at, Loc::new(1, 8));
        assert!(
            m.contains("a list that is not closed: end it with `]`"),
            "{m}"
        );
        assert!(unclosed_bracket(text, Loc::new(5, 11), "expected a list here").is_none());
        // A `[` left open mid-file: the parser gives up on the next line's `key:` or `- `.
        let tags = "version: 1\nname: x\ntags: [threads\nsteps:\n  - a\n";
        let (at, m) =
            unclosed_bracket(tags, Loc::new(4, 6), "illegal placement of ':' indicator").unwrap();
        assert_eq!(at, Loc::new(3, 7));
        assert!(
            m.starts_with("this `[` opens a list that is not closed: end it with `]`"),
            "{m}"
        );
        assert!(
            m.contains("at a `:` it read as still inside the list"),
            "{m}"
        );
        let comma = "tags: [threads,\nsteps:\n  - a\n";
        let (at, m) =
            unclosed_bracket(comma, Loc::new(3, 3), "\"-\" is only valid inside a block").unwrap();
        assert_eq!(at, Loc::new(1, 7));
        assert!(
            m.contains("at a `-` it read as still inside the list"),
            "{m}"
        );
        // A key spread over lines inside a list that is closed is something else.
        let closed = "a: [b\nc: d]\n";
        assert!(
            unclosed_bracket(closed, Loc::new(2, 2), "illegal placement of ':' indicator")
                .is_none()
        );
        // An unquoted `[` inside braces that are closed is not an unclosed bracket.
        let unquoted = "steps:\n  - {path: $.messages[0].type, equals: human}\n";
        assert!(unclosed_bracket(
            unquoted,
            Loc::new(2, 22),
            "did not find expected ',' or '}'"
        )
        .is_none());
        let spread = "a: {b: 1,\n  c: $.x[0]}\n";
        assert!(
            unclosed_bracket(spread, Loc::new(2, 8), "did not find expected ',' or '}'").is_none()
        );
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let flow = format!(
            "name: a\nlist: {}{}\n",
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        assert!(msg(&flow).contains("nest too deeply"), "{}", msg(&flow));
        let block: String = (0..3000)
            .map(|i| format!("{}- \n", "  ".repeat(i)))
            .collect();
        let m = msg(&format!("name: a\nlist:\n{block}"));
        assert!(m.contains("nest too deeply"), "{m}");
    }
}
