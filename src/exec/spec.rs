//! One spec, start to end: its variables, every step in order (a failed step ends nothing by itself: a later step
//! is skipped only when it uses a value no earlier step captured), then its clean-up (`finally`) whatever happened,
//! and what the run leaves behind (a recording, the drift check). In the differential mode the spec's answers are
//! also compared with the reference's ([`super::differential`]): its recording, or the same spec run side by side
//! against a live reference. The outcome is data ([`SpecOutcome`]).

use std::fmt;
use std::path::PathBuf;

use super::retry::{run_step, StepRun};
use super::Ctx;
use crate::fixture::{self, Exchange, Recording, RecordingError};
use crate::outcome::{Phase, Ran, SpecOutcome, StepOutcome};
use crate::spec::{builtins, Spec, Step};
use crate::target::{RecordMode, Settings};
use crate::template::{render_json, TemplateError, Vars};

/// A variable of the spec (`name`) whose value does not render.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SpecVarError {
    pub name: String,
    pub source: TemplateError,
}

impl fmt::Display for SpecVarError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "in the spec's variable `{}`: {}", self.name, self.source)
    }
}

impl std::error::Error for SpecVarError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// What the embedded fixture has no answers for: a test name that names no recording folder, or a spec that has no
/// recording (or one that does not read).
#[derive(Debug)]
enum NoFixture {
    Folder(RecordingError),
    NoRecording {
        test_name: String,
        source: RecordingError,
    },
}

impl fmt::Display for NoFixture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NoFixture::Folder(e) => write!(f, "{e}"),
            NoFixture::NoRecording { test_name, source } => write!(
                f,
                "no recording for this spec in the embedded fixture ({source})\n\
                 record it from a live server: LANGGRAPH_RECORD=1 LANGGRAPH_URL=<url> cargo test --test conformance -- {test_name}"
            ),
        }
    }
}

/// Why the drift check fails: there is no committed recording to compare with, or the server answers otherwise.
#[derive(Debug)]
enum Drift {
    Folder(RecordingError),
    NoRecording(RecordingError),
    /// `want` and `got` are the recording and the server's answers, normalized.
    Differs {
        dir: PathBuf,
        test_name: String,
        want: String,
        got: String,
    },
}

impl fmt::Display for Drift {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Drift::Folder(e) => write!(f, "{e}"),
            Drift::NoRecording(e) => write!(f, "no committed recording to compare with ({e})"),
            Drift::Differs {
                dir,
                test_name,
                want,
                got,
            } => write!(
                f,
                "the server no longer answers as the committed recording in {} says (ids and timestamps aside)
            = diff (- recording, + server):
{}
if the change is expected, record again:          LANGGRAPH_RECORD=1 LANGGRAPH_URL=<url> cargo test --test conformance -- --exact {test_name}",
                dir.display(),
                crate::text::diff(want, got)
                    .lines()
                    .map(|l| format!("     {l}\n"))
                    .collect::<String>()
            ),
        }
    }
}

/// Runs one loaded spec against the target `s` describes.
/// No text of the outcome carries a secret value, even when the server echoes one back; nor does the recording.
pub async fn run(
    s: &Settings,
    client: &reqwest::Client,
    test_name: &str,
    spec: &Spec,
) -> SpecOutcome {
    // The run's own copy: the credentials its steps send are added to it, and what is shortened during the run hides
    // them before it is cut.
    let secrets = s.secrets().for_run();
    let run = run_unscrubbed(s, client, test_name, spec, &secrets);
    let mut o = crate::secrets::scoped(secrets.clone(), run).await;
    o.map_text(|t| secrets.scrub(t));
    o
}

async fn run_unscrubbed(
    s: &Settings,
    client: &reqwest::Client,
    test_name: &str,
    spec: &Spec,
    secrets: &crate::secrets::Secrets,
) -> SpecOutcome {
    let error =
        |e: &dyn fmt::Display| SpecOutcome::error(spec.source.clone(), s.strict, e.to_string());
    // The fixture server lives as long as this function: it is dropped (and stopped) when the spec ends.
    let (base, builtin_values, _server, replayed) = match where_to(s, test_name).await {
        Ok(w) => w,
        Err(e) => return error(&e),
    };
    let keep = if s.record != RecordMode::Off || s.drift_check {
        Keep::All
    } else if s.diff.on() {
        Keep::LastPerStep
    } else {
        Keep::Nothing
    };
    let target = Side {
        base,
        api_key: s.api_key.as_ref(),
        builtins: builtin_values,
        replaying: s.url.is_none(),
        keep,
    };
    // A live reference runs the same spec side by side, with values of its own and without the target's key.
    let reference = s
        .diff
        .reference_url
        .as_ref()
        .filter(|_| s.diff.on())
        .map(|u| Side {
            base: u.clone(),
            api_key: None,
            builtins: builtins::fresh(),
            replaying: false,
            keep: Keep::LastPerStep,
        });
    let (target_run, reference_run) = tokio::join!(run_side(s, client, spec, target), async {
        match reference {
            Some(side) => Some(run_side(s, client, spec, side).await),
            None => None,
        }
    });
    let mut run = match target_run {
        Ok(r) => r,
        Err(e) => return error(&e),
    };
    run.out.judge();
    run.kept.exchanges = scrubbed(run.kept.exchanges, secrets);
    if keep == Keep::All {
        record_and_check_drift(s, test_name, spec, &mut run);
    }
    let SideRun {
        mut out,
        kept,
        vars,
        ..
    } = run;
    if s.diff.on() {
        let reference = match reference_run {
            Some(r) => Reference::Live(r.map(|mut r| {
                r.kept.exchanges = scrubbed(r.kept.exchanges, secrets);
                Box::new(r)
            })),
            None => Reference::Recorded(replayed),
        };
        let target = super::differential::TargetSide {
            out: &out,
            kept,
            vars: &vars,
        };
        let found = super::differential::compare(s, test_name, spec, target, reference);
        super::differential::judge(s, &mut out, found);
    }
    out.judge();
    out
}

/// What a spec runs against: the live URL with fresh built-in values, or the embedded fixture serving the spec's
/// recording with the recording's own values (so that requests come out as they were recorded), the server that
/// must live as long as the run, and (for the differential mode) the recording it replays.
async fn where_to(
    s: &Settings,
    test_name: &str,
) -> Result<
    (
        String,
        serde_json::Map<String, serde_json::Value>,
        Option<wiremock::MockServer>,
        Option<Recording>,
    ),
    NoFixture,
> {
    let Some(u) = &s.url else {
        let dir = fixture::dir_for(&s.recordings_dir, test_name).map_err(NoFixture::Folder)?;
        let recording = fixture::load(&dir).map_err(|source| NoFixture::NoRecording {
            test_name: test_name.to_string(),
            source,
        })?;
        let values = recording.values.clone();
        let replayed = s.diff.on().then(|| recording.clone());
        let server = fixture::serve(recording).await;
        return Ok((server.uri(), values, Some(server), replayed));
    };
    Ok((u.clone(), builtins::fresh(), None, None))
}

/// Exchanges as they may be kept: scrubbed before any use, so that a recording never holds a secret and the drift
/// check compares like with like.
fn scrubbed(exchanges: Vec<Exchange>, secrets: &crate::secrets::Secrets) -> Vec<Exchange> {
    exchanges.iter().map(|e| e.scrubbed(secrets)).collect()
}

/// Writes the recording when recording, and compares it with the committed one under the drift check; the exchanges
/// go on the outcome.
fn record_and_check_drift(s: &Settings, test_name: &str, spec: &Spec, run: &mut SideRun) {
    let rec = Recording {
        exchanges: run.kept.exchanges.clone(),
        values: run.builtins.clone(),
    };
    keep_recording(s, test_name, &rec, &mut run.out);
    if s.drift_check && run.out.state == crate::outcome::State::Passed {
        if let Err(report) = drift(&s.recordings_dir, test_name, spec, &rec) {
            run.out.errors.push(report.to_string());
        }
    }
    run.out.exchanges = rec.exchanges;
}

/// What is kept of a run's exchanges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Keep {
    Nothing,
    /// Every attempt of every step: to record, or for the drift check.
    All,
    /// Each step's last attempt, up to `departures::MAX_KEPT_BODY` of its body: for the differential mode.
    LastPerStep,
}

/// One server a spec runs against: the target, or a live reference beside it.
struct Side<'a> {
    base: String,
    api_key: Option<&'a crate::secrets::ApiKey>,
    builtins: serde_json::Map<String, serde_json::Value>,
    /// The embedded fixture: retried steps need not wait.
    replaying: bool,
    keep: Keep,
}

/// The exchanges a run kept, and the steps whose answer was too large to keep.
#[derive(Debug, Default)]
pub(super) struct Kept {
    pub exchanges: Vec<Exchange>,
    pub too_large: Vec<usize>,
}

/// A spec's steps and clean-up run against one side.
pub(super) struct SideRun {
    pub out: SpecOutcome,
    pub kept: Kept,
    /// The variables as the run ended: the target's, the built-ins, the spec's own and what was captured.
    pub vars: Vars,
    pub builtins: serde_json::Map<String, serde_json::Value>,
}

/// What the target's answers are compared with in the differential mode.
pub(super) enum Reference {
    /// The recording of the spec: the embedded fixture's own when the target is the fixture (`Some`), else the
    /// committed one, read now.
    Recorded(Option<Recording>),
    /// A live reference run side by side; `Err`: it could not run.
    Live(Result<Box<SideRun>, SpecVarError>),
}

/// Runs the spec's steps and clean-up against one side; `Err`: the spec's variables cannot be rendered.
async fn run_side(
    s: &Settings,
    client: &reqwest::Client,
    spec: &Spec,
    side: Side<'_>,
) -> Result<SideRun, SpecVarError> {
    let mut builtin_values = side.builtins;
    let receiver = match (side.replaying, spec.uses_webhooks) {
        (false, true) => {
            let token = builtin_values[builtins::UNIQUE]
                .as_str()
                .unwrap_or("run")
                .to_string();
            let rx = super::webhook::Receiver::start(&token).await;
            builtin_values.insert(builtins::WEBHOOK_URL.into(), rx.url.clone().into());
            Some(rx)
        }
        _ => None,
    };
    let vars = with_spec_vars(s.vars.clone(), &builtin_values, spec)?;
    let mut vars = vars;
    let ctx = Ctx {
        client,
        base: &side.base,
        api_key: side.api_key,
        default_timeout: s.default_timeout,
        strict: s.strict,
        replaying: side.replaying,
        webhooks: receiver.as_ref(),
    };
    let mut out = SpecOutcome::new(spec.source.clone(), s.strict);
    let mut kept = Kept::default();
    let target = s
        .api_version
        .as_deref()
        .and_then(|v| crate::version::Version::parse(v).ok());
    for phase in [Phase::Step, Phase::CleanUp] {
        let at = (phase, target.as_ref());
        run_phase(&ctx, spec, at, &mut vars, side.keep, &mut kept, &mut out).await;
    }
    Ok(SideRun {
        out,
        kept,
        vars,
        builtins: builtin_values,
    })
}

/// `vars` with the built-in values and the spec's own variables (rendered in order) added.
pub(super) fn with_spec_vars(
    mut vars: Vars,
    builtin_values: &serde_json::Map<String, serde_json::Value>,
    spec: &Spec,
) -> Result<Vars, SpecVarError> {
    vars.extend(builtin_values.iter().map(|(k, v)| (k.clone(), v.clone())));
    for (k, v) in &spec.vars {
        match render_json(v, &vars) {
            Ok(value) => vars.insert(k.clone(), value),
            Err(source) => {
                return Err(SpecVarError {
                    name: k.clone(),
                    source,
                })
            }
        };
    }
    Ok(vars)
}

/// The steps of one phase in order. A failed step ends nothing: a later step is skipped only when its request
/// uses a value that no earlier step captured (the step that should have is named). In the clean-up that means
/// what it would delete was never made.
async fn run_phase(
    ctx: &Ctx<'_>,
    spec: &Spec,
    (phase, target): (Phase, Option<&crate::version::Version>),
    vars: &mut Vars,
    keep: Keep,
    kept: &mut Kept,
    out: &mut SpecOutcome,
) {
    let (steps, first) = match phase {
        Phase::Step => (&spec.steps, 0),
        Phase::CleanUp => (&spec.finally, spec.steps.len()),
    };
    for (i, step) in steps.iter().enumerate() {
        let mut outcome = StepOutcome {
            phase,
            number: i + 1,
            of: steps.len(),
            name: step.name.clone(),
            line: step.loc.line,
            setup: step.setup,
            ran: Ran::Yes,
            failures: Vec::new(),
            curl: None,
            retry_note: None,
        };
        let too_new =
            crate::version::too_new(step.since.as_ref(), target).map(|v| format!("it needs {v}"));
        if let Some(why) = too_new.or_else(|| missing_value(spec, step, vars)) {
            outcome.ran = Ran::Skipped(why);
            out.steps.push(outcome);
            continue;
        }
        let number = first + i + 1;
        let record = (keep != Keep::Nothing).then_some(&mut kept.exchanges);
        let run: StepRun = run_step(ctx, number, step, vars, record).await;
        if keep == Keep::LastPerStep {
            kept.settle(number);
        }
        // The fixture has no answer: its recording is stale, which no outcome of a set-up step may hide.
        if run.last.unanswerable && phase == Phase::Step {
            out.errors.push(format!(
                "the embedded fixture has no answer for {} {} \"{}\": its recording is out of date; record it again",
                phase.name(),
                i + 1,
                step.name
            ));
        }
        // Kept even from a step that failed: later steps, and the clean-up, may need them.
        vars.extend(run.last.captured);
        if !run.last.failures.is_empty() {
            outcome.curl = run.last.curl.as_ref().map(super::Curl::render);
        }
        outcome.failures = run.last.failures;
        outcome.retry_note = run.retry_note;
        out.steps.push(outcome);
    }
}

impl Kept {
    /// Keeps only the last attempt of step `number` (the one that counted), and not its body when that is larger
    /// than the differential mode compares: memory stays bounded however long a step retried or a stream ran.
    fn settle(&mut self, number: usize) {
        let from = self
            .exchanges
            .iter()
            .rposition(|e| e.step != number)
            .map_or(0, |i| i + 1);
        let attempts = self.exchanges.len() - from;
        if attempts > 1 {
            self.exchanges.drain(from..self.exchanges.len() - 1);
        }
        if let Some(last) = self.exchanges.last_mut().filter(|e| e.step == number) {
            if last.body.len() > crate::departures::MAX_KEPT_BODY {
                last.body = Vec::new();
                self.too_large.push(number);
            }
        }
    }
}

/// Why a step cannot be sent: its request uses a value that is not there, and which step was to capture it.
fn missing_value(spec: &Spec, step: &Step, vars: &Vars) -> Option<String> {
    let name = step
        .request
        .vars()
        .into_iter()
        .find(|v| !vars.contains_key(v))?;
    let by = spec
        .steps
        .iter()
        .chain(&spec.finally)
        .enumerate()
        .find(|(_, s)| s.captures.iter().any(|c| c.name == name));
    Some(match by {
        Some((i, s)) if i < spec.steps.len() => {
            format!(
                "it uses `${{{name}}}`, which step {} \"{}\" did not capture",
                i + 1,
                s.name
            )
        }
        Some((i, s)) => format!(
            "it uses `${{{name}}}`, which clean-up step {} \"{}\" did not capture",
            i + 1 - spec.steps.len(),
            s.name
        ),
        None => format!("it uses `${{{name}}}`, which is not defined"),
    })
}

/// Writes the recording when recording, unless the spec failed: a recording of a failure would replay it as the
/// reference's answer. `LANGGRAPH_RECORD=force` writes it all the same.
fn keep_recording(s: &Settings, test_name: &str, rec: &Recording, out: &mut SpecOutcome) {
    let write = match s.record {
        RecordMode::Off => return,
        RecordMode::Force => true,
        RecordMode::Passed => out.state == crate::outcome::State::Passed,
    };
    let dir = match fixture::dir_for(&s.record_dir, test_name) {
        Ok(d) => d,
        Err(e) => {
            out.errors.push(e.to_string());
            return;
        }
    };
    if !write {
        out.notes.push(format!(
            "the spec did not pass, so its recording in {} was not written; to record it all the same: \
             LANGGRAPH_RECORD=force",
            dir.display()
        ));
        return;
    }
    if let Err(e) = fixture::save(&dir, rec) {
        out.errors.push(format!(
            "cannot write the recording into {}: {e}",
            dir.display()
        ));
    }
}

/// Whether the live server still answers as the committed recording says, ids, timestamps and unique values aside.
fn drift(
    recordings: &std::path::Path,
    test_name: &str,
    spec: &Spec,
    live: &Recording,
) -> Result<(), Drift> {
    let dir = fixture::dir_for(recordings, test_name).map_err(Drift::Folder)?;
    let committed = fixture::load(&dir).map_err(Drift::NoRecording)?;
    // Steps are numbered from 1 through the steps and then the clean-up, as the recording numbers them.
    let varies = |n: usize| {
        spec.steps
            .iter()
            .chain(&spec.finally)
            .nth(n.wrapping_sub(1))
            .map_or(&[][..], |s| &s.varies[..])
    };
    let (want, got) = (
        fixture::normalize(&fixture::mask_varying(&committed, varies)),
        fixture::normalize(&fixture::mask_varying(live, varies)),
    );
    if want == got {
        return Ok(());
    }
    Err(Drift::Differs {
        dir,
        test_name: test_name.to_string(),
        want,
        got,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(step: usize, body: usize) -> Exchange {
        Exchange {
            step,
            method: "GET".into(),
            target: "/ok".into(),
            request_json: None,
            status: 200,
            reason: "OK".into(),
            headers: vec![],
            body: vec![b' '; body],
        }
    }

    #[test]
    fn only_each_step_s_last_attempt_is_kept_and_not_a_body_too_large_to_compare() {
        let mut kept = Kept::default();
        kept.exchanges.push(answer(1, 1));
        kept.settle(1);
        kept.exchanges
            .extend([answer(2, 1), answer(2, 2), answer(2, 3)]);
        kept.settle(2);
        let bodies: Vec<(usize, usize)> = kept
            .exchanges
            .iter()
            .map(|e| (e.step, e.body.len()))
            .collect();
        assert_eq!(bodies, [(1, 1), (2, 3)]);
        kept.exchanges
            .push(answer(3, crate::departures::MAX_KEPT_BODY + 1));
        kept.settle(3);
        assert_eq!(kept.exchanges[2].body.len(), 0);
        assert_eq!(kept.too_large, [3]);
        // A step that was not sent keeps nothing, and takes nothing from the step before it.
        kept.settle(4);
        assert_eq!(kept.exchanges.len(), 3);
    }
}
