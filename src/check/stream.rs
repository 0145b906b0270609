//! Expectations on an event stream, checked one event at a time as the events arrive.
//!
//! Whatever can be decided early is (a wrong name in an exact sequence, a forbidden event, a count already too high,
//! bad data in a checked event), so a failure shows while the server is still streaming. The rest is decided when the
//! stream ends. Memory stays bounded: only names are kept (up to a cap, see `seen`), and data only for `which: last`
//! checks.
//!
//! A trailing `end` event is held back until the stream ends or another event follows (see `end_event`).

use serde_json::Value;

use super::ids::IdTracker;
use super::seen::{short_name, Seen};
use super::{Failure, Level};
use crate::spec::expect::names::SeqMatcher;
use crate::spec::expect::stream::{EndEvent, EventCheck, StreamChecks, Until, Which};
use crate::template::Vars;
use crate::text::preview;

/// What a stream's checks have seen so far, fed one event at a time.
pub struct StreamState<'a> {
    checks: &'a StreamChecks,
    seq: Option<SeqMatcher<'a>>,
    subseq_next: usize,
    counts: Vec<u64>,
    matched: Vec<u64>,
    last_data: Vec<Option<(usize, String, Option<String>)>>,
    seen: Seen,
    ids: IdTracker,
    last_name: Option<String>,
    /// An `end` event held back until we know whether another event follows it.
    pending_end: Option<(String, Option<String>)>,
}

impl Until {
    pub fn reached(&self, name: &str, data: &str, vars: &Vars) -> bool {
        if !self.pattern.matches(name) {
            return false;
        }
        if self.data.is_empty() {
            return true;
        }
        serde_json::from_str::<Value>(data).is_ok_and(|doc| {
            self.data
                .iter()
                .all(|c| c.check(&doc, vars, "the event").is_empty())
        })
    }
}

impl<'a> StreamState<'a> {
    pub fn new(checks: &'a StreamChecks) -> Self {
        StreamState {
            checks,
            seq: checks.sequence.as_ref().map(|(_, p)| p.matcher()),
            subseq_next: 0,
            counts: vec![0; checks.count.len()],
            matched: vec![0; checks.events.len()],
            last_data: vec![None; checks.events.len()],
            seen: Seen::default(),
            ids: IdTracker::default(),
            last_name: None,
            pending_end: None,
        }
    }

    /// Takes the next event, with its own id; an error is a failure that no later event can undo.
    pub fn on_event(
        &mut self,
        name: &str,
        data: &str,
        id: Option<&str>,
        vars: &Vars,
    ) -> Result<(), Failure> {
        if let Some((end_data, end_id)) = self.pending_end.take() {
            self.accept("end", &end_data, end_id.as_deref(), vars)?;
        }
        if name == "end" {
            self.pending_end = Some((data.to_string(), id.map(str::to_string)));
            return Ok(());
        }
        self.accept(name, data, id, vars)
    }

    fn accept(
        &mut self,
        name: &str,
        data: &str,
        id: Option<&str>,
        vars: &Vars,
    ) -> Result<(), Failure> {
        self.seen.push(name);
        // Every check sees the event, and it counts as the last, even when one check fails (a `should` failure
        // does not end the read, so what follows must still be right): the first failure is the answer.
        let mut first_failure: Result<(), Failure> = Ok(());
        let mut keep = |r: Result<(), Failure>| {
            if first_failure.is_ok() {
                first_failure = r;
            }
        };
        let n = self.seen.total();
        keep(self.decide_early(n, name, data, id));
        keep(self.count(name));
        for (i, ec) in self.checks.events.iter().enumerate() {
            if !ec.pattern.matches(name) {
                continue;
            }
            self.matched[i] += 1;
            let checked = match ec.which {
                Which::Every => check_data(ec, n, name, data, id, vars),
                Which::First if self.matched[i] == 1 => check_data(ec, n, name, data, id, vars),
                Which::First => Ok(()),
                Which::Last => {
                    self.last_data[i] = Some((n, data.to_string(), id.map(str::to_string)));
                    Ok(())
                }
            };
            keep(checked);
        }
        self.last_name = Some(name.to_string());
        first_failure
    }

    /// Event #`n` against `first`, `ids`, `never` and `sequence` (each fails the moment a wrong event comes), and its
    /// step in `subsequence`.
    fn decide_early(
        &mut self,
        n: usize,
        name: &str,
        data: &str,
        id: Option<&str>,
    ) -> Result<(), Failure> {
        let c = self.checks;
        let shown = short_name(name);
        // Each check sees the event even when one before it failed (at `should` level the read goes on, and the
        // sequence must still be fed): the first failure is the answer.
        let mut first = Ok(());
        let mut keep = |r: Result<(), Failure>| {
            if first.is_ok() {
                first = r;
            }
        };
        if let (1, Some((loc, p))) = (n, &c.first) {
            if !p.matches(name) {
                keep(Err(Failure::new(
                    *loc,
                    format!("the first event is `{shown}`, expected `{p}`"),
                )
                .at_level(c.level)
                .with_note(format!("its data: {}", preview(data, 300)))));
            }
        }
        if let Some((loc, rule)) = &c.ids {
            keep(
                self.ids
                    .feed(*rule, n, name, id)
                    .map_err(|e| Failure::new(*loc, e.to_string()).at_level(c.level)),
            );
        }
        if let Some((loc, _)) = c.never.iter().find(|(_, p)| p.matches(name)) {
            keep(Err(Failure::new(
                *loc,
                format!("event #{n} is `{shown}`, which must not occur"),
            )
            .at_level(c.level)
            .with_note(format!("its data: {}", preview(data, 1000)))));
        }
        if let Some(m) = &mut self.seq {
            if !m.feed(name) {
                let (loc, pat) = c.sequence.as_ref().expect("matcher implies a sequence");
                keep(Err(Failure::new(
                    *loc,
                    format!("event #{n} `{shown}` does not fit the expected sequence"),
                )
                .at_level(c.level)
                .with_diff(self.seen.diff_against(&pat.written))
                .with_note(format!("its data: {}", preview(data, 300)))));
            }
        }
        if let Some((_, items)) = &c.subsequence {
            if items.get(self.subseq_next).is_some_and(|p| p.matches(name)) {
                self.subseq_next += 1;
            }
        }
        first
    }

    /// Counts the event; a count past its maximum cannot come back.
    fn count(&mut self, name: &str) -> Result<(), Failure> {
        let c = self.checks;
        for (i, (loc, p, bound)) in c.count.iter().enumerate() {
            if p.matches(name) {
                self.counts[i] += 1;
                if bound.max.is_some_and(|max| self.counts[i] > max) {
                    return Err(Failure::new(
                        *loc,
                        format!(
                            "more than {} `{p}` events, expected {bound}",
                            bound.max.unwrap_or(0)
                        ),
                    )
                    .at_level(c.level));
                }
            }
        }
        Ok(())
    }

    /// The stream ended normally: decide what could only be decided at the end.
    pub fn finish(mut self, vars: &Vars) -> Vec<Failure> {
        let c = self.checks;
        let mut out = self.ends();
        out.extend(self.incomplete_order());
        out.extend(self.counts_under());
        // Everything above is about names: the stream's level. Event data has the level of its check.
        out.iter_mut().for_each(|f| f.level = c.level);
        for (i, ec) in c.events.iter().enumerate() {
            if self.matched[i] == 0 {
                out.push(
                    Failure::new(
                        ec.loc,
                        format!(
                            "no `{}` event came, so its data could not be checked",
                            ec.pattern
                        ),
                    )
                    .at_level(ec.level)
                    .with_note(self.received()),
                );
            } else if let Some((n, data, id)) = self.last_data[i].take() {
                let name = ec.pattern.to_string();
                if let Err(f) = check_data(ec, n, &name, &data, id.as_deref(), vars) {
                    out.push(f);
                }
            }
        }
        out
    }

    /// `end_event`, `first` when nothing came, and `last`.
    fn ends(&self) -> Vec<Failure> {
        let c = self.checks;
        let mut out = Vec::new();
        match (c.end_event, self.pending_end.is_some()) {
            (EndEvent::Required, false) => out.push(Failure::new(
                c.loc,
                "the stream ended without a final `end` event",
            )),
            (EndEvent::Forbidden, true) => out.push(Failure::new(
                c.loc,
                "the stream ended with an `end` event, which this spec forbids",
            )),
            _ => {}
        }
        if let (0, Some((loc, p))) = (self.seen.total(), &c.first) {
            out.push(Failure::new(
                *loc,
                format!("the stream had no events, expected `{p}` first"),
            ));
        }
        if let Some((loc, p)) = &c.last {
            match &self.last_name {
                Some(name) if p.matches(name) => {}
                Some(name) => out.push(
                    Failure::new(
                        *loc,
                        format!("the last event is `{}`, expected `{p}`", short_name(name)),
                    )
                    .with_note(self.received()),
                ),
                None => out.push(Failure::new(
                    *loc,
                    format!("the stream had no events, expected `{p}` last"),
                )),
            }
        }
        out
    }

    /// A `sequence` or `subsequence` the stream ended in the middle of.
    fn incomplete_order(&self) -> Vec<Failure> {
        let c = self.checks;
        let mut out = Vec::new();
        if let (Some((loc, pat)), Some(m)) = (&c.sequence, &self.seq) {
            if !m.accepts() {
                out.push(
                    Failure::new(*loc, format!("the stream ended after {} event(s), before the expected sequence was complete", self.seen.total()))
                        .with_diff(self.seen.diff_against(&pat.written)),
                );
            }
        }
        if let Some((loc, items)) = &c.subsequence {
            if self.subseq_next < items.len() {
                let want: Vec<String> = items.iter().map(|p| p.to_string()).collect();
                out.push(
                    Failure::new(
                        *loc,
                        format!(
                            "`{}` (item {} of the subsequence) never came in order",
                            items[self.subseq_next],
                            self.subseq_next + 1
                        ),
                    )
                    .with_diff(self.seen.diff_against(&want)),
                );
            }
        }
        out
    }

    /// Counts below their minimum (those over their maximum failed as the event came).
    fn counts_under(&self) -> Vec<Failure> {
        let c = self.checks;
        c.count
            .iter()
            .zip(&self.counts)
            .filter(|((_, _, bound), n)| !bound.contains(**n))
            .map(|((loc, p, bound), n)| {
                Failure::new(*loc, format!("{n} `{p}` event(s), expected {bound}"))
                    .with_note(self.received())
            })
            .collect()
    }

    pub fn checks(&self) -> &'a StreamChecks {
        self.checks
    }

    /// A line that lists what arrived, for messages about stalls and missing events.
    pub fn received(&self) -> String {
        self.seen.received()
    }

    /// The number the next event will have (an `end` held back counts: it came).
    pub fn next_number(&self) -> usize {
        self.seen.total() + 1 + usize::from(self.pending_end.is_some())
    }
}

fn check_data(
    ec: &EventCheck,
    n: usize,
    name: &str,
    data: &str,
    id: Option<&str>,
    vars: &Vars,
) -> Result<(), Failure> {
    if let Some(ic) = &ec.id {
        ic.check(n, name, id, vars).map_err(|e| {
            Failure::new(ic.loc, e.to_string())
                .at_level(ec.level)
                .with_note(format!("data: {}", preview(data, 300)))
        })?;
    }
    if ec.data.is_empty() {
        return Ok(());
    }
    let subject = format!("the data of event #{n} `{}`", short_name(name));
    let value: Value = serde_json::from_str(data).map_err(|e| {
        Failure::new(ec.loc, format!("{subject} is not JSON ({e})"))
            .at_level(ec.level)
            .with_note(format!("data: {}", preview(data, 500)))
    })?;
    match ec
        .data
        .iter()
        .flat_map(|c| c.check_shown(&value, vars, &subject))
        .next()
    {
        None => Ok(()),
        // A data check of its own level `should` stays one inside a `must` event check.
        Some(f) if ec.level == Level::Should => Err(f
            .at_level(Level::Should)
            .with_note(format!("data: {}", preview(data, 1500)))),
        Some(f) => Err(f.with_note(format!("data: {}", preview(data, 1500)))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jsonpath::Path;
    use crate::source::Loc;
    use crate::spec::expect::json::{JsonCheck, JsonType, Pred};
    use crate::spec::expect::names::{NamePattern, SeqPattern};
    use crate::spec::expect::numbers::Bound;
    use crate::spec::expect::schema::SchemaCheck;
    use crate::spec::expect::stream::{IdCheck, IdRule};

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn empty() -> StreamChecks {
        StreamChecks {
            loc: Loc::new(1, 1),
            ..StreamChecks::none()
        }
    }

    fn np(s: &str) -> NamePattern {
        NamePattern::parse(s).unwrap()
    }

    /// Feeds events; returns the index of the event that failed early, or the failures found at the end.
    fn run(c: &StreamChecks, events: &[(&str, &str)]) -> Result<Vec<Failure>, (usize, Failure)> {
        let vars = Vars::new();
        let mut s = StreamState::new(c);
        for (i, (n, d)) in events.iter().enumerate() {
            s.on_event(n, d, None, &vars).map_err(|f| (i, f))?;
        }
        Ok(s.finish(&vars))
    }

    const META: (&str, &str) = ("metadata", r#"{"run_id":"r","attempt":1}"#);
    const UPD: (&str, &str) = ("updates", r#"{"agent":{"messages":[]}}"#);

    #[test]
    fn sequence_fails_on_the_wrong_event_with_a_diff() {
        let mut c = empty();
        c.sequence = Some((
            Loc::new(5, 17),
            SeqPattern::parse(&names(&["metadata", "updates"])).unwrap(),
        ));
        assert!(run(&c, &[META, UPD]).unwrap().is_empty());
        let (i, f) = run(&c, &[META, ("values", "{}"), UPD]).unwrap_err();
        assert_eq!(i, 1);
        assert_eq!(f.loc, Loc::new(5, 17));
        let d = f.diff.unwrap();
        assert!(d.contains("-updates") && d.contains("+values"), "{d}");
        let f = run(&c, &[META]).unwrap();
        assert!(
            f[0].message
                .contains("before the expected sequence was complete"),
            "{f:?}"
        );
    }

    #[test]
    fn a_trailing_end_event_is_not_part_of_the_sequence() {
        let mut c = empty();
        c.sequence = Some((
            Loc::new(1, 1),
            SeqPattern::parse(&names(&["metadata", "updates"])).unwrap(),
        ));
        c.last = Some((Loc::new(1, 1), np("updates")));
        assert!(run(&c, &[META, UPD, ("end", "")]).unwrap().is_empty());
        c.end_event = EndEvent::Required;
        assert_eq!(run(&c, &[META, UPD]).unwrap().len(), 1);
        c.end_event = EndEvent::Forbidden;
        assert_eq!(run(&c, &[META, UPD, ("end", "")]).unwrap().len(), 1);
        // An `end` that is not last is an ordinary event.
        c.end_event = EndEvent::Optional;
        assert!(run(&c, &[META, ("end", ""), UPD]).is_err());
    }

    #[test]
    fn first_last_never() {
        let mut c = empty();
        c.first = Some((Loc::new(1, 1), np("metadata")));
        assert!(run(&c, &[META]).unwrap().is_empty());
        assert_eq!(run(&c, &[UPD, META]).unwrap_err().0, 0);
        assert_eq!(run(&c, &[]).unwrap().len(), 1);
        let mut c = empty();
        c.last = Some((Loc::new(1, 1), np("values")));
        assert!(run(&c, &[META, ("values", "{}")]).unwrap().is_empty());
        assert!(run(&c, &[META, UPD]).unwrap()[0]
            .message
            .contains("the last event is `updates`"));
        let mut c = empty();
        c.never = vec![(Loc::new(1, 1), np("error"))];
        let (i, f) = run(&c, &[META, ("error", r#"{"error":"ValueError"}"#), UPD]).unwrap_err();
        assert_eq!(i, 1);
        assert!(f.notes[0].contains("ValueError"));
    }

    #[test]
    fn subsequence_allows_gaps_but_keeps_order() {
        let mut c = empty();
        c.subsequence = Some((Loc::new(1, 1), vec![np("metadata"), np("values")]));
        assert!(run(&c, &[META, ("debug", "{}"), ("values", "{}")])
            .unwrap()
            .is_empty());
        assert_eq!(run(&c, &[("values", "{}"), META]).unwrap().len(), 1);
    }

    #[test]
    fn counts_fail_early_when_over_and_late_when_under() {
        let mut c = empty();
        c.count = vec![(
            Loc::new(1, 1),
            np("updates"),
            Bound {
                min: Some(1),
                max: Some(1),
            },
        )];
        assert!(run(&c, &[META, UPD]).unwrap().is_empty());
        assert_eq!(run(&c, &[META, UPD, UPD, META]).unwrap_err().0, 2);
        assert!(run(&c, &[META]).unwrap()[0]
            .message
            .starts_with("0 `updates` event(s)"));
    }

    #[test]
    fn event_data_checks() {
        let check = JsonCheck {
            loc: Loc::new(9, 9),
            path: Path::parse("$.run_id").unwrap().into(),
            preds: vec![(Loc::new(9, 12), Pred::Type(vec![JsonType::String]))],
            level: Level::Must,
        };
        let ec = |which| EventCheck {
            loc: Loc::new(8, 7),
            pattern: np("metadata"),
            which,
            data: vec![check.clone()],
            level: Level::Must,
            id: None,
        };
        let mut c = empty();
        c.events = vec![ec(Which::Every)];
        assert!(run(&c, &[META, UPD]).unwrap().is_empty());
        let (i, f) = run(&c, &[("metadata", r#"{"run_id":5}"#)]).unwrap_err();
        assert_eq!((i, f.loc), (0, Loc::new(9, 12)));
        assert!(f.message.contains("event #1 `metadata`"), "{}", f.message);
        assert!(run(&c, &[("metadata", "not json")])
            .unwrap_err()
            .1
            .message
            .contains("is not JSON"));
        assert!(run(&c, &[UPD]).unwrap()[0]
            .message
            .contains("no `metadata` event came"));
        c.events = vec![ec(Which::First)];
        assert!(run(&c, &[META, ("metadata", "{}")]).unwrap().is_empty());
        c.events = vec![ec(Which::Last)];
        assert_eq!(run(&c, &[META, ("metadata", "{}")]).unwrap().len(), 1);
    }

    #[test]
    fn ids_over_the_stream_and_of_one_event() {
        let mut c = empty();
        c.ids = Some((Loc::new(4, 14), IdRule::Increasing));
        let vars = Vars::new();
        let feed = |c: &StreamChecks, events: &[(&str, Option<&str>)]| {
            let mut s = StreamState::new(c);
            for (i, (n, id)) in events.iter().enumerate() {
                s.on_event(n, "{}", *id, &vars).map_err(|f| (i, f))?;
            }
            Ok::<_, (usize, Failure)>(s.finish(&vars))
        };
        assert!(feed(
            &c,
            &[
                ("metadata", Some("9")),
                ("values", Some("10")),
                ("end", None)
            ]
        )
        .is_ok());
        let (i, f) = feed(&c, &[("metadata", Some("1-0")), ("values", Some("1-0"))]).unwrap_err();
        assert_eq!((i, f.loc), (1, Loc::new(4, 14)));
        c.ids = None;
        c.events = vec![EventCheck {
            loc: Loc::new(5, 7),
            pattern: np("values"),
            which: Which::Last,
            data: vec![],
            level: Level::Must,
            id: Some(IdCheck {
                loc: Loc::new(6, 9),
                equals: Some(crate::template::Template::parse("2").unwrap()),
                after: None,
            }),
        }];
        assert!(feed(&c, &[("values", Some("1")), ("values", Some("2"))])
            .unwrap()
            .is_empty());
        let f = feed(&c, &[("values", Some("2")), ("values", Some("3"))]).unwrap();
        assert_eq!(
            f[0].message,
            "event #2 `values` has id \"3\", expected \"2\""
        );
    }

    #[test]
    fn event_data_is_checked_against_a_schema() {
        let schema =
            SchemaCheck::from_spec(&serde_json::json!({"type": "object", "required": ["run_id"]}))
                .unwrap();
        let mut c = empty();
        c.events = vec![EventCheck {
            loc: Loc::new(8, 7),
            pattern: np("metadata"),
            which: Which::Every,
            data: vec![JsonCheck {
                loc: Loc::new(9, 9),
                path: Path::parse("$").unwrap().into(),
                preds: vec![(Loc::new(9, 20), Pred::Schema(schema))],
                level: Level::Must,
            }],
            level: Level::Must,
            id: None,
        }];
        assert!(run(&c, &[META, UPD]).unwrap().is_empty());
        let (i, f) = run(&c, &[("metadata", r#"{"attempt":1}"#)]).unwrap_err();
        assert_eq!((i, f.loc), (0, Loc::new(9, 20)));
        assert!(
            f.message.starts_with("`$` in the data of event #1 `metadata` does not match the inline schema: at the top level, \"run_id\" is a required property"),
            "{}",
            f.message
        );
    }

    #[test]
    fn received_summarises_long_streams() {
        let c = empty();
        let mut s = StreamState::new(&c);
        for _ in 0..100 {
            s.on_event("values", "{}", None, &Vars::new()).unwrap();
        }
        assert!(s.received().ends_with("… and 60 more"), "{}", s.received());
    }
}
