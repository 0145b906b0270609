//! A step: what it sends (`request`) or takes (`receive: webhook`), its `timeout` and `retry`, what it captures, the
//! `expect` mapping, and the parts of the answer that vary (`varies`).

use std::time::Duration;

use serde_saphyr::Spanned;

use super::uses::DefKind;
use super::{Loader, R};
use crate::jsonpath::Path;
use crate::source::Loc;
use crate::spec::expect::http::{HeaderCheck, StatusCheck};
use crate::spec::expect::json::JsonCheck;
use crate::spec::expect::stream::StreamChecks;
use crate::spec::raw::{RawExpect, RawRetry, RawStep};
use crate::spec::{Body, RequestTemplate, Retry, Step, WEBHOOK_METHOD, WEBHOOK_PATH};
use crate::template::Template;

/// A step's `expect` mapping, lowered.
pub(super) struct Expectations {
    pub(super) status: Option<StatusCheck>,
    pub(super) headers: Vec<HeaderCheck>,
    pub(super) body: Vec<JsonCheck>,
    pub(super) stream: Option<StreamChecks>,
}

impl Loader<'_> {
    pub(super) fn step(
        &mut self,
        at: Loc,
        mut raw: RawStep,
        default_timeout: Option<Duration>,
    ) -> R<Step> {
        match (&raw.receive, raw.request.take()) {
            (Some(r), None) if r.value == "webhook" => {
                self.step_with(at, webhook_request(at), true, raw, default_timeout)
            }
            (Some(r), None) => Err(self.err(
                self.loc(r),
                format!("`receive` takes `webhook`, not `{}`", r.value),
            )),
            (Some(r), Some(_)) => Err(self.err(
                self.loc(r),
                "a step either sends a `request` or `receive`s a webhook call, not both",
            )),
            (None, None) => Err(self.err(at, "a step needs a `request` (or `receive: webhook`)")),
            (None, Some(req)) => {
                let request = self.request_of(req)?;
                self.step_with(at, request, false, raw, default_timeout)
            }
        }
    }

    fn step_with(
        &mut self,
        at: Loc,
        request: RequestTemplate,
        receive: bool,
        raw: RawStep,
        default_timeout: Option<Duration>,
    ) -> R<Step> {
        let timeout = match &raw.timeout {
            Some(t) => Some(self.duration(t)?),
            None => default_timeout,
        };
        let retry = raw.retry.as_ref().map(|r| self.retry(r)).transpose()?;
        let captures = self.captures(raw.capture)?;
        // Header captures may be used by this step's expectations; the others only by later steps.
        for c in captures.iter().filter(|c| c.is_early()) {
            self.defined.insert(c.name.clone());
        }
        let expect = self.expect(raw.expect.unwrap_or_default())?;
        if receive {
            self.received_call_expectations(&expect)?;
        }
        self.events_of_requested_modes(&request, expect.stream.as_ref(), &captures)?;
        for c in &captures {
            self.defined.insert(c.name.clone());
        }
        let varies = raw
            .varies
            .iter()
            .map(|v| self.varying_path(v))
            .collect::<R<Vec<_>>>()?;
        let name = raw.name.unwrap_or_else(|| match receive {
            true => "receive: webhook".to_string(),
            false => format!("{} {}", request.method, request.path_text()),
        });
        let since = self.since(raw.since.as_ref())?;
        Ok(Step {
            name,
            loc: at,
            request,
            receive,
            timeout,
            retry,
            status: expect.status,
            headers: expect.headers,
            body: expect.body,
            stream: expect.stream,
            captures,
            varies,
            setup: raw.setup,
            since,
        })
    }

    fn retry(&self, raw: &Spanned<RawRetry>) -> R<Retry> {
        let every = self.duration(&raw.value.every)?;
        let within = self.duration(&raw.value.within)?;
        if within < every {
            return Err(self.err(
                self.loc(&raw.value.within),
                "`within` is shorter than `every`: the step would be tried only once",
            ));
        }
        Ok(Retry { every, within })
    }

    /// The checks of an `expect` mapping: those of the shared checks it uses, if any, then its own.
    pub(super) fn expect(&mut self, mut raw: RawExpect) -> R<Expectations> {
        let shared = match raw.use_.take() {
            Some(name) => Some(self.shared_checks(name, raw.with.take())?),
            None => {
                self.no_with(&raw.with, DefKind::Checks)?;
                None
            }
        };
        let own = self.own_expect(raw)?;
        match shared {
            Some((name, theirs)) => self.merge_checks(&name, theirs, own),
            None => Ok(own),
        }
    }

    /// Shared checks and a step's own: the shared ones first. `status` and `stream` are given by one or the other.
    fn merge_checks(&self, name: &str, theirs: Expectations, own: Expectations) -> R<Expectations> {
        let both = |what: &str, at: Loc| {
            self.err(
                at,
                format!("`{name}` checks the {what} already: give it in the shared checks or in the step, not both"),
            )
        };
        if let (Some(_), Some(s)) = (&theirs.status, &own.status) {
            return Err(both("status", s.loc));
        }
        if let (Some(_), Some(s)) = (&theirs.stream, &own.stream) {
            return Err(both("stream", s.loc));
        }
        let mut headers = theirs.headers;
        headers.extend(own.headers);
        let mut body = theirs.body;
        body.extend(own.body);
        Ok(Expectations {
            status: theirs.status.or(own.status),
            headers,
            body,
            stream: theirs.stream.or(own.stream),
        })
    }

    fn own_expect(&mut self, raw: RawExpect) -> R<Expectations> {
        let status = raw.status.map(|s| self.status(s)).transpose()?;
        let headers = self.header_checks(raw.headers)?;
        let body = raw
            .body
            .into_iter()
            .map(|c| self.json_check(c))
            .collect::<R<Vec<_>>>()?;
        let stream = raw.stream.map(|s| self.stream_of(s)).transpose()?;
        Ok(Expectations {
            status,
            headers,
            body,
            stream,
        })
    }

    /// A webhook call the harness received has a body and headers, and nothing else to check.
    fn received_call_expectations(&self, expect: &Expectations) -> R<()> {
        if let Some(s) = &expect.status {
            return Err(self.err(
                s.loc,
                "a received webhook call has no status to check; check its `body` and `headers`",
            ));
        }
        if let Some(s) = &expect.stream {
            return Err(self.err(
                s.loc,
                "a received webhook call is not an event stream; check its `body`",
            ));
        }
        Ok(())
    }

    /// A `varies` path names one place, so that the drift check can mask it.
    fn varying_path(&self, s: &Spanned<String>) -> R<Path> {
        let path = self.path(s)?;
        if path.segments().is_none() {
            return Err(self.err(
                self.loc(s),
                format!("`varies` takes paths to one place each (names and indexes, like `$.values.messages[0]`), not `{}`", s.value),
            ));
        }
        Ok(path)
    }
}

/// What a `receive: webhook` step stands for where a request would be (in recordings and reports).
fn webhook_request(at: Loc) -> RequestTemplate {
    RequestTemplate {
        method: WEBHOOK_METHOD.into(),
        path: Template::parse(WEBHOOK_PATH).expect("a fixed path"),
        path_loc: at,
        query: Vec::new(),
        headers: Vec::new(),
        body: Body::None,
    }
}
