//! Two JSON documents compared by structure: keys, types, null, lengths. Values themselves are not compared: a
//! string, number or boolean is the server's or the graph's to choose, and masking each kind of value (ids, times,
//! run ids, echoes of the request) would never be complete; its type is what a client's parser depends on.

use std::borrow::Cow;
use std::collections::HashMap;

use serde_json::{Map, Value};

use super::mask::{mask_ids, matches, render, translate, Seg, ID};
use super::{Kind, Rules, Sink, MAX_DEPTH};

/// Keys whose values are the graph's state or come from it: what a step's answer holds there depends on the graph
/// the target serves, so with `same_graph: false` they are compared by presence only.
pub(super) const GRAPH_STATE: [&str; 8] = [
    "values",
    "input",
    "result",
    "writes",
    "next",
    "tasks",
    "interrupts",
    "__interrupt__",
];

pub(super) fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// One comparison of two documents (a body, or one event's data).
pub(super) struct Walk<'s, 'r> {
    sink: &'s mut Sink,
    rules: &'s Rules<'r>,
    /// Put before the path in `where`: `event 3 (values) `.
    prefix: String,
    /// Inside an event's data, every departure but an addition is of kind `event-data`.
    in_event: bool,
    /// The document answers a search (see `body::Route`): its top-level list has no stable length.
    unstable_top: bool,
    path: Vec<Seg>,
}

impl<'s, 'r> Walk<'s, 'r> {
    pub(super) fn new(
        sink: &'s mut Sink,
        rules: &'s Rules<'r>,
        prefix: String,
        in_event: bool,
        unstable_top: bool,
    ) -> Self {
        Walk {
            sink,
            rules,
            prefix,
            in_event,
            unstable_top,
            path: Vec::new(),
        }
    }

    pub(super) fn compare(&mut self, reference: &Value, target: &Value) {
        self.value(reference, target, 0);
    }

    fn report(&mut self, kind: Kind, reference: impl Into<String>, target: impl Into<String>) {
        let kind = if self.in_event && kind != Kind::Extra {
            Kind::EventData
        } else {
            kind
        };
        if self.sink.full(kind) {
            // Counted only: the texts would be thrown away.
            self.sink
                .push(kind, String::new(), String::new(), String::new());
            return;
        }
        let r#where = format!("{}{}", self.prefix, render(&self.path));
        self.sink
            .push(kind, r#where, reference.into(), target.into());
    }

    fn value(&mut self, r: &Value, t: &Value, depth: usize) {
        if depth > MAX_DEPTH || !self.sink.tick() {
            return;
        }
        // The step says this place depends on timing: only whether it exists (seen by the parent) is compared.
        if self.rules.varies.iter().any(|p| matches(p, &self.path)) {
            return;
        }
        if !self.rules.same_graph {
            if let Some(Seg::Key { raw, .. }) = self.path.last() {
                if GRAPH_STATE.contains(&raw.as_str()) {
                    return;
                }
            }
        }
        if self.built_from_variable(r, t) {
            return;
        }
        match (r, t) {
            (Value::Null, Value::Null) => {}
            (Value::Null, _) | (_, Value::Null) => {
                self.report(Kind::Null, type_name(r), type_name(t));
            }
            (Value::Object(a), Value::Object(b)) => self.object(a, b, depth),
            (Value::Array(a), Value::Array(b)) => self.array(a, b, depth),
            _ if type_name(r) != type_name(t) => {
                self.report(Kind::Type, type_name(r), type_name(t));
            }
            _ => {}
        }
    }

    /// Whether both sides hold a variable's value, each its own run's: the chat input echoed in `kwargs.input` has
    /// the target's structure, not the reference's. Two scalars of one type would compare equal anyway.
    fn built_from_variable(&self, r: &Value, t: &Value) -> bool {
        let scalars = !r.is_object() && !r.is_array() && !t.is_object() && !t.is_array();
        if scalars && type_name(r) == type_name(t) {
            return false;
        }
        self.rules
            .variables
            .iter()
            .any(|v| v.reference == *r && v.target == *t)
    }

    fn length_stable(&self) -> bool {
        let top_list = matches!(self.path.as_slice(), [] | [Seg::Key { .. }]);
        let listed = self.rules.unstable.iter().any(|p| matches(p, &self.path));
        !(listed || self.unstable_top && top_list)
    }

    fn array(&mut self, a: &[Value], b: &[Value], depth: usize) {
        if a.len() != b.len() && self.length_stable() {
            self.report(
                Kind::Length,
                count(a.len(), "item", "items"),
                count(b.len(), "item", "items"),
            );
        }
        for (i, (x, y)) in a.iter().zip(b).enumerate() {
            self.path.push(Seg::Index {
                i,
                ref_len: a.len(),
                tgt_len: b.len(),
            });
            self.value(x, y, depth + 1);
            self.path.pop();
        }
    }

    fn object(&mut self, a: &Map<String, Value>, b: &Map<String, Value>, depth: usize) {
        let shown: Vec<Cow<'_, str>> = a.keys().map(|k| mask_ids(k)).collect();
        if !a.is_empty() && shown.iter().all(|k| k.contains(ID)) {
            return self.id_map(a, b, depth);
        }
        // The target's keys in the reference's words (ids masked, variables translated).
        let in_reference = |k: &str| a.contains_key(k);
        let target_keys: Vec<(&String, &Value, Cow<'_, str>)> = b
            .iter()
            .map(|(k, v)| {
                let k2 = translate(k, self.rules.variables, in_reference);
                (k, v, mask_ids(k2))
            })
            .collect();
        let mut used = vec![false; target_keys.len()];
        let mut by_raw: HashMap<&str, usize> = HashMap::new();
        let mut by_shown: HashMap<&str, Vec<usize>> = HashMap::new();
        for (j, (k, _, s)) in target_keys.iter().enumerate() {
            by_raw.insert(k.as_str(), j);
            by_shown.entry(s.as_ref()).or_default().push(j);
        }
        // The same key first; then a key that reads the same once ids and variables are masked.
        let mut pairs: Vec<Option<usize>> = a
            .keys()
            .map(|k| {
                let j = by_raw.get(k.as_str()).copied()?;
                used[j] = true;
                Some(j)
            })
            .collect();
        for (i, s) in shown.iter().enumerate() {
            if pairs[i].is_some() {
                continue;
            }
            if let Some(list) = by_shown.get(s.as_ref()) {
                if let Some(&j) = list.iter().find(|&&j| !used[j]) {
                    used[j] = true;
                    pairs[i] = Some(j);
                }
            }
        }
        for (((k, r), s), pair) in a.iter().zip(&shown).zip(&pairs) {
            self.path.push(Seg::Key {
                raw: k.clone(),
                shown: s.to_string(),
            });
            match pair {
                Some(j) => self.value(r, target_keys[*j].1, depth + 1),
                None => self.report(Kind::Missing, type_name(r), "absent"),
            }
            self.path.pop();
        }
        for (j, (k, v, s)) in target_keys.iter().enumerate() {
            if used[j] || !self.sink.tick() {
                continue;
            }
            self.path.push(Seg::Key {
                raw: k.to_string(),
                shown: s.to_string(),
            });
            self.report(Kind::Extra, "absent", type_name(v));
            self.path.pop();
        }
    }

    /// A map keyed by ids (`interrupts` by task id, `messages/metadata` by message id): the keys are the server's,
    /// so the entries are compared by count, and paired by their shape rather than by the order the server wrote
    /// them in.
    fn id_map(&mut self, a: &Map<String, Value>, b: &Map<String, Value>, depth: usize) {
        if a.len() != b.len() && self.length_stable() {
            self.report(
                Kind::Length,
                count(a.len(), "entry", "entries"),
                count(b.len(), "entry", "entries"),
            );
        }
        let (ra, rb) = (by_shape(a), by_shape(b));
        for ((_, k, x), (_, _, y)) in ra.iter().zip(&rb) {
            self.path.push(Seg::Key {
                raw: k.to_string(),
                shown: mask_ids(k).into_owned(),
            });
            self.value(x, y, depth + 1);
            self.path.pop();
        }
    }
}

/// The entries of a map in the order of their shapes (a stable sort: entries of one shape keep their order).
fn by_shape(m: &Map<String, Value>) -> Vec<(String, &String, &Value)> {
    let mut v: Vec<(String, &String, &Value)> = m.iter().map(|(k, v)| (shape(v), k, v)).collect();
    v.sort_by(|x, y| x.0.cmp(&y.0));
    v
}

/// A value's outline, to pair the entries of an id-keyed map: its type, and an object's keys (ids masked, sorted)
/// or an array's length.
fn shape(v: &Value) -> String {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<Cow<'_, str>> = m.keys().map(|k| mask_ids(k)).collect();
            keys.sort();
            format!("object {}", keys.join(","))
        }
        Value::Array(a) => format!("array {}", a.len()),
        other => type_name(other).to_string(),
    }
}
