//! The crate's top-level modules form layers, and imports go one way: a module may use modules of its own layer or
//! of a layer below it, never one above. Within a layer, imports must not go round in a circle.
//!
//! The layers are the table `LAYERS`, lowest first. A new top-level module needs a row; a test fails until it has one.
//! Unit tests (`#[cfg(test)]` modules, and modules only tests use, such as `golden` and `coverage`) are left out: a
//! test may drive a module with anything above it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Lowest first. What a layer's modules use from above would be a shared helper in the wrong room: move it down.
const LAYERS: &[(&str, &[&str])] = &[
    // Vocabulary that everything shares and that knows nothing of specs or servers: positions in a spec file
    // (`source`), how values read in messages (`text`), near-miss names (`spelling`), compiled regexes, `${name}`
    // templates, string formats (`format`), JSONPath.
    (
        "vocabulary",
        &[
            "source", "text", "spelling", "regexes", "template", "format", "jsonpath", "version",
            "secrets",
        ],
    ),
    // The API's contract: the OpenAPI document that `schema:` expectations compile against.
    ("contract", &["contract"]),
    // The spec model: a spec as written (`raw`) and as loaded (steps, requests, captures, retries, and the
    // expectations under `expect:`), the loader that turns one into the other, and how spec files are found.
    ("spec model", &["spec"]),
    // Checks: a step's expectations evaluated against an answer, each one that does not hold a `Failure`.
    ("checks", &["check"]),
    // Execution: the target's settings, HTTP (`transport`, `redirect`), secrets kept out of what is written, the
    // recorded fixture, event streams (`sse`, `wire`), how a target's answers depart from the reference's
    // (`departures`, which the differential mode runs on each spec's exchanges), running a spec's steps (`exec`) and
    // what came of it, as data (`outcome`).
    (
        "execution",
        &[
            "target",
            "discovery",
            "setting_names",
            "fixture",
            "sse",
            "redirect",
            "transport",
            "wire",
            "departures",
            "exec",
            "outcome",
        ],
    ),
    // What a run found and how it reads: a spec's result (`results`), a failure rendered for people (`report`), the
    // reports written after a run. The executor hands back typed outcomes (`outcome::SpecOutcome`), and these render
    // them.
    ("outcomes", &["results", "report"]),
    // Front ends: the test binary's main (`runner`) and the command-line tools (`bin`).
    ("front ends", &["runner", "bin"]),
];

fn src() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src")
}

#[test]
fn modules_import_only_their_own_layer_and_those_below() {
    let layer_of = layer_of();
    let imports = imports(&src());
    let mut problems = Vec::new();
    for (module, files) in &imports {
        let Some(&(from, from_name)) = layer_of.get(module.as_str()) else {
            problems.push(format!(
                "module `{module}` is in no layer: give it a row in LAYERS (tests/layers.rs)"
            ));
            continue;
        };
        for (file, used) in files {
            for target in used {
                match layer_of.get(target.as_str()) {
                    Some(&(to, to_name)) if to > from => problems.push(format!(
                        "{file}: `{module}` ({from_name}) imports `{target}`, which is above it ({to_name})"
                    )),
                    Some(_) => {}
                    None => problems.push(format!(
                        "{file}: imports `{target}`, a module in no layer of LAYERS"
                    )),
                }
            }
        }
    }
    for (_, modules) in LAYERS {
        for m in *modules {
            if !imports.contains_key(*m) {
                problems.push(format!("LAYERS names `{m}`, which is not a module of src/"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn modules_of_one_layer_do_not_import_each_other_in_a_circle() {
    let layer_of = layer_of();
    let imports = imports(&src());
    let mut edges: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (module, files) in &imports {
        for target in files.values().flatten() {
            let same = layer_of.get(module.as_str()).map(|l| l.0)
                == layer_of.get(target.as_str()).map(|l| l.0);
            if same {
                edges.entry(module).or_default().insert(target);
            }
        }
    }
    let circles: Vec<String> = edges
        .keys()
        .filter_map(|m| circle_through(m, &edges))
        .collect();
    assert!(
        circles.is_empty(),
        "imports in a circle: {}",
        circles.join("; ")
    );
}

/// Each module's layer: its index in LAYERS (lowest 0) and its name.
fn layer_of() -> BTreeMap<&'static str, (usize, &'static str)> {
    let mut out = BTreeMap::new();
    for (i, (name, modules)) in LAYERS.iter().enumerate() {
        for m in *modules {
            assert!(
                out.insert(*m, (i, *name)).is_none(),
                "`{m}` is in LAYERS twice"
            );
        }
    }
    out
}

/// A circle of imports from `start` back to it, as `a -> b -> a`.
fn circle_through(start: &str, edges: &BTreeMap<&str, BTreeSet<&str>>) -> Option<String> {
    let mut path = vec![start];
    let mut seen = BTreeSet::new();
    fn walk<'a>(
        at: &'a str,
        start: &str,
        edges: &BTreeMap<&'a str, BTreeSet<&'a str>>,
        path: &mut Vec<&'a str>,
        seen: &mut BTreeSet<&'a str>,
    ) -> bool {
        for &next in edges.get(at).into_iter().flatten() {
            if next == start {
                path.push(next);
                return true;
            }
            if seen.insert(next) {
                path.push(next);
                if walk(next, start, edges, path, seen) {
                    return true;
                }
                path.pop();
            }
        }
        false
    }
    walk(start, start, edges, &mut path, &mut seen).then(|| path.join(" -> "))
}

/// For each top-level module, the other top-level modules each of its files imports (outside unit tests).
fn imports(src: &Path) -> BTreeMap<String, BTreeMap<String, BTreeSet<String>>> {
    let mut out: BTreeMap<String, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    let test_only = test_only_files(src);
    for file in rust_files(src) {
        let rel = file.strip_prefix(src).expect("under src");
        let top = top_module(rel);
        if top == "lib" || test_only.contains(&file) {
            continue;
        }
        let text = std::fs::read_to_string(&file).expect("read a source file");
        let code = without_unit_tests(&without_comments(&text));
        let mut used = crate_paths(&code, "crate::");
        if top == "bin" {
            // The binaries use the library's public API: its public modules, and items at its root, which are none.
            let modules = crate_paths(&code, "langgraph_conformance::")
                .into_iter()
                .filter(|m| src.join(m).is_dir() || src.join(format!("{m}.rs")).is_file());
            used.extend(modules);
        }
        used.remove(&top);
        let shown = format!("src/{}", rel.display());
        out.entry(top).or_default().insert(shown, used);
    }
    out
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read a folder of src") {
        let path = entry.expect("a folder entry").path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// `check` for `check/json.rs`, `format` for `format.rs`.
fn top_module(rel: &Path) -> String {
    let first = rel.components().next().expect("a path in src");
    let first = first.as_os_str().to_string_lossy();
    first.strip_suffix(".rs").unwrap_or(&first).to_string()
}

/// Files that are modules declared `#[cfg(test)] mod name;`, and every file in the folder of one (its submodules).
fn test_only_files(src: &Path) -> BTreeSet<PathBuf> {
    let mut out = BTreeSet::new();
    for file in rust_files(src) {
        let text = without_comments(&std::fs::read_to_string(&file).expect("read a source file"));
        let dir = match file.file_name().and_then(|n| n.to_str()) {
            Some("mod.rs" | "lib.rs" | "main.rs") => file.parent().expect("a folder").to_path_buf(),
            _ => file.with_extension(""),
        };
        let mut rest = text.as_str();
        while let Some(i) = rest.find("#[cfg(test)]") {
            rest = &rest[i + "#[cfg(test)]".len()..];
            let decl = rest.trim_start();
            let Some(name) = decl.strip_prefix("mod ").map(str::trim_start) else {
                continue;
            };
            let end = name
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(name.len());
            if name[end..].trim_start().starts_with(';') {
                out.insert(dir.join(format!("{}.rs", &name[..end])));
                let folder = dir.join(&name[..end]);
                out.insert(folder.join("mod.rs"));
                if folder.is_dir() {
                    out.extend(rust_files(&folder));
                }
            }
        }
    }
    out
}

/// The text with comments blanked out, and string and character literals emptied, so that neither a comment, a
/// message nor a brace inside quotes counts as code.
fn without_comments(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < b.len() {
        if b[i..].starts_with(b"//") {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if b[i..].starts_with(b"/*") {
            let end = text[i + 2..].find("*/").map_or(b.len(), |e| i + 2 + e + 2);
            out.extend(text[i..end].chars().filter(|&c| c == '\n'));
            i = end;
        } else if b[i] == b'r'
            && (b.get(i + 1) == Some(&b'"') || b.get(i + 1) == Some(&b'#'))
            && !ident_before(b, i)
        {
            let hashes = b[i + 1..].iter().take_while(|&&c| c == b'#').count();
            if b.get(i + 1 + hashes) != Some(&b'"') {
                out.push('r');
                i += 1;
                continue;
            }
            let close = format!("\"{}", "#".repeat(hashes));
            let start = i + 2 + hashes;
            let end = text[start..]
                .find(&close)
                .map_or(b.len(), |e| start + e + close.len());
            out.push_str("\"\"");
            out.extend(text[i..end].chars().filter(|&c| c == '\n'));
            i = end;
        } else if b[i] == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                if b[i] == b'\n' {
                    out.push('\n');
                }
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            out.push_str("\"\"");
            i += 1;
        } else if let Some(end) = (b[i] == b'\'').then(|| char_literal_end(text, i)).flatten() {
            out.push_str("' '");
            i = end;
        } else {
            let c = text[i..].chars().next().expect("a character");
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

fn ident_before(b: &[u8], i: usize) -> bool {
    i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_')
}

/// Where a character literal starting at `i` ends; None for a lifetime (`'a`).
fn char_literal_end(text: &str, i: usize) -> Option<usize> {
    let rest = &text[i + 1..];
    if let Some(escaped) = rest.strip_prefix('\\') {
        return escaped.find('\'').map(|e| i + 2 + e + 1);
    }
    let c = rest.chars().next()?;
    rest[c.len_utf8()..]
        .starts_with('\'')
        .then(|| i + 1 + c.len_utf8() + 1)
}

/// The code without `#[cfg(test)] mod name { ... }` blocks (comments and literals already blanked).
fn without_unit_tests(code: &str) -> String {
    let mut out = String::new();
    let mut rest = code;
    while let Some(i) = rest.find("#[cfg(test)]") {
        out.push_str(&rest[..i]);
        let after = &rest[i + "#[cfg(test)]".len()..];
        let decl = after.trim_start();
        let is_block = decl.starts_with("mod ")
            && decl
                .find(['{', ';'])
                .is_some_and(|j| decl.as_bytes()[j] == b'{');
        if !is_block {
            rest = after;
            continue;
        }
        let open = decl.find('{').expect("a block");
        let mut depth = 0;
        let mut end = decl.len();
        for (j, c) in decl[open..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = open + j + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        rest = &decl[end..];
    }
    out.push_str(rest);
    out
}

/// The top-level modules named after `prefix` (`crate::`): `crate::spec::Step`, and each item of
/// `crate::{spec::Step, check::{Failure, Level}}`.
fn crate_paths(code: &str, prefix: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = code;
    while let Some(i) = rest.find(prefix) {
        let boundary = !ident_before(rest.as_bytes(), i);
        rest = &rest[i + prefix.len()..];
        if !boundary {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 1;
            let mut item_start = true;
            for (j, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 1 => item_start = true,
                    c if item_start && depth == 1 && !c.is_whitespace() => {
                        item_start = false;
                        out.insert(first_segment(&group[j..]));
                    }
                    _ => {}
                }
                if depth == 0 {
                    break;
                }
            }
        } else {
            out.insert(first_segment(rest));
        }
    }
    out.remove("self");
    out.remove("");
    out
}

fn first_segment(s: &str) -> String {
    s.chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect()
}

#[test]
fn imports_are_read_from_paths_groups_and_code_only() {
    let code = without_unit_tests(&without_comments(
        "use crate::spec::Step;\nuse crate::{check::{Failure, Level}, text::preview};\n// crate::exec\nlet s = \"crate::runner\";\nlet c = '{';\nfn f<'a>() { crate::template::x() }\n#[cfg(test)]\nmod tests {\n    use crate::fixture;\n    let s = \"}\";\n}\nuse crate::sse;\n",
    ));
    let found: Vec<String> = crate_paths(&code, "crate::").into_iter().collect();
    assert_eq!(found, ["check", "spec", "sse", "template", "text"]);
}
