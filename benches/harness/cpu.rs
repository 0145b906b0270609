//! How much of the machine other processes used while a measurement ran, from the kernel's CPU counters (Linux:
//! `/proc/stat` for the whole machine, `/proc/self/stat` for this process and the children it has waited for).
//! Elsewhere nothing is known, and every measurement counts as quiet.

/// The CPU counters at one moment, in clock ticks.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    /// Every CPU's busy time: user, nice, system, interrupts, and time the hypervisor gave to other machines.
    busy: u64,
    /// Every CPU's time, busy or idle.
    all: u64,
    /// This process's time, and its waited-for children's (the bench's servers and the processes it times).
    ours: u64,
}

pub fn sample() -> Option<Sample> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let v: Vec<u64> = stat
        .lines()
        .next()?
        .strip_prefix("cpu ")?
        .split_whitespace()
        .filter_map(|x| x.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal (guest time is counted in user already).
    let field = |i: usize| v.get(i).copied().unwrap_or(0);
    let busy = field(0) + field(1) + field(2) + field(5) + field(6) + field(7);
    let all = busy + field(3) + field(4);
    let me = std::fs::read_to_string("/proc/self/stat").ok()?;
    // After the command name in parentheses: state (field 3), ..., utime (14), stime (15), cutime (16), cstime (17).
    let after: Vec<u64> = me[me.rfind(')')? + 1..]
        .split_whitespace()
        .skip(11)
        .take(4)
        .filter_map(|x| x.parse().ok())
        .collect();
    Some(Sample {
        busy,
        all,
        ours: after.iter().sum(),
    })
}

/// The share of all CPU time between `a` and `b` that other processes used: 0 on a quiet machine, 0.5 when another
/// process kept one of two cores busy throughout. None when it cannot be told (no counters, or no time passed).
pub fn foreign_share(a: Option<Sample>, b: Option<Sample>) -> Option<f64> {
    let (a, b) = (a?, b?);
    let all = b.all.checked_sub(a.all).filter(|t| *t > 0)?;
    let busy = b.busy.saturating_sub(a.busy);
    let ours = b.ours.saturating_sub(a.ours);
    Some(busy.saturating_sub(ours) as f64 / all as f64)
}
