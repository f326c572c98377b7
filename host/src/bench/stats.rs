//! Summary statistics of timing samples.

use serde::{Deserialize, Serialize};

/// Median and spread of a set of timings, in nanoseconds.
///
/// The spread is reported two ways: the extremes (`min_ns`, `max_ns`) and the interquartile
/// range (`q1_ns`..`q3_ns`, linear interpolation between order statistics). A sample is an
/// outlier (see [`outliers`]) when it lies more than 1.5 IQR outside the quartiles (Tukey's
/// fences); with fewer than [`MIN_SAMPLES_FOR_OUTLIERS`] samples none is flagged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// The median; for an even number of samples, the mean of the two middle ones (rounded down).
    pub median_ns: u64,
    /// The fastest sample.
    pub min_ns: u64,
    /// The slowest sample.
    pub max_ns: u64,
    /// First quartile (schema 2; records of schema 1 read back as 0, see [`Summary::band`]).
    #[serde(default)]
    pub q1_ns: u64,
    /// Third quartile (schema 2).
    #[serde(default)]
    pub q3_ns: u64,
}

/// Fewest samples for which outliers are flagged.
pub const MIN_SAMPLES_FOR_OUTLIERS: usize = 4;

/// The `p`-quantile (0..=1) of sorted samples, interpolating linearly between neighbours.
fn quantile(sorted: &[u64], p: f64) -> u64 {
    let pos = p * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    let frac = pos - lo as f64;
    (sorted[lo] as f64 + (sorted[hi] as f64 - sorted[lo] as f64) * frac).round() as u64
}

/// Indices (into `samples`, in order) of the samples beyond Tukey's fences:
/// below `q1 - 1.5·IQR` or above `q3 + 1.5·IQR`. Empty with fewer than
/// [`MIN_SAMPLES_FOR_OUTLIERS`] samples.
pub fn outliers(samples: &[u64]) -> Vec<usize> {
    let Some(s) = Summary::of(samples) else { return Vec::new() };
    if samples.len() < MIN_SAMPLES_FOR_OUTLIERS {
        return Vec::new();
    }
    let iqr = (s.q3_ns - s.q1_ns) as f64;
    let (low, high) = (s.q1_ns as f64 - 1.5 * iqr, s.q3_ns as f64 + 1.5 * iqr);
    samples.iter().enumerate().filter(|(_, &x)| (x as f64) < low || (x as f64) > high).map(|(i, _)| i).collect()
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
        let (q1_ns, q3_ns) = (quantile(&sorted, 0.25), quantile(&sorted, 0.75));
        Some(Summary { median_ns, min_ns, max_ns, q1_ns, q3_ns })
    }

    /// The interval a comparison treats as this measurement's uncertainty: the interquartile
    /// range, or min–max for records without quartiles (schema 1) or with fewer than
    /// [`MIN_SAMPLES_FOR_OUTLIERS`] samples' worth of information (`q1 == q3 == 0`).
    pub fn band(&self) -> (u64, u64) {
        if self.q3_ns == 0 && self.q1_ns == 0 {
            (self.min_ns, self.max_ns)
        } else {
            (self.q1_ns, self.q3_ns)
        }
    }

    /// Interquartile range relative to the median, e.g. 0.04 for ±2 %.
    pub fn relative_spread(&self) -> f64 {
        let (lo, hi) = self.band();
        (hi - lo) as f64 / self.median_ns.max(1) as f64
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
        let s = |median_ns, min_ns, max_ns, q1_ns, q3_ns| Some(Summary { median_ns, min_ns, max_ns, q1_ns, q3_ns });
        assert_eq!(Summary::of(&[7]), s(7, 7, 7, 7, 7));
        assert_eq!(Summary::of(&[5, 1, 9]), s(5, 1, 9, 3, 7));
        assert_eq!(Summary::of(&[40, 10, 30, 20]), s(25, 10, 40, 18, 33));
        assert_eq!(Summary::of(&[u64::MAX, u64::MAX]).unwrap().median_ns, u64::MAX);
        assert_eq!(Summary::of(&[5, 1, 9]).unwrap().band(), (3, 7));
        let old = Summary { median_ns: 5, min_ns: 1, max_ns: 9, q1_ns: 0, q3_ns: 0 };
        assert_eq!(old.band(), (1, 9), "schema-1 records fall back to min–max");
    }

    #[test]
    fn outliers_beyond_tukey_fences() {
        assert!(outliers(&[100, 101, 500]).is_empty(), "too few samples to judge");
        assert_eq!(outliers(&[100, 102, 101, 99, 100, 180]), vec![5]);
        assert_eq!(outliers(&[100, 102, 101, 40, 100, 103]), vec![3]);
        assert!(outliers(&[100, 110, 120, 130, 140]).is_empty());
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
