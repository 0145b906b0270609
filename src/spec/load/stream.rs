//! `expect.stream`: event names in order, names that must not come, counts, the data and ids of chosen events, the
//! end of the stream and where to stop reading one that does not end. Also what ties the stream to the request: an
//! expected event the requested stream modes never send is refused.

use serde_saphyr::Spanned;

use super::{Loader, R};
use crate::source::Loc;
use crate::spec::event_names;
use crate::spec::expect::names::{NamePattern, SeqPattern};
use crate::spec::expect::numbers::Bound;
use crate::spec::expect::stream::{
    EndEvent, EventCheck, IdCheck, IdRule, StreamChecks, Until, Which,
};
use crate::spec::raw::{OrderedMap, RawEventCheck, RawIdCheck, RawStream, RawUntil};
use crate::spec::{Body, Capture, CaptureFrom, RequestTemplate};

impl Loader<'_> {
    pub(super) fn stream(&self, at: Loc, raw: RawStream) -> R<StreamChecks> {
        let sequence = raw.sequence.map(|s| self.sequence(s)).transpose()?;
        let subsequence = raw.subsequence.map(|s| self.subsequence(s)).transpose()?;
        let first = raw
            .first
            .as_ref()
            .map(|f| self.located_name(f))
            .transpose()?;
        let last = raw
            .last
            .as_ref()
            .map(|f| self.located_name(f))
            .transpose()?;
        let never = raw
            .never
            .iter()
            .map(|n| {
                let p =
                    NamePattern::parse_forbidden(&n.value).map_err(|e| self.err(self.loc(n), e))?;
                Ok((self.loc(n), p))
            })
            .collect::<R<Vec<_>>>()?;
        let count = self.counts(raw.count)?;
        let events = raw
            .events
            .into_iter()
            .map(|e| self.event_check(self.loc(&e), e.value))
            .collect::<R<Vec<_>>>()?;
        let end_event = self.end_event(&raw.end_event)?;
        let ids = raw.ids.as_ref().map(|i| self.id_rule(i)).transpose()?;
        let until = raw.until.map(|u| self.until(u)).transpose()?;
        Ok(StreamChecks {
            ids,
            until,
            loc: at,
            sequence,
            subsequence,
            first,
            last,
            never,
            count,
            events,
            end_event,
            level: self.level(&raw.level)?,
        })
    }

    fn sequence(&self, s: Spanned<Vec<Spanned<String>>>) -> R<(Loc, SeqPattern)> {
        let items: Vec<String> = s.value.iter().map(|i| i.value.clone()).collect();
        let pat =
            SeqPattern::parse(&items).map_err(|e| self.err(self.loc(&s.value[e.index()]), e))?;
        Ok((self.loc(&s), pat))
    }

    fn subsequence(&self, s: Spanned<Vec<Spanned<String>>>) -> R<(Loc, Vec<NamePattern>)> {
        let pats = s
            .value
            .iter()
            .map(|i| self.name_pattern(i))
            .collect::<R<Vec<_>>>()?;
        if pats.is_empty() {
            return Err(self.err(self.loc(&s), "`subsequence` needs at least one event name"));
        }
        Ok((self.loc(&s), pats))
    }

    fn located_name(&self, s: &Spanned<String>) -> R<(Loc, NamePattern)> {
        Ok((self.loc(s), self.name_pattern(s)?))
    }

    fn counts(&self, raw: OrderedMap<Spanned<Bound>>) -> R<Vec<(Loc, NamePattern, Bound)>> {
        let mut count = Vec::new();
        for (name, b) in raw.0 {
            let p = NamePattern::parse(&name).map_err(|e| self.err(self.loc(&b), e))?;
            count.push((self.loc(&b), p, b.value));
        }
        Ok(count)
    }

    fn event_check(&self, at: Loc, e: RawEventCheck) -> R<EventCheck> {
        let which = match e.which.as_ref().map(|w| (w.value.as_str(), self.loc(w))) {
            None | Some(("every", _)) => Which::Every,
            Some(("first", _)) => Which::First,
            Some(("last", _)) => Which::Last,
            Some((other, l)) => {
                return Err(self.err(l, format!("`which` is every, first or last, not `{other}`")))
            }
        };
        let data = e
            .data
            .into_iter()
            .map(|c| self.json_check(c))
            .collect::<R<Vec<_>>>()?;
        Ok(EventCheck {
            loc: at,
            pattern: self.name_pattern(&e.event)?,
            which,
            data,
            level: self.level(&e.level)?,
            id: e.id.as_ref().map(|i| self.id_check(i)).transpose()?,
        })
    }

    fn id_check(&self, raw: &Spanned<RawIdCheck>) -> R<IdCheck> {
        let equals = raw
            .value
            .equals
            .as_ref()
            .map(|t| self.template(t))
            .transpose()?;
        let after = raw
            .value
            .after
            .as_ref()
            .map(|t| self.template(t))
            .transpose()?;
        if equals.is_none() && after.is_none() {
            return Err(self.err(self.loc(raw), "`id` needs `equals` or `after`"));
        }
        Ok(IdCheck {
            loc: self.loc(raw),
            equals,
            after,
        })
    }

    fn end_event(&self, raw: &Option<Spanned<String>>) -> R<EndEvent> {
        Ok(
            match raw.as_ref().map(|w| (w.value.as_str(), self.loc(w))) {
                None | Some(("optional", _)) => EndEvent::Optional,
                Some(("required", _)) => EndEvent::Required,
                Some(("forbidden", _)) => EndEvent::Forbidden,
                Some((other, l)) => {
                    return Err(self.err(
                        l,
                        format!("`end_event` is optional, required or forbidden, not `{other}`"),
                    ))
                }
            },
        )
    }

    fn id_rule(&self, i: &Spanned<String>) -> R<(Loc, IdRule)> {
        let rule = IdRule::parse(&i.value).ok_or_else(|| {
            self.err(
                self.loc(i),
                format!("`ids` is present, absent or increasing, not `{}`", i.value),
            )
        })?;
        Ok((self.loc(i), rule))
    }

    fn until(&self, u: Spanned<RawUntil>) -> R<Until> {
        let data = u
            .value
            .data
            .into_iter()
            .map(|c| self.json_check(c))
            .collect::<R<Vec<_>>>()?;
        Ok(Until {
            pattern: self.name_pattern(&u.value.event)?,
            data,
        })
    }

    /// Refuses an expected event that the stream modes the request names never send (`messages` vs
    /// `messages-tuple`). Forbidden names (`never`, a count of at most 0) may be anything.
    pub(super) fn events_of_requested_modes(
        &self,
        request: &RequestTemplate,
        stream: Option<&StreamChecks>,
        captures: &[Capture],
    ) -> R<()> {
        let Body::Json(json) = &request.body else {
            return Ok(());
        };
        let Some(modes) = event_names::requested_modes(json) else {
            return Ok(());
        };
        let mut expected = stream.map(expected_events).unwrap_or_default();
        for c in captures {
            if let CaptureFrom::Event(p, _) = &c.from {
                expected.push((c.loc, p.to_string()));
            }
        }
        match expected
            .iter()
            .find_map(|(l, n)| event_names::mode_mismatch(&modes, n).map(|m| (*l, m)))
        {
            Some((l, m)) => Err(self.err(l, m)),
            None => Ok(()),
        }
    }
}

/// The events a stream's checks expect to come, where each is written.
fn expected_events(s: &StreamChecks) -> Vec<(Loc, String)> {
    let mut expected: Vec<(Loc, String)> = Vec::new();
    if let Some((l, p)) = &s.sequence {
        expected.extend(
            p.written
                .iter()
                .map(|w| (*l, w.trim_end_matches(['?', '+', '*']).to_string())),
        );
    }
    if let Some((l, items)) = &s.subsequence {
        expected.extend(items.iter().map(|p| (*l, p.to_string())));
    }
    for (l, p) in s.first.iter().chain(&s.last) {
        expected.push((*l, p.to_string()));
    }
    for (l, p, b) in &s.count {
        if b.min.is_some_and(|m| m > 0) {
            expected.push((*l, p.to_string()));
        }
    }
    expected.extend(s.events.iter().map(|e| (e.loc, e.pattern.to_string())));
    expected
}
