//! What a run leaves for people and CI: the warnings of specs that passed, the summary by area, the specs ignored
//! for lack of a capability, and, with `LANGGRAPH_REPORT_DIR`, `junit.xml` and `report.json`.

use std::path::Path;
use std::time::Duration;

use super::Planned;
use crate::results::{json, junit, summary, DiffInfo, Outcome, SpecResult, TargetInfo};
use crate::target::{DiffMode, Settings};

/// `--list`: each spec's test name, with its tags beside it.
pub fn list(planned: &[&Planned]) {
    let width = planned.iter().map(|p| p.name.len()).max().unwrap_or(0);
    for p in planned {
        let line = format!("{}: test", p.name);
        if p.tags.is_empty() {
            println!("{line}");
        } else {
            println!("{line:w$}  [{}]", p.tags.join(", "), w = width + 6);
        }
    }
}

pub fn target_info(settings: &Settings) -> TargetInfo {
    let mut capabilities: Vec<String> = settings.capabilities.iter().cloned().collect();
    capabilities.sort();
    TargetInfo {
        // Reports are kept and shared: the URL goes without its credentials.
        url: settings.url.as_deref().map(crate::secrets::display_url),
        capabilities,
        strict: settings.strict,
        diff: settings.diff.on().then(|| DiffInfo {
            fail: settings.diff.mode == DiffMode::Fail,
            reference: settings.diff.reference_url.clone(),
            same_graph: settings.diff.same_graph,
        }),
    }
}

/// Prints what people read after the run and writes what CI reads.
pub fn after_run(
    settings: &Settings,
    results: &[SpecResult],
    took: Duration,
) -> Result<(), String> {
    for r in results {
        if r.outcome == Outcome::Passed && !r.report.is_empty() {
            eprintln!("\n---- {} passed, with warnings ----\n{}", r.name, r.report);
        }
    }
    let target = target_info(settings);
    eprintln!("\n{}", summary::render(&target, results));
    let of = |pick: fn(&Outcome) -> bool| -> Vec<&SpecResult> {
        results.iter().filter(|r| pick(&r.outcome)).collect()
    };
    let blocked = of(|o| matches!(o, Outcome::Blocked(_)));
    if !blocked.is_empty() {
        eprintln!("blocked: a set-up step failed, so the subject was not tested (the spec of that operation says why):");
        for r in blocked {
            eprintln!("  {}: {}", r.name, r.outcome.reason().unwrap_or_default());
        }
    }
    let skipped = of(|o| matches!(o, Outcome::Skipped(_)));
    if !skipped.is_empty() {
        eprintln!(
            "skipped for lack of a capability ({}):",
            settings.capabilities_from
        );
        for r in skipped {
            eprintln!("  {}: {}", r.name, r.outcome.reason().unwrap_or_default());
        }
    }
    let Some(dir) = &settings.report_dir else {
        return Ok(());
    };
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    if let Some(run) = std::env::var_os("NEXTEST_RUN_ID") {
        return merge_parts(dir, &run.to_string_lossy(), &target, results);
    }
    write_reports(dir, &target, results, took)?;
    eprintln!(
        "reports: {}/junit.xml, {}/report.json",
        dir.display(),
        dir.display()
    );
    Ok(())
}

fn write_reports(
    dir: &Path,
    target: &TargetInfo,
    results: &[SpecResult],
    took: Duration,
) -> Result<(), String> {
    let write = |name: &str, text: String| {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
    };
    write("junit.xml", junit::render(target, results, took)?)?;
    write("report.json", json::render(target, results, took))
}

/// Under nextest each spec runs in a process of its own. Each process adds its results to `DIR/parts/RUN/` and
/// writes the reports again from every part of the run so far, under a lock, so that the last process to finish
/// leaves them whole.
fn merge_parts(
    dir: &Path,
    run: &str,
    target: &TargetInfo,
    results: &[SpecResult],
) -> Result<(), String> {
    let err = |what: &str, e: std::io::Error| format!("{what} in {}: {e}", dir.display());
    let run: String = run
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    let parts = dir.join("parts").join(run);
    std::fs::create_dir_all(&parts).map_err(|e| err("cannot create parts", e))?;
    let lock =
        std::fs::File::create(dir.join(".lock")).map_err(|e| err("cannot create a lock", e))?;
    lock.lock().map_err(|e| err("cannot lock", e))?;
    for r in results {
        let name: String = r
            .name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '_' {
                    c
                } else {
                    '-'
                }
            })
            .collect();
        let text = serde_json::to_string(r).expect("a result serialises");
        std::fs::write(parts.join(format!("{name}.json")), text)
            .map_err(|e| err("cannot write a part", e))?;
    }
    let mut all: Vec<SpecResult> = Vec::new();
    for entry in std::fs::read_dir(&parts).map_err(|e| err("cannot read parts", e))? {
        let path = entry.map_err(|e| err("cannot read parts", e))?.path();
        let text = std::fs::read_to_string(&path).map_err(|e| err("cannot read a part", e))?;
        all.push(serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?);
    }
    all.sort_by(|a, b| a.name.cmp(&b.name));
    let took = all.iter().map(|r| r.duration).sum();
    write_reports(dir, target, &all, took)
}
