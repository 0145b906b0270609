//! Spec source text and positions in it, for error messages that point at a line and column.

use std::fmt;
use std::path::PathBuf;

/// A 1-based position in a spec file. Line 0 means "unknown".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Loc {
    pub line: u32,
    pub col: u32,
}

impl Loc {
    pub fn new(line: u32, col: u32) -> Self {
        Loc { line, col }
    }

    pub(crate) fn from_saphyr(l: &serde_saphyr::Location) -> Self {
        Loc::new(l.line() as u32, l.column() as u32)
    }
}

/// A spec file as read from disk: its display path (relative to the working directory when possible) and text.
#[derive(Debug)]
pub struct Source {
    pub path: PathBuf,
    pub text: String,
}

impl Source {
    pub fn new(path: impl Into<PathBuf>, text: impl Into<String>) -> Self {
        Source {
            path: path.into(),
            text: text.into(),
        }
    }

    /// `path:line:col`, the form editors and terminals turn into links.
    pub fn at(&self, loc: Loc) -> String {
        if loc.line == 0 {
            self.path.display().to_string()
        } else {
            format!("{}:{}:{}", self.path.display(), loc.line, loc.col)
        }
    }

    /// The line of text at `loc`, with a caret under the column, in the style of compilers.
    pub fn snippet(&self, loc: Loc) -> String {
        let Some(line) = self.text.lines().nth((loc.line as usize).saturating_sub(1)) else {
            return String::new();
        };
        if loc.line == 0 {
            return String::new();
        }
        let num = loc.line.to_string();
        let pad = " ".repeat(num.len());
        // Columns count characters; tabs are kept so the caret lines up in a terminal.
        let lead: String = line
            .chars()
            .take((loc.col as usize).saturating_sub(1))
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        format!("{pad} |\n{num} | {line}\n{pad} | {lead}^\n")
    }

    /// Finds the first occurrence of `needle` at or after `from`, so that values inside a JSON body (which carry no
    /// position of their own) can still be pointed at precisely.
    pub fn find_from(&self, from: Loc, needle: &str) -> Option<Loc> {
        for (i, line) in self
            .text
            .lines()
            .enumerate()
            .skip((from.line as usize).saturating_sub(1))
        {
            let start = if i + 1 == from.line as usize {
                line.char_indices()
                    .nth((from.col as usize).saturating_sub(1))
                    .map(|(b, _)| b)
                    .unwrap_or(line.len())
            } else {
                0
            };
            if let Some(pos) = line[start..].find(needle) {
                let col = line[..start + pos].chars().count() + 1;
                return Some(Loc::new(i as u32 + 1, col as u32));
            }
        }
        None
    }
}

/// An error tied to a place in a spec file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError {
    pub file: PathBuf,
    pub loc: Loc,
    pub message: String,
    snippet: String,
}

impl SpecError {
    pub fn new(src: &Source, loc: Loc, message: impl Into<String>) -> Self {
        SpecError {
            file: src.path.clone(),
            loc,
            message: message.into(),
            snippet: src.snippet(loc),
        }
    }
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = if self.loc.line == 0 {
            self.file.display().to_string()
        } else {
            format!("{}:{}:{}", self.file.display(), self.loc.line, self.loc.col)
        };
        writeln!(f, "error: invalid spec: {}", self.message)?;
        writeln!(f, "  --> {at}")?;
        write!(f, "{}", self.snippet)
    }
}

impl std::error::Error for SpecError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippet_points_at_column() {
        let src = Source::new("a.yaml", "one: 1\ntwo: [x\n");
        assert_eq!(
            src.snippet(Loc::new(2, 6)),
            "  |\n2 | two: [x\n  |      ^\n"
        );
        assert_eq!(src.snippet(Loc::new(9, 1)), "");
        assert_eq!(src.at(Loc::new(2, 6)), "a.yaml:2:6");
    }

    #[test]
    fn find_from_starts_at_the_given_column() {
        let src = Source::new("a.yaml", "x: ${a} ${a}\ny: ${a}\n");
        assert_eq!(src.find_from(Loc::new(1, 1), "${a}"), Some(Loc::new(1, 4)));
        assert_eq!(src.find_from(Loc::new(1, 5), "${a}"), Some(Loc::new(1, 9)));
        assert_eq!(src.find_from(Loc::new(1, 10), "${a}"), Some(Loc::new(2, 4)));
        assert_eq!(src.find_from(Loc::new(3, 1), "${a}"), None);
    }
}
