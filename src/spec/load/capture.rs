//! `capture`: named values taken from the answer (a header, a part of the body, an event's data or id), for later
//! steps to use.

use std::sync::Arc;

use regex::Regex;
use serde_saphyr::Spanned;

use super::{Loader, R};
use crate::jsonpath::Path;
use crate::source::Loc;
use crate::spec::headers::check_name;
use crate::spec::raw::{OrderedMap, RawCapture};
use crate::spec::{Capture, CaptureFrom};
use crate::template::is_name;

impl Loader<'_> {
    /// A step's captures, in order. Their names may not hide a variable of the target or the spec.
    pub(super) fn captures(&self, raw: OrderedMap<Spanned<RawCapture>>) -> R<Vec<Capture>> {
        let mut captures = Vec::new();
        for (name, c) in raw.0 {
            if !is_name(&name) {
                return Err(self.err(
                    self.loc(&c),
                    format!("`{name}` is not a variable name (letters, digits and `_`)"),
                ));
            }
            self.not_builtin(&name, self.loc(&c))?;
            if self.fixed.contains(&name) {
                return Err(self.err(
                    self.loc(&c),
                    format!("capture `{name}` has the name of a variable of the target or the spec; choose another, so that a failed capture is never mistaken for it"),
                ));
            }
            captures.push(self.capture(name, self.loc(&c), c.value)?);
        }
        Ok(captures)
    }

    fn capture(&self, name: String, at: Loc, raw: RawCapture) -> R<Capture> {
        let from = self.capture_from(&name, at, &raw)?;
        let regex = raw
            .regex
            .as_ref()
            .map(|r| self.capture_regex(r))
            .transpose()?;
        let event_id = raw.id.as_ref().is_some_and(|i| i.value);
        let last_event = match (&raw.which, &raw.event) {
            (None, _) => false,
            (Some(w), Some(_)) => match w.value.as_str() {
                "first" => false,
                "last" => true,
                other => {
                    return Err(self.err(
                        self.loc(w),
                        format!("`which` is first or last, not `{other}`"),
                    ))
                }
            },
            (Some(w), None) => {
                return Err(self.err(self.loc(w), "`which` goes with `event`"));
            }
        };
        if let (Some(i), None) = (&raw.id, &raw.event) {
            return Err(self.err(
                self.loc(i),
                "`id` goes with `event`: it captures an event's id",
            ));
        }
        Ok(Capture {
            name,
            loc: at,
            from,
            regex,
            event_id,
            last_event,
        })
    }

    /// Exactly one of `body`, `header` or `event`, with the `path` that goes with an event.
    fn capture_from(&self, name: &str, at: Loc, raw: &RawCapture) -> R<CaptureFrom> {
        match (&raw.body, &raw.header, &raw.event) {
            (Some(b), None, None) => {
                if let Some(p) = &raw.path {
                    return Err(self.err(
                        self.loc(p),
                        "`path` goes with `event`; with `body` the JSONPath is the value of `body`",
                    ));
                }
                Ok(CaptureFrom::Body(self.path(b)?))
            }
            (None, Some(h), None) => {
                if let Some(p) = &raw.path {
                    return Err(
                        self.err(self.loc(p), "`path` goes with `event`, not with `header`")
                    );
                }
                check_name(&h.value).map_err(|e| self.err(self.loc(h), e))?;
                Ok(CaptureFrom::Header(h.value.to_ascii_lowercase()))
            }
            (None, None, Some(e)) => {
                if let (Some(p), Some(true)) = (&raw.path, raw.id.as_ref().map(|i| i.value)) {
                    return Err(self.err(
                        self.loc(p),
                        "`path` selects from the event's data; with `id: true` the value is the event's id",
                    ));
                }
                let path = match &raw.path {
                    Some(p) => self.path(p)?,
                    None => Path::parse("$").expect("root path"),
                };
                Ok(CaptureFrom::Event(self.name_pattern(e)?, path))
            }
            _ => Err(self.err(
                at,
                format!("capture `{name}`: give exactly one of `body`, `header` or `event`"),
            )),
        }
    }

    /// The value is the regex's one group, or its whole match.
    fn capture_regex(&self, r: &Spanned<String>) -> R<Arc<Regex>> {
        let re = self.regex(r)?;
        if re.captures_len() > 2 {
            return Err(self.err(
                self.loc(r),
                "a capture regex may have at most one group: its text is the value",
            ));
        }
        Ok(re)
    }
}
