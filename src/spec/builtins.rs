//! Built-in variables: `${unique}`, a short token for names and keys, and `${uuid}`, a UUID. Each is the same
//! throughout one run of a spec, so a later step finds what an earlier one made, and differs between specs and
//! between runs, so specs never collide on a shared, long-lived deployment and can run in parallel and repeatedly.
//! `${webhook_url}` is the address of a receiver the harness starts for a spec that uses it.

use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::{Map, Value};

pub const UNIQUE: &str = "unique";
pub const UUID: &str = "uuid";
/// Where the harness's webhook receiver listens for this run of the spec (set only for specs that use it).
pub const WEBHOOK_URL: &str = "webhook_url";
pub const NAMES: [&str; 3] = [UNIQUE, UUID, WEBHOOK_URL];

/// New values for one run of a spec.
pub fn fresh() -> Map<String, Value> {
    let (a, b) = (random_u64(), random_u64());
    let mut m = Map::new();
    m.insert(UNIQUE.into(), Value::String(token(a)));
    m.insert(UUID.into(), Value::String(uuid_v4(a, b)));
    m
}

/// 64 bits that differ between calls, processes and runs. Not for secrets: only for names that must not collide.
fn random_u64() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    // RandomState is seeded from the operating system's randomness once per process; the counter and the clock
    // separate calls within it.
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default(),
    );
    h.write_u32(std::process::id());
    h.finish()
}

/// Ten lowercase letters and digits: safe in paths, keys, names and namespaces (no `.`), about 51 bits.
fn token(mut n: u64) -> String {
    const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut s = String::with_capacity(10);
    // A letter first, so the token is also a valid identifier.
    s.push(ALPHABET[10 + (n % 26) as usize] as char);
    n /= 26;
    for _ in 0..9 {
        s.push(ALPHABET[(n % 36) as usize] as char);
        n /= 36;
    }
    s
}

fn uuid_v4(a: u64, b: u64) -> String {
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&a.rotate_left(17).to_be_bytes());
    bytes[8..].copy_from_slice(&b.to_be_bytes());
    bytes[6] = (bytes[6] & 0x0f) | 0x40; // version 4
    bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 4122 variant
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(36);
    for (i, b) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        out.push(HEX[usize::from(b >> 4)] as char);
        out.push(HEX[usize::from(b & 0x0f)] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_differ_between_runs_and_have_their_shapes() {
        let a = fresh();
        let b = fresh();
        assert_ne!(a[UNIQUE], b[UNIQUE]);
        assert_ne!(a[UUID], b[UUID]);
        let t = a[UNIQUE].as_str().unwrap();
        assert_eq!(t.len(), 10);
        assert!(t.chars().next().unwrap().is_ascii_lowercase());
        assert!(t
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()));
        let u = a[UUID].as_str().unwrap();
        let re = regex::Regex::new(
            "^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$",
        )
        .unwrap();
        assert!(re.is_match(u), "{u}");
    }

    #[test]
    fn many_tokens_do_not_collide() {
        let mut seen = std::collections::HashSet::new();
        for _ in 0..10_000 {
            assert!(seen.insert(fresh()[UNIQUE].as_str().unwrap().to_string()));
        }
    }
}
