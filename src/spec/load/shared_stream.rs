//! `stream: {use: ...}`: checks of an event stream shared between steps (shared checks that check the stream alone),
//! with the step's own stream checks.
//!
//! ```yaml
//! stream:
//!   use: stream/one_metadata         # `checks` of the definition `one_metadata` of _shared/stream.yaml
//!   with: {run_id: '${run_id}'}      # its parameters
//!   sequence: [metadata, values+]    # the step's own checks of the stream
//! ```
//!
//! Merged as if written out in the one `stream` mapping: the lists (`never`, `count`, `events`) hold the shared
//! checks' items, then the step's; a key that takes one value (`sequence`, `subsequence`, `first`, `last`,
//! `end_event`, `ids`, `until`, `level`) is given by one or the other, and an event name is counted by one or the
//! other. `level` is the whole mapping's, the shared checks included, as for checks written there.

use serde_saphyr::Spanned;

use super::uses::{DefKind, Use};
use super::{Loader, R};
use crate::source::Loc;
use crate::spec::expect::stream::StreamChecks;
use crate::spec::raw::{RawDefinition, RawStream};

/// The shared checks of a stream, and whether they set the mapping's `level` and `end_event`.
struct Shared {
    checks: StreamChecks,
    level: bool,
    end_event: bool,
}

impl Loader<'_> {
    /// A step's `stream` mapping: the checks of the shared stream checks it uses, if any, then its own.
    pub(super) fn stream_of(&mut self, raw: Spanned<RawStream>) -> R<StreamChecks> {
        let at = self.loc(&raw);
        let mut raw = raw.value;
        let Some(name) = raw.use_.take() else {
            self.no_with(&raw.with, DefKind::Checks)?;
            return self.stream(at, raw);
        };
        let with = raw.with.take();
        let (name, theirs) = self.using(name, with, DefKind::Checks, |l, u, def| {
            l.shared_stream(u, def)
        })?;
        self.given_once(&name, &theirs, &raw)?;
        let own = self.stream(at, raw)?;
        self.counted_once(&name, &theirs.checks, &own)?;
        Ok(merge(theirs, own))
    }

    /// The stream checks of a definition of shared checks that check the stream alone.
    fn shared_stream(&mut self, u: &Use, def: RawDefinition) -> R<Shared> {
        let raw = &def
            .checks
            .as_ref()
            .expect("a definition of kind Checks")
            .value;
        let other = [
            ("status", raw.status.is_some()),
            ("headers", !raw.headers.0.is_empty()),
            ("body", !raw.body.is_empty()),
            ("use", raw.use_.is_some()),
        ]
        .into_iter()
        .find_map(|(k, given)| given.then_some(k));
        let stream = match (&raw.stream, other) {
            (Some(s), None) => &s.value,
            (_, other) => {
                return Err(self.err(
                    u.name_at,
                    format!(
                        "`{0}` checks {1}: a `stream` mapping uses shared checks of the stream alone (use `{0}` in the step's `expect`)",
                        u.name,
                        other.map_or("no stream".to_string(), |k| format!("more than the stream (`{k}`)"))
                    ),
                ))
            }
        };
        let (level, end_event) = (stream.level.is_some(), stream.end_event.is_some());
        let checks = self.checks_of(u, def)?;
        Ok(Shared {
            checks: checks.stream.expect("checks of a stream"),
            level,
            end_event,
        })
    }

    /// A key that takes one value is not given by both the shared checks and the step.
    fn given_once(&self, name: &str, theirs: &Shared, own: &RawStream) -> R<()> {
        let t = &theirs.checks;
        let loc = |s: &Option<Spanned<String>>| s.as_ref().map(|s| self.loc(s));
        let both: [(&str, bool, Option<Loc>); 8] = [
            (
                "sequence",
                t.sequence.is_some(),
                own.sequence.as_ref().map(|s| self.loc(s)),
            ),
            (
                "subsequence",
                t.subsequence.is_some(),
                own.subsequence.as_ref().map(|s| self.loc(s)),
            ),
            ("first", t.first.is_some(), loc(&own.first)),
            ("last", t.last.is_some(), loc(&own.last)),
            ("ids", t.ids.is_some(), loc(&own.ids)),
            (
                "until",
                t.until.is_some(),
                own.until.as_ref().map(|u| self.loc(u)),
            ),
            ("end_event", theirs.end_event, loc(&own.end_event)),
            ("level", theirs.level, loc(&own.level)),
        ];
        match both.into_iter().find_map(|(k, theirs, own)| own.filter(|_| theirs).map(|l| (k, l))) {
            Some((key, at)) => Err(self.err(
                at,
                format!("`{name}` gives the stream's `{key}` already: give it in the shared checks or in the step, not both"),
            )),
            None => Ok(()),
        }
    }

    /// An event name is counted by the shared checks or by the step, not both.
    fn counted_once(&self, name: &str, theirs: &StreamChecks, own: &StreamChecks) -> R<()> {
        for (at, pattern, _) in &own.count {
            if theirs
                .count
                .iter()
                .any(|(_, p, _)| p.to_string() == pattern.to_string())
            {
                return Err(self.err(
                    *at,
                    format!("`{name}` counts `{pattern}` events already: count them in the shared checks or in the step, not both"),
                ));
            }
        }
        Ok(())
    }
}

/// The shared checks and the step's own, as one mapping (see the module's doc).
fn merge(theirs: Shared, own: StreamChecks) -> StreamChecks {
    let Shared {
        checks: t,
        level,
        end_event,
    } = theirs;
    let mut never = t.never;
    never.extend(own.never);
    let mut count = t.count;
    count.extend(own.count);
    let mut events = t.events;
    events.extend(own.events);
    StreamChecks {
        loc: own.loc,
        sequence: t.sequence.or(own.sequence),
        subsequence: t.subsequence.or(own.subsequence),
        first: t.first.or(own.first),
        last: t.last.or(own.last),
        never,
        count,
        events,
        // Set by one or the other (`given_once`): the shared checks' if they set it.
        end_event: if end_event {
            t.end_event
        } else {
            own.end_event
        },
        level: if level { t.level } else { own.level },
        ids: t.ids.or(own.ids),
        until: t.until.or(own.until),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::expect::names::NamePattern;
    use crate::spec::expect::stream::EndEvent;
    use crate::spec::expect::Level;

    fn named(n: &str) -> (Loc, NamePattern) {
        (Loc::default(), NamePattern::parse(n).unwrap())
    }

    #[test]
    fn lists_hold_the_shared_items_first_and_single_keys_come_from_either() {
        let mut t = StreamChecks::none();
        t.first = Some(named("metadata"));
        t.never = vec![named("error")];
        let mut own = StreamChecks::none();
        own.last = Some(named("values"));
        own.never = vec![named("debug")];
        own.level = Level::Should;
        own.end_event = EndEvent::Forbidden;
        let shared = Shared {
            checks: t,
            level: false,
            end_event: false,
        };
        let m = merge(shared, own);
        let never: Vec<String> = m.never.iter().map(|(_, p)| p.to_string()).collect();
        assert_eq!(never, ["error", "debug"]);
        assert_eq!(
            m.first.map(|(_, p)| p.to_string()).as_deref(),
            Some("metadata")
        );
        assert_eq!(
            m.last.map(|(_, p)| p.to_string()).as_deref(),
            Some("values")
        );
        assert_eq!(m.level, Level::Should);
        assert_eq!(m.end_event, EndEvent::Forbidden);
    }
}
