//! Peak extra memory of one run, read from Linux's per-process counters.
//!
//! Before the run the process's peak resident size (VmHWM) is reset to its current resident
//! size by writing `5` to `/proc/self/clear_refs`; after the run, `VmHWM − VmRSS(before)` is
//! the most memory the run added at any moment. Elsewhere (or where the kernel refuses the
//! reset) the measurement is `None`, never a guess.

use std::fs;

fn status_kib(field: &str) -> Option<u64> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Runs `f` and returns its result with the peak memory it added, in bytes, when measurable.
pub fn peak_extra<T>(f: impl FnOnce() -> T) -> (T, Option<u64>) {
    let reset = fs::write("/proc/self/clear_refs", "5").is_ok();
    let before = status_kib("VmRSS:");
    let out = f();
    let peak = status_kib("VmHWM:");
    let extra = match (reset, before, peak) {
        (true, Some(before), Some(peak)) => Some(peak.saturating_sub(before) * 1024),
        _ => None,
    };
    (out, extra)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sees_a_large_allocation_and_not_a_small_one() {
        let (len, extra) = peak_extra(|| {
            let big = vec![1u8; 64 << 20];
            std::hint::black_box(&big).len()
        });
        assert_eq!(len, 64 << 20);
        let linux = std::path::Path::new("/proc/self/clear_refs").exists();
        match extra {
            Some(extra) => assert!(extra >= 60 << 20, "a 64 MiB buffer shows as {extra} bytes"),
            None => assert!(!linux, "Linux exposes /proc/self/clear_refs and VmHWM, so the peak must be measured"),
        }
        let (_, small) = peak_extra(|| std::hint::black_box(vec![1u8; 4096]).len());
        if let Some(small) = small {
            assert!(small < 16 << 20, "a 4 KiB buffer shows as {small} bytes");
        }
    }
}
