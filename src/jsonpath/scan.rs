//! A light pass over a JSONPath's text, outside its string literals: how deeply brackets and parentheses nest, and
//! the regex literals handed to `match` and `search`. It runs before the real parser, whose time grows about twofold
//! with each nested filter and whose recursion can exhaust the stack, so it must itself be linear and not recursive.

/// A string literal argument of `match(...)` or `search(...)`, unescaped.
#[derive(Debug, PartialEq, Eq)]
pub struct RegexArg {
    pub function: &'static str,
    pub pattern: String,
}

#[derive(Debug, Default)]
pub struct Scan {
    /// The deepest nesting of `[` and `(` (together).
    pub max_depth: usize,
    pub regexes: Vec<RegexArg>,
}

/// An open parenthesis of a `match`/`search` call: which function, and whether its first argument has ended.
struct Call {
    function: &'static str,
    depth: usize,
    after_comma: bool,
}

pub fn scan(text: &str) -> Scan {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Scan::default();
    let mut depth = 0usize;
    let mut calls: Vec<Call> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            q @ ('\'' | '"') => {
                let (literal, end) = read_literal(&chars, i + 1, q);
                if let Some(call) = calls.last_mut() {
                    // Only a literal that is the whole second argument: `match(@.a, 'x')`.
                    if call.depth == depth
                        && call.after_comma
                        && next_non_space(&chars, end) == Some(')')
                    {
                        out.regexes.push(RegexArg {
                            function: call.function,
                            pattern: literal,
                        });
                    }
                }
                i = end;
                continue;
            }
            '[' | '(' => {
                depth += 1;
                out.max_depth = out.max_depth.max(depth);
                if chars[i] == '(' {
                    if let Some(function) = function_before(&chars, i) {
                        calls.push(Call {
                            function,
                            depth,
                            after_comma: false,
                        });
                    }
                }
            }
            ']' | ')' => {
                if calls.last().is_some_and(|c| c.depth == depth) {
                    calls.pop();
                }
                depth = depth.saturating_sub(1);
            }
            ',' => {
                if let Some(call) = calls.last_mut().filter(|c| c.depth == depth) {
                    call.after_comma = true;
                }
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// `match` or `search` when the name ends right before the `(` at `open` and is not the tail of a longer name.
fn function_before(chars: &[char], open: usize) -> Option<&'static str> {
    ["match", "search"].into_iter().find(|name| {
        let n = name.len();
        open >= n
            && chars[open - n..open].iter().copied().eq(name.chars())
            && (open == n || !is_name_char(chars[open - n - 1]))
    })
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn next_non_space(chars: &[char], from: usize) -> Option<char> {
    chars[from.min(chars.len())..]
        .iter()
        .copied()
        .find(|c| !matches!(c, ' ' | '\t' | '\n' | '\r'))
}

/// Reads a string literal whose opening quote is just before `start`; returns its unescaped text and the index after
/// its closing quote (or the end of the text when it is unclosed: the parser will say so).
fn read_literal(chars: &[char], start: usize, quote: char) -> (String, usize) {
    let mut s = String::new();
    let mut i = start;
    while i < chars.len() {
        match chars[i] {
            c if c == quote => return (s, i + 1),
            '\\' if i + 1 < chars.len() => {
                let e = chars[i + 1];
                i += 2;
                match e {
                    'b' => s.push('\u{8}'),
                    'f' => s.push('\u{c}'),
                    'n' => s.push('\n'),
                    'r' => s.push('\r'),
                    't' => s.push('\t'),
                    'u' => {
                        let hex: String = chars[i..(i + 4).min(chars.len())].iter().collect();
                        if let Some(c) = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32)
                        {
                            s.push(c);
                        }
                        i += hex.len();
                    }
                    other => s.push(other),
                }
                continue;
            }
            c => s.push(c),
        }
        i += 1;
    }
    (s, chars.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_counts_brackets_and_parentheses_outside_strings() {
        assert_eq!(scan("$.a.b").max_depth, 0);
        assert_eq!(scan("$.a[0]['b'][1]").max_depth, 1);
        assert_eq!(scan("$[?@[?@.a]]").max_depth, 2);
        assert_eq!(scan("$[?((@.a))]").max_depth, 3);
        assert_eq!(scan("$['[[[(((']").max_depth, 1);
        assert_eq!(scan(r#"$["\"[[["]"#).max_depth, 1);
    }

    #[test]
    fn finds_the_regex_literals_of_match_and_search() {
        let s = scan(r#"$[?match(@.a, '(') && search( @.b , "x\\d" ) && matches(@.c, 'no')]"#);
        assert_eq!(
            s.regexes,
            vec![
                RegexArg {
                    function: "match",
                    pattern: "(".into()
                },
                RegexArg {
                    function: "search",
                    pattern: "x\\d".into()
                },
            ]
        );
        assert!(scan("$[?match(@.a, @.b)]").regexes.is_empty());
        assert!(
            scan("$[?match('(', @.b)]").regexes.is_empty(),
            "first argument"
        );
        assert_eq!(
            scan(r"$[?match(@.a, 'it\'s\u0041')]").regexes[0].pattern,
            "it'sA"
        );
    }

    #[test]
    fn huge_inputs_are_scanned_without_recursion() {
        let deep = format!("$[?{}@.a{}]", "(".repeat(100_000), ")".repeat(100_000));
        assert_eq!(scan(&deep).max_depth, 100_001);
        assert_eq!(scan("$['unclosed").max_depth, 1);
    }
}
