//! Resident memory, from /proc/self/status (Linux). Elsewhere every figure is `None`.

/// Sets the kernel's peak-RSS mark (VmHWM) back to the current RSS (Linux 4.0 and later), so the next `peak()` is
/// the peak of what ran in between. Returns false where that is refused; the mark then only ever rises.
pub fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// The highest resident set size since the start or the last `reset_peak`, in bytes.
pub fn peak() -> Option<u64> {
    status_bytes("VmHWM:")
}

/// A field of /proc/self/status given in kB.
fn status_bytes(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kib: u64 = line[field.len()..]
        .trim()
        .strip_suffix("kB")?
        .trim()
        .parse()
        .ok()?;
    Some(kib * 1024)
}
