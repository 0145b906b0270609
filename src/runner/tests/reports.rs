//! The reports CI reads: a run writes JUnit XML that an XML parser reads back with the right counts, and a JSON
//! report of the documented shape; a target's known failures ratchet both ways (a new failure fails the run, and so
//! does a known failure that now passes).

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::results::SpecResult;
use crate::runner::outputs::after_run;
use crate::runner::plan::{Planned, Prepare, Suite, TestFailure};
use crate::support::scratch;
use crate::target::{KnownFailure, Settings};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A specs folder with two specs of the suite (so the fixture has their recordings), one of them changed to expect
/// what the reference does not do.
fn specs(d: &Path) {
    for (name, text) in [
        (
            "meta/ok.yaml",
            std::fs::read_to_string(root().join("specs/meta/ok.yaml")).unwrap(),
        ),
        (
            "errors/thread_get_missing.yaml",
            std::fs::read_to_string(root().join("specs/errors/thread_get_missing.yaml"))
                .unwrap()
                .replace("status: 404", "status: 410"),
        ),
    ] {
        let p = d.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
}

fn run(
    specs_dir: &Path,
    known: &[(&str, &str)],
    report_dir: Option<&Path>,
) -> Vec<(String, Result<(), TestFailure>)> {
    let known = known
        .iter()
        .map(|(spec, reason)| KnownFailure {
            spec: spec.to_string(),
            reason: reason.to_string(),
            intermittent: false,
        })
        .collect();
    run_with(specs_dir, known, report_dir)
}

fn run_with(
    specs_dir: &Path,
    known: Vec<KnownFailure>,
    report_dir: Option<&Path>,
) -> Vec<(String, Result<(), TestFailure>)> {
    let mut s = Settings::from_lookup(|_| None, &root()).expect("settings");
    s.specs_dir = specs_dir.to_path_buf();
    s.known_failures = known;
    s.report_dir = report_dir.map(Path::to_path_buf);
    let suite = Suite::new(s);
    let verdicts: Vec<(String, Result<(), TestFailure>)> = suite
        .plan(Prepare::Specs, |_| true)
        .unwrap()
        .into_iter()
        .map(|p: Planned| (p.name.clone(), p.run().map(|_| ())))
        .collect();
    let results: Vec<SpecResult> = {
        let mut r = suite.results();
        r.sort_by(|a, b| a.name.cmp(&b.name));
        r
    };
    after_run(&suite.settings, &results, Duration::from_millis(3)).unwrap();
    verdicts
}

#[test]
fn junit_and_json_reports_say_what_happened() {
    let d = scratch("specs");
    specs(&d);
    let out = scratch("out");
    let v = run(&d, &[], Some(&out));
    assert!(v
        .iter()
        .any(|(n, r)| n == "errors::thread_get_missing" && r.is_err()));

    let xml = std::fs::read_to_string(out.join("junit.xml")).unwrap();
    let mut reader = quick_xml::Reader::from_str(&xml);
    let (mut cases, mut failures, mut suites) = (Vec::new(), 0, 0);
    loop {
        match reader.read_event().expect("junit.xml is well-formed XML") {
            quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e) => {
                match e.name().as_ref() {
                    b"testcase" => cases.push(
                        e.try_get_attribute("name")
                            .unwrap()
                            .unwrap()
                            .unescape_value()
                            .unwrap()
                            .into_owned(),
                    ),
                    b"failure" => failures += 1,
                    b"testsuite" => suites += 1,
                    _ => {}
                }
            }
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(cases, ["errors::thread_get_missing", "meta::ok"], "{xml}");
    assert_eq!((failures, suites), (1, 2), "{xml}");
    assert!(
        xml.contains("tests=\"2\"") && xml.contains("failures=\"1\""),
        "{xml}"
    );

    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("src/results/report.schema.json")).unwrap(),
    )
    .expect("the report's schema is JSON");
    let validator = jsonschema::draft202012::new(&schema).expect("the report's schema is valid");
    let errors: Vec<String> = validator
        .iter_errors(&json)
        .map(|e| e.to_string())
        .collect();
    assert!(
        errors.is_empty(),
        "report.json does not fit its schema: {errors:?}"
    );
    let mut other = json.clone();
    other["specs"][0]["outcome"] = "flaky".into();
    assert!(
        !validator.is_valid(&other),
        "the schema holds the report to its shape"
    );
    assert_eq!(json["version"], 3);
    assert_eq!(json["totals"]["failed"], 1);
    assert_eq!(json["totals"]["passed"], 1);
    let failed = &json["specs"][0];
    assert_eq!(failed["outcome"], "failed");
    assert_eq!(failed["failure"]["message"], "status 404, expected 410");
    let at = failed["failure"]["at"].as_str().unwrap();
    assert!(at.contains("errors/thread_get_missing.yaml:"), "{at}");
}

#[test]
fn known_failures_ratchet_both_ways() {
    let d = scratch("ratchet");
    specs(&d);
    // A failure the baseline knows: the run passes.
    let v = run(
        &d,
        &[(
            "errors::thread_get_missing",
            "answers 404, the spec says 410",
        )],
        None,
    );
    assert!(v.iter().all(|(_, r)| r.is_ok()), "{v:?}");
    // A failure it does not know: a regression.
    let v = run(&d, &[], None);
    assert!(v
        .iter()
        .any(|(n, r)| n == "errors::thread_get_missing" && r.is_err()));
    // A known failure that now passes: the list must shrink.
    let v = run(&d, &[("meta::ok", "used to fail")], None);
    let (_, r) = v.iter().find(|(n, _)| n == "meta::ok").unwrap();
    let e = r.as_ref().unwrap_err();
    assert!(matches!(e, TestFailure::Passed { .. }), "{e:?}");
    assert!(
        e.report()
            .contains("known_failures says it fails (used to fail)"),
        "{e}"
    );
}

#[test]
fn an_intermittent_known_failure_may_pass_or_fail() {
    let d = scratch("intermittent");
    specs(&d);
    let sometimes = |spec: &str| {
        vec![KnownFailure {
            spec: spec.into(),
            reason: "a race of the server's".into(),
            intermittent: true,
        }]
    };
    let verdict = |v: &[(String, Result<(), TestFailure>)], name: &str| {
        v.iter()
            .find(|(n, _)| n == name)
            .map(|(_, r)| r.clone())
            .unwrap()
    };
    let v = run_with(&d, sometimes("meta::ok"), None);
    assert_eq!(verdict(&v, "meta::ok"), Ok(()), "a pass is fine");
    let v = run_with(&d, sometimes("errors::thread_get_missing"), None);
    assert_eq!(
        verdict(&v, "errors::thread_get_missing"),
        Ok(()),
        "so is a failure"
    );
}
