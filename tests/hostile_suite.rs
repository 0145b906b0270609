//! Every bad input of the hardening issue at once, beside the suite's own specs, in one run of the binary as people
//! run it (on the embedded fixture, with reports): the good specs still pass, each bad one fails with its own
//! verdict, the summary and both reports are written, nothing of the key is printed, and the process stays under
//! 256 MiB of resident memory (measured with `/usr/bin/time -v` where it exists). `scripts/hostile-suite` runs it on
//! the release build and prints the figures.

use std::path::{Path, PathBuf};
use std::process::Command;

const KEY: &str = "SeKrit-abc-123";
const MAX_RSS_KIB: u64 = 256 * 1024;

/// A bad spec, and the recorded answers the fixture replays to it (none when the loader refuses it).
struct Bad {
    name: &'static str,
    spec: String,
    /// (method, path, response file) per request, in order.
    answers: Vec<(&'static str, String, String)>,
    /// What its report must say.
    says: &'static str,
}

fn http(status: &str, content_type: &str, body: &str) -> String {
    format!(
        "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
}

fn doubling(as_array: bool) -> String {
    let mut v = String::from("vars:\n  v0: xxxxxxxxxxxxxxxx\n");
    for i in 1..=40 {
        let p = format!("${{v{}}}", i - 1);
        if as_array {
            v.push_str(&format!("  v{i}: ['{p}', '{p}']\n"));
        } else {
            v.push_str(&format!("  v{i}: '{p}{p}'\n"));
        }
    }
    v
}

fn one_step(name: &str, head: &str, step: &str) -> String {
    format!("version: 1\nname: {name}\n{head}steps:\n{step}")
}

fn bad_inputs() -> Vec<Bad> {
    let mut deep = String::from("1");
    for _ in 0..100 {
        deep = format!("{{\"a\":{deep}}}");
    }
    let get = |path: &str| format!("  - request: {{method: GET, path: {path}}}\n");
    let mut nested = String::from("vars:\n  n0: 0\n");
    for i in 1..=20 {
        nested.push_str(&format!(
            "  n{i}: [[[[[[[[[[ '${{n{}}}' ]]]]]]]]]]\n",
            i - 1
        ));
    }
    let mut big = String::from("vars:\n  v0: xxxxxxxxxxxxxxxx\n");
    for i in 1..=19 {
        big.push_str(&format!("  v{i}: '${{v{}}}${{v{}}}'\n", i - 1, i - 1));
    }
    vec![
        Bad {
            name: "doubling_strings",
            spec: one_step("doubling strings", &doubling(false), &get("/ok")),
            answers: vec![],
            says: "would make a value larger than 16 MiB",
        },
        Bad {
            name: "doubling_arrays",
            spec: one_step("doubling arrays", &doubling(true), &get("/ok")),
            answers: vec![],
            says: "would make a value larger than 16 MiB",
        },
        Bad {
            name: "nesting_vars",
            spec: one_step("nesting vars", &nested, &get("/ok")),
            answers: vec![],
            says: "more than 128 deep",
        },
        Bad {
            name: "every_1ns",
            spec: one_step(
                "every 1ns",
                "",
                "  - request: {method: GET, path: /ok}\n    retry: {every: 1ns, within: 5s}\n    expect: {status: 200}\n",
            ),
            answers: vec![],
            says: "`ns` is not a unit here",
        },
        Bad {
            name: "unclosed_brace",
            spec: "version: 1\nname: unclosed\nsteps:\n  - request: {method: GET, path: /ok\n    expect: {status: 200}\n".into(),
            answers: vec![],
            says: "this `{` opens a mapping that is not closed",
        },
        Bad {
            name: "jsonpath_bomb",
            spec: one_step(
                "jsonpath bomb",
                "",
                "  - request: {method: GET, path: /deep}\n    timeout: 5s\n    expect:\n      status: 200\n      body:\n        - {path: '$..[?@..[?@..[?@..[?@..[?@..[?@.zzz]]]]]]', count: 0}\n",
            ),
            answers: vec![("GET", "/deep".into(), http("200 OK", "application/json", &deep))],
            says: "would visit more than 10,000,000 nodes",
        },
        Bad {
            name: "jsonpath_bomb_capture",
            spec: one_step(
                "jsonpath bomb in a capture",
                "",
                "  - request: {method: GET, path: /deep}\n    capture:\n      x: {body: '$..[?@..[?@..[?@..[?@..[?@..[?@.zzz]]]]]]'}\n    expect: {status: 200}\n",
            ),
            answers: vec![("GET", "/deep".into(), http("200 OK", "application/json", &deep))],
            says: "would visit more than 10,000,000 nodes",
        },
        Bad {
            name: "key_at_the_cut",
            spec: one_step("key at the cut", "", &format!("{}    expect: {{status: 200}}\n", get("/cut"))),
            answers: vec![(
                "GET",
                "/cut".into(),
                http(
                    "400 Bad Request",
                    "text/plain",
                    &format!("{}x-api-key: {KEY}{}", "a".repeat(1981), "b".repeat(100)),
                ),
            )],
            says: "x-api-key: <redacte",
        },
        Bad {
            name: "key_in_capitals",
            spec: one_step("key in capitals", "", &format!("{}    expect: {{status: 200}}\n", get("/caps"))),
            answers: vec![(
                "GET",
                "/caps".into(),
                http("400 Bad Request", "text/plain", &format!("X-API-KEY: {}", KEY.to_uppercase())),
            )],
            says: "X-API-KEY: <redacted>",
        },
        Bad {
            name: "key_in_an_event_name",
            spec: one_step(
                "key in an event name",
                "",
                "  - request: {method: GET, path: /events}\n    expect:\n      stream: {sequence: [metadata, end]}\n",
            ),
            answers: vec![(
                "GET",
                "/events".into(),
                http(
                    "200 OK",
                    "text/event-stream",
                    &format!("event: metadata\ndata: {{}}\n\nevent: {}{KEY}\ndata: {{}}\n\n", "e".repeat(52)),
                ),
            )],
            says: "<redacte",
        },
        Bad {
            name: "huge_body",
            spec: one_step(
                "huge body",
                &big,
                "  - request: {method: POST, path: /runs, body: '${v19}'}\n    expect: {status: 200}\n",
            ),
            answers: vec![("POST", "/runs".into(), http("500 Internal Server Error", "text/plain", ""))],
            says: "# cut short, so not the request as sent: the body (8388608 bytes)",
        },
        Bad {
            name: "huge_url",
            spec: one_step(
                "huge url",
                &big,
                "  - request: {method: GET, path: '/threads/${v13}'}\n    expect: {status: 200}\n",
            ),
            answers: vec![],
            says: "cannot send the request: its URL is",
        },
        Bad {
            name: "stream_never_ended",
            spec: one_step(
                "a stream that never ended, recorded",
                "",
                "  - request: {method: GET, path: /stream}\n    timeout: 1s\n    expect:\n      stream: {sequence: [metadata, end]}\n",
            ),
            answers: vec![(
                "GET",
                "/stream".into(),
                "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nx-conformance-incomplete: timeout: the answer did not end within the step's timeout\r\n\r\nevent: metadata\r\ndata: {}\r\n\r\n".into(),
            )],
            says: "the stream did not end within 1s",
        },
        Bad {
            name: "recording_cut",
            spec: one_step(
                "a recording cut short",
                "",
                "  - request: {method: GET, path: /long}\n    expect:\n      stream: {sequence: [metadata+]}\n",
            ),
            answers: vec![(
                "GET",
                "/long".into(),
                "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nx-conformance-incomplete: cut: the recording keeps the first 67108864 bytes; 5 more came\r\n\r\nevent: metadata\r\ndata: {}\r\n\r\n".into(),
            )],
            says: "cannot be replayed as it came",
        },
    ]
}

/// Where the binary writes its bundle (specs, recordings) under `cache`.
fn bundle_root(bin: &Path, cache: &Path) -> PathBuf {
    let out = Command::new(bin)
        .arg("--list")
        .env("XDG_CACHE_HOME", cache)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dir = cache.join("langgraph-conformance");
    let mut roots: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join(".complete").exists())
        .collect();
    assert_eq!(roots.len(), 1, "{roots:?}");
    roots.remove(0)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

/// Peak resident memory from `/usr/bin/time -v`'s report, in KiB.
fn max_rss_kib(time_report: &str) -> Option<u64> {
    time_report
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("Maximum resident set size (kbytes): ")
        })
        .and_then(|n| n.trim().parse().ok())
}

#[test]
fn every_bad_input_beside_the_good_specs() {
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_langgraph-conformance"));
    let tmp = std::env::temp_dir().join(format!("lgc-hostile-suite-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let cache = tmp.join("cache");
    let root = bundle_root(&bin, &cache);

    // The suite's specs, and beside them the bad ones, with the answers the fixture is to give them.
    let specs = tmp.join("specs");
    copy_dir(&root.join("specs"), &specs);
    let bad = bad_inputs();
    std::fs::create_dir_all(specs.join("hostile")).unwrap();
    for b in &bad {
        std::fs::write(
            specs.join("hostile").join(format!("{}.yaml", b.name)),
            &b.spec,
        )
        .unwrap();
        let dir = root.join("fixtures/recordings/hostile").join(b.name);
        std::fs::create_dir_all(&dir).unwrap();
        let mut index = Vec::new();
        for (i, (method, path, answer)) in b.answers.iter().enumerate() {
            let file = format!("{:03}.http", i + 1);
            std::fs::write(dir.join(&file), answer).unwrap();
            index.push(serde_json::json!({"step": i + 1, "method": method, "path": path, "response": file}));
        }
        let index = serde_json::json!({"format": 1, "exchanges": index});
        std::fs::write(dir.join("exchanges.json"), index.to_string()).unwrap();
    }
    // A spec file that is a link to a file outside the specs folder.
    std::fs::write(tmp.join("outside.txt"), format!("password: {KEY}\n{{\n")).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(tmp.join("outside.txt"), specs.join("hostile/linked.yaml")).unwrap();

    let reports = tmp.join("reports");
    let timed = Path::new("/usr/bin/time").exists();
    let mut cmd = if timed {
        let mut c = Command::new("/usr/bin/time");
        c.arg("-v").arg(&bin);
        c
    } else {
        Command::new(&bin)
    };
    let out = cmd
        .arg("--specs")
        .arg(&specs)
        .arg("--report-dir")
        .arg(&reports)
        .env("XDG_CACHE_HOME", &cache)
        .env("LANGGRAPH_API_KEY", KEY)
        .env_remove("LANGSMITH_API_KEY")
        .env_remove("LANGGRAPH_URL")
        .env_remove("LANGGRAPH_TARGET_CONFIG")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    // 101: specs failed (libtest's code); not 134 (an abort) nor 2 (no run).
    assert_eq!(
        out.status.code(),
        Some(101),
        "failures, not a crash:\n{stdout}\n{stderr}"
    );

    // The summary and both reports are written.
    assert!(stdout.contains("test result: FAILED"), "{stdout}");
    let junit = std::fs::read_to_string(reports.join("junit.xml")).expect("junit.xml");
    let json = std::fs::read_to_string(reports.join("report.json")).expect("report.json");
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();

    // Every good spec passes; every bad one fails, saying why.
    let mut problems = Vec::new();
    let mut good = 0;
    for s in report["specs"].as_array().unwrap() {
        let name = s["name"].as_str().unwrap();
        let outcome = s["outcome"].as_str().unwrap();
        let text = s["report"].as_str().unwrap_or("");
        match name.strip_prefix("hostile::") {
            None => {
                good += 1;
                if outcome != "passed" && outcome != "skipped" {
                    problems.push(format!("{name}: {outcome}\n{text}"));
                }
            }
            Some(bad_name) => {
                if outcome != "failed" {
                    problems.push(format!("{name}: {outcome}, expected failed"));
                }
                if let Some(b) = bad.iter().find(|b| b.name == bad_name) {
                    if !text.contains(b.says) {
                        problems.push(format!("{name} does not say {:?}:\n{text}", b.says));
                    }
                }
            }
        }
    }
    assert!(good >= 140, "{good} good specs");
    assert_eq!(
        report["specs"].as_array().unwrap().len(),
        good + bad.len() + usize::from(cfg!(unix)),
        "every spec has a verdict"
    );
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));

    // Nothing of the key, in any case, anywhere.
    for (what, text) in [
        ("stdout", &stdout),
        ("stderr", &stderr),
        ("junit.xml", &junit),
        ("report.json", &json),
    ] {
        assert!(!text.to_lowercase().contains("sekrit"), "the key in {what}");
        assert!(
            !text.contains("password"),
            "the linked file quoted in {what}"
        );
    }
    assert!(json.len() < 4 << 20, "report.json is {} bytes", json.len());

    if timed {
        let rss = max_rss_kib(&stderr).expect("/usr/bin/time -v reports the peak");
        println!("peak resident memory: {} MiB", rss / 1024);
        assert!(rss < MAX_RSS_KIB, "peak resident memory {} MiB", rss / 1024);
    } else {
        println!("/usr/bin/time not found: peak memory not measured");
    }
    std::fs::remove_dir_all(&tmp).unwrap();
}
