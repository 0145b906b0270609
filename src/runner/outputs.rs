//! What a run leaves for people and CI: the warnings of specs that passed, the summary by area, the specs ignored
//! for lack of a capability, and, with `LANGGRAPH_REPORT_DIR`, `junit.xml` and `report.json`.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::Planned;
use crate::results::junit::JunitError;
use crate::results::{json, junit, summary, DiffInfo, Outcome, SpecResult, TargetInfo};
use crate::target::{DiffMode, Settings};

/// Why the reports of a run could not be written.
#[derive(Debug)]
#[non_exhaustive]
pub enum ReportError {
    /// The report folder cannot be made.
    CreateDir {
        /// The folder (`LANGGRAPH_REPORT_DIR`).
        dir: PathBuf,
        /// Why not.
        source: std::io::Error,
    },
    /// A report cannot be written.
    Write {
        /// The report's file.
        path: PathBuf,
        /// Why not.
        source: std::io::Error,
    },
    /// The JUnit report cannot be made.
    Junit(JunitError),
    /// Under nextest: a step of keeping the parts of the run in `dir` failed.
    Parts {
        /// What was being done.
        step: PartsStep,
        /// The report folder.
        dir: PathBuf,
        /// Why it failed.
        source: std::io::Error,
    },
    /// Under nextest: a part that does not read as a result.
    Part {
        /// The part's file.
        path: PathBuf,
        /// Why it does not read.
        source: serde_json::Error,
    },
}

/// What was being done with the parts of a run under nextest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PartsStep {
    /// Making the folder of the run's parts.
    CreateParts,
    /// Making the lock file.
    CreateLock,
    /// Taking the lock.
    Lock,
    /// Writing this process's part.
    WritePart,
    /// Listing the parts.
    ReadParts,
    /// Reading a part.
    ReadPart,
}

impl fmt::Display for PartsStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PartsStep::CreateParts => "cannot create parts",
            PartsStep::CreateLock => "cannot create a lock",
            PartsStep::Lock => "cannot lock",
            PartsStep::WritePart => "cannot write a part",
            PartsStep::ReadParts => "cannot read parts",
            PartsStep::ReadPart => "cannot read a part",
        })
    }
}

impl fmt::Display for ReportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReportError::CreateDir { dir, source } => {
                write!(f, "cannot create {}: {source}", dir.display())
            }
            ReportError::Write { path, source } => {
                write!(f, "cannot write {}: {source}", path.display())
            }
            ReportError::Junit(e) => write!(f, "{e}"),
            ReportError::Parts { step, dir, source } => {
                write!(f, "{step} in {}: {source}", dir.display())
            }
            ReportError::Part { path, source } => write!(f, "{}: {source}", path.display()),
        }
    }
}

impl std::error::Error for ReportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ReportError::CreateDir { source, .. }
            | ReportError::Write { source, .. }
            | ReportError::Parts { source, .. } => Some(source),
            ReportError::Junit(e) => Some(e),
            ReportError::Part { source, .. } => Some(source),
        }
    }
}

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

/// The target `settings` describe, as reports name it ([`crate::results`]).
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
) -> Result<(), ReportError> {
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
    std::fs::create_dir_all(dir).map_err(|source| ReportError::CreateDir {
        dir: dir.clone(),
        source,
    })?;
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
) -> Result<(), ReportError> {
    let write = |name: &str, text: String| {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|source| ReportError::Write { path, source })
    };
    write(
        "junit.xml",
        junit::render(target, results, took).map_err(ReportError::Junit)?,
    )?;
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
) -> Result<(), ReportError> {
    let err = |step: PartsStep| {
        move |source| ReportError::Parts {
            step,
            dir: dir.to_path_buf(),
            source,
        }
    };
    let run: String = run
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    let parts = dir.join("parts").join(run);
    std::fs::create_dir_all(&parts).map_err(err(PartsStep::CreateParts))?;
    let lock = std::fs::File::create(dir.join(".lock")).map_err(err(PartsStep::CreateLock))?;
    lock.lock().map_err(err(PartsStep::Lock))?;
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
            .map_err(err(PartsStep::WritePart))?;
    }
    let mut all: Vec<SpecResult> = Vec::new();
    for entry in std::fs::read_dir(&parts).map_err(err(PartsStep::ReadParts))? {
        let path = entry.map_err(err(PartsStep::ReadParts))?.path();
        let text = std::fs::read_to_string(&path).map_err(err(PartsStep::ReadPart))?;
        all.push(serde_json::from_str(&text).map_err(|source| ReportError::Part { path, source })?);
    }
    all.sort_by(|a, b| a.name.cmp(&b.name));
    let took = all.iter().map(|r| r.duration).sum();
    write_reports(dir, target, &all, took)
}
