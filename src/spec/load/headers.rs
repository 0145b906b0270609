//! `expect.headers`: a mapping from header names to their predicates.

use serde_saphyr::Spanned;

use super::{Loader, R};
use crate::source::Loc;
use crate::spec::expect::http::{HeaderCheck, HeaderPred};
use crate::spec::headers::check_name;
use crate::spec::raw::{OrderedMap, RawHeaderCheck};

/// Reads one predicate of a header check, when the check gives it.
type ReadPred = fn(&Loader<'_>, &RawHeaderCheck) -> R<Option<(Loc, HeaderPred)>>;

/// The predicates of a header check, in the order the loader reads them and messages list them. `RawHeaderCheck`
/// has a field for each and `specs/spec.schema.json` a property (`tests/predicates.rs`, beside this file, holds both to
/// this list).
const PREDICATES: [(&str, ReadPred); 9] = [
    ("equals", |l, h| {
        h.equals
            .as_ref()
            .map(|e| Ok((l.loc(e), HeaderPred::Equals(l.template(e)?))))
            .transpose()
    }),
    ("matches", |l, h| {
        h.matches
            .as_ref()
            .map(|m| Ok((l.loc(m), HeaderPred::Matches(l.pattern(m)?))))
            .transpose()
    }),
    ("contains", |l, h| {
        h.contains
            .as_ref()
            .map(|c| Ok((l.loc(c), HeaderPred::Contains(l.template(c)?))))
            .transpose()
    }),
    ("present", |l, h| {
        Ok(h.present
            .as_ref()
            .map(|p| (l.loc(p), HeaderPred::Present(p.value))))
    }),
    ("absent", |l, h| {
        Ok(h.absent
            .as_ref()
            .map(|a| (l.loc(a), HeaderPred::Present(!a.value))))
    }),
    ("gt", |l, h| l.header_comparison("gt", &h.gt)),
    ("ge", |l, h| l.header_comparison("ge", &h.ge)),
    ("lt", |l, h| l.header_comparison("lt", &h.lt)),
    ("le", |l, h| l.header_comparison("le", &h.le)),
];

/// The predicate keys of a header check, in the order the loader reads them and its messages list them.
pub const HEADER_PRED_KEYS: [&str; 9] = {
    let mut keys = [""; 9];
    let mut i = 0;
    while i < keys.len() {
        keys[i] = PREDICATES[i].0;
        i += 1;
    }
    keys
};

impl Loader<'_> {
    pub(super) fn header_checks(
        &self,
        raw: OrderedMap<Spanned<RawHeaderCheck>>,
    ) -> R<Vec<HeaderCheck>> {
        let mut headers: Vec<HeaderCheck> = Vec::new();
        for (name, h) in raw.0 {
            let at = self.loc(&h);
            check_name(&name).map_err(|e| self.err(at, e))?;
            if let Some(first) = headers.iter().find(|c| c.name == name.to_ascii_lowercase()) {
                return Err(self.err(
                    at,
                    format!(
                        "header `{name}` is checked twice (header names ignore case; the first is on line {}): put all its checks in one mapping",
                        first.loc.line
                    ),
                ));
            }
            headers.push(self.header_check(name, at, h.value)?);
        }
        Ok(headers)
    }

    fn header_check(&self, name: String, at: Loc, h: RawHeaderCheck) -> R<HeaderCheck> {
        let mut preds = Vec::new();
        for (_, read) in PREDICATES {
            preds.extend(read(self, &h)?);
        }
        if preds.is_empty() {
            return Err(self.err(
                at,
                format!(
                    "header `{name}`: give at least one of {}",
                    HEADER_PRED_KEYS.join(", ")
                ),
            ));
        }
        Ok(HeaderCheck {
            loc: at,
            name: name.to_ascii_lowercase(),
            preds,
            level: self.level(&h.level)?,
        })
    }

    fn header_comparison(
        &self,
        key: &str,
        v: &Option<Spanned<serde_json::Value>>,
    ) -> R<Option<(Loc, HeaderPred)>> {
        let Some(v) = v else { return Ok(None) };
        let (cmp, operand) = self.comparison(key, v)?;
        Ok(Some((self.loc(v), HeaderPred::Compare(cmp, operand))))
    }
}
