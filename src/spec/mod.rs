//! Specs: the YAML files under `specs/`, their checked model (steps, requests, captures, retries, and the
//! expectations in `expect`), and how they are found and loaded (`load_spec`).

pub mod builtins;
pub mod discover;
pub mod duration;
pub mod event_names;
pub mod expect;
pub mod headers;
pub mod load;
pub mod raw;
pub mod read;
pub mod shared;
pub mod yaml_errors;

use std::sync::Arc;
use std::time::Duration;

use regex::Regex;
use serde_json::Value;

use crate::jsonpath::Path;
use crate::source::{Loc, Source};
use crate::template::{self, Template};
use expect::http::{HeaderCheck, StatusCheck};
use expect::json::JsonCheck;
use expect::names::NamePattern;
use expect::stream::StreamChecks;

pub use discover::{discover, SpecFile};
pub use load::load_spec;

/// The version of the spec format this harness reads.
pub const FORMAT_VERSION: u32 = 1;

/// A spec, loaded and checked: what [`crate::run_one`] runs.
#[derive(Debug)]
pub struct Spec {
    /// Its file, with the shared steps it uses.
    pub source: Arc<Source>,
    /// Its `name`: what it tests, in a sentence.
    pub name: String,
    /// Its `description`, if it has one.
    pub description: Option<String>,
    /// Its `tags`, which `LANGGRAPH_TAGS` selects specs by.
    pub tags: Vec<String>,
    /// Capabilities of the target this spec needs (for example `input-interrupt` or `crons`).
    pub requires: Vec<String>,
    /// The API version from which what the spec checks holds: an older target skips it.
    pub(crate) since: Option<crate::version::Version>,
    /// The spec's own variables, in order; each may use the target's variables.
    pub vars: Vec<(String, Value)>,
    pub(crate) steps: Vec<Step>,
    /// Clean-up steps: run after `steps` whether they passed or not.
    pub(crate) finally: Vec<Step>,
    /// The spec uses `${webhook_url}` or receives webhook calls: the harness starts a receiver for it.
    pub uses_webhooks: bool,
    /// The spec starts runs (`POST` to a `…/runs`, `…/runs/stream`, `…/runs/wait` or `…/runs/batch`): it takes one
    /// of the target's run slots while it runs (`LANGGRAPH_RUN_CONCURRENCY`).
    pub starts_runs: bool,
}

/// How a `receive: webhook` step appears where a request would: in recordings and replays, and in reports.
pub const WEBHOOK_METHOD: &str = "WEBHOOK";
pub const WEBHOOK_PATH: &str = "/webhook";

#[derive(Debug)]
pub struct Step {
    pub name: String,
    pub loc: Loc,
    pub request: RequestTemplate,
    /// The step takes the next call the harness's webhook receiver got instead of sending `request` (which then
    /// stands for it: `WEBHOOK /webhook`).
    pub receive: bool,
    pub timeout: Option<Duration>,
    pub retry: Option<Retry>,
    pub status: Option<StatusCheck>,
    pub headers: Vec<HeaderCheck>,
    pub body: Vec<JsonCheck>,
    pub stream: Option<StreamChecks>,
    pub captures: Vec<Capture>,
    /// Parts of the response body (singular paths, `$` for all of it) whose values depend on timing, not on what the
    /// server promises: the drift check does not compare them.
    pub varies: Vec<Path>,
    /// The step prepares what the spec tests (`setup: true`): when it fails, the spec is blocked, not failed.
    pub setup: bool,
    /// The API version from which what this step checks holds: against an older target it is not sent.
    pub since: Option<crate::version::Version>,
}

/// `retry: {every, within}`: the step is sent again every `every` until its expectations hold, for at most `within`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retry {
    pub every: Duration,
    pub within: Duration,
}

#[derive(Debug)]
pub struct RequestTemplate {
    pub method: String,
    pub path: Template,
    pub path_loc: Loc,
    pub query: Vec<(String, Value)>,
    pub headers: Vec<(String, Template)>,
    pub body: Body,
}

impl RequestTemplate {
    /// Whether sending this request starts a run.
    pub fn starts_run(&self) -> bool {
        let path = self.path.source();
        let path = path
            .split('?')
            .next()
            .unwrap_or_default()
            .trim_end_matches('/');
        self.method.eq_ignore_ascii_case("POST")
            && ["/runs", "/runs/stream", "/runs/wait", "/runs/batch"]
                .iter()
                .any(|end| path.ends_with(end))
    }

    /// Every variable the request uses.
    pub fn vars(&self) -> Vec<String> {
        let mut names: Vec<String> = self.path.vars().map(str::to_string).collect();
        for (_, t) in &self.headers {
            names.extend(t.vars().map(str::to_string));
        }
        let mut in_values = Vec::new();
        for (_, v) in &self.query {
            let _ = template::value_vars(v, &mut in_values);
        }
        match &self.body {
            Body::Json(v) => {
                let _ = template::value_vars(v, &mut in_values);
            }
            Body::Text(t) => names.extend(t.vars().map(str::to_string)),
            Body::None => {}
        }
        names.extend(in_values.into_iter().map(|(name, _)| name));
        names
    }
}

#[derive(Debug)]
pub enum Body {
    None,
    Json(Value),
    Text(Template),
}

#[derive(Debug)]
pub struct Capture {
    pub name: String,
    pub loc: Loc,
    pub from: CaptureFrom,
    /// Applied to a string value; the first group (or the whole match) is kept.
    pub regex: Option<Arc<Regex>>,
    /// From an event: its id instead of its data.
    pub event_id: bool,
    /// From an event: the last matching one instead of the first.
    pub last_event: bool,
}

#[derive(Debug)]
pub enum CaptureFrom {
    /// Lower-cased header name.
    Header(String),
    Body(Path),
    Event(NamePattern, Path),
}

impl Capture {
    /// Header captures are known before the body, so the step's own body and stream expectations may use them.
    pub fn is_early(&self) -> bool {
        matches!(self.from, CaptureFrom::Header(_))
    }
}
