//! `expect.body`, an event's `data` and an `until`'s `data`: JSON checks, each a `path` and its predicates.
//!
//! Each predicate has one reader here, in `PREDICATES`; adding one means a reader, a field of `RawJsonCheck`, a
//! variant of `Pred` with its function in `check::json`, and a property in `specs/spec.schema.json`.

use serde_json::Value;
use serde_saphyr::Spanned;

use super::{Loader, R};
use crate::format::Format;
use crate::source::Loc;
use crate::spec::expect::json::{JsonCheck, JsonType, Pred};
use crate::spec::expect::schema::SchemaCheck;
use crate::spec::raw::{RawBound, RawJsonCheck};

/// Reads one predicate of a JSON check, when the check gives it. `every` and `not` take their part of the check.
type ReadPred = fn(&Loader<'_>, &mut RawJsonCheck) -> R<Option<(Loc, Pred)>>;

/// The predicates of a JSON check, in the order the loader reads them (and so reports their failures) and messages
/// list them. `RawJsonCheck` has a field for each and `specs/spec.schema.json` a property: `tests/predicates.rs`,
/// beside this file, holds both to this list.
const PREDICATES: [(&str, ReadPred); 17] = [
    ("exists", |l, c| {
        Ok(c.exists.as_ref().map(|e| (l.loc(e), Pred::Exists(e.value))))
    }),
    ("absent", |l, c| {
        Ok(c.absent
            .as_ref()
            .map(|a| (l.loc(a), Pred::Exists(!a.value))))
    }),
    ("equals", |l, c| l.json_value(&c.equals, Pred::Equals)),
    ("type", |l, c| l.type_pred(c)),
    ("matches", |l, c| {
        c.matches
            .as_ref()
            .map(|m| Ok((l.loc(m), Pred::Matches(l.pattern(m)?))))
            .transpose()
    }),
    ("format", |l, c| l.format_pred(c)),
    ("length", |l, c| {
        l.bound_pred("length", &c.length, Pred::Length)
    }),
    ("count", |l, c| l.bound_pred("count", &c.count, Pred::Count)),
    ("contains", |l, c| l.json_value(&c.contains, Pred::Contains)),
    ("one_of", |l, c| {
        let Some(o) = &c.one_of else { return Ok(None) };
        l.check_json_vars(&Value::Array(o.value.clone()), l.loc(o))?;
        Ok(Some((l.loc(o), Pred::OneOf(o.value.clone()))))
    }),
    ("gt", |l, c| l.json_comparison("gt", &c.gt)),
    ("ge", |l, c| l.json_comparison("ge", &c.ge)),
    ("lt", |l, c| l.json_comparison("lt", &c.lt)),
    ("le", |l, c| l.json_comparison("le", &c.le)),
    ("every", |l, c| l.every(c)),
    ("not", |l, c| l.not(c)),
    ("schema", |l, c| {
        let Some(s) = &c.schema else { return Ok(None) };
        let check = SchemaCheck::from_spec(&s.value).map_err(|e| l.err(l.loc(s), e))?;
        Ok(Some((l.loc(s), Pred::Schema(check))))
    }),
];

/// The predicate keys of a JSON check, in the order the loader reads them and its messages list them.
pub const PRED_KEYS: [&str; 17] = {
    let mut keys = [""; 17];
    let mut i = 0;
    while i < keys.len() {
        keys[i] = PREDICATES[i].0;
        i += 1;
    }
    keys
};

/// "exists, absent, ... or schema", for messages.
fn pred_keys_text() -> String {
    let (last, rest) = PRED_KEYS.split_last().expect("predicates");
    format!("{} or {last}", rest.join(", "))
}

impl Loader<'_> {
    pub(super) fn json_check(&self, raw: Spanned<RawJsonCheck>) -> R<JsonCheck> {
        let at = self.loc(&raw);
        let c = raw.value;
        let Some(raw_path) = &c.path else {
            return Err(self.err(
                at,
                "a check needs a `path` (a JSONPath such as `$.thread_id`)",
            ));
        };
        let (path_loc, path_text) = (self.loc(raw_path), raw_path.value.clone());
        let path = self.check_path(raw_path)?;
        let level = self.level(&c.level)?;
        let preds = self.preds(c)?;
        if preds.is_empty() {
            return Err(self.err(
                at,
                format!(
                    "`{path_text}` has nothing to check: give {}",
                    pred_keys_text()
                ),
            ));
        }
        Ok(JsonCheck {
            loc: path_loc,
            path,
            preds,
            level,
        })
    }

    /// The predicates of a check (or of a `not` inside one), in the order of `PREDICATES`.
    fn preds(&self, mut c: RawJsonCheck) -> R<Vec<(Loc, Pred)>> {
        let mut preds = Vec::new();
        for (_, read) in PREDICATES {
            preds.extend(read(self, &mut c)?);
        }
        Ok(preds)
    }

    /// `equals` or `contains`: a JSON value, whose strings may use variables.
    fn json_value(
        &self,
        raw: &Option<Spanned<Value>>,
        pred: fn(Value) -> Pred,
    ) -> R<Option<(Loc, Pred)>> {
        let Some(v) = raw else { return Ok(None) };
        self.check_json_vars(&v.value, self.loc(v))?;
        Ok(Some((self.loc(v), pred(v.value.clone()))))
    }

    /// `type: string` or `type: [string, null]`.
    fn type_pred(&self, c: &RawJsonCheck) -> R<Option<(Loc, Pred)>> {
        let Some(t) = &c.type_ else { return Ok(None) };
        let mut types = Vec::new();
        for name in &t.value.0 {
            let name = &name.0;
            types.push(JsonType::parse(name).ok_or_else(|| {
                self.err(
                    self.loc(t),
                    format!("unknown type `{name}`; the types are {}", JsonType::NAMES),
                )
            })?);
        }
        Ok(Some((self.loc(t), Pred::Type(types))))
    }

    fn format_pred(&self, c: &RawJsonCheck) -> R<Option<(Loc, Pred)>> {
        let Some(f) = &c.format else { return Ok(None) };
        let format = Format::parse(&f.value).ok_or_else(|| {
            self.err(
                self.loc(f),
                format!(
                    "unknown format `{}`; the formats are {}",
                    f.value,
                    Format::NAMES
                ),
            )
        })?;
        Ok(Some((self.loc(f), Pred::Format(format))))
    }

    /// `length` or `count`.
    fn bound_pred(
        &self,
        key: &str,
        raw: &Option<Spanned<RawBound>>,
        pred: fn(crate::spec::expect::numbers::BoundSpec) -> Pred,
    ) -> R<Option<(Loc, Pred)>> {
        let Some(b) = raw else { return Ok(None) };
        Ok(Some((self.loc(b), pred(self.bound(key, b)?))))
    }

    fn json_comparison(&self, key: &str, v: &Option<Spanned<Value>>) -> R<Option<(Loc, Pred)>> {
        let Some(v) = v else { return Ok(None) };
        let (cmp, operand) = self.comparison(key, v)?;
        Ok(Some((self.loc(v), Pred::Compare(cmp, operand))))
    }

    /// `every`: checks of their own paths, on each selected node.
    fn every(&self, c: &mut RawJsonCheck) -> R<Option<(Loc, Pred)>> {
        let Some(every) = c.every.take() else {
            return Ok(None);
        };
        let at_every = self.loc(&every);
        if every.value.is_empty() {
            return Err(self.err(at_every, "`every` needs at least one check"));
        }
        let inner = every
            .value
            .into_iter()
            .map(|c| self.json_check(c))
            .collect::<R<Vec<_>>>()?;
        Ok(Some((at_every, Pred::Every(inner))))
    }

    /// `not`: predicates of the check's own path, which must not all hold.
    fn not(&self, c: &mut RawJsonCheck) -> R<Option<(Loc, Pred)>> {
        let Some(not) = c.not.take() else {
            return Ok(None);
        };
        let at_not = self.loc(&not);
        let inner = *not.value;
        if let Some(p) = &inner.path {
            return Err(self.err(
                self.loc(p),
                "`not` takes predicates of the check's own path; it cannot have a `path` (write a separate check)",
            ));
        }
        if let Some(l) = &inner.level {
            return Err(self.err(
                self.loc(l),
                "`level` goes on the check, beside `path`, not inside `not`",
            ));
        }
        let inner = self.preds(inner)?;
        if inner.is_empty() {
            return Err(self.err(
                at_not,
                format!("`not` has nothing to negate: give {}", pred_keys_text()),
            ));
        }
        Ok(Some((at_not, Pred::Not(inner))))
    }
}
