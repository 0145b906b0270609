//! Spec source text and positions in it, for error messages that point at a line and column.
//!
//! A spec may use shared steps (`use: thread/create`), whose text is in another file: each use of one is an
//! [`Origin`] of the spec's [`Source`], and a [`Loc`] says which file it is in by the number of its origin. The
//! spec's `Source` resolves every `Loc` of the spec, in whichever file, so a message can show the line of the
//! shared file and say where it was used.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A 1-based position in a spec file. Line 0 means "unknown".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Loc {
    /// The line, from 1.
    pub line: u32,
    /// The column, from 1, in characters.
    pub col: u32,
    /// The file: 0 for the spec itself, `n` for the shared steps of the spec's `n`th origin (see [`Source`]).
    pub origin: u32,
}

impl Loc {
    pub(crate) fn new(line: u32, col: u32) -> Self {
        Loc {
            line,
            col,
            origin: 0,
        }
    }

    /// The same place, in the file of origin `origin`.
    pub(crate) fn in_origin(self, origin: u32) -> Self {
        Loc { origin, ..self }
    }

    pub(crate) fn from_saphyr(l: &serde_saphyr::Location) -> Self {
        Loc::new(l.line() as u32, l.column() as u32)
    }
}

/// One use of shared steps in a spec: the file that defines them, and where they are used (in the spec, or in
/// another origin for shared steps used by shared steps).
#[derive(Debug, Clone)]
pub struct Origin {
    pub source: Arc<Source>,
    pub used_at: Loc,
}

/// A spec file as read from disk: its display path (relative to the working directory when possible) and text, and
/// the shared steps it uses.
#[derive(Debug)]
pub struct Source {
    /// The path messages show.
    pub path: PathBuf,
    /// The file's text.
    pub text: String,
    /// The uses of shared steps, in the order the loader met them; `Loc::origin` `n` is the `n`th.
    pub(crate) origins: Vec<Origin>,
    /// The path it was read from, to decide (once, when a message would quote it) whether its lines may be quoted.
    read_from: Option<PathBuf>,
    quotable: std::sync::OnceLock<bool>,
}

impl Source {
    /// Where the file was read from: what the process opened, which messages may show otherwise. Files found beside
    /// it (shared steps) are looked for from here.
    pub(crate) fn file(&self) -> &Path {
        self.read_from.as_deref().unwrap_or(&self.path)
    }

    /// A spec's text, shown in messages as `path` (which is not read).
    pub fn new(path: impl Into<PathBuf>, text: impl Into<String>) -> Self {
        Source {
            path: path.into(),
            text: text.into(),
            origins: Vec::new(),
            read_from: None,
            quotable: std::sync::OnceLock::new(),
        }
    }

    /// The text of the file at `read_from`, shown as `path`. Messages quote its lines unless the file was reached
    /// through a link that leads out of the folder the link is in ([`leads_out`]): a link named
    /// `x.yaml` can point at any file, and its lines are not the author's spec.
    pub(crate) fn read_from(
        path: impl Into<PathBuf>,
        text: impl Into<String>,
        read_from: impl Into<PathBuf>,
    ) -> Self {
        Source {
            read_from: Some(read_from.into()),
            ..Source::new(path, text)
        }
    }

    pub(crate) fn quotable(&self) -> bool {
        *self
            .quotable
            .get_or_init(|| self.read_from.as_deref().is_none_or(|p| !leads_out(p)))
    }

    /// The same file, knowing the uses of shared steps it makes (so reports can show their lines).
    pub(crate) fn with_origins(&self, origins: Vec<Origin>) -> Source {
        Source {
            path: self.path.clone(),
            text: self.text.clone(),
            origins,
            read_from: self.read_from.clone(),
            quotable: std::sync::OnceLock::new(),
        }
    }

    /// The file `loc` is in, and the place in it.
    fn locate(&self, loc: Loc) -> (&Source, Loc) {
        locate(self, &self.origins, loc)
    }

    /// Where the shared steps that hold `loc` are used, innermost first: empty for a place in the spec itself.
    pub fn used_at(&self, loc: Loc) -> Vec<Loc> {
        used_at(&self.origins, loc)
    }

    /// `path:line:col`, the form editors and terminals turn into links; in the file that holds `loc`.
    pub fn at(&self, loc: Loc) -> String {
        let (src, loc) = self.locate(loc);
        src.at_here(loc)
    }

    fn at_here(&self, loc: Loc) -> String {
        if loc.line == 0 {
            self.path.display().to_string()
        } else {
            format!("{}:{}:{}", self.path.display(), loc.line, loc.col)
        }
    }

    /// The line of text at `loc`, with a caret under the column, in the style of compilers. A long line is cut to
    /// a window around the column, so a huge line cannot make a huge message.
    pub fn snippet(&self, loc: Loc) -> String {
        let (src, loc) = self.locate(loc);
        src.snippet_here(loc)
    }

    fn snippet_here(&self, loc: Loc) -> String {
        if !self.quotable() {
            return String::new();
        }
        let Some(line) = self.text.lines().nth((loc.line as usize).saturating_sub(1)) else {
            return String::new();
        };
        if loc.line == 0 {
            return String::new();
        }
        let num = loc.line.to_string();
        let pad = " ".repeat(num.len());
        let (shown, caret) = window(line, (loc.col as usize).saturating_sub(1));
        // Columns count characters; tabs are kept so the caret lines up in a terminal.
        let lead: String = shown
            .chars()
            .take(caret)
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        format!("{pad} |\n{num} | {shown}\n{pad} | {lead}^\n")
    }

    /// Finds the first occurrence of `needle` at or after `from`, so that values inside a JSON body (which carry no
    /// position of their own) can still be pointed at precisely.
    pub(crate) fn find_from(&self, from: Loc, needle: &str) -> Option<Loc> {
        let (src, here) = self.locate(from);
        src.find_here(here, needle)
            .map(|l| l.in_origin(from.origin))
    }

    fn find_here(&self, from: Loc, needle: &str) -> Option<Loc> {
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

/// The file of `loc` among `spec` and its `origins`, and the place in it (an origin that is not there stands for the
/// spec: a place is never lost).
pub(crate) fn locate<'s>(spec: &'s Source, origins: &'s [Origin], loc: Loc) -> (&'s Source, Loc) {
    match (loc.origin as usize)
        .checked_sub(1)
        .and_then(|i| origins.get(i))
    {
        Some(o) => (&o.source, loc.in_origin(0)),
        None => (spec, loc.in_origin(0)),
    }
}

/// The chain of uses that leads to `loc`, innermost first.
pub(crate) fn used_at(origins: &[Origin], loc: Loc) -> Vec<Loc> {
    let mut out = Vec::new();
    let mut at = loc;
    // Each origin is used at an earlier one, so the chain ends; the bound is for a table built wrong.
    while let Some(o) = (at.origin as usize)
        .checked_sub(1)
        .and_then(|i| origins.get(i))
    {
        if out.len() > origins.len() {
            break;
        }
        out.push(o.used_at);
        at = o.used_at;
    }
    out
}

/// Whether `path` passes through a symbolic link (the file itself, or a folder on the way) whose target is not inside
/// the folder that holds the link: `specs/x.yaml -> /etc/passwd`, `specs/more -> /home/me`. Such a file may be any
/// file, so its lines are not quoted in messages. A link within its own folder, and links above the file's folders
/// that stay within theirs (`/var -> /private/var` is inside `/`), do not count.
pub fn leads_out(path: &Path) -> bool {
    let mut so_far = PathBuf::new();
    for part in path.components() {
        so_far.push(part);
        let is_link = std::fs::symlink_metadata(&so_far).is_ok_and(|m| m.is_symlink());
        if !is_link {
            continue;
        }
        let (Ok(target), Some(Ok(folder))) = (
            std::fs::canonicalize(&so_far),
            so_far.parent().map(|p| {
                std::fs::canonicalize(if p.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    p
                })
            }),
        ) else {
            return true;
        };
        if !target.starts_with(&folder) {
            return true;
        }
    }
    false
}

/// Characters of a line shown on each side of the column in a snippet.
const SNIPPET_RADIUS: usize = 60;

/// The longest message a spec error carries, in characters: messages quote the author's values, which can be huge.
const MAX_MESSAGE_CHARS: usize = 1000;

/// `line` cut to at most `SNIPPET_RADIUS` characters each side of character `col`, marked with `…` where cut; and
/// the caret's character position in the result.
fn window(line: &str, col: usize) -> (String, usize) {
    let n = line.chars().count();
    if n <= 2 * SNIPPET_RADIUS + 1 {
        return (line.to_string(), col);
    }
    let start = col.saturating_sub(SNIPPET_RADIUS).min(n);
    let end = (col + SNIPPET_RADIUS + 1).min(n);
    let mut out: String = line.chars().skip(start).take(end - start).collect();
    let mut caret = col - start;
    if start > 0 {
        out.insert(0, '…');
        caret += 1;
    }
    if end < n {
        out.push('…');
    }
    (out, caret)
}

fn bounded(message: String) -> String {
    if message.chars().count() <= MAX_MESSAGE_CHARS {
        return message;
    }
    let cut: String = message.chars().take(MAX_MESSAGE_CHARS).collect();
    format!("{cut}… (message cut at {MAX_MESSAGE_CHARS} characters)")
}

/// An error tied to a place in a spec file, or in a file of shared steps and the places that use them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError {
    /// The file the error is in: the spec, or a file of shared steps it uses.
    pub file: PathBuf,
    /// The place in `file` (its `origin` is 0).
    pub loc: Loc,
    /// What is wrong, in one sentence or a few.
    pub message: String,
    snippet: String,
    /// For an error inside shared steps: where they are used (`path:line:col` and the line), innermost first.
    pub used_at: Vec<(String, String)>,
}

impl SpecError {
    pub(crate) fn new(src: &Source, loc: Loc, message: impl Into<String>) -> Self {
        SpecError::among(src, &src.origins, loc, message)
    }

    /// An error at `loc`, which may be in one of `origins` of the spec `src` (the loader's table while it grows).
    pub(crate) fn among(
        src: &Source,
        origins: &[Origin],
        loc: Loc,
        message: impl Into<String>,
    ) -> Self {
        let (file, here) = locate(src, origins, loc);
        // A message may quote the file (a key it does not know, a value it cannot read): not one reached through a
        // link leading out of its folder, which may be any file.
        let message = match file.quotable() {
            true => bounded(message.into()),
            false => format!(
                "this file is not a valid spec; it is reached through a link that leads out of its folder, so \
                 nothing of it is quoted: open it at line {}, column {}",
                here.line, here.col
            ),
        };
        SpecError {
            file: file.path.clone(),
            loc: here,
            message,
            snippet: file.snippet_here(here),
            used_at: used_at(origins, loc)
                .into_iter()
                .map(|u| {
                    let (f, l) = locate(src, origins, u);
                    (f.at_here(l), f.snippet_here(l))
                })
                .collect(),
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
        write!(f, "{}", self.snippet)?;
        for (at, snippet) in &self.used_at {
            writeln!(f, "  = used at {at}")?;
            write!(f, "{snippet}")?;
        }
        Ok(())
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
    fn long_lines_are_cut_around_the_column() {
        let line = format!("key: {}X{}", "a".repeat(10_000_000), "b".repeat(10_000));
        let src = Source::new("a.yaml", format!("one: 1\n{line}\n"));
        let snip = src.snippet(Loc::new(2, 10_000_006));
        assert!(snip.len() < 400, "{} bytes", snip.len());
        let lines: Vec<&str> = snip.lines().collect();
        assert!(lines[1].starts_with("2 | …aaa"), "{}", lines[1]);
        assert!(lines[1].ends_with("bbb…"), "{}", lines[1]);
        let caret = lines[2].chars().count() - 1;
        assert_eq!(lines[1].chars().nth(caret), Some('X'), "{snip}");
        // Near the start, nothing is cut before the column.
        let snip = src.snippet(Loc::new(2, 1));
        assert!(
            snip.contains("2 | key: aaa") && snip.contains("  | ^"),
            "{snip}"
        );
    }

    #[test]
    fn huge_messages_are_cut() {
        let src = Source::new("a.yaml", "x: 1\n");
        let e = SpecError::new(&src, Loc::new(1, 1), "v".repeat(1_000_000));
        assert!(e.to_string().len() < 1200);
        assert!(e.message.ends_with("(message cut at 1000 characters)"));
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
