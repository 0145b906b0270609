//! Two event streams compared as a client sees them: the events each stream mode sends, in order; how the stream
//! ends; and each event's data. Framing is the parser's business (`crate::sse`): line ends, `data:` split over
//! lines, `id:` lines, comments and `retry:` never reach this comparison.

use std::collections::{HashMap, VecDeque};

use serde_json::Value;

use super::json::{type_name, Walk};
use super::mask::{mask_ids, translate, ID};
use super::{Kind, Rules, Sink, Until};
use crate::sse::{SseItem, SseParser};

/// Modes whose data is the graph's own output: with `same_graph: false` it is not compared.
const GRAPH_MODES: [&str; 8] = [
    "values",
    "updates",
    "custom",
    "messages",
    "messages/partial",
    "messages/complete",
    "messages/metadata",
    "events",
];

/// Event groups shown in a sequence before the rest is summed up.
const SHOWN_GROUPS: usize = 12;

struct Event {
    /// Its place among the stream's events, from 1.
    n: usize,
    name: String,
    data: String,
}

struct Parsed {
    events: Vec<Event>,
    /// How the stream says it ends, beyond closing: `end` events, `[DONE]` data, data-less event blocks at the end.
    markers: Vec<String>,
}

fn parse(body: &[u8], until: Option<Until<'_>>) -> Parsed {
    let mut parser = SseParser::new();
    let mut items = Vec::new();
    parser.feed(body, &mut items);
    parser.finish(&mut items);
    let mut out = Parsed {
        events: Vec::new(),
        markers: Vec::new(),
    };
    let mut cut = false;
    // Comments, `retry:`, faults, and an event the body ends in the middle of are not events a client acts on; a
    // stream read `until` an event was closed by the harness mid-event, as timing fell.
    let events = items.into_iter().filter_map(|i| match i {
        SseItem::Event(e) => Some(e),
        _ => None,
    });
    for (n, e) in (1..).zip(events) {
        let done = until.is_some_and(|u| u(&e.event, &e.data));
        if e.event == "end" {
            out.markers.push("an `end` event".into());
        } else if e.data.trim() == "[DONE]" {
            out.markers
                .push(format!("`{}` event with data [DONE]", e.event));
        } else {
            out.events.push(Event {
                n,
                name: e.event,
                data: e.data,
            });
        }
        if done {
            cut = true;
            break;
        }
    }
    // What came after the `until` event depends on when the harness closed the stream.
    if !cut {
        out.markers.extend(
            trailing_dataless(body)
                .into_iter()
                .map(|name| format!("`event: {name}` without data")),
        );
    }
    out
}

/// The names of the event blocks without data after the last event with data. The parser rightly drops them (an
/// event without data is not dispatched), but a server that closes its stream with `event: end` says something a
/// client of the reference never hears, so the comparison looks for them in the raw text.
fn trailing_dataless(body: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(body);
    let mut trailing = Vec::new();
    let (mut name, mut has_data) = (None::<String>, false);
    let mut rest: &str = &text;
    while !rest.is_empty() {
        // A line ends in CRLF, LF or CR; a last line without its ending never completes a block.
        let Some(end) = rest.find(['\r', '\n']) else {
            break;
        };
        let line = &rest[..end];
        let skip = if rest[end..].starts_with("\r\n") {
            2
        } else {
            1
        };
        rest = &rest[end + skip..];
        if line.is_empty() {
            if has_data {
                trailing.clear();
            } else if let Some(n) = name.take() {
                trailing.push(n);
            }
            (name, has_data) = (None, false);
            continue;
        }
        if line.starts_with(':') {
            continue;
        }
        let (field, value) = match line.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (line, ""),
        };
        match field {
            "event" => name = Some(value.to_string()),
            "data" => has_data = true,
            _ => {}
        }
    }
    trailing
}

fn mode(name: &str) -> &str {
    name.split('|').next().unwrap_or(name)
}

/// An event name as compared: the mode, and each subgraph namespace `node:<task id>` with the task id masked (the
/// server's own) and, for the target, the node read in the reference's words (a variable); with `same_graph:
/// false` the node names are the target graph's own and are masked too.
fn canonical(name: &str, same_graph: bool, node: impl Fn(&str) -> String) -> String {
    let mut parts = name.split('|');
    let mut out = parts.next().unwrap_or("").to_string();
    for ns in parts {
        out.push('|');
        let (n, task) = match ns.split_once(':') {
            Some((n, _)) => (n, true),
            None => (ns, false),
        };
        if same_graph {
            out.push_str(&mask_ids(&node(n)));
        } else {
            out.push_str("<node>");
        }
        if task {
            out.push(':');
            out.push_str(ID);
        }
    }
    out
}

/// The names of one mode's events, in order.
fn of_mode<'n>(names: &'n [String], m: &str) -> Vec<&'n str> {
    names
        .iter()
        .map(String::as_str)
        .filter(|n| mode(n) == m)
        .collect()
}

/// `values ×2, debug, values`: the sequence with repeats folded, cut after `SHOWN_GROUPS` groups.
fn sequence(names: &[&str]) -> String {
    if names.is_empty() {
        return "none".into();
    }
    let mut groups: Vec<(&str, usize)> = Vec::new();
    for n in names {
        match groups.last_mut() {
            Some((last, k)) if last == n => *k += 1,
            _ => groups.push((n, 1)),
        }
    }
    let mut shown: Vec<String> = groups
        .iter()
        .take(SHOWN_GROUPS)
        .map(|(n, k)| {
            if *k == 1 {
                n.to_string()
            } else {
                format!("{n} ×{k}")
            }
        })
        .collect();
    if groups.len() > SHOWN_GROUPS {
        shown.push(format!("… ({} events in all)", names.len()));
    }
    shown.join(", ")
}

/// Compares two event streams: the sequence of each mode, what came after the last event, and each event's data
/// against the event of the same name and rank in the other stream.
pub(super) fn compare(sink: &mut Sink, rules: &Rules<'_>, reference: &[u8], target: &[u8]) {
    let (r, t) = (parse(reference, rules.until), parse(target, rules.until));
    let (r_names, t_names) = canonical_names(&r, &t, rules);
    if !compare_modes(sink, rules, &r_names, &t_names) {
        return;
    }
    compare_markers(sink, &r.markers, &t.markers);
    compare_data(sink, rules, (&r, &r_names), (&t, &t_names));
}

/// Each stream's event names with ids masked; the target's node names translated to the reference's where the
/// spec's variables say which is which.
fn canonical_names(r: &Parsed, t: &Parsed, rules: &Rules<'_>) -> (Vec<String>, Vec<String>) {
    let ref_nodes: Vec<&str> = r
        .events
        .iter()
        .flat_map(|e| e.name.split('|').skip(1))
        .map(|ns| ns.split(':').next().unwrap_or(ns))
        .collect();
    let r_names = r
        .events
        .iter()
        .map(|e| canonical(&e.name, rules.same_graph, |n| n.to_string()))
        .collect();
    let t_names = t
        .events
        .iter()
        .map(|e| {
            canonical(&e.name, rules.same_graph, |n| {
                translate(n, rules.variables, |x| ref_nodes.contains(&x)).to_string()
            })
        })
        .collect();
    (r_names, t_names)
}

/// The events of each mode, in order; modes in the order they first appear, the reference's first. False when
/// the comparison's budget ran out.
fn compare_modes(
    sink: &mut Sink,
    rules: &Rules<'_>,
    r_names: &[String],
    t_names: &[String],
) -> bool {
    let mut modes: Vec<&str> = Vec::new();
    for n in r_names.iter().chain(t_names) {
        let m = mode(n);
        if !modes.contains(&m) {
            modes.push(m);
        }
    }
    for m in modes {
        if !sink.tick() {
            return false;
        }
        let (rs, ts) = (of_mode(r_names, m), of_mode(t_names, m));
        // Another graph sends as many events of a mode as it has supersteps, nodes, messages.
        let differs = if rules.same_graph || m == "metadata" {
            rs != ts
        } else {
            rs.is_empty() != ts.is_empty()
        };
        if differs {
            sink.push(
                Kind::Events,
                format!("events of mode {m}"),
                sequence(&rs),
                sequence(&ts),
            );
        }
    }
    true
}

/// What each stream said after its last event (an end marker, an error, a cut).
fn compare_markers(sink: &mut Sink, r: &[String], t: &[String]) {
    if r == t {
        return;
    }
    let said = |m: &[String]| {
        if m.is_empty() {
            "nothing".to_string()
        } else {
            m.join(", ")
        }
    };
    sink.push(
        Kind::Events,
        "after the last event".into(),
        said(r),
        said(t),
    );
}

/// The n-th event of a name against the n-th of the same name in the target.
fn compare_data(
    sink: &mut Sink,
    rules: &Rules<'_>,
    r: (&Parsed, &[String]),
    t: (&Parsed, &[String]),
) {
    let ((r, r_names), (t, t_names)) = (r, t);
    let mut by_name: HashMap<&str, VecDeque<usize>> = HashMap::new();
    for (j, n) in t_names.iter().enumerate() {
        by_name.entry(n.as_str()).or_default().push_back(j);
    }
    for (i, name) in r_names.iter().enumerate() {
        let Some(j) = by_name.get_mut(name.as_str()).and_then(VecDeque::pop_front) else {
            continue;
        };
        if !sink.tick() {
            return;
        }
        if !rules.same_graph && GRAPH_MODES.contains(&mode(name)) {
            continue;
        }
        let (a, b) = (&r.events[i], &t.events[j]);
        let prefix = format!("event {} ({name}) ", a.n);
        match (
            serde_json::from_str::<Value>(&a.data),
            serde_json::from_str::<Value>(&b.data),
        ) {
            (Ok(x), Ok(y)) => Walk::new(sink, rules, prefix, true, false).compare(&x, &y),
            (Err(_), Err(_)) => {}
            (x, y) => {
                let said = |v: &Result<Value, _>| match v {
                    Ok(v) => format!("JSON {}", type_name(v)),
                    Err(_) => "text (not JSON)".to_string(),
                };
                sink.push(Kind::EventData, format!("{prefix}data"), said(&x), said(&y));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_canonical() {
        let same = |n: &str| canonical(n, true, |x| x.to_string());
        assert_eq!(
            same("updates|sub:36ac83dd-957d-2f27-e7c4-02b5890f5837"),
            "updates|sub:<id>"
        );
        assert_eq!(same("updates|sub:1|inner:2"), "updates|sub:<id>|inner:<id>");
        assert_eq!(same("values"), "values");
        assert_eq!(
            canonical("updates|sub:1", false, |x| x.to_string()),
            "updates|<node>:<id>"
        );
    }

    #[test]
    fn trailing_blocks_without_data() {
        assert_eq!(
            trailing_dataless(b"event: values\r\ndata: {}\r\n\r\nevent: end\r\n\r\n"),
            vec!["end".to_string()]
        );
        assert_eq!(
            trailing_dataless(b"event: end\n\nevent: values\ndata: {}\n\n"),
            Vec::<String>::new()
        );
        assert_eq!(
            trailing_dataless(b"event: values\rdata: {}\r\r: ping\r\revent: end\r"),
            Vec::<String>::new(),
            "a block the body ends in is cut off"
        );
    }

    #[test]
    fn sequences_fold_repeats() {
        assert_eq!(sequence(&[]), "none");
        assert_eq!(
            sequence(&["values", "values", "debug", "values"]),
            "values ×2, debug, values"
        );
    }
}
