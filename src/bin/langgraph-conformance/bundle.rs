//! The specs, recordings and target files built into this binary, written out once to a cache folder so that the
//! suite runs where this repository is not: `cargo install` leaves only the binary behind.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

include!(concat!(env!("OUT_DIR"), "/bundle.rs"));

/// The folder holding the bundled files, written out on first use. Its name carries the version and a hash of the
/// contents, so a newer binary never reads an older bundle, and two binaries at once never write the same folder.
pub fn root() -> Result<PathBuf, String> {
    let dir = cache_dir().join(format!(
        "{}-{:016x}",
        env!("CARGO_PKG_VERSION"),
        contents_hash()
    ));
    if dir.join(".complete").exists() {
        return Ok(dir);
    }
    let parent = dir.parent().expect("a folder in the cache");
    std::fs::create_dir_all(parent)
        .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    // Written beside it and renamed into place: a run stopped half-way leaves no half bundle to be read.
    let part = parent.join(format!(".part-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&part);
    write_all(&part).map_err(|e| {
        format!(
            "cannot write the bundled specs into {}: {e}",
            part.display()
        )
    })?;
    match std::fs::rename(&part, &dir) {
        Ok(()) => Ok(dir),
        // Another run wrote it first: theirs is the same.
        Err(_) if dir.join(".complete").exists() => {
            let _ = std::fs::remove_dir_all(&part);
            Ok(dir)
        }
        Err(e) => Err(format!(
            "cannot move the bundled specs into {}: {e}",
            dir.display()
        )),
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
