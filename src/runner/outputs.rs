//! What a run leaves for people and CI: the warnings of specs that passed, the summary by area, the specs ignored
//! for lack of a capability, and, with `LANGGRAPH_REPORT_DIR`, `junit.xml` and `report.json`.

use std::time::Duration;

use super::Planned;
use crate::results::{json, junit, summary, Outcome, SpecResult, TargetInfo};
use crate::target::Settings;

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
        url: settings.url.clone(),
        capabilities,
        strict: settings.strict,
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
    let ignored: Vec<&SpecResult> = results
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Ignored(_)))
        .collect();
    if !ignored.is_empty() {
        eprintln!(
            "ignored for lack of a capability ({}):",
            settings.capabilities_from
        );
        for r in ignored {
            if let Outcome::Ignored(why) = &r.outcome {
                eprintln!("  {}: {why}", r.name);
            }
        }
    }
    let Some(dir) = &settings.report_dir else {
        return Ok(());
    };
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let write = |name: &str, text: String| {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
    };
    write("junit.xml", junit::render(&target, results, took)?)?;
    write("report.json", json::render(&target, results, took))?;
    eprintln!(
        "reports: {}/junit.xml, {}/report.json",
        dir.display(),
        dir.display()
    );
    Ok(())
}
