//! Evaluating the expectations on the status line and the headers.

use super::Failure;
use crate::spec::expect::http::{HeaderCheck, HeaderPred, StatusCheck};
use crate::spec::expect::numbers::{Cmp, Num, Operand};
use crate::template::Vars;
use crate::text::preview;

impl StatusCheck {
    /// `body_preview` is called only when the status is wrong: the preview is for the report.
    pub fn check(&self, status: u16, body_preview: impl FnOnce() -> String) -> Option<Failure> {
        if self.holds(status) {
            return None;
        }
        let body_preview = body_preview();
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
                    Err(e) => out.push(fail(e.to_string())),
                },
                (HeaderPred::Matches(re), Some(v)) => match re.is_match(v, vars) {
                    Ok(true) => {}
                    Ok(false) => out.push(fail(format!(
                        "header `{name}` is {v:?}, which does not match /{}/",
                        re.as_str()
                    ))),
                    Err(e) => out.push(fail(e.to_string())),
                },
                (HeaderPred::Contains(t), Some(v)) => match t.render_string(vars) {
                    Ok(part) if v.contains(part.as_str()) => {}
                    Ok(part) => out.push(fail(format!(
                        "header `{name}` is {v:?}, which does not contain {part:?}"
                    ))),
                    Err(e) => out.push(fail(e.to_string())),
                },
                (HeaderPred::Compare(cmp, x), Some(v)) => {
                    out.extend(compare(name, v, *cmp, x, vars).map(fail))
                }
            }
        }
        out
    }
}

/// A header compared as a number: its text must be one.
fn compare(name: &str, value: &str, cmp: Cmp, x: &Operand, vars: &Vars) -> Option<String> {
    let want = match x.resolve(cmp.key(), vars) {
        Ok(n) => n,
        Err(e) => return Some(e.to_string()),
    };
    let expected = match x {
        Operand::Fixed(_) => format!("{} {want}", cmp.words()),
        Operand::Template(t) => format!("{} {want} (`{}`)", cmp.words(), t.source()),
    };
    match Num::parse(value) {
        None => Some(format!(
            "header `{name}` is {:?}, which is not a number (expected one {expected})",
            preview(value, 200)
        )),
        Some(got) if got.compare(want).is_some_and(|o| cmp.holds(o)) => None,
        Some(got) => Some(format!("header `{name}` is {got}, expected {expected}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Level;
    use crate::source::Loc;
    use crate::template::{Pattern, Template};

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
        assert!(c.check(202, String::new).is_none());
        let f = c.check(422, || "{\"detail\":\"x\"}".to_string()).unwrap();
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

    #[test]
    fn headers_compare_as_numbers() {
        let vars: Vars = [
            ("n".to_string(), serde_json::json!(2)),
            ("word".to_string(), serde_json::json!("many")),
        ]
        .into();
        let total = |cmp, x: serde_json::Value| HeaderCheck {
            loc: Loc::new(1, 1),
            name: "x-pagination-total".into(),
            preds: vec![(
                Loc::new(1, 5),
                HeaderPred::Compare(cmp, Operand::from_value("ge", &x).unwrap()),
            )],
            level: Level::Must,
        };
        let three = vec!["3"];
        assert!(total(Cmp::Ge, serde_json::json!(3))
            .check(&three, &vars)
            .is_empty());
        assert!(total(Cmp::Gt, serde_json::json!("${n}"))
            .check(&three, &vars)
            .is_empty());
        assert!(total(Cmp::Lt, serde_json::json!(10))
            .check(&three, &vars)
            .is_empty());
        assert_eq!(
            total(Cmp::Gt, serde_json::json!(3)).check(&three, &vars)[0].message,
            "header `x-pagination-total` is 3, expected greater than 3"
        );
        assert_eq!(
            total(Cmp::Le, serde_json::json!("${n}")).check(&three, &vars)[0].message,
            "header `x-pagination-total` is 3, expected at most 2 (`${n}`)"
        );
        assert_eq!(
            total(Cmp::Ge, serde_json::json!(1)).check(&["ten"], &vars)[0].message,
            "header `x-pagination-total` is \"ten\", which is not a number (expected one at least 1)"
        );
        assert_eq!(
            total(Cmp::Ge, serde_json::json!("${word}")).check(&three, &vars)[0].message,
            "`ge`: variable `word` is \"many\", not a number"
        );
        assert_eq!(
            total(Cmp::Ge, serde_json::json!(1)).check(&[], &vars)[0].message,
            "header `x-pagination-total` is missing"
        );
    }
}
