//! `use`: steps shared between specs, expanded in place when the spec is loaded; and checks shared between steps
//! (`expect: {use: error/invalid}`), lowered at their place in the shared file and put before the step's own.
//!
//! ```yaml
//! - use: thread/create                 # definition `create` of _shared/thread.yaml
//!   with: {metadata: {team: red}}      # its parameters
//!   as: {thread_id: source}            # its outputs, under other names
//!   setup: true                        # every step it expands to is a set-up step
//! ```
//!
//! The steps of the definition take the place of the use: their strings get the values of the parameters where they
//! say `${param}` (a lone `${param}` keeps the value's JSON type); the captures the definition declares as `outputs`
//! keep their names (or take those of `as`) and the others get names of the use's own, so that two uses never share
//! one. A definition sees its parameters, its own captures, the target's variables and the built-ins, never the
//! spec's: what it needs from the spec is a parameter. A parameter's default is read where the step is used, so
//! `default: '${thread_id}'` is the spec's `thread_id` unless the use gives another.
//!
//! Every position in the expanded steps is in the shared file (`Loader::origin`), and the step itself is at the use,
//! so a failure shows the shared line and the step of the spec it belongs to.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use super::step::Expectations;
use super::substitute::{self, in_value, Kind, Put, Substitute, Uses};
use super::{Loader, R};
use crate::source::{Loc, Origin, Source, SpecError};
use crate::spec::raw::{OrderedMap, RawDefinition, RawSharedFile, RawStep};
use crate::spec::shared;
use crate::spec::{Step, FORMAT_VERSION};
use crate::template::is_name;
use serde_saphyr::Spanned;

/// How the captures of one use of shared steps are named in the spec.
pub(super) struct Names {
    /// Each output, by its name in the definition, and its name in the spec.
    outputs: HashMap<String, String>,
    /// The use's origin: the other captures are `<name>__<origin>`, the use's own.
    origin: u32,
}

impl Names {
    fn in_spec(&self, name: &str) -> String {
        self.outputs
            .get(name)
            .cloned()
            .unwrap_or_else(|| format!("{name}__{}", self.origin))
    }
}

/// The name a capture of the enclosing scope has in the spec: itself in the spec, else as its use says.
fn in_spec(parent: Option<&Names>, name: &str) -> String {
    parent.map_or_else(|| name.to_string(), |p| p.in_spec(name))
}

/// What a use says, read before its definition is.
pub(super) struct Use {
    pub(super) at: Loc,
    pub(super) name: String,
    pub(super) name_at: Loc,
    with: Vec<(String, Loc, Value)>,
    as_: Vec<(String, Loc, String)>,
    step_name: Option<String>,
    setup: bool,
}

/// What a definition is, and so where it is used: shared steps in a spec's steps, shared checks in an `expect` (or a
/// `stream`), a shared request in a step's `request`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum DefKind {
    Steps,
    Checks,
    Request,
}

impl DefKind {
    fn of(def: &RawDefinition) -> DefKind {
        match (&def.steps, &def.checks) {
            (Some(_), _) => DefKind::Steps,
            (None, Some(_)) => DefKind::Checks,
            (None, None) => DefKind::Request,
        }
    }

    fn what(self) -> &'static str {
        match self {
            DefKind::Steps => "shared steps",
            DefKind::Checks => "shared checks",
            DefKind::Request => "a shared request",
        }
    }

    fn wanted(self) -> &'static str {
        match self {
            DefKind::Steps => "steps",
            DefKind::Checks => "checks",
            DefKind::Request => "a request",
        }
    }

    /// Where a definition of this kind goes.
    fn how(self, name: &str) -> String {
        match self {
            DefKind::Steps => format!("use it as a step of its own (`- use: {name}`)"),
            DefKind::Checks => format!("use it in a step's `expect` (`expect: {{use: {name}}}`)"),
            DefKind::Request => {
                format!("use it as a step's `request` (`request: {{use: {name}}}`)")
            }
        }
    }
}

impl Loader<'_> {
    /// The `with` of a use: each parameter with where it is given.
    fn params(
        &self,
        with: Option<Spanned<OrderedMap<Spanned<Value>>>>,
    ) -> Vec<(String, Loc, Value)> {
        with.map(|w| {
            w.value
                .0
                .into_iter()
                .map(|(k, v)| (k, self.loc(&v), v.value))
                .collect()
        })
        .unwrap_or_default()
    }

    /// `with` where nothing is used: the parameters of nothing, an error at the `with`.
    pub(super) fn no_with<T>(&self, with: &Option<Spanned<T>>, kind: DefKind) -> R<()> {
        match with {
            Some(w) => Err(self.err(
                self.loc(w),
                format!(
                    "`with` gives the parameters of {}: it goes with `use`",
                    kind.what()
                ),
            )),
            None => Ok(()),
        }
    }

    /// A step that does not `use` shared steps has no `with` or `as`.
    pub(super) fn not_a_use(&self, raw: &RawStep) -> R<()> {
        self.no_with(&raw.with, DefKind::Steps)?;
        if let Some(a) = &raw.as_ {
            return Err(self.err(
                self.loc(a),
                "`as` renames what shared steps capture: it goes with `use`",
            ));
        }
        Ok(())
    }

    /// The steps a use stands for, and the names its outputs have where it is (`parent`'s names, or the spec's).
    /// `at` is the use, in the file being lowered; `step_at` is where the steps are in the spec (the outermost use).
    pub(super) fn expand(
        &mut self,
        at: Loc,
        raw: RawStep,
        default_timeout: Option<Duration>,
        parent: Option<&Names>,
        step_at: Loc,
    ) -> R<(Vec<Step>, Vec<String>)> {
        let u = self.read_use(at, raw)?;
        let (folder, file, def_name, path) = self.resolve(&u)?;
        let (source, outer) = self.enter(&u, &path)?;
        let out = self.expand_definition(
            &u,
            &source,
            &folder,
            &file,
            &def_name,
            default_timeout,
            parent,
            step_at,
        );
        self.expanding.pop();
        self.origin = outer;
        out
    }

    /// Enters the shared file of a use: a new origin for the positions in it. Gives the file and the origin to go back
    /// to (the caller restores `self.origin` and pops `self.expanding`).
    fn enter(&mut self, u: &Use, path: &Path) -> R<(Arc<Source>, u32)> {
        if let Some(first) = self.expanding.iter().position(|n| *n == u.name) {
            let mut chain = self.expanding[first..].to_vec();
            chain.push(u.name.clone());
            return Err(self.err(
                u.name_at,
                format!(
                    "shared steps cannot use themselves: {}",
                    chain
                        .iter()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(" uses ")
                ),
            ));
        }
        if self.expanding.len() >= MAX_NESTING {
            return Err(self.err(
                u.name_at,
                format!("shared steps nest more than {MAX_NESTING} deep here"),
            ));
        }
        if self.origins.len() >= MAX_USES {
            return Err(self.err(
                u.name_at,
                format!("the spec uses shared steps more than {MAX_USES} times, counting the uses inside them"),
            ));
        }
        let source = self.shared_source(u, path)?;
        self.origins.push(Origin {
            source: source.clone(),
            used_at: u.at,
        });
        let origin = self.origins.len() as u32;
        let outer = std::mem::replace(&mut self.origin, origin);
        self.expanding.push(u.name.clone());
        Ok((source, outer))
    }

    /// The checks an `expect` mapping uses (`use: errors/validation`, its parameters in `with`), lowered at their place
    /// in the shared file; and the name used.
    pub(super) fn shared_checks(
        &mut self,
        name: Spanned<String>,
        with: Option<Spanned<OrderedMap<Spanned<Value>>>>,
    ) -> R<(String, Expectations)> {
        self.using(name, with, DefKind::Checks, |l, u, def| l.checks_of(u, def))
    }

    /// Lowers the definition a use in a mapping names (`expect`, `stream` or `request`), which must be of kind
    /// `kind`, with `lower`, at its place in the shared file; gives the name used, and what `lower` made.
    pub(super) fn using<T>(
        &mut self,
        name: Spanned<String>,
        with: Option<Spanned<OrderedMap<Spanned<Value>>>>,
        kind: DefKind,
        lower: impl FnOnce(&mut Self, &Use, RawDefinition) -> R<T>,
    ) -> R<(String, T)> {
        let at = self.loc(&name);
        let with = self.params(with);
        let u = Use {
            at,
            name_at: at,
            name: name.value,
            with,
            as_: Vec::new(),
            step_name: None,
            setup: false,
        };
        let (folder, file, def_name, path) = self.resolve(&u)?;
        let (source, outer) = self.enter(&u, &path)?;
        let out = self
            .definition(&u, &source, &folder, &file, &def_name)
            .and_then(|def| self.of_kind(&u, &def, kind).map(|_| def))
            .and_then(|def| lower(self, &u, def));
        self.expanding.pop();
        self.origin = outer;
        out.map(|t| (u.name, t))
    }

    /// A use names a definition of the kind its place takes.
    pub(super) fn of_kind(&self, u: &Use, def: &RawDefinition, wanted: DefKind) -> R<()> {
        let is = DefKind::of(def);
        if is == wanted {
            return Ok(());
        }
        Err(self.err(
            u.name_at,
            format!(
                "`{}` is {}, not {}: {}",
                u.name,
                is.what(),
                wanted.wanted(),
                is.how(&u.name)
            ),
        ))
    }

    /// What a definition sees: its parameters, the target's variables and the built-ins.
    pub(super) fn visible_in(&self, params: &HashMap<String, Put>) -> HashSet<String> {
        let mut visible: HashSet<String> = params.keys().cloned().collect();
        visible.extend(self.target.iter().cloned());
        visible.extend(crate::spec::builtins::NAMES.iter().map(|n| n.to_string()));
        visible
    }

    /// The checks of a definition of shared checks, with its parameters put in.
    pub(super) fn checks_of(&mut self, u: &Use, def: RawDefinition) -> R<Expectations> {
        if let Some(o) = def.outputs.first() {
            return Err(self.err(
                self.loc(o),
                "shared checks capture nothing: `outputs` goes with `steps`",
            ));
        }
        let map = self.parameters(u, &def)?;
        let visible = self.visible_in(&map);
        let mut raw = def.checks.expect("checked above").value;
        let mut uses = Uses::default();
        substitute::expect(&mut uses, &mut raw);
        self.all_visible(uses, &visible, &u.name)?;
        substitute::expect(&mut Substitute(&map), &mut raw);
        self.expect(raw)
    }

    /// The definition a use names, in its shared file (parsed once per run: specs use the same few files many
    /// times, and a spec's load is on every run's start-up path).
    fn definition(
        &self,
        u: &Use,
        source: &Source,
        folder: &Path,
        file: &str,
        def_name: &str,
    ) -> R<RawDefinition> {
        let origin = self.origin;
        let in_file = |l: Loc| l.in_origin(origin);
        let raw = parsed(source).map_err(|(l, msg)| self.err(in_file(l), msg))?;
        self.shared_header(&raw)?;
        let defs: Vec<String> = raw.define.value.0.iter().map(|(n, _)| n.clone()).collect();
        let Some(def) = raw
            .define
            .value
            .0
            .iter()
            .find_map(|(n, d)| (n == def_name).then(|| d.clone()))
        else {
            return Err(self.unknown(u, folder, Some((file, &defs))));
        };
        let at = self.loc(&def);
        let def = def.value;
        let given: Vec<(&str, Loc)> = [
            ("steps", def.steps.as_ref().map(|s| self.loc(s))),
            ("checks", def.checks.as_ref().map(|c| self.loc(c))),
            ("request", def.request.as_ref().map(|r| self.loc(r))),
        ]
        .into_iter()
        .filter_map(|(k, l)| l.map(|l| (k, l)))
        .collect();
        match given.as_slice() {
            [_] => Ok(def),
            [] => Err(self.err(
                at,
                format!(
                    "`{}` needs `steps` (shared steps), `checks` (shared checks) or `request` (a shared request)",
                    u.name
                ),
            )),
            [(a, _), (b, l), ..] => Err(self.err(
                *l,
                format!(
                    "`{}` has `{a}` and `{b}`: a definition is shared steps, shared checks or a shared request",
                    u.name
                ),
            )),
        }
    }

    /// `use`, `with`, `as`, `name` and `setup`; nothing else goes on a use.
    fn read_use(&self, at: Loc, raw: RawStep) -> R<Use> {
        let RawStep {
            name,
            request,
            receive,
            timeout,
            retry,
            expect,
            capture,
            varies,
            setup,
            since,
            use_,
            with,
            as_,
        } = raw;
        let use_ = use_.expect("a use");
        let misplaced = [
            ("request", request.is_some(), None),
            (
                "receive",
                receive.is_some(),
                receive.as_ref().map(|r| self.loc(r)),
            ),
            (
                "timeout",
                timeout.is_some(),
                timeout.as_ref().map(|t| self.loc(t)),
            ),
            (
                "retry",
                retry.is_some(),
                retry.as_ref().map(|r| self.loc(r)),
            ),
            ("expect", expect.is_some(), None),
            (
                "capture",
                !capture.0.is_empty(),
                capture.0.first().map(|(_, c)| self.loc(c)),
            ),
            (
                "varies",
                !varies.is_empty(),
                varies.first().map(|v| self.loc(v)),
            ),
            (
                "since",
                since.is_some(),
                since.as_ref().map(|s| self.loc(s)),
            ),
        ];
        if let Some((key, _, where_)) = misplaced.into_iter().find(|(_, given, _)| *given) {
            return Err(self.err(
                where_.unwrap_or(at),
                format!("a step that uses shared steps takes only `with`, `as`, `name` and `setup`: `{key}` belongs in the shared steps (or in a step of its own)"),
            ));
        }
        let with = self.params(with);
        let as_ = as_
            .map(|a| {
                a.value
                    .0
                    .into_iter()
                    .map(|(k, v)| (k, self.loc(&v), v.value))
                    .collect()
            })
            .unwrap_or_default();
        Ok(Use {
            at,
            name_at: self.loc(&use_),
            name: use_.value,
            with,
            as_,
            step_name: name,
            setup,
        })
    }

    /// The `_shared` folder, the file and definition a use names, and the file's path.
    fn resolve(&mut self, u: &Use) -> R<(PathBuf, String, String, PathBuf)> {
        let Some((file, def)) = shared::split_name(&u.name) else {
            return Err(self.err(
                u.name_at,
                format!(
                    "`{}` is not the name of shared steps: write `<file>/<name>` (`thread/create` is `create` in {}/thread.yaml)",
                    u.name,
                    shared::FOLDER
                ),
            ));
        };
        let folder = self
            .shared_folder
            .get_or_insert_with(|| {
                shared::folder_beside(self.src.file(), &self.src.path)
                    .or_else(|| self.suite_shared.clone().filter(|d| d.is_dir()))
            })
            .clone();
        let Some(folder) = folder else {
            return Err(self.err(
                u.name_at,
                format!(
                    "no `{0}` folder for `{1}`: shared steps are read from the `{0}` folder in the spec's folder or the nearest one above it, else from the suite's (`specs/{0}`)",
                    shared::FOLDER,
                    u.name
                ),
            ));
        };
        match shared::file_path(&folder, file) {
            Some(path) => Ok((folder, file.to_string(), def.to_string(), path)),
            None => Err(self.unknown(u, &folder, None)),
        }
    }

    /// An unknown name, with the likely one: among every shared step when the file is missing, else among the
    /// file's.
    fn unknown(&self, u: &Use, folder: &Path, in_file: Option<(&str, &[String])>) -> SpecError {
        let names: Vec<String> = match in_file {
            Some((file, defs)) => defs.iter().map(|d| format!("{file}/{d}")).collect(),
            None => shared::files(folder)
                .into_iter()
                .flat_map(|(file, path)| {
                    let defs = std::fs::read_to_string(&path)
                        .ok()
                        .and_then(|t| super::parse_yaml::<RawSharedFile>(&t).ok())
                        .map(|f| f.define.value.0.into_iter().map(|(d, _)| d).collect())
                        .unwrap_or_else(Vec::new);
                    defs.into_iter().map(move |d| format!("{file}/{d}"))
                })
                .collect(),
        };
        let what = match in_file {
            Some((file, _)) => format!(
                "unknown shared step `{}`: {}/{file}.yaml defines no `{}`",
                u.name,
                folder.display(),
                shared::split_name(&u.name).map_or("", |(_, d)| d)
            ),
            None => format!(
                "unknown shared step `{}`: there is no {}/{}.yaml",
                u.name,
                folder.display(),
                shared::split_name(&u.name).map_or("", |(f, _)| f)
            ),
        };
        let hint = match crate::spelling::closest(&u.name, names.iter().map(String::as_str)) {
            Some(n) => format!("; did you mean `{n}`?"),
            None if names.is_empty() => String::new(),
            None => format!(" (shared steps: {})", names.join(", ")),
        };
        self.err(u.name_at, format!("{what}{hint}"))
    }

    /// The text of a shared file, read once per spec.
    fn shared_source(&mut self, u: &Use, path: &Path) -> R<Arc<Source>> {
        if let Some(s) = self.shared_files.get(path) {
            return Ok(s.clone());
        }
        let cannot = |why: String| {
            self.err(
                u.name_at,
                format!("cannot read the shared steps `{}`: {why}", u.name),
            )
        };
        let bytes = crate::spec::read::read_bytes(path, path).map_err(|e| cannot(e.to_string()))?;
        let src = crate::spec::read::source_from_bytes(path.to_path_buf(), bytes).map_err(|e| {
            cannot(format!(
                "{}:{}:{} is not UTF-8",
                e.file.display(),
                e.loc.line,
                e.loc.col
            ))
        })?;
        let src = Arc::new(src);
        self.shared_files.insert(path.to_path_buf(), src.clone());
        Ok(src)
    }

    #[allow(clippy::too_many_arguments)]
    fn expand_definition(
        &mut self,
        u: &Use,
        source: &Source,
        folder: &Path,
        file: &str,
        def_name: &str,
        default_timeout: Option<Duration>,
        parent: Option<&Names>,
        step_at: Loc,
    ) -> R<(Vec<Step>, Vec<String>)> {
        let def = self.definition(u, source, folder, file, def_name)?;
        self.of_kind(u, &def, DefKind::Steps)?;
        let steps_at = self.loc(def.steps.as_ref().expect("of kind Steps"));
        let mut map = self.parameters(u, &def)?;
        let params: HashSet<String> = map.keys().cloned().collect();
        let (names, exported) = self.outputs(u, &def, parent)?;
        let def_steps = def.steps.expect("checked above").value;
        if def_steps.is_empty() {
            return Err(self.err(steps_at, "shared steps need at least one step"));
        }
        // What the definition's steps may use: parameters, their own captures so far, the target's variables and
        // the built-ins.
        let mut visible = self.visible_in(&map);
        let mut captured: HashSet<String> = HashSet::new();
        let mut steps = Vec::new();
        for item in def_steps {
            let at = self.loc(&item);
            let mut raw = item.value;
            if raw.use_.is_some() {
                self.only_visible(&mut raw, &item.referenced, &visible, &u.name)?;
                substitute::step(&mut Substitute(&map), &item.referenced, &mut raw);
                let (more, theirs) =
                    self.expand(at, raw, default_timeout, Some(&names), step_at)?;
                steps.extend(more);
                for n in theirs {
                    map.insert(n.clone(), Put::Rename(names.in_spec(&n)));
                    visible.insert(n.clone());
                    captured.insert(n);
                }
                continue;
            }
            self.not_a_use(&raw)?;
            for (c, spanned) in &raw.capture.0 {
                if params.contains(c) {
                    return Err(self.err(
                        self.loc(spanned),
                        format!("`{c}` is a parameter of `{}` and the name of a capture of its steps; rename one", u.name),
                    ));
                }
                map.insert(c.clone(), Put::Rename(names.in_spec(c)));
                visible.insert(c.clone());
                captured.insert(c.clone());
            }
            self.only_visible(&mut raw, &item.referenced, &visible, &u.name)?;
            substitute::step(&mut Substitute(&map), &item.referenced, &mut raw);
            for (c, _) in &mut raw.capture.0 {
                *c = names.in_spec(c);
            }
            let mut step = self.step(at, raw, default_timeout)?;
            step.loc = step_at;
            steps.push(step);
        }
        for o in &def.outputs {
            if !captured.contains(&o.value) {
                return Err(self.err(
                    self.loc(o),
                    format!(
                        "`{}` declares the output `{}`, but none of its steps captures it",
                        u.name, o.value
                    ),
                ));
            }
        }
        if u.setup {
            steps.iter_mut().for_each(|s| s.setup = true);
        }
        if let Some(n) = &u.step_name {
            match steps.as_mut_slice() {
                [one] => one.name = n.clone(),
                more => {
                    return Err(self.err(
                        u.at,
                        format!(
                            "`name` names the one step of a use, and `{}` has {} (their names are in its definition)",
                            u.name,
                            more.len()
                        ),
                    ))
                }
            }
        }
        Ok((steps, exported))
    }

    /// `version` of a shared file.
    fn shared_header(&self, raw: &RawSharedFile) -> R<()> {
        if raw.version.value != FORMAT_VERSION {
            return Err(self.err(
                self.loc(&raw.version),
                format!(
                    "spec format version {} is not supported; this harness reads version {FORMAT_VERSION}",
                    raw.version.value
                ),
            ));
        }
        for (name, def) in &raw.define.value.0 {
            if shared::split_name(&format!("f/{name}")).is_none() {
                return Err(self.err(
                    self.loc(def),
                    format!("`{name}` cannot be the name of shared steps (letters, digits, `_` and `-`)"),
                ));
            }
        }
        Ok(())
    }

    /// The value of each parameter: the use's, else the default (read at the use, where it may use the spec's
    /// variables and the parameters before it).
    pub(super) fn parameters(&self, u: &Use, def: &RawDefinition) -> R<HashMap<String, Put>> {
        let declared: Vec<&str> = def.params.0.iter().map(|(n, _)| n.as_str()).collect();
        for (name, at, value) in &u.with {
            if !declared.contains(&name.as_str()) {
                let hint = match crate::spelling::closest(name, declared.iter().copied()) {
                    Some(n) => format!("; did you mean `{n}`?"),
                    None if declared.is_empty() => " (it has none)".to_string(),
                    None => format!(" (its parameters: {})", declared.join(", ")),
                };
                return Err(self.err(*at, format!("`{}` has no parameter `{name}`{hint}", u.name)));
            }
            self.check_json_vars(value, *at)?;
        }
        let mut map = HashMap::new();
        for (name, p) in &def.params.0 {
            let at = self.loc(p);
            if !is_name(name) {
                return Err(self.err(
                    at,
                    format!("`{name}` is not a parameter name (letters, digits and `_`)"),
                ));
            }
            self.not_builtin(name, at)?;
            let value = match (u.with.iter().find(|(n, _, _)| n == name), &p.value.default) {
                (Some((_, _, v)), _) => v.clone(),
                (None, Some(d)) => {
                    let mut v = d.value.clone();
                    in_value(&mut v, Kind::Template, &map);
                    let mut refs = Vec::new();
                    crate::template::value_vars(&v, &mut refs)
                        .map_err(|e| self.err(self.loc(d), e))?;
                    if let Some((missing, _)) = refs.iter().find(|(n, _)| !self.defined.contains(n)) {
                        return Err(self.err(
                            u.name_at,
                            format!(
                                "the parameter `{name}` of `{}` is `${{{missing}}}` unless the use gives it, and `{missing}` is not defined here: give it with `with: {{{name}: ...}}`",
                                u.name
                            ),
                        ));
                    }
                    v
                }
                (None, None) => {
                    return Err(self.err(
                        u.name_at,
                        format!(
                            "`{}` needs the parameter `{name}`, which has no default: give it with `with: {{{name}: ...}}`",
                            u.name
                        ),
                    ))
                }
            };
            map.insert(name.clone(), Put::Param(value));
        }
        Ok(map)
    }

    /// The names the definition's outputs have in the spec, and in the scope of the use (after `as`).
    fn outputs(
        &self,
        u: &Use,
        def: &RawDefinition,
        parent: Option<&Names>,
    ) -> R<(Names, Vec<String>)> {
        let declared: Vec<&str> = def.outputs.iter().map(|o| o.value.as_str()).collect();
        for o in &def.outputs {
            if !is_name(&o.value) {
                return Err(self.err(
                    self.loc(o),
                    format!(
                        "`{}` is not a capture name (letters, digits and `_`)",
                        o.value
                    ),
                ));
            }
        }
        for (from, at, to) in &u.as_ {
            if !declared.contains(&from.as_str()) {
                let hint = match crate::spelling::closest(from, declared.iter().copied()) {
                    Some(n) => format!("; did you mean `{n}`?"),
                    None if declared.is_empty() => " (it has none)".to_string(),
                    None => format!(" (its outputs: {})", declared.join(", ")),
                };
                return Err(self.err(*at, format!("`{}` has no output `{from}`{hint}", u.name)));
            }
            if !is_name(to) {
                return Err(self.err(
                    *at,
                    format!("`{to}` is not a variable name (letters, digits and `_`)"),
                ));
            }
            self.not_builtin(to, *at)?;
        }
        let mut outputs = HashMap::new();
        let mut exported = Vec::new();
        for o in declared {
            let here = u
                .as_
                .iter()
                .find(|(from, _, _)| from == o)
                .map_or(o, |(_, _, to)| to.as_str());
            let name = in_spec(parent, here);
            if self.fixed.contains(&name) {
                return Err(self.err(
                    u.name_at,
                    format!(
                        "`{}` captures `{o}`, and `{name}` is a variable of the target or the spec: give the capture another name with `as: {{{o}: ...}}`",
                        u.name
                    ),
                ));
            }
            outputs.insert(o.to_string(), name);
            exported.push(here.to_string());
        }
        Ok((
            Names {
                outputs,
                origin: self.origin,
            },
            exported,
        ))
    }

    /// Every variable the definition's step uses is one it can see: shared steps do not reach into the spec.
    fn only_visible(
        &self,
        raw: &mut RawStep,
        start: &serde_saphyr::Location,
        visible: &HashSet<String>,
        name: &str,
    ) -> R<()> {
        let mut uses = Uses::default();
        substitute::step(&mut uses, start, raw);
        self.all_visible(uses, visible, name)
    }

    /// Every variable `uses` found is one shared steps or checks can see.
    pub(super) fn all_visible(&self, uses: Uses, visible: &HashSet<String>, name: &str) -> R<()> {
        for (l, var) in uses.0 {
            if visible.contains(&var) {
                continue;
            }
            let near = Loc::from_saphyr(&l).in_origin(self.origin);
            let at = self.find_from(near, &format!("${{{var}}}")).unwrap_or(near);
            return Err(self.err(
                at,
                format!("`${{{var}}}` is not a parameter of `{name}`, nor a capture of its steps, a variable of the target or a built-in: what is shared sees only these; make it a parameter"),
            ));
        }
        Ok(())
    }
}

/// How deeply shared steps may use shared steps.
const MAX_NESTING: usize = 16;

/// How many uses of shared steps one spec may expand to, those inside shared steps included: each use of a group
/// that uses another twice doubles them.
const MAX_USES: usize = 1000;

/// Checks a file of shared steps on its own: each definition is expanded as a use would, with each parameter that
/// has no default standing for itself. Gives the names of its definitions (`thread/create`, ...). A run checks only
/// the definitions its specs use; this checks them all, for an author's tools.
pub fn load_shared_file(path: &Path, globals: &HashSet<String>) -> Result<Vec<String>, SpecError> {
    let Some(folder) = shared::folder_for(path) else {
        return Err(SpecError::new(
            &Source::new(path, ""),
            Loc::default(),
            format!("{} is not in a `{}` folder", path.display(), shared::FOLDER),
        ));
    };
    let file = path
        .strip_prefix(&folder)
        .unwrap_or(path)
        .with_extension("")
        .to_string_lossy()
        .replace('\\', "/");
    let src = crate::spec::read::read_source(path, path.to_path_buf())
        .map_err(|e| SpecError::new(&Source::new(path, ""), Loc::default(), e.to_string()))?;
    let raw: RawSharedFile =
        super::parse_yaml(&src.text).map_err(|(l, m)| SpecError::new(&src, l, m))?;
    let mut names = Vec::new();
    for (def_name, def) in raw.define.value.0 {
        let at = Loc::from_saphyr(&def.referenced);
        let mut loader = Loader::new(&src, globals);
        // A parameter without a default stands for itself, and a default's variables are the use's to define.
        let mut with = Vec::new();
        for (p, spec) in &def.value.params.0 {
            loader.defined.insert(p.clone());
            match &spec.value.default {
                None => with.push((p.clone(), at, Value::String(format!("${{{p}}}")))),
                Some(d) => {
                    let mut refs = Vec::new();
                    let _ = crate::template::value_vars(&d.value, &mut refs);
                    loader.defined.extend(refs.into_iter().map(|(n, _)| n));
                }
            }
        }
        let name = format!("{file}/{def_name}");
        let u = Use {
            at,
            name: name.clone(),
            name_at: at,
            with,
            as_: Vec::new(),
            step_name: None,
            setup: false,
        };
        let out = loader.expand_checked(u, &folder, &file, &def_name);
        out.map_err(|mut e| {
            // The use is the definition itself: nothing to add.
            e.used_at.clear();
            e
        })?;
        names.push(name);
    }
    Ok(names)
}

impl Loader<'_> {
    /// `expand` for a use made up by `load_shared_file`.
    fn expand_checked(&mut self, u: Use, folder: &Path, file: &str, def: &str) -> R<()> {
        let Some(path) = shared::file_path(folder, file) else {
            return Err(self.err(
                u.at,
                format!("{file} is not a file of shared steps (a .yaml file)"),
            ));
        };
        self.shared_folder = Some(Some(folder.to_path_buf()));
        let source = self.shared_source(&u, &path)?;
        self.origins.push(Origin {
            source: source.clone(),
            used_at: u.at,
        });
        self.origin = self.origins.len() as u32;
        self.expanding.push(u.name.clone());
        let at = u.at;
        let d = self.definition(&u, &source, folder, file, def)?;
        match DefKind::of(&d) {
            DefKind::Checks => self.checks_of(&u, d).map(|_| ()),
            DefKind::Request => self.shared_request(&u, d).map(|_| ()),
            DefKind::Steps => self
                .expand_definition(&u, &source, folder, file, def, None, None, at)
                .map(|_| ()),
        }
    }
}

/// A shared file as YAML, parsed once per process for each path and text: every spec that uses it reads the same.
fn parsed(source: &Source) -> Result<Arc<RawSharedFile>, (Loc, String)> {
    type Cache = std::collections::HashMap<(PathBuf, String), Arc<RawSharedFile>>;
    static PARSED: std::sync::LazyLock<std::sync::Mutex<Cache>> =
        std::sync::LazyLock::new(Default::default);
    let key = (source.path.clone(), source.text.clone());
    if let Some(f) = PARSED.lock().unwrap_or_else(|p| p.into_inner()).get(&key) {
        return Ok(f.clone());
    }
    let raw: RawSharedFile = super::parse_yaml(&source.text)?;
    let raw = Arc::new(raw);
    PARSED
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(key, raw.clone());
    Ok(raw)
}
