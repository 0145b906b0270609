//! Whatever the specs folder holds, the suite lists and filters its tests, and each entry that cannot be a spec fails
//! its own test with the reason, while the others run. Goes through the runner's own planning (`Suite::plan`), as
//! the conformance binary does.
#![cfg(unix)]

use std::collections::BTreeMap;
use std::os::unix::fs::symlink;
use std::path::Path;

use libtest_mimic::Arguments;

use crate::runner::plan::{Planned, Prepare, Suite};
use crate::support::{self, scratch};
use crate::target::Settings;

const GOOD: &str = "version: 1\nname: good\nsteps:\n  - request: {method: GET, path: /ok}\n    expect: {status: 200}\n";

/// A folder with every kind of bad entry, beside one good spec and one that needs a capability nobody has.
fn bad_folder(d: &Path) {
    std::fs::create_dir_all(d.join("a")).unwrap();
    std::fs::write(d.join("a/b.yaml"), GOOD).unwrap();
    std::fs::write(d.join("a::b.yaml"), GOOD).unwrap();
    std::fs::write(
        d.join("needs.yaml"),
        GOOD.replace("name: good", "name: needs\nrequires: [time-travel]"),
    )
    .unwrap();
    symlink(d, d.join("a/loop")).unwrap();
    symlink("/dev/zero", d.join("zero.yaml")).unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(d.join("fifo.yaml"))
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    std::fs::write(d.join("latin1.yaml"), b"version: 1\nname: caf\xe9\n").unwrap();
    let deep = format!(
        "{}\n        body:\n          - {{path: '$[?{}@.a{}]', exists: true}}\n",
        GOOD.trim_end()
            .replace("expect: {status: 200}", "expect:\n        status: 200"),
        "(".repeat(2000),
        ")".repeat(2000)
    );
    std::fs::write(d.join("deep.yaml"), deep).unwrap();
}

fn settings(specs: &Path, url: Option<&str>) -> Settings {
    let specs = specs.display().to_string();
    let url = url.map(str::to_string);
    Settings::from_lookup(
        |k| match k {
            "LANGGRAPH_SPECS" => Some(specs.clone()),
            "LANGGRAPH_URL" => url.clone(),
            "LANGGRAPH_CAPABILITIES" => Some("conformance-graph".into()),
            _ => None,
        },
        Path::new(env!("CARGO_MANIFEST_DIR")),
    )
    .expect("settings")
}

fn args(a: &[&str]) -> Arguments {
    Arguments::from_iter(std::iter::once("conformance").chain(a.iter().copied()))
}

#[test]
fn bad_entries_fail_alone_and_listing_and_filters_work() {
    let root = scratch("specs-folder");
    let d = root.join("specs");
    std::fs::create_dir_all(&d).unwrap();
    bad_folder(&d);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let answer = root.join("ok.http");
    std::fs::write(
        &answer,
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}",
    )
    .unwrap();
    // Two answers: one for the run of every test, one for the filtered run.
    let server = rt.block_on(support::raw_server::start(vec![answer.clone(), answer]));
    let suite = Suite::new(settings(&d, Some(&server.url)));

    // A listing reads no spec file: the FIFO and /dev/zero cannot hold it up.
    let listed = suite.plan(Prepare::Names, |_| true).unwrap();
    let names: Vec<&str> = listed.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "a::b",
            "a/loop/",
            "a::b.yaml",
            "deep",
            "fifo.yaml",
            "latin1",
            "needs",
            "zero.yaml"
        ]
    );
    let c = libtest_mimic::run(
        &args(&["--list"]),
        listed.into_iter().map(Planned::into_trial).collect(),
    );
    assert_eq!((c.num_passed, c.num_failed), (0, 0));

    // Each test, run on its own: the good one passes, the capability-less one is ignored, every bad one fails.
    let mut outcomes = BTreeMap::new();
    for p in suite.plan(Prepare::Specs, |_| true).unwrap() {
        let name = p.name.clone();
        let outcome = if p.missing.is_empty() {
            match p.run() {
                Ok(libtest_mimic::Completion::Completed) => "pass".to_string(),
                Ok(libtest_mimic::Completion::Ignored { reason }) => reason.unwrap_or_default(),
                Err(e) => e.to_string(),
            }
        } else {
            format!("ignored: needs {}", p.missing.join(", "))
        };
        outcomes.insert(name, outcome);
    }
    let expect = [
        ("a::b", "pass"),
        ("a/loop/", "a symlink loop"),
        ("a::b.yaml", "contains `::`"),
        ("deep", "is 4"),
        ("fifo.yaml", "not a regular file"),
        ("latin1", "latin1.yaml:2:10"),
        ("needs", "ignored: needs time-travel"),
        ("zero.yaml", "not a regular file"),
    ];
    for (name, what) in expect {
        let got = &outcomes[name];
        assert!(got.contains(what), "{name}: expected {what:?} in:\n{got}");
    }

    // A filter selects by name, as with any test binary; the bad entries do not get in its way.
    let c = libtest_mimic::run(
        &args(&["--exact", "a::b"]),
        suite
            .plan(Prepare::Specs, |name| name == "a::b")
            .unwrap()
            .into_iter()
            .map(Planned::into_trial)
            .collect(),
    );
    assert_eq!((c.num_passed, c.num_failed, c.num_filtered_out), (1, 0, 7));
    assert_eq!(
        server.requests.lock().unwrap().len(),
        2,
        "only the good spec sent requests"
    );
    std::fs::remove_dir_all(&root).unwrap();
}
