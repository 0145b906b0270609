//! Bundles what the `langgraph-conformance` binary needs to run the suite away from this repository: the specs, the
//! recordings of the embedded fixture and the target files. The binary writes them out to a cache folder on first
//! use (`src/bin/langgraph-conformance/bundle.rs`); the library and `cargo test` read them in place and need none of
//! this.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Folders and files bundled, relative to the package root.
const BUNDLED: [&str; 4] = [
    "specs",
    "fixtures/recordings",
    "fixtures/target.yaml",
    "fixtures/targets",
];

fn main() {
    let root = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let mut files = Vec::new();
    for entry in BUNDLED {
        println!("cargo:rerun-if-changed={entry}");
        collect(&root.join(entry), &mut files);
    }
    files.sort();
    let mut out =
        String::from("/// Every bundled file: its path under the package root, and its bytes.\n");
    out.push_str("pub static FILES: &[(&str, &[u8])] = &[\n");
    for f in &files {
        let rel = f.strip_prefix(&root).expect("under the root");
        let rel = rel.to_string_lossy().replace('\\', "/");
        let _ = writeln!(
            out,
            "    ({rel:?}, include_bytes!({:?})),",
            f.display().to_string()
        );
    }
    out.push_str("];\n");
    let dest = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets it")).join("bundle.rs");
    std::fs::write(dest, out).expect("write the bundle's index");
}

/// Regular files under `path` (or `path` itself), never following a link out of the tree.
fn collect(path: &Path, out: &mut Vec<PathBuf>) {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return;
    };
    if meta.is_file() {
        out.push(path.to_path_buf());
    } else if meta.is_dir() {
        let Ok(entries) = std::fs::read_dir(path) else {
            return;
        };
        for e in entries.flatten() {
            collect(&e.path(), out);
        }
    }
}
