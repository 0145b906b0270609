//! Spec loading: every spec under `specs/` read, parsed and checked, as the runner does before running any.

use std::hint::black_box;
use std::path::PathBuf;

use langgraph_conformance::{discover, load_file, Settings, SpecFile};

use crate::measure::{fmt_duration, median, times, Estimate, Mode, Row, Table, Target};

/// Loading is paid once per spec per run, before any request: it must stay invisible next to one HTTP round trip
/// (a millisecond on loopback), even as specs grow. Measured 0.25-0.4 ms per spec.
const MAX_MS_PER_SPEC: f64 = 1.0;

pub fn bench(mode: Mode, table: &mut Table) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    // No environment: the defaults, so the figure does not depend on the shell it runs in.
    let settings = Settings::from_lookup(|_| None, &root).expect("the default settings load");
    let files = loadable(&settings);
    if files.is_empty() {
        eprintln!("specs/load: no spec loads; skipped");
        return;
    }
    let ts = times(mode.iterations(5, 31), || {
        for f in &files {
            let _ = black_box(load_file(&f.path, f.path.clone(), &settings));
        }
    });
    let ms_per_spec = Estimate::of(
        ts.iter()
            .map(|t| t.as_secs_f64() * 1e3 / files.len() as f64)
            .collect(),
    );
    let t = median(ts);
    table.push(Row {
        name: "specs/load".into(),
        result: format!("{} / {} specs", fmt_duration(t), files.len()),
        rate: format!("{} ms per spec", ms_per_spec.show(2, "runs")),
        target: Some(Target::at_most(ms_per_spec, MAX_MS_PER_SPEC, "ms per spec")),
    });
}

/// The specs that load. One that does not (an edit in progress) is left out, with a word, rather than timed: an
/// early error is cheaper than a load and would flatter the figure.
fn loadable(settings: &Settings) -> Vec<SpecFile> {
    let files = discover(&settings.specs_dir).expect("the specs folder is readable");
    files
        .into_iter()
        .filter(|f| match load_file(&f.path, f.path.clone(), settings) {
            Ok(_) => true,
            Err(e) => {
                eprintln!("specs/load: left out {}: {e}", f.path.display());
                false
            }
        })
        .collect()
}
