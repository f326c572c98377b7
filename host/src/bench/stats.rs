//! Summary statistics of timing samples.

use serde::{Deserialize, Serialize};

/// Median and spread of a set of timings, in nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// The median; for an even number of samples, the mean of the two middle ones (rounded down).
    pub median_ns: u64,
    /// The fastest sample.
    pub min_ns: u64,
    /// The slowest sample.
    pub max_ns: u64,
}

impl Summary {
    /// Summarises `samples`; `None` when there are none.
    pub fn of(samples: &[u64]) -> Option<Summary> {
        let mut sorted = samples.to_vec();
        sorted.sort_unstable();
        let (&min_ns, &max_ns) = (sorted.first()?, sorted.last()?);
        let mid = sorted.len() / 2;
        let median_ns = if sorted.len() % 2 == 1 {
            sorted[mid]
        } else {
            ((sorted[mid - 1] as u128 + sorted[mid] as u128) / 2) as u64
        };
        Some(Summary { median_ns, min_ns, max_ns })
    }
}

/// Items per second when `items` take `ns` nanoseconds (infinite for a zero time).
pub fn throughput(items: u64, ns: u64) -> f64 {
    if ns == 0 {
        return f64::INFINITY;
    }
    items as f64 * 1e9 / ns as f64
}

/// How many times faster `ours_ns` is than `baseline_ns` (above 1: we are faster).
pub fn speedup(baseline_ns: u64, ours_ns: u64) -> f64 {
    baseline_ns as f64 / ours_ns.max(1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_spread() {
        assert_eq!(Summary::of(&[]), None);
        assert_eq!(Summary::of(&[7]), Some(Summary { median_ns: 7, min_ns: 7, max_ns: 7 }));
        assert_eq!(Summary::of(&[5, 1, 9]), Some(Summary { median_ns: 5, min_ns: 1, max_ns: 9 }));
        assert_eq!(Summary::of(&[40, 10, 30, 20]), Some(Summary { median_ns: 25, min_ns: 10, max_ns: 40 }));
        assert_eq!(Summary::of(&[u64::MAX, u64::MAX]).unwrap().median_ns, u64::MAX);
    }

    #[test]
    fn throughput_and_speedup() {
        assert_eq!(throughput(1 << 16, 500_000_000), 131_072.0);
        assert_eq!(throughput(1000, 1_000), 1e9);
        assert!(throughput(1, 0).is_infinite());
        assert_eq!(speedup(300, 100), 3.0);
        assert_eq!(speedup(100, 400), 0.25);
    }
}
