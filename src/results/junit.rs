//! JUnit XML, as GitHub, GitLab and Jenkins read it: one test suite per area, one test case per spec (class name
//! the area), with its tags and target as properties, its time, and its outcome: a failure with the first failed
//! expectation as message and the whole report as text; a skipped case with the reason (a blocked spec too: its
//! subject was not tested); `should` warnings, clean-up problems and expected failures in the case's output, and so,
//! in the differential mode, are the spec's departures from the reference.

use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};

use super::{Outcome, SpecResult, TargetInfo};

/// The report could not be written out as XML.
#[derive(Debug)]
#[non_exhaustive]
pub struct JunitError(quick_junit::SerializeError);

impl std::fmt::Display for JunitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot write the JUnit report: {}", self.0)
    }
}

impl std::error::Error for JunitError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

/// `junit.xml`: the results of a run against `target` that took `duration`.
pub fn render(
    target: &TargetInfo,
    results: &[SpecResult],
    duration: std::time::Duration,
) -> Result<String, JunitError> {
    let mut report = Report::new("langgraph-conformance");
    report.set_time(duration);
    let mut areas: Vec<&str> = results.iter().map(SpecResult::area).collect();
    areas.dedup();
    areas.sort_unstable();
    areas.dedup();
    for area in areas {
        let mut suite = TestSuite::new(area);
        suite.add_property(Property::new("target", target.label()));
        for r in results.iter().filter(|r| r.area() == area) {
            suite.add_test_case(case(r));
        }
        report.add_test_suite(suite);
    }
    report.to_string().map_err(JunitError)
}

fn case(r: &SpecResult) -> TestCase {
    let status = match &r.outcome {
        Outcome::Passed | Outcome::ExpectedFailure(_) => TestCaseStatus::success(),
        Outcome::Failed => {
            let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
            let message = r
                .first_failure
                .as_ref()
                .map(|f| format!("{} (at {})", f.message, f.at))
                .unwrap_or_else(|| "the spec failed".into());
            s.set_message(message);
            s.set_type("conformance");
            s.set_description(r.report.as_str());
            s
        }
        Outcome::Skipped(why) => {
            let mut s = TestCaseStatus::skipped();
            s.set_message(why.as_str());
            s
        }
        // Not a failure of the subject, which was not tested: skipped, with the reason and the report.
        Outcome::Blocked(why) => {
            let mut s = TestCaseStatus::skipped();
            s.set_message(format!("blocked: {why}"));
            s.set_description(r.report.as_str());
            s
        }
    };
    let mut case = TestCase::new(r.name.as_str(), status);
    case.set_classname(r.area());
    case.set_time(r.duration);
    case.add_property(Property::new("file", r.file.as_str()));
    case.add_property(Property::new("outcome", r.outcome.name()));
    if !r.tags.is_empty() {
        case.add_property(Property::new("tags", r.tags.join(",")));
    }
    let mut output = match &r.outcome {
        Outcome::ExpectedFailure(why) => {
            format!("expected to fail on this target: {why}\n\n{}", r.report)
        }
        Outcome::Passed => r.report.clone(),
        _ => String::new(),
    };
    if let Some(d) = r
        .diff
        .as_ref()
        .filter(|d| !d.departures.is_empty() || !d.notes.is_empty() || !d.stale.is_empty())
    {
        if !output.is_empty() {
            output.push('\n');
        }
        output.push_str(&d.text());
        case.add_property(Property::new("departures", d.count().to_string()));
    }
    if !output.is_empty() {
        case.set_system_out(output);
    }
    case
}
