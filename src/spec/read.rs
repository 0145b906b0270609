//! Reading a spec file's text: regular files only, of bounded size, and UTF-8 (the error says where it is not).

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::source::{Loc, Source, SpecError};

/// Why a spec file's bytes cannot be read; `shown` is the file as messages name it.
#[derive(Debug)]
#[non_exhaustive]
pub enum ReadError {
    /// It cannot be opened or read.
    Io {
        /// The file.
        shown: PathBuf,
        /// Why not.
        source: std::io::Error,
    },
    /// A folder, FIFO, socket or device.
    NotAFile {
        /// The file.
        shown: PathBuf,
    },
    /// Larger than 4 MiB, the most a spec file may be.
    TooLarge {
        /// The file.
        shown: PathBuf,
    },
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Io { shown, source } => {
                write!(f, "cannot read {}: {source}", shown.display())
            }
            ReadError::NotAFile { shown } => write!(
                f,
                "cannot read {}: not a regular file (a folder, FIFO, socket or device)",
                shown.display()
            ),
            ReadError::TooLarge { shown } => write!(
                f,
                "cannot read {}: it is larger than {} MiB, the most a spec file may be",
                shown.display(),
                MAX_SPEC_BYTES / (1024 * 1024)
            ),
        }
    }
}

impl std::error::Error for ReadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ReadError::Io { source, .. } => Some(source),
            ReadError::NotAFile { .. } | ReadError::TooLarge { .. } => None,
        }
    }
}

/// Why a spec file has no text: it cannot be read, or it is not UTF-8 (an error at the first byte that is not).
#[derive(Debug)]
#[non_exhaustive]
pub enum SourceError {
    /// It cannot be read.
    Read(ReadError),
    /// It is not UTF-8: the error is at the first byte that is not.
    NotUtf8(SpecError),
}

impl fmt::Display for SourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SourceError::Read(e) => write!(f, "error: {e}"),
            SourceError::NotUtf8(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for SourceError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SourceError::Read(e) => Some(e),
            SourceError::NotUtf8(e) => Some(e),
        }
    }
}

/// The largest spec file read. Specs are a few kilobytes; anything near this is a mistake, or not a spec at all.
pub const MAX_SPEC_BYTES: u64 = 4 * 1024 * 1024;

/// The text of the spec at `path`, shown in messages as `shown_as`; the error shows as a line to print. Messages quote
/// its lines only when it is not reached through a link leading out of the folder the link is in (see
/// [`crate::source::leads_out`]).
pub fn read_source(path: &Path, shown_as: PathBuf) -> Result<Source, SourceError> {
    let bytes = read_bytes(path, &shown_as).map_err(SourceError::Read)?;
    text_of(shown_as, bytes, Some(path)).map_err(SourceError::NotUtf8)
}

/// The bytes of the file at `path` (a regular file of at most `MAX_SPEC_BYTES`), or why not (`cannot read ...`),
/// naming it as `shown_as`.
pub fn read_bytes(path: &Path, shown_as: &Path) -> Result<Vec<u8>, ReadError> {
    let io = |source| ReadError::Io {
        shown: shown_as.to_path_buf(),
        source,
    };
    // Checked before opening: opening a FIFO would wait for a writer, and a device never ends.
    let meta = std::fs::metadata(path).map_err(io)?;
    if !meta.is_file() {
        return Err(ReadError::NotAFile {
            shown: shown_as.to_path_buf(),
        });
    }
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::new();
    file.take(MAX_SPEC_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_SPEC_BYTES {
        return Err(ReadError::TooLarge {
            shown: shown_as.to_path_buf(),
        });
    }
    Ok(bytes)
}

/// The text as a `Source`, or an error at the line and column of the first byte that is not UTF-8.
pub fn source_from_bytes(shown_as: PathBuf, bytes: Vec<u8>) -> Result<Source, SpecError> {
    text_of(shown_as, bytes, None)
}

fn text_of(shown_as: PathBuf, bytes: Vec<u8>, from: Option<&Path>) -> Result<Source, SpecError> {
    let make = |text: String| match from {
        Some(p) => Source::read_from(shown_as.clone(), text, p),
        None => Source::new(shown_as.clone(), text),
    };
    match String::from_utf8(bytes) {
        Ok(text) => Ok(make(text)),
        Err(e) => {
            let bytes = e.as_bytes();
            let good = &bytes[..e.utf8_error().valid_up_to()];
            let line_start = good.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
            let line = good.iter().filter(|b| **b == b'\n').count() + 1;
            // Everything before the bad byte is valid UTF-8, so characters can be counted.
            let col = String::from_utf8_lossy(&good[line_start..]).chars().count() + 1;
            let bad = bytes[good.len()];
            let src = make(String::from_utf8_lossy(bytes).into_owned());
            Err(SpecError::new(
                &src,
                Loc::new(line as u32, col as u32),
                format!("the file is not UTF-8: byte 0x{bad:02X} here is not valid UTF-8 text (save the file as UTF-8)"),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_bad_byte_is_located() {
        let bytes = b"version: 1\nname: caf\xc3\xa9 \xff here\n".to_vec();
        let e = source_from_bytes("s.yaml".into(), bytes).unwrap_err();
        assert_eq!(e.loc, Loc::new(2, 12));
        assert!(e.message.contains("byte 0xFF"), "{}", e.message);
        assert!(e.to_string().contains("2 | name: café � here"), "{e}");
    }

    /// A spec file that is a link to a file elsewhere (any file: `/etc/passwd`, a key file) is read, and its errors
    /// give the line and column, but its lines are not printed.
    #[cfg(unix)]
    #[test]
    fn lines_of_a_file_linked_from_outside_are_not_quoted() {
        let d = std::env::temp_dir().join(format!("lgc-read-link-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(d.join("specs/inner")).unwrap();
        std::fs::write(d.join("secret.txt"), "token: hunter2-top-secret\n{\n").unwrap();
        std::fs::write(d.join("specs/inner/ok.yaml"), "token: visible\n{\n").unwrap();
        std::os::unix::fs::symlink(d.join("secret.txt"), d.join("specs/leak.yaml")).unwrap();
        std::os::unix::fs::symlink("ok.yaml", d.join("specs/inner/alias.yaml")).unwrap();
        std::os::unix::fs::symlink(&d, d.join("specs/up")).unwrap();
        let src = |p: &str| read_source(&d.join(p), p.into()).unwrap();
        let leak = src("specs/leak.yaml");
        assert!(!leak.quotable());
        assert_eq!(leak.snippet(Loc::new(1, 1)), "");
        let e = SpecError::new(
            &leak,
            Loc::new(1, 8),
            "unknown field `token`: hunter2-top-secret",
        );
        assert!(
            !e.to_string().contains("hunter2") && !e.to_string().contains("token"),
            "{e}"
        );
        assert!(e.to_string().contains("specs/leak.yaml:1:8"), "{e}");
        assert!(
            !src("specs/up/secret.txt").quotable(),
            "through a folder link that leads out"
        );
        assert!(
            src("specs/inner/alias.yaml").quotable(),
            "a link within its folder"
        );
        assert!(src("specs/inner/ok.yaml")
            .snippet(Loc::new(1, 1))
            .contains("visible"));
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn only_regular_files_of_bounded_size_are_read() {
        let e = read_source(Path::new("/dev/zero"), "zero.yaml".into()).unwrap_err();
        assert!(
            matches!(&e, SourceError::Read(ReadError::NotAFile { shown }) if shown == Path::new("zero.yaml")),
            "{e:?}"
        );
        let e = e.to_string();
        assert!(e.contains("zero.yaml: not a regular file"), "{e}");
        let big = std::env::temp_dir().join(format!("lgc-big-{}.yaml", std::process::id()));
        std::fs::write(&big, vec![b'#'; MAX_SPEC_BYTES as usize + 1]).unwrap();
        let e = read_source(&big, "big.yaml".into())
            .unwrap_err()
            .to_string();
        std::fs::remove_file(&big).unwrap();
        assert!(e.contains("larger than 4 MiB"), "{e}");
    }
}
