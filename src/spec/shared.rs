//! Shared steps: where they live and how they are named.
//!
//! A spec uses shared steps by name: `use: thread/create` is the definition `create` of the file
//! `_shared/thread.yaml`, in the nearest folder named `_shared` at or above the spec's own folder (for the suite,
//! `specs/_shared/`; a spec with none above it gets the suite's). A name may have folders: `runs/stream/start` is `start` of `_shared/runs/stream.yaml`. Discovery
//! does not enter `_shared` folders, so their files are never run as specs. Loading a use is the loader's
//! (`load::uses`).

use std::path::{Path, PathBuf};

/// The name of a folder of shared steps.
pub const FOLDER: &str = "_shared";

/// The `_shared` folder for a spec at `spec_path`: in the spec's folder, or the nearest one above it.
pub fn folder_for(spec_path: &Path) -> Option<PathBuf> {
    spec_path
        .ancestors()
        .skip(1)
        .map(|dir| dir.join(FOLDER))
        .find(|d| d.is_dir())
}

/// The `_shared` folder for a spec read from `read` and shown as `shown`: the one beside the file read, named by the
/// path shown when that leads to the same folder (so that messages name shared files as they name the spec).
pub fn folder_beside(read: &Path, shown: &Path) -> Option<PathBuf> {
    let real = folder_for(read)?;
    let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    match folder_for(shown) {
        Some(s) if s == real || same(&s, &real) => Some(s),
        _ => Some(real),
    }
}

/// A shared step's name split into its file (inside the `_shared` folder, without extension) and its definition:
/// `thread/create` → (`thread`, `create`). None when the name has no `/`, or a part that is not a plain name.
pub fn split_name(name: &str) -> Option<(&str, &str)> {
    let (file, def) = name.rsplit_once('/')?;
    let plain = |p: &str| {
        !p.is_empty()
            && p.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    };
    (file.split('/').all(plain) && plain(def)).then_some((file, def))
}

/// The file that holds the definitions of `file` (`thread` → `<folder>/thread.yaml`, or `.yml`), if there is one.
pub fn file_path(folder: &Path, file: &str) -> Option<PathBuf> {
    ["yaml", "yml"]
        .iter()
        .map(|ext| folder.join(format!("{file}.{ext}")))
        .find(|p| p.is_file())
}

/// Every file of shared steps in `folder`, as the file part of names (`thread`, `runs/stream`), sorted.
pub fn files(folder: &Path) -> Vec<(String, PathBuf)> {
    fn walk(dir: &Path, prefix: &str, depth: usize, out: &mut Vec<(String, PathBuf)>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let path = e.path();
            let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
                continue;
            };
            let name = format!("{prefix}{stem}");
            if path.is_dir() && depth < 8 {
                walk(&path, &format!("{name}/"), depth + 1, out);
            } else if path.extension().is_some_and(|x| x == "yaml" || x == "yml") {
                out.push((name, path));
            }
        }
    }
    let mut out = Vec::new();
    walk(folder, "", 0, &mut out);
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_a_file_and_a_definition() {
        assert_eq!(split_name("thread/create"), Some(("thread", "create")));
        assert_eq!(
            split_name("runs/stream/start"),
            Some(("runs/stream", "start"))
        );
        for bad in [
            "create", "/create", "thread/", "../x/y", "a//b", "a/b c", "a.yaml/b",
        ] {
            assert_eq!(split_name(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_suite_finds_its_shared_folder() {
        let here = Path::new(env!("CARGO_MANIFEST_DIR"));
        assert_eq!(
            folder_for(&here.join("specs/threads/create.yaml")),
            Some(here.join("specs/_shared"))
        );
        let names: Vec<String> = files(&here.join("specs/_shared"))
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        assert!(names.contains(&"thread".to_string()), "{names:?}");
    }
}
