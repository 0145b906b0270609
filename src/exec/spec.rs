//! One spec, start to end: its variables, its steps in order until one fails, then its clean-up (`finally`) whatever
//! happened, and what the run leaves behind (a recording, the drift check). The verdict says whether it failed and
//! carries the report, `should`-level warnings included.

use super::retry::{run_step, StepRun};
use super::Ctx;
use crate::check::{Failure, Level};
use crate::fixture::{self, Exchange, Recording};
use crate::report::{render, Phase, StepContext};
use crate::results::FirstFailure;
use crate::spec::{builtins, Spec, Step};
use crate::target::{RecordMode, Settings};
use crate::template::{render_json, Vars};

/// How a spec went.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// A `must` failed (or a `should`, in a strict run), or the spec could not run.
    pub failed: bool,
    /// What to show: the failures and warnings, rendered; empty when all held.
    pub report: String,
    /// Expectations that did not hold, by level.
    pub musts_failed: usize,
    pub shoulds_failed: usize,
    /// The first expectation that failed the spec, for reports.
    pub first_failure: Option<FirstFailure>,
}

impl Verdict {
    /// Adds what a step that did not fully hold reports; `place` is its phase, index and the number of its kind.
    fn report_step(
        &mut self,
        spec: &Spec,
        place: (Phase, usize, usize),
        step: &Step,
        run: &StepRun,
        strict: bool,
    ) {
        if run.last.failures.is_empty() {
            return;
        }
        let curl = run.last.curl.as_ref().map(super::Curl::render);
        let (phase, i, of) = place;
        let sc = StepContext {
            phase,
            number: i + 1,
            of,
            name: &step.name,
            line: step.loc.line,
            curl: curl.as_deref(),
            attempts: run.retry_note.as_deref(),
        };
        self.add(&spec.source, &sc, &run.last.failures, strict);
    }

    fn error(report: String) -> Verdict {
        Verdict {
            failed: true,
            report,
            ..Verdict::default()
        }
    }

    fn add(
        &mut self,
        src: &crate::source::Source,
        sc: &StepContext<'_>,
        failures: &[Failure],
        strict: bool,
    ) {
        if failures.is_empty() {
            return;
        }
        self.musts_failed += failures.iter().filter(|f| f.level == Level::Must).count();
        self.shoulds_failed += failures.iter().filter(|f| f.level == Level::Should).count();
        if self.first_failure.is_none() {
            self.first_failure = failures
                .iter()
                .find(|f| f.blocks(strict))
                .map(|f| FirstFailure {
                    phase: match sc.phase {
                        Phase::Step => "step",
                        Phase::CleanUp => "clean-up step",
                    }
                    .into(),
                    step: sc.number,
                    step_name: sc.name.to_string(),
                    at: src.at(f.loc),
                    message: f.message.clone(),
                });
        }
        self.failed |= failures.iter().any(|f| f.blocks(strict));
        if !self.report.is_empty() {
            self.report.push('\n');
        }
        self.report.push_str(&render(src, sc, failures, strict));
    }
}

/// Runs one loaded spec against the target `s` describes.
/// Neither the report nor the recording carries a secret value, even when the server echoes one back.
pub async fn run(s: &Settings, client: &reqwest::Client, test_name: &str, spec: &Spec) -> Verdict {
    let secrets = s.secrets();
    let mut v = run_unscrubbed(s, client, test_name, spec, &secrets).await;
    v.report = secrets.scrub(&v.report);
    if let Some(f) = &mut v.first_failure {
        f.message = secrets.scrub(&f.message);
    }
    v
}

async fn run_unscrubbed(
    s: &Settings,
    client: &reqwest::Client,
    test_name: &str,
    spec: &Spec,
    secrets: &crate::secrets::Secrets,
) -> Verdict {
    // The fixture server lives as long as this function: it is dropped (and stopped) when the spec ends.
    let (base, builtin_values, _server) = match &s.url {
        Some(u) => (u.clone(), builtins::fresh(), None),
        None => {
            let dir = match fixture::dir_for(&s.recordings_dir, test_name) {
                Ok(d) => d,
                Err(e) => return Verdict::error(format!("error: {e}\n")),
            };
            let recording = match fixture::load(&dir) {
                Ok(r) => r,
                Err(e) => return Verdict::error(format!(
                    "error: no recording for this spec in the embedded fixture ({e})\n\
                     record it from a live server: LANGGRAPH_RECORD=1 LANGGRAPH_URL=<url> cargo test --test conformance -- {test_name}\n"
                )),
            };
            // The recording's own unique values, so that requests come out as they were recorded.
            let values = recording.values.clone();
            let server = fixture::serve(recording).await;
            (server.uri(), values, Some(server))
        }
    };
    let mut builtin_values = builtin_values;
    let receiver = match (&s.url, spec.uses_webhooks) {
        (Some(_), true) => {
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
    let mut vars = s.vars.clone();
    vars.extend(builtin_values.iter().map(|(k, v)| (k.clone(), v.clone())));
    for (k, v) in &spec.vars {
        match render_json(v, &vars) {
            Ok(value) => vars.insert(k.clone(), value),
            Err(e) => return Verdict::error(format!("error: in the spec's variable `{k}`: {e}\n")),
        };
    }
    let ctx = Ctx {
        client,
        base: &base,
        api_key: s.api_key.as_ref(),
        default_timeout: s.default_timeout,
        strict: s.strict,
        replaying: s.url.is_none(),
        webhooks: receiver.as_ref(),
    };
    let mut recording = (s.record != RecordMode::Off || s.drift_check).then(Vec::new);
    let mut verdict = Verdict::default();
    run_steps(&ctx, spec, &mut vars, recording.as_mut(), &mut verdict).await;
    clean_up(&ctx, spec, &mut vars, recording.as_mut(), &mut verdict).await;
    if let Some(rec) = recording {
        // Scrubbed before both uses: a recording never holds a secret, and the drift check then compares like with
        // like.
        let rec = Recording {
            exchanges: rec.iter().map(|e| secrets.scrub_exchange(e)).collect(),
            values: builtin_values,
        };
        keep_recording(s, test_name, &rec, &mut verdict);
        if s.drift_check && !verdict.failed {
            if let Err(report) = drift(&s.recordings_dir, test_name, spec, &rec) {
                verdict.failed = true;
                verdict.report.push_str(&report);
            }
        }
    }
    verdict
}

/// The spec's steps in order; the first that fails ends them.
async fn run_steps(
    ctx: &Ctx<'_>,
    spec: &Spec,
    vars: &mut Vars,
    mut record: Option<&mut Vec<Exchange>>,
    verdict: &mut Verdict,
) {
    for (i, step) in spec.steps.iter().enumerate() {
        let run = run_step(ctx, i + 1, step, vars, record.as_deref_mut()).await;
        verdict.report_step(
            spec,
            (Phase::Step, i, spec.steps.len()),
            step,
            &run,
            ctx.strict,
        );
        // Kept even from a step that failed: the clean-up may need them to delete what it made.
        let blocked = run.last.blocked(ctx.strict);
        vars.extend(run.last.captured);
        if blocked {
            return;
        }
    }
}

/// The `finally` steps, each whatever the others did. A step that needs a value never captured is skipped: what it
/// would clean up was never made.
async fn clean_up(
    ctx: &Ctx<'_>,
    spec: &Spec,
    vars: &mut Vars,
    mut record: Option<&mut Vec<Exchange>>,
    verdict: &mut Verdict,
) {
    let first = spec.steps.len();
    for (i, step) in spec.finally.iter().enumerate() {
        if step.request.vars().iter().any(|v| !vars.contains_key(v)) {
            continue;
        }
        let run = run_step(ctx, first + i + 1, step, vars, record.as_deref_mut()).await;
        let place = (Phase::CleanUp, i, spec.finally.len());
        verdict.report_step(spec, place, step, &run, ctx.strict);
        if !run.last.blocked(ctx.strict) {
            vars.extend(run.last.captured);
        }
    }
}

/// Writes the recording when recording, unless the spec failed: a recording of a failure would replay it as the
/// reference's answer. `LANGGRAPH_RECORD=force` writes it all the same.
fn keep_recording(s: &Settings, test_name: &str, rec: &Recording, verdict: &mut Verdict) {
    let write = match s.record {
        RecordMode::Off => return,
        RecordMode::Force => true,
        RecordMode::Passed => !verdict.failed,
    };
    let dir = match fixture::dir_for(&s.record_dir, test_name) {
        Ok(d) => d,
        Err(e) => {
            verdict.failed = true;
            verdict.report.push_str(&format!("error: {e}\n"));
            return;
        }
    };
    if !write {
        verdict.report.push_str(&format!(
            "\nnote: the spec failed, so its recording in {} was not written; to record it all the same: \
             LANGGRAPH_RECORD=force\n",
            dir.display()
        ));
        return;
    }
    if let Err(e) = fixture::save(&dir, rec) {
        verdict.failed = true;
        verdict.report.push_str(&format!(
            "error: cannot write the recording into {}: {e}\n",
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
) -> Result<(), String> {
    let dir = fixture::dir_for(recordings, test_name).map_err(|e| format!("error: {e}\n"))?;
    let committed = fixture::load(&dir)
        .map_err(|e| format!("error: no committed recording to compare with ({e})\n"))?;
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
    Err(format!(
        "error: the server no longer answers as the committed recording in {} says (ids and timestamps aside)
            = diff (- recording, + server):
{}
if the change is expected, record again:          LANGGRAPH_RECORD=1 LANGGRAPH_URL=<url> cargo test --test conformance -- --exact {test_name}
",
        dir.display(),
        crate::text::diff(&want, &got).lines().map(|l| format!("     {l}\n")).collect::<String>()
    ))
}
