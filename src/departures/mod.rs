//! The comparison engine of the differential mode: where a target's answer to one step departs from the reference
//! server's answer to the same request, as data.
//!
//! A spec's own expectations say what the API promises; this module says, beyond them, where a target answers
//! otherwise than the reference did, in what a client can see. It compares *forms*, not values:
//!
//! - the status; when it differs nothing else of the step is compared (the rest answers another outcome);
//! - the headers a client reads (`location`, `content-location`, `content-type`, `x-pagination-total`,
//!   `x-pagination-next`, `cache-control`): present or absent, and their shape with ids masked
//!   (`/threads/<id>/runs/<id>`, a media type without its parameters, "integer", the sorted cache directives);
//! - a JSON body's structure: keys the reference has and the target lacks (`missing`), keys the target adds
//!   (`extra`, an addition, listed after the departures), value types (`type`), null against not null (`null`), and
//!   array lengths (`length`, see below). Strings, numbers and booleans are never compared by value: ids, times and
//!   whatever the target's graph answers are the target's to choose.
//! - an event stream (parsed with `crate::sse`): the event names of each stream mode in order (the mode is the name
//!   up to the first `|`; a subgraph namespace `node:<task id>` keeps its node and masks the task id), end markers
//!   the other side lacks (an `end` event, `[DONE]` data, or a data-less `event:` block after the last event), and
//!   each event's data compared as a JSON body is (`event-data`), the n-th event of a name with the n-th of the same
//!   name. How the modes interleave is not compared: servers interleave them differently under load.
//!
//! Masked, never a departure: ids in object keys, event names and header paths (UUIDs, 32-hex ids); a key that is
//! a variable's target value where the reference has the same variable's reference value (`Options::variables`:
//! graph id, node name...); a value equal to a variable's target value where the reference's equals its reference
//! value (the chat input echoed in `kwargs.input`); whatever lies under a step's `varies` paths; and what a client
//! tolerates on the wire: CRLF or LF, `data:` split over lines, `id:` lines, comments, key order, header-name case,
//! chunked or not, the charset.
//!
//! Array lengths are compared everywhere except (1) the list a search returns (the top-level array, or the arrays
//! directly under a top-level object as in `{"items": [...]}`, of `POST …/search` and `POST /store/namespaces`):
//! what a search finds depends on what else the deployment holds (other graphs' system assistants, other clients'
//! threads), not on the API, so `x-pagination-next`'s presence is not compared there either; (2) with
//! `same_graph: false`, the list `…/history` returns (one checkpoint per superstep of the graph); and (3) the paths
//! the caller lists in `Options::unstable_lengths`. Lists scoped to one resource the spec made (a thread's runs, an
//! assistant's versions, a batch) are stable. Elements are compared pair by pair up to the shorter length; the
//! entries of a map keyed by ids (`interrupts`, `messages/metadata`) are paired by their shape, not their order.
//!
//! Graph state: with `same_graph: false` (the target serves another graph than the recorded one), nothing under
//! the keys `values`, `input`, `result`, `writes`, `next`, `tasks`, `interrupts`, `__interrupt__` is compared
//! (their presence still is), nor the bodies of `/wait`, `/join`, `cancel?wait=true` and the assistant's graph
//! drawing and schemas, nor the data of `values`, `updates`, `custom`, `messages*` and `events` events; and the
//! events of each mode but `metadata` are compared by presence, not count.
//!
//! Work is bounded: at most `MAX_DEPTH` levels of nesting, `BUDGET` values visited per step, and
//! `Options::max_departures` departures kept (then one `more` departure says how many were left out).

mod body;
mod headers;
mod json;
mod mask;
mod stream;
#[cfg(test)]
mod tests;

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::fixture::{Exchange, Recording};

/// How deep into a JSON document the comparison goes; deeper nesting is not compared.
pub const MAX_DEPTH: usize = 64;

/// How many JSON values (both sides' pairs), events and keys one step's comparison visits at most.
pub const BUDGET: usize = 200_000;

/// The largest answer the differential mode keeps to compare (a step over it is noted, not compared): a run keeps
/// each step's last answer until its spec ends, so this bounds what a spec holds.
pub const MAX_KEPT_BODY: usize = 8 * 1024 * 1024;

/// Departures kept per step unless `Options::max_departures` says otherwise.
pub const MAX_DEPARTURES: usize = 50;

/// One place where the target's answer departs from the reference's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Departure {
    /// The step, numbered as the recording numbers it (from 1, through the steps and then the clean-up).
    pub step: usize,
    /// Where: `status`, `header content-location`, `body`, `$.config.configurable`, `events of mode updates`,
    /// `after the last event`, `event 3 (values) $.messages[0].type`.
    pub r#where: String,
    /// What kind of departure.
    pub kind: Kind,
    /// What the reference had there, in words (`200`, `/threads/<id>/runs/<id>`, `object`, `absent`, `2 items`).
    pub reference: String,
    /// What the target had there, in the same words.
    pub target: String,
}

/// What kind of departure; serialised in kebab-case (`event-data`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// Another status code.
    Status,
    /// A header a client reads is absent, present, or of another form.
    Header,
    /// A key of the reference's JSON body is absent from the target's.
    Missing,
    /// A value of another JSON type, or a body of another form (JSON, text, event stream, empty).
    Type,
    /// Null on one side, not null on the other.
    Null,
    /// An array (or a map keyed by ids) with another number of entries.
    Length,
    /// A key the target adds: an addition rather than a departure, listed after the others.
    Extra,
    /// Another sequence of events in one stream mode, or another end of stream.
    Events,
    /// Inside one event's data: a missing key, another type, null, or another length.
    EventData,
    /// The note that ends a list cut at `Options::max_departures`: how many more there were.
    More,
}

impl Kind {
    /// The serialised name.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Status => "status",
            Kind::Header => "header",
            Kind::Missing => "missing",
            Kind::Type => "type",
            Kind::Null => "null",
            Kind::Length => "length",
            Kind::Extra => "extra",
            Kind::Events => "events",
            Kind::EventData => "event-data",
            Kind::More => "more",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Departure {
    /// Whether this is an addition (a key the target adds) rather than a departure proper.
    pub fn is_addition(&self) -> bool {
        self.kind == Kind::Extra
    }

    /// One line: `where: reference X, target Y` (the note of a cut list: `where: Y`).
    pub fn line(&self) -> String {
        if self.kind == Kind::More {
            return format!("{}: {}", self.r#where, self.target);
        }
        format!(
            "{}: reference {}, target {}",
            self.r#where, self.reference, self.target
        )
    }
}

impl fmt::Display for Departure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.line())
    }
}

/// A spec variable (`graph_id`, `node`, `chat_input`...) with the value the reference run used and the value the
/// target run used: what the target built from its own value is not a departure.
#[derive(Debug, Clone, PartialEq)]
pub struct Variable {
    pub name: String,
    pub reference: Value,
    pub target: Value,
}

impl Variable {
    /// The variables both maps have (the reference's target file and built-ins, the target's), with both values;
    /// those with the same value on both sides are left out, as they mask nothing.
    pub fn pair(reference: &Map<String, Value>, target: &Map<String, Value>) -> Vec<Variable> {
        reference
            .iter()
            .filter_map(|(name, r)| {
                let t = target.get(name)?;
                (r != t).then(|| Variable {
                    name: name.clone(),
                    reference: r.clone(),
                    target: t.clone(),
                })
            })
            .collect()
    }
}

/// Whether an event (name, data) is the one a step reads its stream `until`.
pub type Until<'a> = &'a dyn Fn(&str, &str) -> bool;

/// What the caller knows about one step.
pub struct Options<'a> {
    /// Whether the target serves the graph the reference was recorded with; when not, graph state is not compared
    /// (see the module documentation).
    pub same_graph: bool,
    /// Variable values of both runs, for masking (see `Variable::pair`).
    pub variables: &'a [Variable],
    /// The step's `varies` paths (singular JSONPaths; `$` for the whole body, stream included): nothing under them
    /// is compared, though whether the place exists still is. In an event stream, a path other than `$` applies to
    /// each event's data. A path this module cannot read is ignored.
    pub varies: Vec<String>,
    /// Paths of arrays whose length is not stable, beyond the search lists (see the module documentation): `$`,
    /// `.name`, `['name']`, `[n]`, `[-n]`, `.*`, `[*]` steps, applied to JSON bodies and to each event's data.
    pub unstable_lengths: Vec<String>,
    /// The step read its stream `until` an event (name, data) said it was done: both streams are compared up to
    /// their first event that says so, and what followed (which depends on timing) is not compared.
    pub until: Option<Until<'a>>,
    /// Departures kept per step before the rest are counted in one `more` note.
    pub max_departures: usize,
}

impl Default for Options<'_> {
    fn default() -> Self {
        Options {
            same_graph: true,
            variables: &[],
            varies: Vec::new(),
            unstable_lengths: Vec::new(),
            until: None,
            max_departures: MAX_DEPARTURES,
        }
    }
}

impl fmt::Debug for Options<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Options")
            .field("same_graph", &self.same_graph)
            .field("variables", &self.variables)
            .field("varies", &self.varies)
            .field("unstable_lengths", &self.unstable_lengths)
            .field("until", &self.until.map(|_| "fn"))
            .field("max_departures", &self.max_departures)
            .finish()
    }
}

/// The departures of the target's answer to step `step` from the reference's answer to the same request: the
/// departures proper first, then the additions, then (when the list was cut) one `more` note.
pub fn compare(
    step: usize,
    reference: &Exchange,
    target: &Exchange,
    options: &Options<'_>,
) -> Vec<Departure> {
    let mut sink = Sink::new(step, options.max_departures);
    if reference.status != target.status {
        sink.push(
            Kind::Status,
            "status".into(),
            reference.status.to_string(),
            target.status.to_string(),
        );
        return sink.finish();
    }
    let rules = Rules::new(options);
    let route = body::Route::of(reference);
    headers::compare(&mut sink, reference, target, &route);
    if !rules.varies_all {
        body::compare(&mut sink, &rules, &route, reference, target);
    }
    sink.finish()
}

/// The departures of a whole spec: each step's last attempt (a retried step is recorded once per attempt, and the
/// last is the one that counted) in the reference against the same step's last attempt in the target, with the
/// options `options(step)` gives. A step only one side answered is a `status` departure (`no answer`).
pub fn compare_recordings<'o>(
    reference: &Recording,
    target: &Recording,
    options: impl Fn(usize) -> Options<'o>,
) -> Vec<Departure> {
    let (r, t) = (
        last_attempts(&reference.exchanges),
        last_attempts(&target.exchanges),
    );
    let mut steps: Vec<usize> = r.iter().map(|e| e.step).collect();
    for e in &t {
        if !steps.contains(&e.step) {
            steps.push(e.step);
        }
    }
    fn find<'e>(list: &[&'e Exchange], step: usize) -> Option<&'e Exchange> {
        list.iter().copied().find(|e| e.step == step)
    }
    let mut out = Vec::new();
    for step in steps {
        match (find(&r, step), find(&t, step)) {
            (Some(a), Some(b)) => out.extend(compare(step, a, b, &options(step))),
            (a, b) => {
                let said = |e: Option<&Exchange>| {
                    e.map_or_else(|| "no answer".to_string(), |e| e.status.to_string())
                };
                out.push(Departure {
                    step,
                    r#where: "status".into(),
                    kind: Kind::Status,
                    reference: said(a),
                    target: said(b),
                });
            }
        }
    }
    out
}

/// Each step's last exchange, in order.
pub fn last_attempts(exchanges: &[Exchange]) -> Vec<&Exchange> {
    exchanges
        .iter()
        .enumerate()
        .filter(|(i, e)| exchanges.get(i + 1).is_none_or(|next| next.step != e.step))
        .map(|(_, e)| e)
        .collect()
}

/// The options with their paths read once.
struct Rules<'a> {
    same_graph: bool,
    variables: &'a [Variable],
    varies_all: bool,
    varies: Vec<Vec<mask::Pat>>,
    unstable: Vec<Vec<mask::Pat>>,
    until: Option<Until<'a>>,
}

impl<'a> Rules<'a> {
    fn new(o: &Options<'a>) -> Self {
        let varies: Vec<_> = o
            .varies
            .iter()
            .filter_map(|p| mask::parse_pattern(p))
            .collect();
        Rules {
            same_graph: o.same_graph,
            variables: o.variables,
            varies_all: varies.iter().any(|p| p.is_empty()),
            varies,
            unstable: o
                .unstable_lengths
                .iter()
                .filter_map(|p| mask::parse_pattern(p))
                .collect(),
            until: o.until,
        }
    }
}

/// Where departures go: departures proper and additions kept apart, each up to the cap, the rest counted; and the
/// work budget of the step.
struct Sink {
    step: usize,
    cap: usize,
    proper: Vec<Departure>,
    additions: Vec<Departure>,
    left_out: usize,
    budget: usize,
    exhausted: bool,
}

impl Sink {
    fn new(step: usize, cap: usize) -> Self {
        Sink {
            step,
            cap,
            proper: Vec::new(),
            additions: Vec::new(),
            left_out: 0,
            budget: BUDGET,
            exhausted: false,
        }
    }

    fn push(&mut self, kind: Kind, r#where: String, reference: String, target: String) {
        let list = if kind == Kind::Extra {
            &mut self.additions
        } else {
            &mut self.proper
        };
        if list.len() >= self.cap {
            self.left_out += 1;
            return;
        }
        list.push(Departure {
            step: self.step,
            r#where,
            kind,
            reference,
            target,
        });
    }

    /// Whether the list is already full for this kind: the caller may skip building the texts.
    fn full(&self, kind: Kind) -> bool {
        let len = if kind == Kind::Extra {
            self.additions.len()
        } else {
            self.proper.len()
        };
        len >= self.cap
    }

    /// Spends one unit of work; false once the budget is spent (the comparison then stops where it is).
    fn tick(&mut self) -> bool {
        if self.budget == 0 {
            self.exhausted = true;
            return false;
        }
        self.budget -= 1;
        true
    }

    fn finish(self) -> Vec<Departure> {
        let Sink {
            step,
            cap,
            mut proper,
            additions,
            mut left_out,
            exhausted,
            ..
        } = self;
        // Departures first; additions fill what room is left.
        let room = cap.saturating_sub(proper.len());
        left_out += additions.len().saturating_sub(room);
        proper.extend(additions.into_iter().take(room));
        if left_out > 0 || exhausted {
            let mut note = format!("{left_out} more not listed");
            if exhausted {
                note.push_str(&format!(
                    "; the comparison stopped after {BUDGET} values, so there may be more"
                ));
            }
            proper.push(Departure {
                step,
                r#where: "more departures".into(),
                kind: Kind::More,
                reference: String::new(),
                target: note,
            });
        }
        proper
    }
}
