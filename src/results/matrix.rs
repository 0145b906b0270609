//! A compatibility matrix: the reports of runs against several targets, spec by spec. Markdown for README.md (the
//! specs where the targets differ, and totals) and JSON for tools; from a target's failures, the `known_failures`
//! list its target file keeps; and, for runs in the differential mode, each target's departures from the reference:
//! counted in the matrix, and listed by kind and place in a document of their own.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde::Serialize;
use serde_json::Value;

/// One target's column: its name and its `report.json`.
pub struct Column {
    /// The target's name, as the matrix heads its column.
    pub name: String,
    /// The `report.json` of the run against it ([`super::json`]).
    pub report: Value,
}

/// A cell: how one spec came out on one target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum Cell {
    /// Passed there.
    Passed,
    /// Failed there.
    Failed {
        /// The first failure, shortened.
        reason: String,
    },
    /// A set-up step failed: the subject was not tested there.
    Blocked {
        /// Which set-up step, and how it failed.
        reason: String,
    },
    /// Not run there: the target lacks a capability.
    Skipped {
        /// Which capability.
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

/// A departure's place with its indexes and event numbers as `*`: `event 3 (values) $.messages[0].name` →
/// `event * (values) $.messages[*].name`, which a `tolerated_departures` entry can use as it is.
pub(crate) fn pattern(place: &str) -> String {
    static INDEX: std::sync::LazyLock<regex::Regex> =
        std::sync::LazyLock::new(|| regex::Regex::new(r"\[-?\d+\]").expect("static regex"));
    static EVENT: std::sync::LazyLock<regex::Regex> =
        std::sync::LazyLock::new(|| regex::Regex::new(r"^event \d+ ").expect("static regex"));
    let p = EVENT.replace(place, "event * ");
    INDEX.replace_all(&p, "[*]").into_owned()
}

/// Whether a failure message is still the one a baseline's reason was made from (`short` of it, or a hand-written
/// beginning of it).
pub(crate) fn same_failure(reason: &str, message: &str) -> bool {
    let now = short(message);
    let reason = reason.trim().trim_end_matches('…');
    now == reason || now.trim_end_matches('…').starts_with(reason)
}

/// A first line, without its trailing details or ids (which change from run to run), at most 100 characters.
pub(crate) fn short(message: &str) -> String {
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

/// A spec's departures on one target (a run in the differential mode).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Departures {
    /// Departures proper that nothing tolerates.
    pub count: usize,
    /// Keys the target adds (`kind: extra`).
    pub additions: usize,
    /// Whether the answers were compared at all.
    pub compared: bool,
    /// Every departure, as report.json gives it.
    #[serde(skip)]
    pub list: Vec<Value>,
}

impl Departures {
    fn of(spec: &Value) -> Option<Departures> {
        let comparison = spec.get("comparison").filter(|c| !c.is_null())?;
        let list: Vec<Value> = spec["departures"].as_array().cloned().unwrap_or_default();
        let counts =
            |d: &&Value| d["addition"] != true && d["tolerated"].is_null() && d["kind"] != "more";
        Some(Departures {
            count: list.iter().filter(counts).count(),
            additions: list.iter().filter(|d| d["addition"] == true).count(),
            compared: comparison["compared"] == true,
            list,
        })
    }
}

/// The runs against several targets, side by side: [`build`] makes it, and it renders as Markdown and JSON.
pub struct Matrix {
    /// The targets' names, in the order of the columns.
    pub targets: Vec<String>,
    /// Spec name → one cell per target.
    pub rows: BTreeMap<String, Vec<Cell>>,
    /// Spec name → its departures on each target; `None` where the target's run was not in the differential mode
    /// (or the spec did not run there).
    pub departures: BTreeMap<String, Vec<Option<Departures>>>,
    /// Per target: whether its run was in the differential mode, and against what.
    pub diff: Vec<Option<String>>,
}

/// The matrix of these runs: every spec any of them ran, with a cell per target.
pub fn build(columns: &[Column]) -> Matrix {
    let mut names = BTreeSet::new();
    for c in columns {
        for s in c.report["specs"].as_array().into_iter().flatten() {
            if let Some(n) = s["name"].as_str() {
                names.insert(n.to_string());
            }
        }
    }
    let spec = |c: &Column, name: &str| -> Option<Value> {
        c.report["specs"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|s| s["name"] == name)
            .cloned()
    };
    let mut rows = BTreeMap::new();
    let mut departures = BTreeMap::new();
    for name in names {
        let specs: Vec<Option<Value>> = columns.iter().map(|c| spec(c, &name)).collect();
        let cells = specs
            .iter()
            .map(|s| s.as_ref().map(Cell::of).unwrap_or(Cell::Missing))
            .collect();
        let found = specs
            .iter()
            .map(|s| s.as_ref().and_then(Departures::of))
            .collect();
        rows.insert(name.clone(), cells);
        departures.insert(name, found);
    }
    let diff = columns
        .iter()
        .map(|c| {
            let d = &c.report["target"]["diff"];
            d.is_object().then(|| match d["reference"].as_str() {
                Some(u) => format!("a live reference ({u})"),
                None if d["same_graph"] == false => {
                    "the recordings, graph state aside (another graph)".to_string()
                }
                None => "the recordings".to_string(),
            })
        })
        .collect();
    Matrix {
        targets: columns.iter().map(|c| c.name.clone()).collect(),
        rows,
        departures,
        diff,
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

    /// Departures proper, additions, specs with departures and specs compared, of target `i`; `None` when its run
    /// was not in the differential mode.
    pub fn departure_totals(&self, i: usize) -> Option<[usize; 4]> {
        self.diff[i].as_ref()?;
        let mut t = [0; 4];
        for d in self.departures.values().filter_map(|row| row[i].as_ref()) {
            t[0] += d.count;
            t[1] += d.additions;
            t[2] += usize::from(d.count > 0);
            t[3] += usize::from(d.compared);
        }
        Some(t)
    }

    fn any_diff(&self) -> bool {
        self.diff.iter().any(Option::is_some)
    }

    /// The table: per-target totals (with the departures from the reference, for runs in the differential mode),
    /// then each spec that does not pass everywhere it ran (`all` = every spec), with its departures.
    pub fn markdown(&self, all: bool) -> String {
        let diff = self.any_diff();
        let mut out = String::from("| target | passed | failed | blocked | skipped |");
        out.push_str(if diff {
            " departures (specs) | additions |\n| --- | --- | --- | --- | --- | --- | --- |\n"
        } else {
            "\n| --- | --- | --- | --- | --- |\n"
        });
        for (i, t) in self.targets.iter().enumerate() {
            let [p, f, b, sk] = self.totals(i);
            let _ = write!(out, "| {t} | {p} | {f} | {b} | {sk} |");
            match (diff, self.departure_totals(i)) {
                (false, _) => {}
                (true, Some([n, a, specs, _])) => {
                    let _ = write!(out, " {n} ({specs}) | {a} |");
                }
                (true, None) => out.push_str(" — | — |"),
            }
            out.push('\n');
        }
        out.push('\n');
        let _ = write!(out, "| spec | {} |", self.targets.join(" | "));
        out.push_str(if diff { " departures |\n" } else { "\n" });
        let _ = writeln!(
            out,
            "| --- |{}",
            " --- |".repeat(self.targets.len() + usize::from(diff))
        );
        for (name, cells) in &self.rows {
            let differs = cells.iter().any(|c| matches!(c, Cell::Failed { .. }));
            if !all && !differs {
                continue;
            }
            let cells: Vec<String> = cells.iter().map(Cell::markdown).collect();
            let _ = write!(out, "| `{name}` | {} |", cells.join(" | "));
            if diff {
                let counts: Vec<String> = self.departures[name]
                    .iter()
                    .zip(&self.targets)
                    .filter_map(|(d, t)| {
                        d.as_ref()
                            .filter(|d| d.count > 0)
                            .map(|d| format!("{t} {}", d.count))
                    })
                    .collect();
                let shown = if counts.is_empty() {
                    "—".to_string()
                } else {
                    counts.join(", ")
                };
                let _ = write!(out, " {shown} |");
            }
            out.push('\n');
        }
        out
    }

    /// The departures of target `i` from the reference, as a document: totals by kind, every departure grouped by
    /// kind and place (indexes and event numbers as `*`, so that a line reads as a `tolerated_departures` pattern),
    /// and the specs by count. `None` when its run was not in the differential mode.
    pub fn departures_markdown(&self, i: usize, title: &str) -> Option<String> {
        let against = self.diff[i].as_ref()?;
        let [n, additions, specs, compared] = self.departure_totals(i)?;
        let mut out = format!("# {title}\n\n");
        let _ = writeln!(
            out,
            "Generated by `scripts/matrix` from a run of the suite in the differential mode (`LANGGRAPH_DIFF=1`): where \
             the target's answers depart from the reference's answers to the same requests, compared with {against}. \
             See README.md, \"The differential mode\", for what is compared and how to read a line.\n"
        );
        let _ = writeln!(
            out,
            "{n} departures in {specs} of {compared} specs compared, and {additions} additions (keys the target adds).\n"
        );
        let (kinds, places) = self.tally_departures(i);
        out.push_str("| kind | departures | additions |\n| --- | --- | --- |\n");
        for (k, (d, a)) in &kinds {
            let _ = writeln!(out, "| {k} | {d} | {a} |");
        }
        write_places(&mut out, places);
        self.write_departures_by_spec(&mut out, i);
        Some(out)
    }

    /// Target `i`'s departures counted by kind (departures, additions), and by kind and place (times, specs).
    fn tally_departures(&self, i: usize) -> (BTreeMap<String, (usize, usize)>, Places<'_>) {
        let mut kinds: BTreeMap<String, (usize, usize)> = BTreeMap::new();
        let mut places = Places::new();
        for (name, row) in &self.departures {
            let Some(d) = &row[i] else { continue };
            for x in &d.list {
                let s = |k: &str| x[k].as_str().unwrap_or("").to_string();
                if s("kind") == "more" {
                    continue;
                }
                let k = kinds.entry(s("kind")).or_default();
                if x["addition"] == true {
                    k.1 += 1
                } else {
                    k.0 += 1
                }
                let e = places
                    .entry((s("kind"), pattern(&s("where")), s("reference"), s("target")))
                    .or_default();
                e.0 += 1;
                e.1.insert(name.as_str());
            }
        }
        (kinds, places)
    }

    /// One row per spec with departures: its counts and its first departure that counts.
    fn write_departures_by_spec(&self, out: &mut String, i: usize) {
        out.push_str("\n## By spec\n\n| spec | departures | additions | first |\n| --- | --- | --- | --- |\n");
        for (name, row) in &self.departures {
            let Some(d) = &row[i] else { continue };
            if d.count + d.additions == 0 {
                continue;
            }
            let first = d
                .list
                .iter()
                .find(|x| x["addition"] != true && x["tolerated"].is_null() && x["kind"] != "more")
                .or_else(|| d.list.first())
                .map(|x| {
                    format!(
                        "step {} `{}`: reference {}, target {}",
                        x["step"],
                        cell(x["where"].as_str().unwrap_or("")),
                        cell(x["reference"].as_str().unwrap_or("")),
                        cell(x["target"].as_str().unwrap_or(""))
                    )
                })
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "| `{name}` | {} | {} | {first} |",
                d.count, d.additions
            );
        }
    }

    /// The matrix as JSON (`matrix.json`), for tools.
    pub fn json(&self) -> String {
        #[derive(Serialize)]
        struct Out<'a> {
            format: &'static str,
            version: u32,
            targets: &'a [String],
            specs: BTreeMap<&'a str, BTreeMap<&'a str, CellOut<'a>>>,
        }
        #[derive(Serialize)]
        struct CellOut<'a> {
            #[serde(flatten)]
            cell: &'a Cell,
            /// Departures from the reference; `null` when the run was not in the differential mode.
            departures: Option<&'a Departures>,
        }
        let specs = self
            .rows
            .iter()
            .map(|(name, cells)| {
                let by_target = self
                    .targets
                    .iter()
                    .map(String::as_str)
                    .zip(cells.iter().zip(&self.departures[name]))
                    .map(|(t, (cell, d))| {
                        (
                            t,
                            CellOut {
                                cell,
                                departures: d.as_ref(),
                            },
                        )
                    })
                    .collect();
                (name.as_str(), by_target)
            })
            .collect();
        let mut text = serde_json::to_string_pretty(&Out {
            format: "langgraph-conformance-matrix",
            version: 2,
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

/// (kind, where, reference, target) → (times, the specs it was seen in).
type Places<'a> = BTreeMap<(String, String, String, String), (usize, BTreeSet<&'a str>)>;

/// A markdown table cell: no column break, no line break.
fn cell(t: &str) -> String {
    t.replace('|', "\\|").replace('\n', " ")
}

/// The departures by kind and place, most frequent first within a kind, with up to three specs named.
fn write_places(out: &mut String, places: Places<'_>) {
    out.push_str("\n## By kind and place\n\n| kind | where | reference | target | times | specs |\n| --- | --- | --- | --- | --- | --- |\n");
    let mut rows: Vec<_> = places.into_iter().collect();
    rows.sort_by(|a, b| {
        a.0 .0
            .cmp(&b.0 .0)
            .then(b.1 .0.cmp(&a.1 .0))
            .then(a.0.cmp(&b.0))
    });
    for ((kind, place, r, t), (times, specs)) in rows {
        let listed: Vec<String> = specs.iter().take(3).map(|s| format!("`{s}`")).collect();
        let more = if specs.len() > 3 {
            format!(", +{} more", specs.len() - 3)
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "| {kind} | `{}` | {} | {} | {times} | {}{more} |",
            cell(&place),
            cell(&r),
            cell(&t),
            listed.join(", ")
        );
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
    fn departures_are_counted_and_listed_by_kind_and_place() {
        let dep = |step: u64, w: &str, kind: &str, addition: bool| {
            json!({"step": step, "step_name": "s", "where": w, "kind": kind, "reference": "object",
                   "target": "absent", "addition": addition, "tolerated": null})
        };
        let compared = json!({"against": "the recording", "compared": true, "notes": [], "stale_tolerated": []});
        let py = json!({"target": {"diff": {"mode": "report", "reference": null, "same_graph": true}}, "specs": [
            {"name": "a::one", "outcome": "passed", "departures": [], "comparison": compared},
        ]});
        let js = json!({"target": {"diff": {"mode": "report", "reference": null, "same_graph": false}}, "specs": [
            {"name": "a::one", "outcome": "failed", "failure": {"message": "status 400, expected 422"},
             "comparison": compared, "departures": [
                dep(1, "event 3 (values) $.messages[0].name", "event-data", false),
                dep(2, "event 5 (values) $.messages[1].name", "event-data", false),
                dep(2, "$.ttl", "extra", true),
             ]},
        ]});
        let plain =
            json!({"target": {"diff": null}, "specs": [{"name": "a::one", "outcome": "passed"}]});
        let m = build(&[
            Column {
                name: "python".into(),
                report: py,
            },
            Column {
                name: "js".into(),
                report: js,
            },
            Column {
                name: "old".into(),
                report: plain,
            },
        ]);
        assert_eq!(m.departure_totals(1), Some([2, 1, 1, 1]));
        assert_eq!(m.departure_totals(2), None);
        let md = m.markdown(false);
        assert!(
            md.contains(
                "| target | passed | failed | blocked | skipped | departures (specs) | additions |"
            ),
            "{md}"
        );
        assert!(
            md.contains("| python | 1 | 0 | 0 | 0 | 0 (0) | 0 |"),
            "{md}"
        );
        assert!(md.contains("| js | 0 | 1 | 0 | 0 | 2 (1) | 1 |"), "{md}");
        assert!(md.contains("| old | 1 | 0 | 0 | 0 | — | — |"), "{md}");
        assert!(
            md.contains("| `a::one` | pass | **fail**: status 400, expected 422 | pass | js 2 |"),
            "{md}"
        );
        let doc = m.departures_markdown(1, "JS").unwrap();
        assert!(
            doc.contains("compared with the recordings, graph state aside (another graph)"),
            "{doc}"
        );
        assert!(
            doc.contains("2 departures in 1 of 1 specs compared, and 1 additions"),
            "{doc}"
        );
        assert!(
            doc.contains("| event-data | `event * (values) $.messages[*].name` | object | absent | 2 | `a::one` |"),
            "{doc}"
        );
        assert!(doc.contains("| `a::one` | 2 | 1 | step 1 `event 3 (values) $.messages[0].name`: reference object, target absent |"), "{doc}");
        assert_eq!(m.departures_markdown(2, "old"), None);
        let j: Value = serde_json::from_str(&m.json()).unwrap();
        assert_eq!(j["specs"]["a::one"]["js"]["departures"]["count"], 2);
        assert_eq!(j["specs"]["a::one"]["js"]["outcome"], "failed");
        assert_eq!(j["specs"]["a::one"]["old"]["departures"], Value::Null);
        assert_eq!(
            pattern("event 12 (updates|sub:<id>) $['a b'][-1].x[3]"),
            "event * (updates|sub:<id>) $['a b'][*].x[*]"
        );
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
