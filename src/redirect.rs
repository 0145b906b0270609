//! Redirects are not followed. A conformance harness checks what the target said, so a 3xx is the step's answer like
//! any other status (a spec can expect it and capture `location`). Following it would also send the request, with
//! the API key (a custom header HTTP clients do not strip across origins) and the body, wherever the target points,
//! and check or record that other origin's answer as the target's.

use crate::check::Failure;

pub fn policy() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::none()
}

/// For a step that failed on a 3xx answer: a note on its first failure saying so, so the report does not read as
/// though the target had answered the request itself.
pub fn explain(failures: &mut [Failure], status: u16, location: &[&str]) {
    if let (Some(first), Some(note)) = (failures.first_mut(), note(status, location)) {
        first.notes.push(note);
    }
}

fn note(status: u16, location: &[&str]) -> Option<String> {
    if !(300..400).contains(&status) {
        return None;
    }
    let to = match location.first() {
        Some(l) => format!("redirected to {l}"),
        None => "answered with a redirect status, without a `location`".to_string(),
    };
    Some(format!(
        "the server {to} (status {status}); redirects are not followed: a 3xx is the step's answer, to check with `status`"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Loc;

    #[test]
    fn a_failed_step_answered_with_a_redirect_says_so() {
        let mut failures = vec![Failure::new(Loc::default(), "status 302, expected 200")];
        explain(&mut failures, 302, &["http://elsewhere/x"]);
        assert_eq!(
            failures[0].notes,
            ["the server redirected to http://elsewhere/x (status 302); redirects are not followed: a 3xx is the step's answer, to check with `status`"]
        );
        let mut failures = vec![Failure::new(Loc::default(), "a body check")];
        explain(&mut failures, 304, &[]);
        assert!(failures[0].notes[0].contains("without a `location`"));
    }

    #[test]
    fn other_answers_get_no_note() {
        let mut failures = vec![Failure::new(Loc::default(), "status 200, expected 201")];
        explain(&mut failures, 200, &["/x"]);
        explain(&mut failures, 400, &["/x"]);
        assert!(failures[0].notes.is_empty());
        explain(&mut [], 302, &[]);
    }
}
