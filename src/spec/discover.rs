//! Finding spec files under the specs folder. Whatever the folder holds, discovery ends, and every entry that cannot
//! be a spec (a symlink loop, a FIFO, a device, a reserved name) becomes a test of its own that fails with the reason,
//! so one bad entry never stops the others or the listing. A folder named `_shared` holds shared steps, not specs
//! (see `crate::spec::shared`): it is not entered.

use std::collections::HashMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

/// Folders deeper than this below the specs folder are not entered (symlinks can build endless chains).
const MAX_DEPTH: usize = 32;

/// Entries looked at in all, at most: symlinks can make a small tree look enormous.
const MAX_ENTRIES: usize = 100_000;

/// A spec file found on disk, with the test name derived from its path.
#[derive(Debug, Clone)]
pub struct SpecFile {
    /// `stateless::stream_updates` for `specs/stateless/stream_updates.yaml`.
    pub test_name: String,
    /// Where it is.
    pub path: PathBuf,
    /// Why this entry cannot be loaded as a spec; its test fails with this.
    pub problem: Option<String>,
}

/// Every `.yaml`/`.yml` file below `dir`, sorted by path so runs and listings are stable, with a unique test name
/// each. Only an unreadable `dir` itself is an error.
pub fn discover(dir: &Path) -> std::io::Result<Vec<SpecFile>> {
    let entries = read_dir_sorted(dir)?;
    let root = std::fs::canonicalize(dir)?;
    let mut walk = Walk {
        root: dir,
        out: Vec::new(),
        seen: 0,
        read: HashMap::new(),
    };
    walk.entries(entries, &mut vec![root]);
    let mut out = walk.out;
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(unique_names(out))
}

struct Walk<'a> {
    root: &'a Path,
    out: Vec<SpecFile>,
    seen: usize,
    /// Folders read so far, by their real path, with the path they were read under: each is read once, so links
    /// cannot multiply the tree.
    read: HashMap<PathBuf, PathBuf>,
}

impl Walk<'_> {
    fn entries(&mut self, paths: Vec<PathBuf>, ancestors: &mut Vec<PathBuf>) {
        for path in paths {
            self.seen += 1;
            if self.seen == MAX_ENTRIES + 1 {
                self.problem(
                    &path,
                    format!("the specs folder holds more than {MAX_ENTRIES} entries; the rest are not read"),
                );
            }
            if self.seen > MAX_ENTRIES {
                return;
            }
            self.entry(path, ancestors);
        }
    }

    fn entry(&mut self, path: PathBuf, ancestors: &mut Vec<PathBuf>) {
        let is_spec = is_spec_name(&path);
        // `metadata` follows symlinks: a loop or a dangling link fails here.
        let meta = match std::fs::metadata(&path) {
            Ok(m) => m,
            Err(e) => {
                let is_link = std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_symlink());
                if is_link {
                    self.problem(&path, format!("a symlink that cannot be followed: {e}"));
                } else if is_spec {
                    self.problem(&path, format!("cannot read it: {e}"));
                }
                return;
            }
        };
        let name = path.file_name().unwrap_or_default();
        if meta.is_dir() {
            if name == crate::spec::shared::FOLDER {
                return;
            }
            if has_separator(name) {
                self.folder_problem(&path, reserved_name(name));
                return;
            }
            self.folder(path, ancestors);
        } else if is_spec {
            if has_separator(name) {
                self.problem(&path, reserved_name(name));
            } else if !meta.is_file() {
                self.problem(
                    &path,
                    "not a regular file (a FIFO, socket or device): only regular files are read as specs".into(),
                );
            } else {
                let test_name = test_name(self.rel(&path).with_extension("").as_path());
                self.out.push(SpecFile {
                    test_name,
                    path,
                    problem: None,
                });
            }
        }
    }

    fn folder(&mut self, path: PathBuf, ancestors: &mut Vec<PathBuf>) {
        let real = match std::fs::canonicalize(&path) {
            Ok(r) => r,
            Err(e) => {
                return self.folder_problem(&path, format!("cannot resolve this folder: {e}"))
            }
        };
        if let Some(a) = ancestors.iter().find(|a| **a == real) {
            let inside = a.strip_prefix(&ancestors[0]).unwrap_or(a);
            let target = if inside.as_os_str().is_empty() {
                "the specs folder itself".to_string()
            } else {
                format!("{}, a folder that contains it", inside.display())
            };
            return self.folder_problem(
                &path,
                format!("a symlink loop: this folder leads back to {target}"),
            );
        }
        let is_link = std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_symlink());
        if is_link && real.starts_with(&ancestors[0]) {
            let inside = real.strip_prefix(&ancestors[0]).unwrap_or(&real);
            return self.folder_problem(
                &path,
                format!(
                    "a symlink to {}, which is read under its own name; a link inside the specs folder would run its specs twice",
                    inside.display()
                ),
            );
        }
        if let Some(first) = self.read.get(&real) {
            let first = self.rel(first).display().to_string();
            return self.folder_problem(
                &path,
                format!("the same folder as {first}, which is read already"),
            );
        }
        self.read.insert(real.clone(), path.clone());
        if ancestors.len() > MAX_DEPTH {
            return self.folder_problem(
                &path,
                format!("folders nest more than {MAX_DEPTH} deep here; deeper ones are not read"),
            );
        }
        match read_dir_sorted(&path) {
            Ok(entries) => {
                ancestors.push(real);
                self.entries(entries, ancestors);
                ancestors.pop();
            }
            Err(e) => self.folder_problem(&path, format!("cannot read this folder: {e}")),
        }
    }

    /// Like `problem`, for a folder: its name ends in `/`, apart from any spec's.
    fn folder_problem(&mut self, path: &Path, why: String) {
        self.problem(path, why);
        if let Some(f) = self.out.last_mut() {
            f.test_name.push('/');
        }
    }

    fn rel(&self, path: &Path) -> PathBuf {
        path.strip_prefix(self.root).unwrap_or(path).to_path_buf()
    }

    /// An entry whose test fails with `why`. It is named by its path as written (extension kept, `::` left in), so it
    /// cannot take the name of a valid spec.
    fn problem(&mut self, path: &Path, why: String) {
        let rel = self.rel(path);
        let shown = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        self.out.push(SpecFile {
            test_name: shown,
            path: path.to_path_buf(),
            problem: Some(why),
        });
    }
}

fn read_dir_sorted(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut v = std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<std::io::Result<Vec<_>>>()?;
    v.sort();
    Ok(v)
}

fn is_spec_name(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml")
    )
}

/// `::` separates the parts of a test name, so `a::b.yaml` and `a/b.yaml` would both be `a::b`.
fn has_separator(name: &OsStr) -> bool {
    name.to_string_lossy().contains("::")
}

fn reserved_name(name: &OsStr) -> String {
    format!(
        "the name {:?} contains `::`, which separates the parts of test names (`a::b.yaml` would be the same test as `a/b.yaml`); rename it",
        name.to_string_lossy()
    )
}

fn test_name(rel: &Path) -> String {
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("::")
}

/// Entries that would share a test name (`a.yaml` beside `a.yml`, names that differ only in bytes that are not
/// UTF-8) all fail, each under a name of its own.
fn unique_names(files: Vec<SpecFile>) -> Vec<SpecFile> {
    let mut by_name: HashMap<String, Vec<PathBuf>> = HashMap::new();
    for f in &files {
        by_name
            .entry(f.test_name.clone())
            .or_default()
            .push(f.path.clone());
    }
    let mut taken: HashMap<String, usize> = HashMap::new();
    files
        .into_iter()
        .map(|mut f| {
            let clash = &by_name[&f.test_name];
            if clash.len() > 1 {
                let others: Vec<String> = clash
                    .iter()
                    .filter(|p| **p != f.path)
                    .map(|p| p.display().to_string())
                    .collect();
                f.problem = Some(format!(
                    "this file and {} would be the same test `{}`; rename one",
                    others.join(", "),
                    f.test_name
                ));
            }
            let n = taken.entry(f.test_name.clone()).or_insert(0);
            *n += 1;
            if *n > 1 {
                f.test_name = format!("{}#{n}", f.test_name);
            }
            f
        })
        .collect()
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn scratch(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!(
            "lgc-discover-{tag}-{}-{:?}",
            std::process::id(),
            std::time::SystemTime::now()
        ));
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn names(files: &[SpecFile]) -> Vec<(String, bool)> {
        files
            .iter()
            .map(|f| (f.test_name.clone(), f.problem.is_some()))
            .collect()
    }

    #[test]
    fn loops_devices_and_reserved_names_are_entries_that_fail() {
        let d = scratch("bad");
        std::fs::create_dir_all(d.join("a")).unwrap();
        std::fs::write(d.join("a/b.yaml"), "x").unwrap();
        std::fs::write(d.join("a::b.yaml"), "x").unwrap();
        std::fs::create_dir_all(d.join("x::y")).unwrap();
        symlink(&d, d.join("a/up")).unwrap();
        symlink("self", d.join("self")).unwrap();
        symlink("/dev/zero", d.join("zero.yaml")).unwrap();
        std::fs::write(d.join("notes.txt"), "x").unwrap();
        let files = discover(&d).unwrap();
        assert_eq!(
            names(&files),
            [
                ("a::b".to_string(), false),
                ("a/up/".to_string(), true),
                ("a::b.yaml".to_string(), true),
                ("self".to_string(), true),
                ("x::y/".to_string(), true),
                ("zero.yaml".to_string(), true),
            ]
        );
        let why = |n: &str| {
            files
                .iter()
                .find(|f| f.test_name == n)
                .and_then(|f| f.problem.clone())
                .unwrap()
        };
        assert_eq!(
            why("a/up/"),
            "a symlink loop: this folder leads back to the specs folder itself"
        );
        assert!(
            why("self").contains("cannot be followed"),
            "{}",
            why("self")
        );
        assert!(why("zero.yaml").contains("not a regular file"));
        assert!(why("a::b.yaml").contains("contains `::`"));
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn shared_step_folders_hold_no_specs() {
        let d = scratch("shared");
        std::fs::create_dir_all(d.join("_shared")).unwrap();
        std::fs::create_dir_all(d.join("a/_shared")).unwrap();
        std::fs::write(d.join("_shared/thread.yaml"), "x").unwrap();
        std::fs::write(d.join("a/_shared/run.yaml"), "x").unwrap();
        std::fs::write(d.join("a/b.yaml"), "x").unwrap();
        std::fs::write(d.join("_shared.yaml"), "x").unwrap();
        let files = discover(&d).unwrap();
        assert_eq!(
            names(&files),
            [("_shared".to_string(), false), ("a::b".to_string(), false)]
        );
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn clashing_names_fail_each_under_its_own_name() {
        let d = scratch("clash");
        std::fs::write(d.join("a.yaml"), "x").unwrap();
        std::fs::write(d.join("a.yml"), "x").unwrap();
        std::fs::write(d.join("b.yaml"), "x").unwrap();
        let files = discover(&d).unwrap();
        assert_eq!(
            names(&files),
            [
                ("a".to_string(), true),
                ("a#2".to_string(), true),
                ("b".to_string(), false)
            ]
        );
        assert!(files[0]
            .problem
            .as_ref()
            .unwrap()
            .contains("a.yml would be the same test `a`"));
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn symlinks_cannot_multiply_folders() {
        // Each level holds two links to the next: 2^40 paths if links were followed every time.
        let d = scratch("many");
        for i in 0..40 {
            let level = d.join(format!("l{i}"));
            std::fs::create_dir_all(&level).unwrap();
            std::fs::write(level.join("s.yaml"), "x").unwrap();
            let next = d.join(format!("l{}", i + 1));
            symlink(&next, level.join("a")).unwrap();
            symlink(&next, level.join("b")).unwrap();
        }
        std::fs::create_dir_all(d.join("l40")).unwrap();
        let files = discover(&d).unwrap();
        let (bad, good): (Vec<&SpecFile>, Vec<&SpecFile>) =
            files.iter().partition(|f| f.problem.is_some());
        assert_eq!((good.len(), bad.len()), (40, 80));
        assert!(bad[0]
            .problem
            .as_ref()
            .unwrap()
            .starts_with("a symlink to l1, which is read under its own name"));
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn symlinked_folders_outside_are_read_once() {
        let d = scratch("link");
        let outside = scratch("outside");
        std::fs::write(outside.join("s.yaml"), "x").unwrap();
        std::fs::create_dir_all(d.join("specs")).unwrap();
        symlink(&outside, d.join("specs/linked")).unwrap();
        symlink(&outside, d.join("specs/twice")).unwrap();
        let files = discover(&d.join("specs")).unwrap();
        assert_eq!(
            names(&files),
            [
                ("linked::s".to_string(), false),
                ("twice/".to_string(), true)
            ]
        );
        assert_eq!(
            files[1].problem.as_deref(),
            Some("the same folder as linked, which is read already")
        );
        std::fs::remove_dir_all(&d).unwrap();
        std::fs::remove_dir_all(&outside).unwrap();
    }
}
