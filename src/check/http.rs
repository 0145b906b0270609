//! Expectations on the status line and the headers.

use super::{preview, Failure, Level};
use crate::source::Loc;
use crate::spec::template::{Pattern, Template, Vars};

#[derive(Debug, Clone)]
pub struct StatusCheck {
    pub loc: Loc,
    pub any_of: Vec<u16>,
    pub level: Level,
}

impl StatusCheck {
    pub fn holds(&self, status: u16) -> bool {
        self.any_of.contains(&status)
    }

    pub fn check(&self, status: u16, body_preview: &str) -> Option<Failure> {
        if self.holds(status) {
            return None;
        }
        let want: Vec<String> = self.any_of.iter().map(|s| s.to_string()).collect();
        let mut f = Failure::new(
            self.loc,
            format!("status {status}, expected {}", want.join(" or ")),
        )
        .at_level(self.level);
        if !body_preview.is_empty() {
            f = f.with_note(format!("response body: {body_preview}"));
        }
        Some(f)
    }
}

#[derive(Debug, Clone)]
pub struct HeaderCheck {
    pub loc: Loc,
    /// Lower-cased.
    pub name: String,
    pub preds: Vec<(Loc, HeaderPred)>,
    pub level: Level,
}

#[derive(Debug, Clone)]
pub enum HeaderPred {
    Present(bool),
    Equals(Template),
    Matches(Pattern),
    Contains(Template),
}

impl HeaderCheck {
    /// `values` holds every value the header came with (usually one); several are joined with ", " as RFC 9110 allows.
    pub fn check(&self, values: &[&str], vars: &Vars) -> Vec<Failure> {
        let name = &self.name;
        let joined = (!values.is_empty()).then(|| values.join(", "));
        let mut out = Vec::new();
        for (loc, pred) in &self.preds {
            let fail = |m: String| Failure::new(*loc, m).at_level(self.level);
            match (pred, &joined) {
                (HeaderPred::Present(true), None) => {
                    out.push(fail(format!("header `{name}` is missing")))
                }
                (HeaderPred::Present(false), Some(v)) => out.push(fail(format!(
                    "header `{name}` should be absent, but it is {:?}",
                    preview(v, 200)
                ))),
                (HeaderPred::Present(_), _) => {}
                (_, None) => out.push(fail(format!("header `{name}` is missing"))),
                (HeaderPred::Equals(t), Some(v)) => match t.render_string(vars) {
                    Ok(want) if &want == v => {}
                    Ok(want) => {
                        out.push(fail(format!("header `{name}` is {v:?}, expected {want:?}")))
                    }
                    Err(e) => out.push(fail(e)),
                },
                (HeaderPred::Matches(re), Some(v)) => match re.is_match(v, vars) {
                    Ok(true) => {}
                    Ok(false) => out.push(fail(format!(
                        "header `{name}` is {v:?}, which does not match /{}/",
                        re.as_str()
                    ))),
                    Err(e) => out.push(fail(e)),
                },
                (HeaderPred::Contains(t), Some(v)) => match t.render_string(vars) {
                    Ok(part) if v.contains(part.as_str()) => {}
                    Ok(part) => out.push(fail(format!(
                        "header `{name}` is {v:?}, which does not contain {part:?}"
                    ))),
                    Err(e) => out.push(fail(e)),
                },
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hc(pred: HeaderPred) -> HeaderCheck {
        HeaderCheck {
            loc: Loc::new(1, 1),
            name: "content-type".into(),
            preds: vec![(Loc::new(1, 5), pred)],
            level: Level::Must,
        }
    }

    #[test]
    fn status() {
        let c = StatusCheck {
            loc: Loc::new(3, 9),
            any_of: vec![200, 202],
            level: Level::Must,
        };
        assert!(c.check(202, "").is_none());
        let f = c.check(422, "{\"detail\":\"x\"}").unwrap();
        assert_eq!(f.message, "status 422, expected 200 or 202");
        assert_eq!(f.notes, ["response body: {\"detail\":\"x\"}"]);
    }

    #[test]
    fn header_predicates() {
        let sse = vec!["text/event-stream; charset=utf-8"];
        let vars = Vars::new();
        assert!(hc(HeaderPred::Present(true)).check(&sse, &vars).is_empty());
        assert_eq!(
            hc(HeaderPred::Present(true)).check(&[], &vars)[0].message,
            "header `content-type` is missing"
        );
        assert!(hc(HeaderPred::Present(false)).check(&[], &vars).is_empty());
        assert_eq!(hc(HeaderPred::Present(false)).check(&sse, &vars).len(), 1);
        assert!(hc(HeaderPred::Matches(
            Pattern::parse("^text/event-stream").unwrap()
        ))
        .check(&sse, &vars)
        .is_empty());
        assert_eq!(
            hc(HeaderPred::Matches(
                Pattern::parse("^application/json").unwrap()
            ))
            .check(&sse, &vars)
            .len(),
            1
        );
        assert!(hc(HeaderPred::Contains(
            Template::parse("event-stream").unwrap()
        ))
        .check(&sse, &vars)
        .is_empty());
        let vars: Vars = [("mode".to_string(), serde_json::json!("event-stream"))].into();
        assert!(
            hc(HeaderPred::Contains(Template::parse("${mode}").unwrap()))
                .check(&sse, &vars)
                .is_empty()
        );
        assert_eq!(
            hc(HeaderPred::Contains(Template::parse("json").unwrap()))
                .check(&sse, &vars)
                .len(),
            1
        );
        let eq = hc(HeaderPred::Equals(
            Template::parse("text/event-stream").unwrap(),
        ));
        assert!(eq.check(&sse, &vars)[0]
            .message
            .contains("expected \"text/event-stream\""));
        assert_eq!(
            eq.check(&[], &vars)[0].message,
            "header `content-type` is missing"
        );
    }
}
