//! Reading a spec file's text: regular files only, of bounded size, and UTF-8 (the error says where it is not).

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::source::{Loc, Source, SpecError};

/// The largest spec file read. Specs are a few kilobytes; anything near this is a mistake, or not a spec at all.
pub const MAX_SPEC_BYTES: u64 = 4 * 1024 * 1024;

/// The text of the spec at `path`, shown in messages as `shown_as`. The error is ready to print.
pub fn read_source(path: &Path, shown_as: PathBuf) -> Result<Source, String> {
    let bytes = read_bytes(path, &shown_as).map_err(|why| format!("error: {why}"))?;
    source_from_bytes(shown_as, bytes).map_err(|e| e.to_string())
}

/// The bytes of the file at `path` (a regular file of at most `MAX_SPEC_BYTES`), or why not (`cannot read ...`),
/// naming it as `shown_as`.
pub fn read_bytes(path: &Path, shown_as: &Path) -> Result<Vec<u8>, String> {
    let cannot = |why: String| format!("cannot read {}: {why}", shown_as.display());
    // Checked before opening: opening a FIFO would wait for a writer, and a device never ends.
    let meta = std::fs::metadata(path).map_err(|e| cannot(e.to_string()))?;
    if !meta.is_file() {
        return Err(cannot(
            "not a regular file (a folder, FIFO, socket or device)".into(),
        ));
    }
    let file = std::fs::File::open(path).map_err(|e| cannot(e.to_string()))?;
    let mut bytes = Vec::new();
    file.take(MAX_SPEC_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| cannot(e.to_string()))?;
    if bytes.len() as u64 > MAX_SPEC_BYTES {
        return Err(cannot(format!(
            "it is larger than {} MiB, the most a spec file may be",
            MAX_SPEC_BYTES / (1024 * 1024)
        )));
    }
    Ok(bytes)
}

/// The text as a `Source`, or an error at the line and column of the first byte that is not UTF-8.
pub fn source_from_bytes(shown_as: PathBuf, bytes: Vec<u8>) -> Result<Source, SpecError> {
    match String::from_utf8(bytes) {
        Ok(text) => Ok(Source::new(shown_as, text)),
        Err(e) => {
            let bytes = e.as_bytes();
            let good = &bytes[..e.utf8_error().valid_up_to()];
            let line_start = good.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
            let line = good.iter().filter(|b| **b == b'\n').count() + 1;
            // Everything before the bad byte is valid UTF-8, so characters can be counted.
            let col = String::from_utf8_lossy(&good[line_start..]).chars().count() + 1;
            let bad = bytes[good.len()];
            let src = Source::new(shown_as, String::from_utf8_lossy(bytes).into_owned());
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

    #[test]
    fn only_regular_files_of_bounded_size_are_read() {
        let e = read_source(Path::new("/dev/zero"), "zero.yaml".into()).unwrap_err();
        assert!(e.contains("zero.yaml: not a regular file"), "{e}");
        let big = std::env::temp_dir().join(format!("lgc-big-{}.yaml", std::process::id()));
        std::fs::write(&big, vec![b'#'; MAX_SPEC_BYTES as usize + 1]).unwrap();
        let e = read_source(&big, "big.yaml".into()).unwrap_err();
        std::fs::remove_file(&big).unwrap();
        assert!(e.contains("larger than 4 MiB"), "{e}");
    }
}
