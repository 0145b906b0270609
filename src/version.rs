//! API versions as the official server numbers its releases (`0.10.3`): what a spec's `since` and a target's
//! `api_version` are written in, compared part by part as numbers.

use std::cmp::Ordering;
use std::fmt;

/// Why a text is no release number.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum VersionError {
    /// Not one to four whole numbers joined by dots.
    NotAVersion {
        /// The text, as given.
        text: String,
    },
}

impl fmt::Display for VersionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VersionError::NotAVersion { text } => write!(
                f,
                "`{text}` is not a version: write the release's numbers, like 0.10.3"
            ),
        }
    }
}

impl std::error::Error for VersionError {}

/// A release number: dot-separated whole numbers, compared part by part (`0.9` < `0.10`; missing parts are 0).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    parts: Vec<u64>,
    text: String,
}

impl Version {
    /// `0.10.3`, `1`, `0.16`; a leading `v` is allowed. A suffix such as `rc1` or `.dev0` is refused: what came
    /// in a pre-release is not what the API promises.
    pub fn parse(s: &str) -> Result<Version, VersionError> {
        let t = s.trim();
        let digits = t.strip_prefix('v').unwrap_or(t);
        let parts: Option<Vec<u64>> = digits.split('.').map(|p| p.parse().ok()).collect();
        match parts {
            Some(parts) if !parts.is_empty() && parts.len() <= 4 => Ok(Version {
                parts,
                text: t.to_string(),
            }),
            _ => Err(VersionError::NotAVersion {
                text: s.to_string(),
            }),
        }
    }

    fn part(&self, i: usize) -> u64 {
        self.parts.get(i).copied().unwrap_or(0)
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        let n = self.parts.len().max(other.parts.len());
        (0..n)
            .map(|i| self.part(i).cmp(&other.part(i)))
            .find(|o| o.is_ne())
            .unwrap_or(Ordering::Equal)
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Why something that holds from `since` is not for a target of `target`'s version; `None` when it is (a target
/// that says no version is held to the newest).
pub fn too_new(since: Option<&Version>, target: Option<&Version>) -> Option<String> {
    match (since, target) {
        (Some(s), Some(t)) if t < s => Some(format!("API ≥ {s}, and the target has {t}")),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap()
    }

    #[test]
    fn releases_compare_as_numbers() {
        assert!(v("0.9") < v("0.10"));
        assert!(v("0.10.3") < v("0.16.7"));
        assert_eq!(v("1.0").cmp(&v("1.0.0")), Ordering::Equal);
        assert!(v("v0.4.1") > v("0.4"));
        for bad in ["", "x", "0.10.3rc1", "0..1", "1.2.3.4.5"] {
            assert!(Version::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_target_without_a_version_is_held_to_the_newest() {
        assert_eq!(too_new(Some(&v("0.12")), None), None);
        assert_eq!(too_new(Some(&v("0.12")), Some(&v("0.12.0"))), None);
        assert_eq!(
            too_new(Some(&v("0.12")), Some(&v("0.10.3"))).as_deref(),
            Some("API ≥ 0.12, and the target has 0.10.3")
        );
    }
}
