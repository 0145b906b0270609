//! SSE parsing throughput: a whole body fed to `SseParser` in fixed-size pieces, as the network delivers it.

use std::hint::black_box;

use langgraph_conformance::sse::{SseItem, SseParser};

use crate::measure::{fmt_duration, mb_per_s, median, times, Estimate, Mode, Row, Table, Target};
use crate::workload::{self, Framing};

/// The parser must never be what limits a stream: servers send a few MB/s at most, and the whole runner path (see
/// `stream.rs`) runs at a fraction of this. Measured 230-610 MB/s on 2 shared cores, depending on framing and load;
/// the target leaves room for a busy machine.
const MIN_MB_PER_S: f64 = 150.0;

pub struct Case {
    framing: Framing,
    chunk: usize,
}

pub const CASES: &[Case] = &[
    Case {
        framing: Framing::Crlf,
        chunk: 1024,
    },
    Case {
        framing: Framing::Crlf,
        chunk: 16 * 1024,
    },
    Case {
        framing: Framing::Lf,
        chunk: 16 * 1024,
    },
    Case {
        framing: Framing::MultiLine,
        chunk: 16 * 1024,
    },
];

impl Case {
    pub fn name(&self) -> String {
        format!("sse/{}/{}KiB", self.framing.name(), self.chunk / 1024)
    }
}

pub fn bench(case: &Case, mode: Mode, table: &mut Table) {
    let (body, events) = workload::body(case.framing, mode.pick(8 << 20, 64 << 10));
    let mut parsed = 0;
    let ts = times(mode.iterations(2, 15), || parsed = parse(&body, case.chunk));
    assert_eq!(parsed, events, "{}: the parser lost events", case.name());
    let rates = Estimate::of(ts.iter().map(|t| mb_per_s(body.len() as u64, *t)).collect());
    let t = median(ts);
    table.push(Row {
        name: case.name(),
        result: format!("{} / {:.1} MB", fmt_duration(t), body.len() as f64 / 1e6),
        rate: format!(
            "{} MB/s, {:.0}k events/s",
            rates.show(0, "runs"),
            events as f64 / t.as_secs_f64() / 1e3
        ),
        target: Some(Target::at_least(rates, MIN_MB_PER_S, "MB/s")),
    });
}

/// Parses `body` in `chunk`-byte pieces and returns the number of complete events. Items are drained after each
/// piece, as the runner does, so what is measured is the parser and not a growing output vector.
fn parse(body: &[u8], chunk: usize) -> usize {
    let mut parser = SseParser::new();
    let mut items = Vec::new();
    let mut events = 0;
    for piece in body.chunks(chunk) {
        parser.feed(black_box(piece), &mut items);
        events += drain_events(&mut items);
    }
    parser.finish(&mut items);
    // A cut-off event would come as `Unterminated` and not count, so the caller's check catches it.
    events + drain_events(&mut items)
}

fn drain_events(items: &mut Vec<SseItem>) -> usize {
    items
        .drain(..)
        .filter(|i| matches!(i, SseItem::Event(_)))
        .map(black_box)
        .count()
}
