//! The end-of-run summary: per area (the folder under `specs/`) how many specs passed, failed, were blocked or skipped, or
//! failed as the target's baseline expects, and how many expectations did not hold, by level. In the differential
//! mode, also how many departures from the reference each area has, and the first ones of each spec.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::{Outcome, SpecResult, TargetInfo, Totals};

/// The summary people read at the end of a run against `target`.
pub fn render(target: &TargetInfo, results: &[SpecResult]) -> String {
    let mut areas: BTreeMap<&str, Vec<&SpecResult>> = BTreeMap::new();
    for r in results {
        areas.entry(r.area()).or_default().push(r);
    }
    let width = areas.keys().map(|a| a.len()).chain([5]).max().unwrap_or(5);
    let mut out = format!("summary, against {}:\n", target.label());
    let diff = target.diff.is_some();
    let _ = writeln!(
        out,
        "  {:width$}  passed  failed  blocked  skipped  expected to fail{}",
        "area",
        if diff { "  departures  additions" } else { "" }
    );
    let row = |out: &mut String, name: &str, t: Totals| {
        let _ = write!(
            out,
            "  {name:width$}  {:>6}  {:>6}  {:>7}  {:>7}  {:>16}",
            t.passed, t.failed, t.blocked, t.skipped, t.expected_failures
        );
        if diff {
            let _ = write!(out, "  {:>10}  {:>9}", t.departures, t.additions);
        }
        out.push('\n');
    };
    for (area, list) in &areas {
        row(&mut out, area, Totals::of(list.iter().copied()));
    }
    let all = Totals::of(results);
    row(&mut out, "all", all);
    let expected: Vec<&SpecResult> = results
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::ExpectedFailure(_)))
        .collect();
    if !expected.is_empty() {
        out.push_str("failed as the target's known_failures expect:\n");
        for r in expected {
            if let Outcome::ExpectedFailure(why) = &r.outcome {
                let _ = writeln!(out, "  {}: {why}", r.name);
            }
        }
    }
    if all.musts_failed + all.shoulds_failed > 0 {
        let note = match (all.shoulds_failed, target.strict) {
            (0, _) => "",
            (_, true) => " (LANGGRAPH_STRICT is set: the shoulds fail their tests too)",
            (_, false) => " (the shoulds are warnings; LANGGRAPH_STRICT=1 makes them fail)",
        };
        let _ = writeln!(
            out,
            "expectations not met: {} must, {} should{note}",
            all.musts_failed, all.shoulds_failed
        );
    }
    let clean_up: usize = results.iter().map(|r| r.clean_up_problems).sum();
    if clean_up > 0 {
        let _ = writeln!(
            out,
            "clean-up problems: {clean_up} (warnings: what a spec made may be left on the target)"
        );
    }
    if let Some(d) = &target.diff {
        departures(&mut out, d, results, all);
    }
    out
}

/// How many departures of each spec the summary lists; report.json has them all.
pub const LISTED_PER_SPEC: usize = 3;

fn departures(out: &mut String, info: &super::DiffInfo, results: &[SpecResult], all: Totals) {
    let with: Vec<(&SpecResult, &super::DiffResult)> = results
        .iter()
        .filter_map(|r| Some((r, r.diff.as_ref()?)))
        .collect();
    let compared = with.iter().filter(|(_, d)| d.compared).count();
    let specs = with.iter().filter(|(_, d)| d.count() > 0).count();
    let _ = writeln!(
        out,
        "departures from {} ({}): {} in {specs} spec(s) of {compared} compared; {} addition(s); {} tolerated",
        info.against(),
        if info.fail {
            "LANGGRAPH_DIFF=fail: each fails its spec"
        } else {
            "findings, not failures"
        },
        all.departures,
        all.additions,
        all.tolerated_departures
    );
    for (r, d) in &with {
        let listed: Vec<_> = d.departures.iter().filter(|x| x.counts()).collect();
        if listed.is_empty() {
            continue;
        }
        let _ = writeln!(out, "  {}:", r.name);
        for x in listed.iter().take(LISTED_PER_SPEC) {
            let _ = writeln!(out, "    {}", x.line());
        }
        if listed.len() > LISTED_PER_SPEC {
            let _ = writeln!(out, "    … and {} more", listed.len() - LISTED_PER_SPEC);
        }
    }
    let uncompared: Vec<&str> = with
        .iter()
        .filter(|(_, d)| !d.compared)
        .map(|(r, _)| r.name.as_str())
        .collect();
    if !uncompared.is_empty() {
        let _ = writeln!(
            out,
            "not compared ({}; report.json says why): {}",
            uncompared.len(),
            uncompared.join(", ")
        );
    }
    let stale: Vec<String> = with
        .iter()
        .flat_map(|(r, d)| d.stale.iter().map(move |s| format!("  {}: {s}", r.name)))
        .collect();
    if !stale.is_empty() {
        let _ = writeln!(
            out,
            "tolerated departures the target no longer makes (take them off its target file's list):"
        );
        for s in stale {
            let _ = writeln!(out, "{s}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::tests::result;

    #[test]
    fn the_summary_reads_as_its_golden_file() {
        let mut failed = result("threads::copy", Outcome::Failed);
        failed.musts_failed = 2;
        let mut warned = result("threads::create", Outcome::Passed);
        warned.shoulds_failed = 1;
        warned.clean_up_problems = 1;
        let results = vec![
            warned,
            failed,
            result("assistants::search", Outcome::Passed),
            result("crons::create", Outcome::Skipped("needs crons".into())),
            result(
                "runs::join",
                Outcome::Blocked(
                    "set-up step 1 \"create a thread\" failed: status 500, expected 200".into(),
                ),
            ),
            result(
                "errors::thread_get_missing",
                Outcome::ExpectedFailure("errors are plain text".into()),
            ),
        ];
        let target = TargetInfo {
            url: Some("http://127.0.0.1:2025".into()),
            capabilities: vec![],
            strict: false,
            diff: None,
        };
        let got = render(&target, &results);
        let file = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/golden/summary/mixed.txt"
        );
        if let Err(e) = crate::golden::check(std::path::Path::new(file), &got) {
            panic!("{e}");
        }
    }
}
