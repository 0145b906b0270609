//! `expect.status`: one code, a list of them, or `{code, level}`.

use serde_saphyr::Spanned;

use super::{Loader, R};
use crate::spec::expect::http::StatusCheck;
use crate::spec::expect::Level;
use crate::spec::raw::RawStatus;

impl Loader<'_> {
    pub(super) fn status(&self, s: Spanned<RawStatus>) -> R<StatusCheck> {
        if let Some(bad) = s.value.codes.iter().find(|c| !(100..=599).contains(*c)) {
            return Err(self.err(self.loc(&s), format!("{bad} is not an HTTP status code")));
        }
        if s.value.codes.is_empty() {
            return Err(self.err(self.loc(&s), "`status` needs at least one code"));
        }
        let level = match &s.value.level {
            None => Level::Must,
            Some(l) => Level::parse(l).ok_or_else(|| {
                self.err(
                    self.loc(&s),
                    format!("`level` is must or should, not `{l}`"),
                )
            })?,
        };
        Ok(StatusCheck {
            loc: self.loc(&s),
            any_of: s.value.codes,
            level,
        })
    }
}
