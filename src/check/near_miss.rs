//! When a path selects nothing, say where it stopped and what was there: a key that differs only by case or a typo,
//! the same key one level up or down, an array where a member was expected. And show the document it looked in.

use serde_json::{Map, Value};

use crate::jsonpath::{Path, Segment};
use crate::spelling::closest;
use crate::text::preview;
use crate::text::type_of;

/// How much of the document a "selects nothing" failure shows.
const SHOWN: usize = 300;

/// Notes for a path that selected nothing in `root`; `root_shown` when the caller already shows the document.
pub fn notes(path: &Path, root: &Value, root_shown: bool) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(segs) = path.segments() {
        out.extend(where_it_stopped(&segs, root));
    }
    if !root_shown {
        out.push(format!("looked in: {}", preview(&root.to_string(), SHOWN)));
    }
    out
}

/// What the document has at the first segment of the path that is missing.
fn where_it_stopped(segs: &[Segment], root: &Value) -> Option<String> {
    let mut parent: Option<&Value> = None;
    let mut node = root;
    let mut at = String::from("$");
    let mut parent_at = String::new();
    for seg in segs {
        let next = match (seg, node) {
            (Segment::Name(n), Value::Object(o)) => o.get(n),
            (Segment::Index(i), Value::Array(a)) => index(a, *i),
            _ => None,
        };
        let Some(next) = next else {
            return Some(missing(
                seg,
                node,
                &at,
                parent.map(|p| (p, parent_at.as_str())),
            ));
        };
        parent = Some(node);
        parent_at = at.clone();
        at.push_str(&seg.written());
        node = next;
    }
    None
}

fn index(a: &[Value], i: i64) -> Option<&Value> {
    let i = if i < 0 { a.len() as i64 + i } else { i };
    usize::try_from(i).ok().and_then(|i| a.get(i))
}

fn missing(seg: &Segment, node: &Value, at: &str, parent: Option<(&Value, &str)>) -> String {
    match (seg, node) {
        (Segment::Name(n), Value::Object(o)) => missing_key(n, o, at, parent),
        (Segment::Name(n), Value::Array(a)) => format!(
            "`{at}` is an array of {} item(s), which has no member `{n}`: pick an item (`{at}[0].{n}`) or all of them (`{at}[*].{n}`)",
            a.len()
        ),
        (Segment::Index(i), Value::Array(a)) => {
            format!("`{at}` is an array of {} item(s), so it has no index {i}", a.len())
        }
        (Segment::Index(i), Value::Object(o)) => format!(
            "`{at}` is an object, not an array, so it has no index {i}; its keys: {}",
            keys(o)
        ),
        (seg, other) => format!(
            "`{at}` is {} {}, which has no `{}`",
            type_of(other),
            preview(&other.to_string(), 100),
            seg.written()
        ),
    }
}

fn missing_key(
    n: &str,
    o: &Map<String, Value>,
    at: &str,
    parent: Option<(&Value, &str)>,
) -> String {
    if let Some(k) = closest(n, o.keys().map(String::as_str)) {
        return format!("the object at `{at}` has `{k}`");
    }
    for (k, child) in o {
        if child.as_object().is_some_and(|c| c.contains_key(n)) {
            let below = format!(
                "{at}{}{}",
                Segment::Name(k.clone()).written(),
                Segment::Name(n.into()).written()
            );
            return format!("`{below}` exists, one level down");
        }
    }
    if let Some((Value::Object(p), parent_at)) = parent {
        if p.contains_key(n) {
            return format!(
                "`{parent_at}{}` exists, one level up",
                Segment::Name(n.into()).written()
            );
        }
    }
    format!("the object at `{at}` has no `{n}`; its keys: {}", keys(o))
}

fn keys(o: &Map<String, Value>) -> String {
    if o.is_empty() {
        return "none".into();
    }
    let shown: Vec<&str> = o.keys().take(20).map(String::as_str).collect();
    let more = o.len() - shown.len();
    let tail = if more > 0 {
        format!(", … and {more} more")
    } else {
        String::new()
    };
    format!("{}{tail}", shown.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn first(path: &str, doc: &Value) -> String {
        notes(&Path::parse(path).unwrap(), doc, true)
            .into_iter()
            .next()
            .unwrap_or_default()
    }

    fn doc() -> Value {
        json!({
            "thread_id": "t1",
            "metadata": {"graph_id": "agent"},
            "values": {"messages": [{"type": "human"}]},
            "Status": "idle"
        })
    }

    #[test]
    fn a_typo_or_a_wrong_case_names_the_key() {
        assert_eq!(
            first("$.thread_idd", &doc()),
            "the object at `$` has `thread_id`"
        );
        assert_eq!(first("$.status", &doc()), "the object at `$` has `Status`");
        assert_eq!(
            first("$.metadata.graphid", &doc()),
            "the object at `$.metadata` has `graph_id`"
        );
    }

    #[test]
    fn the_same_key_one_level_up_or_down() {
        assert_eq!(
            first("$.graph_id", &doc()),
            "`$.metadata.graph_id` exists, one level down"
        );
        assert_eq!(
            first("$.values.thread_id", &doc()),
            "`$.thread_id` exists, one level up"
        );
    }

    #[test]
    fn arrays_scalars_and_plain_misses() {
        assert_eq!(
            first("$.values.messages.type", &doc()),
            "`$.values.messages` is an array of 1 item(s), which has no member `type`: pick an item (`$.values.messages[0].type`) or all of them (`$.values.messages[*].type`)"
        );
        assert_eq!(
            first("$.values.messages[3]", &doc()),
            "`$.values.messages` is an array of 1 item(s), so it has no index 3"
        );
        assert_eq!(
            first("$.thread_id.x", &doc()),
            "`$.thread_id` is string \"t1\", which has no `.x`"
        );
        assert_eq!(
            first("$.nothing_like_it", &doc()),
            "the object at `$` has no `nothing_like_it`; its keys: thread_id, metadata, values, Status"
        );
    }

    #[test]
    fn the_document_is_shown_unless_the_caller_shows_it() {
        let n = notes(&Path::parse("$..zzz").unwrap(), &doc(), false);
        assert_eq!(
            n.len(),
            1,
            "a non-singular path has no single place it stopped: {n:?}"
        );
        assert!(
            n[0].starts_with("looked in: {\"thread_id\":\"t1\""),
            "{n:?}"
        );
        assert!(notes(&Path::parse("$..zzz").unwrap(), &doc(), true).is_empty());
    }
}
