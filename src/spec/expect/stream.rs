//! Expectations on an event stream: the names in order (`sequence`, `subsequence`, `first`, `last`), names that must
//! not come (`never`), counts, the data and ids of chosen events, and where a stream that does not end is read to
//! (`until`).
//!
//! Some servers close a stream with an extra `end` event. A trailing `end` is not part of the sequence the spec
//! describes; `end_event` says whether it must, may or must not be there.

use super::json::JsonCheck;
use super::names::{NamePattern, SeqPattern};
use super::numbers::Bound;
use super::Level;
use crate::source::Loc;
use crate::template::Template;

/// `stream:`, the expectations on the events of a streamed answer.
#[derive(Debug, Clone)]
pub struct StreamChecks {
    pub loc: Loc,
    pub sequence: Option<(Loc, SeqPattern)>,
    pub subsequence: Option<(Loc, Vec<NamePattern>)>,
    pub first: Option<(Loc, NamePattern)>,
    pub last: Option<(Loc, NamePattern)>,
    pub never: Vec<(Loc, NamePattern)>,
    pub count: Vec<(Loc, NamePattern, Bound)>,
    pub events: Vec<EventCheck>,
    pub end_event: EndEvent,
    /// The level of every check here but `events`, which have their own.
    pub level: Level,
    /// `ids:` over every event (a trailing `end` aside).
    pub ids: Option<(Loc, IdRule)>,
    /// The event after which the stream is read no further, for streams that do not end by themselves.
    pub until: Option<Until>,
}

impl StreamChecks {
    /// No expectation at all: what a stream the spec asks nothing of is read with (so captures still work).
    pub fn none() -> StreamChecks {
        StreamChecks {
            loc: Loc::default(),
            sequence: None,
            subsequence: None,
            first: None,
            last: None,
            never: vec![],
            count: vec![],
            events: vec![],
            end_event: EndEvent::Optional,
            level: Level::Must,
            ids: None,
            until: None,
        }
    }
}

/// An event that ends the read: its name, and checks its data must pass to count.
#[derive(Debug, Clone)]
pub struct Until {
    pub pattern: NamePattern,
    pub data: Vec<JsonCheck>,
}

/// `end_event:` whether a trailing `end` event must (`required`), may (`optional`) or must not (`forbidden`) come.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndEvent {
    Optional,
    Required,
    Forbidden,
}

/// An item of `events`: the data (and id) of the events with a name.
#[derive(Debug, Clone)]
pub struct EventCheck {
    pub loc: Loc,
    pub pattern: NamePattern,
    pub which: Which,
    pub data: Vec<JsonCheck>,
    pub level: Level,
    pub id: Option<IdCheck>,
}

/// `which:` of an item of `events`: every matching event is checked, or only the first or the last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    Every,
    First,
    Last,
}

/// `ids:` over a stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdRule {
    Present,
    Absent,
    /// Present, and each greater than the one before (equal ids would make resumption ambiguous).
    Increasing,
}

impl IdRule {
    pub fn parse(s: &str) -> Option<IdRule> {
        Some(match s {
            "present" => IdRule::Present,
            "absent" => IdRule::Absent,
            "increasing" => IdRule::Increasing,
            _ => return None,
        })
    }
}

/// `id:` of an item of `events`: the event's own id equals a value, or comes after one.
#[derive(Debug, Clone)]
pub struct IdCheck {
    pub loc: Loc,
    pub equals: Option<Template>,
    pub after: Option<Template>,
}
