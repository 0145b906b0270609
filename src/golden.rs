//! Golden files: output of the harness's own tests (messages, reports, README tables) compared with a committed file
//! that holds what it should be.
//!
//! One update policy, read from the environment as insta reads its own: with `BLESS` set (to anything but `0` or
//! nothing), a test whose output changed writes it over the file and passes, and the diff under version control is
//! what gets reviewed. When `CI` is set (to anything but `0`, `false` or nothing), no file is ever written, whatever
//! `BLESS` says: a stale file fails the test, with the diff.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::text::diff;

/// A golden file that does not hold what the test made, or that could not be written over.
#[derive(Debug)]
#[non_exhaustive]
pub enum GoldenError {
    /// The output differs from the file (`expected`: what it holds, empty when it is missing); `update` says why it
    /// was not written over.
    Differs {
        file: PathBuf,
        expected: String,
        actual: String,
        update: Update,
    },
    /// Writing the new output over the file failed.
    Write {
        file: PathBuf,
        source: std::io::Error,
    },
}

impl fmt::Display for GoldenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GoldenError::Differs {
                file,
                expected,
                actual,
                update,
            } => {
                let how = match update {
                    Update::RefusedOnCi => "BLESS is ignored where CI is set",
                    Update::No | Update::Overwrite => "BLESS=1 to accept",
                };
                write!(
                    f,
                    "{}: output differs from the golden file (- golden, + actual; {how}):\n{}",
                    file.display(),
                    diff(expected, actual)
                )
            }
            GoldenError::Write { file, source } => write!(
                f,
                "{}: cannot write the golden file: {source}",
                file.display()
            ),
        }
    }
}

impl std::error::Error for GoldenError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            GoldenError::Write { source, .. } => Some(source),
            GoldenError::Differs { .. } => None,
        }
    }
}

/// What a test does with a golden file its output no longer matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Update {
    /// Fail, with a diff.
    No,
    /// Write the new output over the file.
    Overwrite,
    /// Fail: `BLESS` was asked for, but `CI` is set.
    RefusedOnCi,
}

impl Update {
    /// The policy from the process's environment.
    pub fn from_env() -> Update {
        Update::from_lookup(|k| std::env::var(k).ok())
    }

    pub fn from_lookup(var: impl Fn(&str) -> Option<String>) -> Update {
        let bless = var("BLESS").is_some_and(|v| !matches!(v.as_str(), "" | "0"));
        let ci = var("CI").is_some_and(|v| !matches!(v.as_str(), "" | "0" | "false"));
        match (bless, ci) {
            (false, _) => Update::No,
            (true, false) => Update::Overwrite,
            (true, true) => Update::RefusedOnCi,
        }
    }
}

/// Compares `actual` with the contents of `file` (a missing file reads as empty), under the environment's policy.
/// A mismatch is an error naming the file, with a diff (`-` the file, `+` the output), unless the policy overwrites it.
pub fn check(file: &Path, actual: &str) -> Result<(), GoldenError> {
    check_with(Update::from_env(), file, actual)
}

pub fn check_with(update: Update, file: &Path, actual: &str) -> Result<(), GoldenError> {
    let expected = std::fs::read_to_string(file).unwrap_or_default();
    if expected == actual {
        return Ok(());
    }
    if update == Update::Overwrite {
        return std::fs::write(file, actual).map_err(|source| GoldenError::Write {
            file: file.to_path_buf(),
            source,
        });
    }
    Err(GoldenError::Differs {
        file: file.to_path_buf(),
        expected,
        actual: actual.to_string(),
        update,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(vars: &[(&str, &str)]) -> Update {
        Update::from_lookup(|k| {
            vars.iter()
                .find(|(name, _)| *name == k)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn bless_overwrites_except_on_ci() {
        assert_eq!(policy(&[]), Update::No);
        assert_eq!(policy(&[("BLESS", "1")]), Update::Overwrite);
        assert_eq!(policy(&[("BLESS", "0")]), Update::No);
        assert_eq!(policy(&[("BLESS", "")]), Update::No);
        assert_eq!(
            policy(&[("BLESS", "1"), ("CI", "true")]),
            Update::RefusedOnCi
        );
        assert_eq!(
            policy(&[("BLESS", "1"), ("CI", "false")]),
            Update::Overwrite
        );
        assert_eq!(policy(&[("CI", "true")]), Update::No);
    }

    #[test]
    fn a_mismatch_is_shown_and_written_only_when_blessed() {
        let dir = std::env::temp_dir().join(format!("golden-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("x.txt");
        std::fs::write(&file, "a\nb\n").unwrap();
        assert!(check_with(Update::No, &file, "a\nb\n").is_ok());
        let e = check_with(Update::No, &file, "a\nc\n").unwrap_err();
        assert!(
            matches!(&e, GoldenError::Differs { expected, .. } if expected == "a\nb\n"),
            "{e:?}"
        );
        let e = e.to_string();
        assert!(
            e.contains("(- golden, + actual; BLESS=1 to accept):\n a\n-b\n+c\n"),
            "{e}"
        );
        let e = check_with(Update::RefusedOnCi, &file, "a\nc\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("BLESS is ignored where CI is set"), "{e}");
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "a\nb\n");
        assert!(check_with(Update::Overwrite, &file, "a\nc\n").is_ok());
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "a\nc\n");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
