//! The examples in `specs/README.md` are specs, so that the reference of the format cannot drift from the loader.
//!
//! - A block fenced as `yaml` is a complete spec: it must load, with the variables of `fixtures/target.yaml`.
//!   Errors point at the README's own lines.
//! - `yaml fragment` is a piece of a spec: skipped.
//! - `yaml invalid` must be refused. A `text` block right after it is the exact error, with the file shown as
//!   `specs/example.yaml`.
//! - `yaml shared` is a file of shared steps: it must load as one (as `_shared/example.yaml`).

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;

use langgraph_conformance::{load_shared_file, load_spec, Settings, Source};

const README: &str = "specs/README.md";

/// A fenced block: the line its text starts on (1-based), the fence's info string, and the text.
struct Block {
    line: usize,
    info: String,
    text: String,
}

fn blocks(markdown: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut open: Option<Block> = None;
    for (i, line) in markdown.lines().enumerate() {
        match &mut open {
            None => {
                if let Some(info) = line.strip_prefix("```") {
                    open = Some(Block {
                        line: i + 2,
                        info: info.trim().to_string(),
                        text: String::new(),
                    });
                }
            }
            Some(b) => {
                if line.trim_end() == "```" {
                    out.extend(open.take());
                } else {
                    b.text.push_str(line);
                    b.text.push('\n');
                }
            }
        }
    }
    assert!(open.is_none(), "{README}: a fenced block is never closed");
    out
}

fn globals() -> HashSet<String> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let settings =
        Settings::from_lookup(|_| None, &root).expect("settings from fixtures/target.yaml");
    settings.vars.keys().cloned().collect()
}

#[test]
fn readme_examples_load() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(README);
    let markdown = std::fs::read_to_string(&path).expect("specs/README.md");
    let globals = globals();
    let blocks = blocks(&markdown);
    let mut problems = Vec::new();
    let mut loaded = 0;
    for (i, b) in blocks.iter().enumerate() {
        match b.info.as_str() {
            "yaml" => {
                // Blank lines in front, so that errors give the line in the README.
                let text = format!("{}{}", "\n".repeat(b.line - 1), b.text);
                match load_spec(Arc::new(Source::new(README, text)), &globals) {
                    Ok(_) => loaded += 1,
                    Err(e) => problems.push(format!("the example does not load:\n{e}")),
                }
            }
            "yaml fragment" => {}
            "yaml shared" => {
                let dir = std::env::temp_dir().join(format!(
                    "lgc-docs-{}-{}/_shared",
                    std::process::id(),
                    b.line
                ));
                std::fs::create_dir_all(&dir).expect("a scratch folder");
                let file = dir.join("example.yaml");
                std::fs::write(&file, &b.text).expect("write the example");
                if let Err(e) = load_shared_file(&file, &globals) {
                    problems.push(format!(
                        "{README}:{}: the shared steps do not load:\n{e}",
                        b.line
                    ));
                }
                let _ = std::fs::remove_dir_all(dir.parent().expect("the scratch folder"));
            }
            "yaml invalid" => {
                let src = Arc::new(Source::new("specs/example.yaml", b.text.clone()));
                match load_spec(src, &globals) {
                    Ok(_) => problems.push(format!(
                        "{README}:{}: the invalid example loads without an error",
                        b.line
                    )),
                    Err(e) => {
                        let shown = blocks.get(i + 1).filter(|n| n.info == "text");
                        if let Some(want) = shown {
                            let got = e.to_string();
                            if got.trim_end() != want.text.trim_end() {
                                problems.push(format!(
                                    "{README}:{}: the error shown differs from the loader's (- README, + loader):\n{}",
                                    want.line,
                                    similar::TextDiff::from_lines(&want.text, &got).unified_diff()
                                ));
                            }
                        }
                    }
                }
            }
            other if other.starts_with("yaml") => problems.push(format!(
                "{README}:{}: unknown fence `{other}`: use yaml, yaml fragment, yaml invalid or yaml shared",
                b.line - 1
            )),
            _ => {}
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
    assert!(
        loaded >= 10,
        "only {loaded} complete examples found in {README}"
    );
}

/// README.md's "Your first spec" walks through writing a spec that is not in the suite yet, and that spec loads.
#[test]
fn the_first_spec_walkthrough_is_a_new_spec_that_loads() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
    let section = readme
        .split("## Your first spec")
        .nth(1)
        .expect("README.md has a \"Your first spec\" section");
    let file = section
        .split('`')
        .find(|s| s.starts_with("specs/") && s.ends_with(".yaml"))
        .expect("the walkthrough names the file to create");
    assert!(
        !root.join(file).exists(),
        "{file} is already in the suite: the walkthrough should write a new spec"
    );
    let block = blocks(section)
        .into_iter()
        .find(|b| b.info == "yaml")
        .expect("the walkthrough shows the spec");
    load_spec(Arc::new(Source::new(file, block.text)), &globals())
        .unwrap_or_else(|e| panic!("README.md's first spec does not load:\n{e}"));
}

/// What README.md names in its commands and tables is there: every `LANGGRAPH_*` setting is one the suite reads,
/// every script and binary exists, every spec named in backticks is a spec, and every flag given to the binary is
/// one it takes. A claim in the README that the code no longer backs fails here.
#[test]
fn the_readme_names_only_what_exists() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("README.md")).expect("README.md");
    let mut problems = Vec::new();
    let setting = regex::Regex::new(r"\bLANGGRAPH_[A-Z_]+").unwrap();
    for m in setting.find_iter(&text) {
        let name = m.as_str().trim_end_matches('_');
        let known = langgraph_conformance::setting_names::setting(name).is_some()
            || name.starts_with("LANGGRAPH_VAR");
        if !known {
            problems.push(format!("`{name}` is no setting"));
        }
    }
    let script = regex::Regex::new(r"\bscripts/([a-z-]+)").unwrap();
    for c in script.captures_iter(&text) {
        if !root.join("scripts").join(&c[1]).exists() {
            problems.push(format!("scripts/{} does not exist", &c[1]));
        }
    }
    let bin = regex::Regex::new(r"--bin ([a-z-]+)").unwrap();
    for c in bin.captures_iter(&text) {
        let cargo = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
        if !cargo.contains(&format!("name = \"{}\"", &c[1])) {
            problems.push(format!("no binary `{}`", &c[1]));
        }
    }
    let spec = regex::Regex::new(r"`([a-z_]+::[a-z_]+)`").unwrap();
    for c in spec.captures_iter(&text) {
        let path = root.join("specs").join(c[1].replace("::", "/") + ".yaml");
        let module = root.join("src").join(c[1].split("::").next().unwrap());
        if !path.exists()
            && !module.exists()
            && !root
                .join("src")
                .join(format!("{}.rs", c[1].split("::").next().unwrap()))
                .exists()
        {
            problems.push(format!("`{}` is no spec", &c[1]));
        }
    }
    let flag =
        regex::Regex::new(r"langgraph-conformance ((?:--?[a-z-]+[ =]?[^ \n`]*\s*)+)").unwrap();
    let help = std::process::Command::new(env!("CARGO_BIN_EXE_langgraph-conformance"))
        .arg("--help")
        .output()
        .expect("the binary runs");
    let help = String::from_utf8_lossy(&help.stdout);
    for c in flag.captures_iter(&text) {
        for word in c[1].split_whitespace().filter(|w| w.starts_with("--")) {
            let name = word.split('=').next().unwrap();
            if !help.contains(name) {
                problems.push(format!("the binary takes no `{name}`"));
            }
        }
    }
    assert!(problems.is_empty(), "README.md:\n{}", problems.join("\n"));
}
