//! Compiled regexes, shared by pattern, and how their errors read.
//!
//! Specs repeat the same few patterns (`^application/json`, `^text/event-stream`) many times over; compiling each once
//! per process, and sharing it, also shares the search caches a regex builds on first use, so that a pattern used once
//! per spec does not pay for building them every time.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use regex::Regex;

/// Patterns kept at most: a bound on memory, whatever a suite (or a run-time pattern with variables) holds. Past it,
/// a pattern is compiled as if there were no cache.
const MAX_KEPT: usize = 1024;

static KEPT: LazyLock<Mutex<HashMap<String, Arc<Regex>>>> = LazyLock::new(Default::default);

/// `Regex::new`, sharing the result with every other use of the same pattern. Shared behind an `Arc`, not cloned: a
/// cloned `Regex` starts a pool of search caches of its own, and building those is what a first search pays.
pub fn compile(pattern: &str) -> Result<Arc<Regex>, regex::Error> {
    if let Some(r) = kept().get(pattern) {
        return Ok(Arc::clone(r));
    }
    // Compiled outside the lock, so that a slow pattern does not hold up the other threads.
    let r = Arc::new(Regex::new(pattern)?);
    let mut kept = kept();
    if kept.len() < MAX_KEPT {
        kept.insert(pattern.to_string(), Arc::clone(&r));
    }
    Ok(r)
}

fn kept() -> std::sync::MutexGuard<'static, HashMap<String, Arc<Regex>>> {
    KEPT.lock().unwrap_or_else(|p| p.into_inner())
}

/// The regex crate's message is a small drawing over several lines; its last line says what is wrong.
pub fn regex_message(e: &str) -> String {
    let what = e
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or(e);
    format!(
        "invalid regex: {}",
        what.strip_prefix("error: ").unwrap_or(what)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_pattern_is_compiled_once_and_errors_are_not_kept() {
        let a = compile("^application/(json|x-ndjson)").unwrap();
        let b = compile("^application/(json|x-ndjson)").unwrap();
        assert!(a.is_match("application/json") && b.is_match("application/x-ndjson"));
        assert!(Arc::ptr_eq(&a, &b), "one compiled regex, shared");
        assert!(kept().contains_key("^application/(json|x-ndjson)"));
        assert!(compile("(unclosed").is_err());
        assert!(!kept().contains_key("(unclosed"));
    }
}
