//! The specs, recordings and target files built into this binary, written out once to a cache folder so that the
//! suite runs where this repository is not: `cargo install` leaves only the binary behind.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

include!(concat!(env!("OUT_DIR"), "/bundle.rs"));

/// Why the bundled files could not be written out.
#[derive(Debug)]
pub enum BundleError {
    /// The cache folder cannot be made.
    CreateCache {
        dir: PathBuf,
        source: std::io::Error,
    },
    /// The files cannot be written into `dir`, beside the bundle.
    Write {
        dir: PathBuf,
        source: std::io::Error,
    },
    /// What was written cannot be moved into place at `dir`.
    Move {
        dir: PathBuf,
        source: std::io::Error,
    },
}

impl fmt::Display for BundleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BundleError::CreateCache { dir, source } => {
                write!(f, "cannot create {}: {source}", dir.display())
            }
            BundleError::Write { dir, source } => write!(
                f,
                "cannot write the bundled specs into {}: {source}",
                dir.display()
            ),
            BundleError::Move { dir, source } => write!(
                f,
                "cannot move the bundled specs into {}: {source}",
                dir.display()
            ),
        }
    }
}

impl std::error::Error for BundleError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            BundleError::CreateCache { source, .. }
            | BundleError::Write { source, .. }
            | BundleError::Move { source, .. } => Some(source),
        }
    }
}

/// The folder holding the bundled files, written out on first use. Its name carries the version and a hash of the
/// contents, so a newer binary never reads an older bundle, and two binaries at once never write the same folder.
pub fn root() -> Result<PathBuf, BundleError> {
    let dir = cache_dir().join(format!(
        "{}-{:016x}",
        env!("CARGO_PKG_VERSION"),
        contents_hash()
    ));
    if dir.join(".complete").exists() {
        return Ok(dir);
    }
    let parent = dir.parent().expect("a folder in the cache");
    std::fs::create_dir_all(parent).map_err(|source| BundleError::CreateCache {
        dir: parent.to_path_buf(),
        source,
    })?;
    // Written beside it and renamed into place: a run stopped half-way leaves no half bundle to be read.
    let part = parent.join(format!(".part-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&part);
    write_all(&part).map_err(|source| BundleError::Write {
        dir: part.clone(),
        source,
    })?;
    match std::fs::rename(&part, &dir) {
        Ok(()) => Ok(dir),
        // Another run wrote it first: theirs is the same.
        Err(_) if dir.join(".complete").exists() => {
            let _ = std::fs::remove_dir_all(&part);
            Ok(dir)
        }
        Err(source) => Err(BundleError::Move { dir, source }),
    }
}

fn write_all(dir: &Path) -> std::io::Result<()> {
    for (path, bytes) in FILES {
        let to = dir.join(path);
        if let Some(p) = to.parent() {
            std::fs::create_dir_all(p)?;
        }
        std::fs::write(&to, bytes)?;
    }
    std::fs::write(dir.join(".complete"), b"")
}

fn cache_dir() -> PathBuf {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    base.join("langgraph-conformance")
}

fn contents_hash() -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for (path, bytes) in FILES {
        path.hash(&mut h);
        bytes.hash(&mut h);
    }
    h.finish()
}
