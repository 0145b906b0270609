//! Turning a spec's YAML into the checked model, with every mistake reported at its file:line:column.
//!
//! `load_spec` is the one entry point. The YAML is read into the `raw` types, which mirror it; each element of the
//! grammar is then lowered into the model by a file of its own:
//!
//! | file         | element                                                                             |
//! |--------------|-------------------------------------------------------------------------------------|
//! | `mod.rs`     | the spec: `version`, `name`, `requires`, `vars`, `timeout`, `steps`, `finally`      |
//! | `step.rs`    | a step: `request` or `receive`, `timeout`, `retry`, `varies`, its `expect` mapping  |
//! | `request.rs` | `request`: method, path, query, headers, `json` or `body`                           |
//! | `status.rs`  | `expect.status`                                                                     |
//! | `headers.rs` | `expect.headers`                                                                    |
//! | `body.rs`    | `expect.body` and event `data`: JSON checks, one reader per predicate               |
//! | `stream.rs`  | `expect.stream`                                                                     |
//! | `capture.rs` | `capture`                                                                           |
//! | `uses.rs`    | `use` of shared steps and checks: `with`, `as`, the shared file, definitions, parameters |
//! | `shared_request.rs` | `request: {use: ...}`: a shared request, the step's own fields over it       |
//! | `shared_stream.rs`  | `stream: {use: ...}`: shared checks of a stream, with the step's own         |
//! | `values.rs`  | what several hold: variables, templates, regexes, paths, durations, levels, numbers |
//!
//! `substitute.rs` walks every string of a step as written, for `uses.rs` to put parameters in. Every position the
//! loader gives (`Loader::loc`) carries the file it is in: the spec, or a use of shared steps (`source::Origin`).

mod body;
mod capture;
mod headers;
mod request;
mod shared_request;
mod shared_stream;
mod status;
mod step;
mod stream;
mod substitute;
mod uses;
mod values;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_saphyr::Spanned;

use super::raw::{RawSpec, RawStep};
use super::{Spec, Step, FORMAT_VERSION};
use crate::source::{Loc, Origin, Source, SpecError};
use crate::template::is_name;

pub use uses::load_shared_file;

/// How deeply lists and mappings may nest in a spec. Specs need under ten levels; the bound keeps every recursive
/// walk over the YAML (and the JSON values in it) far from the end of the stack.
pub const MAX_YAML_DEPTH: usize = 64;

pub(crate) fn yaml_options() -> serde_saphyr::Options {
    let mut o = serde_saphyr::Options::default();
    // YAML 1.1 would read `no`, `on`, `off` as booleans; a spec means the strings.
    o.strict_booleans = true;
    // Nothing reads a spec's comments; not capturing them makes parsing about a tenth faster.
    o.emit_comments = false;
    let mut budget = serde_saphyr::budget::Budget::default();
    budget.max_depth = MAX_YAML_DEPTH;
    // One spec per file: a second document is refused anyway, so there is no need to read far into a stream of them.
    budget.max_documents = 2;
    o.budget = Some(budget);
    o
}

/// The YAML of `text` as `T`, or the error's place (line 0 when unknown) and message.
fn parse_yaml<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, (Loc, String)> {
    serde_saphyr::from_str_with_options(text, yaml_options()).map_err(|e| {
        let loc = e
            .location()
            .map(|l| Loc::from_saphyr(&l))
            .unwrap_or_default();
        let msg = super::yaml_errors::message(&e);
        // An unclosed `{` or `[` is reported where it opens, not where the parser gave up.
        let (loc, mut msg) =
            super::yaml_errors::unclosed_bracket(text, loc, &msg).unwrap_or((loc, msg));
        let line = text
            .lines()
            .nth((loc.line as usize).saturating_sub(1))
            .unwrap_or("");
        // Only a syntax error can come from an unquoted JSONPath; a wrong value on the same line is something else.
        let syntax = msg.starts_with("while ");
        if syntax
            && line.contains("{")
            && line.contains('$')
            && (line.contains('[') || line.contains('*'))
        {
            msg.push_str(
                " (inside `{...}`, quote a JSONPath that has `[`, `]`, `*` or `,`: path: '$.a[0]')",
            );
        }
        (loc, msg)
    })
}

/// Parses and checks one spec. `globals` are the variables the target defines (defaults and overrides). Shared steps
/// it uses are read from the nearest `_shared` folder at or above the spec's folder (`spec::shared`).
pub fn load_spec(src: Arc<Source>, globals: &HashSet<String>) -> Result<Spec, SpecError> {
    load_spec_beside(src, globals, None)
}

/// [`load_spec`], with the `_shared` folder its shared steps are read from when none is above the spec's file: the
/// suite's, for specs of a folder of one's own.
pub(crate) fn load_spec_beside(
    src: Arc<Source>,
    globals: &HashSet<String>,
    suite_shared: Option<&Path>,
) -> Result<Spec, SpecError> {
    let raw: RawSpec =
        parse_yaml(&src.text).map_err(|(loc, msg)| SpecError::new(&src, loc, msg))?;
    let mut loader = Loader::new(&src, globals);
    loader.suite_shared = suite_shared.map(Path::to_path_buf);
    loader.spec(raw, src.clone())
}

struct Loader<'a> {
    src: &'a Source,
    /// Variables defined so far: the target's, the spec's, then captures step by step.
    defined: HashSet<String>,
    /// The target's variables and the spec's own: a capture may not take their names, or a step that uses the
    /// captured value would get the fixed one when the capture failed.
    fixed: HashSet<String>,
    /// The target's variables: shared steps may use them, as they may use built-ins and their own parameters.
    target: HashSet<String>,
    /// The uses of shared steps met so far; `Loc::origin` `n` is the `n`th.
    origins: Vec<Origin>,
    /// The file whose YAML is being lowered: 0 for the spec, else the origin of the shared steps.
    origin: u32,
    /// The `_shared` folder, once looked for; and the shared files read, by path.
    shared_folder: Option<Option<PathBuf>>,
    /// The suite's `_shared` folder, for a spec with none above it.
    suite_shared: Option<PathBuf>,
    shared_files: HashMap<PathBuf, Arc<Source>>,
    /// The shared steps being expanded, outermost first: a name met again is a cycle.
    expanding: Vec<String>,
}

type R<T> = Result<T, SpecError>;

impl<'a> Loader<'a> {
    fn new(src: &'a Source, globals: &HashSet<String>) -> Self {
        let mut defined = globals.clone();
        defined.extend(super::builtins::NAMES.iter().map(|n| n.to_string()));
        Loader {
            src,
            defined,
            fixed: globals.clone(),
            target: globals.clone(),
            origins: Vec::new(),
            origin: 0,
            shared_folder: None,
            suite_shared: None,
            shared_files: HashMap::new(),
            expanding: Vec::new(),
        }
    }
}

impl Loader<'_> {
    /// The place of a value, in the file being lowered.
    fn loc<T>(&self, s: &Spanned<T>) -> Loc {
        Loc::from_saphyr(&s.referenced).in_origin(self.origin)
    }

    /// An error at `at`, in whichever file it is (with the uses that lead there).
    fn err(&self, at: Loc, msg: impl std::fmt::Display) -> SpecError {
        SpecError::among(self.src, &self.origins, at, msg.to_string())
    }

    /// The first `needle` at or after `from`, in `from`'s file.
    fn find_from(&self, from: Loc, needle: &str) -> Option<Loc> {
        let (src, here) = crate::source::locate(self.src, &self.origins, from);
        src.find_from(here, needle)
            .map(|l| l.in_origin(from.origin))
    }

    fn spec(mut self, raw: RawSpec, src: Arc<Source>) -> R<Spec> {
        self.header(&raw)?;
        let vars = self.spec_vars(raw.vars.0)?;
        let default_timeout = raw.timeout.as_ref().map(|t| self.duration(t)).transpose()?;
        if raw.steps.value.is_empty() {
            return Err(self.err(self.loc(&raw.steps), "a spec needs at least one step"));
        }
        let steps = self.steps(raw.steps.value, default_timeout)?;
        // Clean-up steps may use any capture: each runs only if the values its request needs were captured.
        let finally = match raw.finally {
            Some(f) if f.value.is_empty() => {
                return Err(self.err(
                    self.loc(&f),
                    "`finally` needs at least one step (or leave it out)",
                ))
            }
            Some(f) => self.steps(f.value, default_timeout)?,
            None => Vec::new(),
        };
        // The spec's source knows the shared files it uses, so that reports can show their lines.
        let source = match self.origins.is_empty() {
            true => src,
            false => Arc::new(src.with_origins(std::mem::take(&mut self.origins))),
        };
        Ok(Spec {
            source,
            name: raw.name.value,
            description: raw.description,
            tags: raw.tags,
            requires: raw.requires.into_iter().map(|r| r.value).collect(),
            since: self.since(raw.since.as_ref())?,
            vars,
            uses_webhooks: steps.iter().chain(&finally).any(|s| s.receive)
                || self.src.text.contains("${webhook_url}")
                || self
                    .origins
                    .iter()
                    .any(|o| o.source.text.contains("${webhook_url}")),
            starts_runs: steps
                .iter()
                .chain(&finally)
                .any(|s| !s.receive && s.request.starts_run()),
            steps,
            finally,
        })
    }

    /// A `since:` version, on the spec or a step.
    pub(super) fn since(
        &self,
        raw: Option<&Spanned<String>>,
    ) -> R<Option<crate::version::Version>> {
        raw.map(|s| crate::version::Version::parse(&s.value).map_err(|e| self.err(self.loc(s), e)))
            .transpose()
    }

    /// `version`, `name` and `requires`.
    fn header(&self, raw: &RawSpec) -> R<()> {
        if raw.version.value != FORMAT_VERSION {
            return Err(self.err(
                self.loc(&raw.version),
                format!("spec format version {} is not supported; this harness reads version {FORMAT_VERSION}", raw.version.value),
            ));
        }
        if raw.name.value.trim().is_empty() {
            return Err(self.err(self.loc(&raw.name), "`name` cannot be empty"));
        }
        for r in &raw.requires {
            if !r
                .value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                || r.value.is_empty()
            {
                return Err(self.err(
                    self.loc(r),
                    format!(
                        "`{}` is not a capability name (letters, digits, `-`, `_`)",
                        r.value
                    ),
                ));
            }
        }
        Ok(())
    }

    /// `vars`, in order: each may use the target's variables and those before it.
    fn spec_vars(
        &mut self,
        raw: Vec<(String, Spanned<serde_json::Value>)>,
    ) -> R<Vec<(String, serde_json::Value)>> {
        let mut vars = Vec::new();
        let mut sizes = crate::template::Sizes::default();
        for (name, value) in raw {
            if !is_name(&name) {
                return Err(self.err(
                    self.loc(&value),
                    format!("`{name}` is not a variable name (letters, digits and `_`)"),
                ));
            }
            self.not_builtin(&name, self.loc(&value))?;
            self.check_json_vars(&value.value, self.loc(&value))?;
            // Checked from the text, before anything is rendered: a spec whose variables grow past the bound fails here.
            sizes
                .define(&name, &value.value)
                .map_err(|e| self.err(self.loc(&value), format!("variable `{name}`: {e}")))?;
            self.defined.insert(name.clone());
            self.fixed.insert(name.clone());
            vars.push((name, value.value));
        }
        Ok(vars)
    }

    /// The steps of `steps` or `finally`, uses of shared steps expanded in place.
    fn steps(
        &mut self,
        raw: Vec<Spanned<RawStep>>,
        default_timeout: Option<std::time::Duration>,
    ) -> R<Vec<Step>> {
        let mut steps = Vec::new();
        for s in raw {
            let at = self.loc(&s);
            if s.value.use_.is_some() {
                steps.extend(self.expand(at, s.value, default_timeout, None, at)?.0);
            } else {
                self.not_a_use(&s.value)?;
                steps.push(self.step(at, s.value, default_timeout)?);
            }
        }
        Ok(steps)
    }
}

#[cfg(test)]
mod tests;
