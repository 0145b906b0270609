//! The YAML library's errors in the words of a spec author: what is wrong in the file and what to write instead,
//! never which library option or Rust type would accept it.

use regex::Regex;
use serde_saphyr::budget::BudgetBreach;
use serde_saphyr::Error;

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
    plain_number_types(&msg)
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
