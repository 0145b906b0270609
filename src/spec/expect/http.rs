//! Expectations on the status line and the headers.

use crate::source::Loc;
use crate::template::{Pattern, Template};

use super::numbers::{Cmp, Operand};
use super::Level;

/// `status:`, the codes any one of which passes.
#[derive(Debug, Clone)]
pub struct StatusCheck {
    pub loc: Loc,
    pub any_of: Vec<u16>,
    pub level: Level,
}

impl StatusCheck {
    pub fn holds(&self, status: u16) -> bool {
        self.any_of.contains(&status)
    }
}

/// An entry of `headers:`: the predicates on one header.
#[derive(Debug, Clone)]
pub struct HeaderCheck {
    pub loc: Loc,
    /// Lower-cased.
    pub name: String,
    pub preds: Vec<(Loc, HeaderPred)>,
    pub level: Level,
}

#[derive(Debug, Clone)]
pub enum HeaderPred {
    Present(bool),
    Equals(Template),
    Matches(Pattern),
    Contains(Template),
    /// The value read as a number (`x-pagination-total`), compared.
    Compare(Cmp, Operand),
}
