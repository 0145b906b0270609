//! Random mutations of the committed specs, fed to the loader: whatever the bytes, loading ends with a spec or an
//! error that points at a line, and never panics. Seeded, so a failure repeats; bounded, so it stays quick.

use std::collections::HashSet;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::spec::load_spec;
use crate::spec::read::source_from_bytes;

/// Mutated inputs per run; about two seconds in a debug build.
const CASES: usize = 1000;

/// xorshift64*: tiny, deterministic, good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn committed_specs(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("specs folder")
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            committed_specs(&p, out);
        } else if p.extension().is_some_and(|e| e == "yaml") {
            out.push(p);
        }
    }
}

const PUNCTUATION: [&[u8]; 20] = [
    b":",
    b"-",
    b"[",
    b"]",
    b"{",
    b"}",
    b",",
    b"&a",
    b"*a",
    b"!",
    b"|",
    b">",
    b"'",
    b"\"",
    b"#",
    b"---\n",
    b"${",
    b"\t",
    b"99999999999999999999",
    b"~",
];

/// Values that once broke the loader, or could: huge and zero durations, impossible counts, control characters,
/// bad regexes and deep nesting in JSONPaths.
const EXTREMES: [&str; 12] = [
    "100000000000000000000",
    "'10000000000000000000s'",
    "0.0000000001s",
    "-1",
    "0",
    "~",
    "''",
    "{min: 9, max: 1}",
    "'/ok\\nHost: evil'",
    "'$[?match(@.a, ''('')]'",
    "'$[?@[?@[?@[?@[?@[?@[?@[?@[?@[?@[?@[?@[?@[?@[?@[?@[?@[?@[?@[?@[?@[?@.a]]]]]]]]]]]]]]]]]]]]]]'",
    "'$[?((((((((((((((((((((((((((((((((((((((((@.a))))))))))))))))))))))))))))))))))))))))]'",
];

fn lines(b: &[u8]) -> Vec<Vec<u8>> {
    b.split_inclusive(|c| *c == b'\n')
        .map(<[u8]>::to_vec)
        .collect()
}

fn mutate(rng: &mut Rng, input: &[u8]) -> Vec<u8> {
    let mut b = input.to_vec();
    for _ in 0..1 + rng.below(3) {
        let at = rng.below(b.len() + 1);
        match rng.below(9) {
            0 if !b.is_empty() => {
                let i = rng.below(b.len());
                b[i] ^= 1 << rng.below(8);
            }
            1 => b.truncate(at),
            2 => {
                let mut ls = lines(&b);
                if !ls.is_empty() {
                    let i = rng.below(ls.len());
                    let l = ls[i].clone();
                    ls.insert(i, l);
                }
                b = ls.concat();
            }
            3 => {
                let mut ls = lines(&b);
                if !ls.is_empty() {
                    ls.remove(rng.below(ls.len()));
                }
                b = ls.concat();
            }
            4 => {
                let p = PUNCTUATION[rng.below(PUNCTUATION.len())];
                b.splice(at..at, p.iter().copied());
            }
            5 => {
                // Deep nesting, in flow or block style, in YAML or inside a JSONPath.
                let depth = 1 + rng.below(5000);
                let nest: Vec<u8> = match rng.below(3) {
                    0 => [vec![b'['; depth], vec![b']'; depth]].concat(),
                    1 => (0..depth.min(400))
                        .flat_map(|i| [b"\n".to_vec(), vec![b' '; i], b"- ".to_vec()].concat())
                        .collect(),
                    _ => format!("'$[?{}@.a{}]'", "[?@".repeat(depth), "]".repeat(depth))
                        .into_bytes(),
                };
                b.splice(at..at, nest);
            }
            6 => {
                // The value of a `key: value` line, replaced with an extreme one.
                let mut ls = lines(&b);
                let keyed: Vec<usize> = (0..ls.len())
                    .filter(|i| ls[*i].windows(2).any(|w| w == b": "))
                    .collect();
                if !keyed.is_empty() {
                    let i = keyed[rng.below(keyed.len())];
                    let colon = ls[i].windows(2).position(|w| w == b": ").unwrap_or(0);
                    let value = EXTREMES[rng.below(EXTREMES.len())];
                    ls[i] = [&ls[i][..colon + 2], value.as_bytes(), b"\n"].concat();
                }
                b = ls.concat();
            }
            7 => {
                // A top-level key most specs leave out, with an extreme value.
                let line = format!("timeout: {}\n", EXTREMES[rng.below(EXTREMES.len())]);
                b.splice(0..0, line.into_bytes());
            }
            _ => {
                let i = rng.below(b.len() + 1);
                b.splice(i..i, [0xFF, 0xC3]);
            }
        }
    }
    b
}

#[test]
fn mutated_specs_load_or_fail_with_a_location() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut specs = Vec::new();
    committed_specs(&root.join("specs"), &mut specs);
    assert!(!specs.is_empty());
    let originals: Vec<Vec<u8>> = specs.iter().map(|p| std::fs::read(p).unwrap()).collect();
    let globals: HashSet<String> = [
        "assistant_id",
        "chat_input",
        "chat_text",
        "graph_id",
        "node",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut problems = Vec::new();
    let started = std::time::Instant::now();
    for case in 0..CASES {
        let i = rng.below(originals.len());
        let input = mutate(&mut rng, &originals[i]);
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            let src = source_from_bytes("fuzz.yaml".into(), input.clone())?;
            load_spec(Arc::new(src), &globals).map(|_| ())
        }));
        match outcome {
            Err(_) => problems.push(format!(
                "case {case} (from {}): panicked",
                specs[i].display()
            )),
            Ok(Err(e)) if e.loc.line == 0 => problems.push(format!(
                "case {case} (from {}): an error without a location: {e}",
                specs[i].display()
            )),
            Ok(_) => {}
        }
        if problems.len() > 10 {
            break;
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "the loader got slow: {:?}",
        started.elapsed()
    );
}
