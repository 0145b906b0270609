//! One spec, start to end: its variables, every step in order (a failed step ends nothing by itself: a later step
//! is skipped only when it uses a value no earlier step captured), then its clean-up (`finally`) whatever happened,
//! and what the run leaves behind (a recording, the drift check). The outcome is data ([`SpecOutcome`]).

use super::retry::{run_step, StepRun};
use super::Ctx;
use crate::fixture::{self, Exchange, Recording};
use crate::outcome::{Phase, Ran, SpecOutcome, StepOutcome};
use crate::spec::{builtins, Spec, Step};
use crate::target::{RecordMode, Settings};
use crate::template::{render_json, Vars};

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
    let error = |e: String| SpecOutcome::error(spec.source.clone(), s.strict, e);
    // The fixture server lives as long as this function: it is dropped (and stopped) when the spec ends.
    let (base, builtin_values, _server) = match &s.url {
        Some(u) => (u.clone(), builtins::fresh(), None),
        None => {
            let dir = match fixture::dir_for(&s.recordings_dir, test_name) {
                Ok(d) => d,
                Err(e) => return error(e.to_string()),
            };
            let recording = match fixture::load(&dir) {
                Ok(r) => r,
                Err(e) => return error(format!(
                    "no recording for this spec in the embedded fixture ({e})\n\
                     record it from a live server: LANGGRAPH_RECORD=1 LANGGRAPH_URL=<url> cargo test --test conformance -- {test_name}"
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
            Err(e) => return error(format!("in the spec's variable `{k}`: {e}")),
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
    let keep = s.record != RecordMode::Off || s.drift_check;
    let mut out = SpecOutcome::new(spec.source.clone(), s.strict);
    let mut record = keep.then(Vec::new);
    run_phase(
        &ctx,
        spec,
        Phase::Step,
        &mut vars,
        record.as_mut(),
        &mut out,
    )
    .await;
    run_phase(
        &ctx,
        spec,
        Phase::CleanUp,
        &mut vars,
        record.as_mut(),
        &mut out,
    )
    .await;
    out.judge();
    if let Some(rec) = record {
        // Scrubbed before both uses: a recording never holds a secret, and the drift check then compares like with
        // like.
        let rec = Recording {
            exchanges: rec.iter().map(|e| secrets.scrub_exchange(e)).collect(),
            values: builtin_values,
        };
        keep_recording(s, test_name, &rec, &mut out);
        if s.drift_check && out.state == crate::outcome::State::Passed {
            if let Err(report) = drift(&s.recordings_dir, test_name, spec, &rec) {
                out.errors.push(report);
            }
        }
        out.exchanges = rec.exchanges;
        out.judge();
    }
    out
}

/// The steps of one phase in order. A failed step ends nothing: a later step is skipped only when its request
/// uses a value that no earlier step captured (the step that should have is named). In the clean-up that means
/// what it would delete was never made.
async fn run_phase(
    ctx: &Ctx<'_>,
    spec: &Spec,
    phase: Phase,
    vars: &mut Vars,
    mut record: Option<&mut Vec<Exchange>>,
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
        if let Some(why) = missing_value(spec, step, vars) {
            outcome.ran = Ran::Skipped(why);
            out.steps.push(outcome);
            continue;
        }
        let run: StepRun = run_step(ctx, first + i + 1, step, vars, record.as_deref_mut()).await;
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
) -> Result<(), String> {
    let dir = fixture::dir_for(recordings, test_name).map_err(|e| e.to_string())?;
    let committed =
        fixture::load(&dir).map_err(|e| format!("no committed recording to compare with ({e})"))?;
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
        "the server no longer answers as the committed recording in {} says (ids and timestamps aside)
            = diff (- recording, + server):
{}
if the change is expected, record again:          LANGGRAPH_RECORD=1 LANGGRAPH_URL=<url> cargo test --test conformance -- --exact {test_name}",
        dir.display(),
        crate::text::diff(&want, &got).lines().map(|l| format!("     {l}\n")).collect::<String>()
    ))
}
