//! A compatibility matrix: the reports of runs against several targets, spec by spec. Markdown for README.md (the
//! specs where the targets differ, and totals) and JSON for tools; and, from a target's failures, the
//! `known_failures` list its target file keeps.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde::Serialize;
use serde_json::Value;

/// One target's column: its name and its `report.json`.
pub struct Column {
    pub name: String,
    pub report: Value,
}

/// A cell: how one spec came out on one target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum Cell {
    Passed,
    /// With the first failure, shortened.
    Failed {
        reason: String,
    },
    /// A set-up step failed: the subject was not tested there.
    Blocked {
        reason: String,
    },
    /// Not run there: the target lacks a capability.
    Skipped {
        reason: String,
    },
    /// Not in this target's run.
    Missing,
}

impl Cell {
    fn of(spec: &Value) -> Cell {
        let reason = |k: &str| spec[k].as_str().unwrap_or("").to_string();
        match spec["outcome"].as_str() {
            Some("passed") => Cell::Passed,
            // `ignored`: a report of version 1.
            Some("skipped" | "ignored") => Cell::Skipped {
                reason: reason("reason"),
            },
            Some("blocked") => Cell::Blocked {
                reason: short(&reason("reason")),
            },
            _ => Cell::Failed {
                reason: short(spec["failure"]["message"].as_str().unwrap_or("failed")),
            },
        }
    }

    fn markdown(&self) -> String {
        match self {
            Cell::Passed => "pass".into(),
            Cell::Failed { reason } => format!("**fail**: {}", reason.replace('|', "\\|")),
            Cell::Skipped { reason } => format!("skipped ({reason})"),
            Cell::Blocked { reason } => format!("blocked ({})", reason.replace('|', "\\|")),
            Cell::Missing => "—".into(),
        }
    }
}

/// Whether a failure message is still the one a baseline's reason was made from (`short` of it, or a hand-written
/// beginning of it).
pub fn same_failure(reason: &str, message: &str) -> bool {
    let now = short(message);
    let reason = reason.trim().trim_end_matches('…');
    now == reason || now.trim_end_matches('…').starts_with(reason)
}

/// A first line, without its trailing details or ids (which change from run to run), at most 100 characters.
pub fn short(message: &str) -> String {
    static ID: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}",
        )
        .expect("static regex")
    });
    let first = message.lines().next().unwrap_or("").trim();
    let line = ID.replace_all(first, "<id>");
    if line.chars().count() <= 100 {
        return line.into_owned();
    }
    let cut: String = line.chars().take(99).collect();
    format!("{cut}…")
}

pub struct Matrix {
    pub targets: Vec<String>,
    /// Spec name → one cell per target.
    pub rows: BTreeMap<String, Vec<Cell>>,
}

pub fn build(columns: &[Column]) -> Matrix {
    let mut names = BTreeSet::new();
    for c in columns {
        for s in c.report["specs"].as_array().into_iter().flatten() {
            if let Some(n) = s["name"].as_str() {
                names.insert(n.to_string());
            }
        }
    }
    let rows = names
        .into_iter()
        .map(|name| {
            let cells = columns
                .iter()
                .map(|c| {
                    c.report["specs"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .find(|s| s["name"] == name.as_str())
                        .map(Cell::of)
                        .unwrap_or(Cell::Missing)
                })
                .collect();
            (name, cells)
        })
        .collect();
    Matrix {
        targets: columns.iter().map(|c| c.name.clone()).collect(),
        rows,
    }
}

impl Matrix {
    /// Passed, failed, blocked, skipped.
    fn totals(&self, i: usize) -> [usize; 4] {
        let mut t = [0; 4];
        for cells in self.rows.values() {
            match cells[i] {
                Cell::Passed => t[0] += 1,
                Cell::Failed { .. } => t[1] += 1,
                Cell::Blocked { .. } => t[2] += 1,
                Cell::Skipped { .. } => t[3] += 1,
                Cell::Missing => {}
            }
        }
        t
    }

    /// The table: per-target totals, then each spec that does not pass everywhere it ran (`all` = every spec).
    pub fn markdown(&self, all: bool) -> String {
        let mut out = String::from(
            "| target | passed | failed | blocked | skipped |\n| --- | --- | --- | --- | --- |\n",
        );
        for (i, t) in self.targets.iter().enumerate() {
            let [p, f, b, sk] = self.totals(i);
            let _ = writeln!(out, "| {t} | {p} | {f} | {b} | {sk} |");
        }
        out.push('\n');
        let _ = writeln!(out, "| spec | {} |", self.targets.join(" | "));
        let _ = writeln!(out, "| --- |{}", " --- |".repeat(self.targets.len()));
        for (name, cells) in &self.rows {
            let differs = cells.iter().any(|c| matches!(c, Cell::Failed { .. }));
            if !all && !differs {
                continue;
            }
            let cells: Vec<String> = cells.iter().map(Cell::markdown).collect();
            let _ = writeln!(out, "| `{name}` | {} |", cells.join(" | "));
        }
        out
    }

    pub fn json(&self) -> String {
        #[derive(Serialize)]
        struct Out<'a> {
            format: &'static str,
            version: u32,
            targets: &'a [String],
            specs: BTreeMap<&'a str, BTreeMap<&'a str, &'a Cell>>,
        }
        let specs = self
            .rows
            .iter()
            .map(|(name, cells)| {
                let by_target = self
                    .targets
                    .iter()
                    .map(String::as_str)
                    .zip(cells.iter())
                    .collect();
                (name.as_str(), by_target)
            })
            .collect();
        let mut text = serde_json::to_string_pretty(&Out {
            format: "langgraph-conformance-matrix",
            version: 1,
            targets: &self.targets,
            specs,
        })
        .expect("the matrix serialises");
        text.push('\n');
        text
    }

    /// The `known_failures` entries of one target, in the target file's YAML.
    pub fn known_failures_yaml(&self, target: usize) -> String {
        let mut out = String::from("known_failures:\n");
        let mut any = false;
        for (name, cells) in &self.rows {
            if let Cell::Failed { reason } = &cells[target] {
                any = true;
                let reason = serde_json::to_string(reason).expect("a string serialises");
                let _ = writeln!(out, "  - {{spec: {name}, reason: {reason}}}");
            }
        }
        if !any {
            return "known_failures: []\n".into();
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn report(specs: Value) -> Value {
        json!({"format": "langgraph-conformance-report", "version": 1, "specs": specs})
    }

    #[test]
    fn a_matrix_of_two_targets() {
        let py = report(json!([
            {"name": "a::one", "outcome": "passed"},
            {"name": "a::two", "outcome": "passed"},
            {"name": "a::zz", "outcome": "passed"},
            {"name": "b::three", "outcome": "passed"}
        ]));
        let js = report(json!([
            {"name": "a::one", "outcome": "passed"},
            {"name": "a::two", "outcome": "failed", "failure": {"message": "status 404, expected 422 | x\nmore"}},
            {"name": "a::zz", "outcome": "failed", "failure": {"message": "no run 1ef0b6c2-0c48-7490-8bf5-36206add49ba"}},
            {"name": "b::three", "outcome": "ignored", "reason": "needs crons"}
        ]));
        let m = build(&[
            Column {
                name: "python".into(),
                report: py,
            },
            Column {
                name: "js".into(),
                report: js,
            },
        ]);
        let md = m.markdown(false);
        assert!(md.contains("| python | 4 | 0 | 0 | 0 |"), "{md}");
        assert!(md.contains("| js | 1 | 2 | 0 | 1 |"), "{md}");
        assert!(md.contains("**fail**: no run <id> |"), "{md}");
        assert!(
            md.contains("| `a::two` | pass | **fail**: status 404, expected 422 \\| x |"),
            "{md}"
        );
        assert!(!md.contains("`a::one`"), "{md}");
        assert!(m
            .markdown(true)
            .contains("| `b::three` | pass | skipped (needs crons) |"));
        assert_eq!(
            m.known_failures_yaml(1),
            "known_failures:\n  - {spec: a::two, reason: \"status 404, expected 422 | x\"}\n  - {spec: a::zz, reason: \"no run <id>\"}\n"
        );
        assert_eq!(m.known_failures_yaml(0), "known_failures: []\n");
        let j: Value = serde_json::from_str(&m.json()).unwrap();
        assert_eq!(j["specs"]["a::two"]["js"]["outcome"], "failed");
    }

    #[test]
    fn a_baseline_reason_names_the_failure_it_was_made_from() {
        assert!(same_failure(
            "status 404, expected 422",
            "status 404, expected 422"
        ));
        let long = format!("expected a JSON body, but {}", "x".repeat(200));
        assert!(same_failure(&short(&long), &long));
        assert!(
            same_failure("expected a JSON body", &long),
            "a hand-written beginning"
        );
        assert!(same_failure(
            "no run <id>",
            "no run 1ef0b6c2-0c48-7490-8bf5-36206add49ba"
        ));
        assert!(!same_failure(
            "status 404, expected 422",
            "status 500, expected 422"
        ));
    }
}
