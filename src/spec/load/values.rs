//! What several elements of a spec hold: strings with `${variables}` (each must be defined where it is used),
//! regexes, JSONPaths, event names, durations, levels, and the numbers and bounds of comparisons.

use std::sync::Arc;
use std::time::Duration;

use regex::Regex;
use serde_json::Value;
use serde_saphyr::Spanned;

use super::{Loader, R};
use crate::jsonpath::Path;
use crate::source::{Loc, SpecError};
use crate::spec::duration::parse_duration;
use crate::spec::expect::json::CheckPath;
use crate::spec::expect::names::NamePattern;
use crate::spec::expect::numbers::{BoundSpec, Cmp, Num, Operand};
use crate::spec::expect::Level;
use crate::spec::raw::{RawBound, RawCount};
use crate::template::{value_vars, Pattern, Template, Vars};

impl Loader<'_> {
    pub(super) fn not_builtin(&self, name: &str, at: Loc) -> R<()> {
        if crate::spec::builtins::NAMES.contains(&name) {
            return Err(self.err(
                at,
                format!("`{name}` is a built-in variable (a fresh value for each run of the spec); choose another name"),
            ));
        }
        Ok(())
    }

    pub(super) fn require_var(&self, name: &str, near: Loc) -> R<()> {
        if self.defined.contains(name) {
            return Ok(());
        }
        let at = self
            .find_from(near, &format!("${{{name}}}"))
            .unwrap_or(near);
        let mut known: Vec<&str> = self.defined.iter().map(String::as_str).collect();
        known.sort_unstable();
        Err(self.err(
            at,
            format!(
                "variable `{name}` is not defined here (defined: {}); a step can use captures of earlier steps only",
                if known.is_empty() { "none".to_string() } else { known.join(", ") }
            ),
        ))
    }

    /// Every variable in the strings of a JSON value is defined.
    pub(super) fn check_json_vars(&self, v: &Value, at: Loc) -> R<()> {
        let mut names = Vec::new();
        value_vars(v, &mut names).map_err(|e| self.err(at, e))?;
        for (name, _) in names {
            self.require_var(&name, at)?;
        }
        Ok(())
    }

    pub(super) fn template(&self, s: &Spanned<String>) -> R<Template> {
        let t = Template::parse(&s.value).map_err(|e| self.err(self.loc(s), e))?;
        for v in t.vars() {
            self.require_var(v, self.loc(s))?;
        }
        Ok(t)
    }

    /// A regex in an expectation, which may use variables (matched literally).
    pub(super) fn pattern(&self, s: &Spanned<String>) -> R<Pattern> {
        let p = Pattern::parse(&s.value).map_err(|e| self.err(self.loc(s), e))?;
        if let Pattern::Template(t) = &p {
            for v in t.vars() {
                self.require_var(v, self.loc(s))?;
            }
        }
        Ok(p)
    }

    pub(super) fn regex(&self, s: &Spanned<String>) -> R<Arc<Regex>> {
        crate::regexes::compile(&s.value)
            .map_err(|e| self.err(self.loc(s), crate::regexes::regex_message(&e.to_string())))
    }

    pub(super) fn path(&self, s: &Spanned<String>) -> R<Path> {
        Path::parse(&s.value).map_err(|e| self.path_err(s, e))
    }

    /// A JSONPath error, pointing at the regex pattern inside the path when that is what is wrong.
    fn path_err(&self, s: &Spanned<String>, e: crate::jsonpath::PathError) -> SpecError {
        let at = Path::invalid_pattern(&s.value)
            .and_then(|p| self.find_from(self.loc(s), &p))
            .unwrap_or(self.loc(s));
        self.err(at, e)
    }

    /// A check's path may hold variables; its syntax is checked now with a placeholder in each.
    pub(super) fn check_path(&self, s: &Spanned<String>) -> R<CheckPath> {
        let t = self.template(s)?;
        if !t.has_vars() {
            return Ok(CheckPath::Fixed(self.path(s)?));
        }
        let mut placeholders = Vars::new();
        for v in t.vars() {
            placeholders.insert(v.to_string(), Value::String("x".into()));
        }
        let probe = t
            .render_string(&placeholders)
            .map_err(|e| self.err(self.loc(s), e))?;
        Path::parse(&probe).map_err(|e| self.path_err(s, e))?;
        Ok(CheckPath::Template(t))
    }

    pub(super) fn name_pattern(&self, s: &Spanned<String>) -> R<NamePattern> {
        NamePattern::parse(&s.value).map_err(|e| self.err(self.loc(s), e))
    }

    pub(super) fn duration(&self, s: &Spanned<String>) -> R<Duration> {
        parse_duration(&s.value).map_err(|e| self.err(self.loc(s), e))
    }

    pub(super) fn level(&self, raw: &Option<Spanned<String>>) -> R<Level> {
        match raw {
            None => Ok(Level::Must),
            Some(l) => Level::parse(&l.value).ok_or_else(|| {
                self.err(
                    self.loc(l),
                    format!("`level` is must or should, not `{}`", l.value),
                )
            }),
        }
    }

    /// `gt: 3` or `ge: '${before}'`.
    pub(super) fn comparison(&self, key: &str, v: &Spanned<Value>) -> R<(Cmp, Operand)> {
        let cmp = Cmp::ALL
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, c)| *c)
            .expect("a comparison key");
        let operand = Operand::from_value(key, &v.value).map_err(|e| self.err(self.loc(v), e))?;
        for name in operand.vars() {
            self.require_var(name, self.loc(v))?;
        }
        Ok((cmp, operand))
    }

    /// The bound of `length` or `count`, whose ends may be variables.
    pub(super) fn bound(&self, key: &str, b: &Spanned<RawBound>) -> R<BoundSpec> {
        let end = |c: &Option<RawCount>| -> R<Option<Operand>> {
            let Some(c) = c else { return Ok(None) };
            let operand = match c {
                RawCount::Number(n) => Operand::Fixed(Num::Int((*n).into())),
                RawCount::Text(t) => Operand::from_value(key, &Value::String(t.clone()))
                    .map_err(|e| self.err(self.loc(b), e))?,
            };
            for name in operand.vars() {
                self.require_var(name, self.loc(b))?;
            }
            Ok(Some(operand))
        };
        if let (Some(RawCount::Number(min)), Some(RawCount::Number(max))) =
            (&b.value.min, &b.value.max)
        {
            if min > max {
                return Err(self.err(
                    self.loc(b),
                    format!("`min` ({min}) is more than `max` ({max}): no {key} can pass"),
                ));
            }
        }
        Ok(BoundSpec {
            min: end(&b.value.min)?,
            max: end(&b.value.max)?,
        })
    }
}
