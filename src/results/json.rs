//! The JSON report: every spec's outcome, for other tools to read. Its shape is versioned and described by
//! `src/results/report.schema.json` (JSON Schema 2020-12); a change that breaks readers raises `version`.

use serde::Serialize;

use super::{DepartureResult, FirstFailure, SpecResult, TargetInfo, Totals};

/// The report's `format`, which says what the file is.
pub const FORMAT: &str = "langgraph-conformance-report";
/// The report's `version`. 2: outcomes `blocked` and `skipped` (was `ignored`), totals to match,
/// `clean_up_problems` and `unmet`.
/// 3: the differential mode: `target.diff`, each spec's `departures` and `comparison`, totals of departures.
pub const VERSION: u32 = 3;

#[derive(Serialize)]
struct Report<'a> {
    format: &'static str,
    version: u32,
    generator: String,
    target: Target<'a>,
    duration_ms: u128,
    totals: TotalsOut,
    specs: Vec<Spec<'a>>,
}

#[derive(Serialize)]
struct Target<'a> {
    /// `null`: the embedded fixture.
    url: Option<&'a str>,
    capabilities: &'a [String],
    strict: bool,
    /// `null`: the differential mode was off.
    diff: Option<Diff>,
}

#[derive(Serialize)]
struct Diff {
    /// `report` (departures are findings) or `fail` (each fails its spec).
    mode: &'static str,
    /// The live reference's URL; `null`: the recordings.
    reference: Option<String>,
    /// Whether graph state was compared (see README, the differential mode).
    same_graph: bool,
}

#[derive(Serialize)]
struct TotalsOut {
    passed: usize,
    failed: usize,
    blocked: usize,
    skipped: usize,
    expected_failures: usize,
    musts_failed: usize,
    shoulds_failed: usize,
    departures: usize,
    additions: usize,
    tolerated_departures: usize,
}

#[derive(Serialize)]
struct Spec<'a> {
    name: &'a str,
    area: &'a str,
    file: &'a str,
    tags: &'a [String],
    outcome: &'static str,
    /// Why it was blocked or skipped, or why it is expected to fail.
    reason: Option<&'a str>,
    duration_ms: u128,
    musts_failed: usize,
    shoulds_failed: usize,
    clean_up_problems: usize,
    failure: Option<Failure<'a>>,
    unmet: &'a [super::Unmet],
    /// The failure report, warnings included, as printed; empty when all held.
    report: &'a str,
    /// Where the target's answers depart from the reference's (differential mode; empty when it is off).
    departures: &'a [DepartureResult],
    /// How the answers were compared; `null` when the mode is off or the spec did not run.
    comparison: Option<Comparison<'a>>,
}

#[derive(Serialize)]
struct Comparison<'a> {
    against: &'a str,
    compared: bool,
    notes: &'a [String],
    stale_tolerated: &'a [String],
}

#[derive(Serialize)]
struct Failure<'a> {
    phase: &'a str,
    step: usize,
    step_name: &'a str,
    at: &'a str,
    message: &'a str,
}

/// `report.json`: the results of a run against `target` that took `duration`.
pub fn render(
    target: &TargetInfo,
    results: &[SpecResult],
    duration: std::time::Duration,
) -> String {
    let t = Totals::of(results);
    let report = Report {
        format: FORMAT,
        version: VERSION,
        generator: concat!("langgraph-conformance ", env!("CARGO_PKG_VERSION")).into(),
        target: Target {
            url: target.url.as_deref(),
            capabilities: &target.capabilities,
            strict: target.strict,
            diff: target.diff.as_ref().map(|d| Diff {
                mode: if d.fail { "fail" } else { "report" },
                reference: d.reference.clone(),
                same_graph: d.same_graph,
            }),
        },
        duration_ms: duration.as_millis(),
        totals: TotalsOut {
            passed: t.passed,
            failed: t.failed,
            blocked: t.blocked,
            skipped: t.skipped,
            expected_failures: t.expected_failures,
            musts_failed: t.musts_failed,
            shoulds_failed: t.shoulds_failed,
            departures: t.departures,
            additions: t.additions,
            tolerated_departures: t.tolerated_departures,
        },
        specs: results.iter().map(spec).collect(),
    };
    let mut text = serde_json::to_string_pretty(&report).expect("the report serialises");
    text.push('\n');
    text
}

fn spec(r: &SpecResult) -> Spec<'_> {
    let reason = r.outcome.reason();
    Spec {
        name: &r.name,
        area: r.area(),
        file: &r.file,
        tags: &r.tags,
        outcome: r.outcome.name(),
        reason,
        duration_ms: r.duration.as_millis(),
        musts_failed: r.musts_failed,
        shoulds_failed: r.shoulds_failed,
        clean_up_problems: r.clean_up_problems,
        failure: r.first_failure.as_ref().map(failure),
        unmet: &r.unmet,
        report: &r.report,
        departures: r.diff.as_ref().map_or(&[][..], |d| &d.departures[..]),
        comparison: r.diff.as_ref().map(|d| Comparison {
            against: &d.against,
            compared: d.compared,
            notes: &d.notes,
            stale_tolerated: &d.stale,
        }),
    }
}

fn failure(f: &FirstFailure) -> Failure<'_> {
    Failure {
        phase: &f.phase,
        step: f.step,
        step_name: &f.step_name,
        at: &f.at,
        message: &f.message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::tests::result;
    use crate::results::Outcome;

    #[test]
    fn the_report_names_each_spec_with_its_outcome() {
        let mut failed = result("threads::copy", Outcome::Failed);
        failed.first_failure = Some(FirstFailure {
            phase: "step".into(),
            step: 2,
            step_name: "copy it".into(),
            at: "specs/threads/copy.yaml:12:15".into(),
            message: "status 404, expected 200".into(),
        });
        let results = [
            failed,
            result("crons::create", Outcome::Skipped("needs crons".into())),
        ];
        let target = TargetInfo {
            url: None,
            capabilities: vec!["store".into()],
            strict: true,
            diff: None,
        };
        let v: serde_json::Value = serde_json::from_str(&render(
            &target,
            &results,
            std::time::Duration::from_millis(5),
        ))
        .unwrap();
        assert_eq!(v["format"], FORMAT);
        assert_eq!(v["version"], 3);
        assert_eq!(v["target"]["diff"], serde_json::Value::Null);
        assert_eq!(v["specs"][0]["departures"], serde_json::json!([]));
        assert_eq!(v["target"]["url"], serde_json::Value::Null);
        assert_eq!(v["totals"]["failed"], 1);
        assert_eq!(v["specs"][0]["failure"]["step"], 2);
        assert_eq!(v["specs"][1]["outcome"], "skipped");
        assert_eq!(v["specs"][1]["reason"], "needs crons");
        assert_eq!(v["specs"][1]["area"], "crons");
    }
}
