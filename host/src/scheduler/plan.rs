//! Split planning: how many units of a workload each device gets so that all finish together.
//!
//! Each candidate device has a cost model (seconds for n units, fixed cost included), a
//! backlog (seconds of work it already has in flight) and a cap (units it accepts at all).
//! The planner finds the smallest finishing time T such that the devices can together process
//! every unit by T (a bisection on T; each device's share at T is the inverse of its model),
//! then trims the excess. A device whose fixed cost alone exceeds T gets nothing, so small work
//! stays on the one device that finishes it first; large work spreads in proportion to
//! throughput. Shares are contiguous ranges, in candidate order.

use std::ops::Range;

use super::calibration::CostModel;

/// One device that may take a share.
#[derive(Debug, Clone)]
pub struct Candidate<'a> {
    /// The caller's index of the device.
    pub device: usize,
    /// Predicted seconds for n units.
    pub model: &'a CostModel,
    /// Seconds of work already running on the device.
    pub backlog: f64,
    /// Most units it may take (its op limit; chunking is separate).
    pub cap: u64,
}

impl Candidate<'_> {
    fn finish(&self, units: u64) -> f64 {
        self.backlog + self.model.time(units)
    }

    fn units_by(&self, t: f64) -> u64 {
        if t < self.backlog {
            return 0;
        }
        self.model.units_within(t - self.backlog).min(self.cap)
    }
}

/// One device's share of a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Share {
    /// The candidate's `device`.
    pub device: usize,
    /// The units it runs.
    pub range: Range<usize>,
    /// Predicted seconds until it finishes (backlog included), for deadlines.
    pub predicted_ns: u64,
}

/// Splits `total` units over `candidates`. Shares smaller than `min_share` units are not
/// made (unless one device must take everything). Returns an empty plan for zero units, and
/// `None` when no candidate can take the work at all.
pub fn split(total: usize, candidates: &[Candidate<'_>], min_share: usize) -> Option<Vec<Share>> {
    // Caps can force shares below the minimum: then any plan beats none.
    split_min(total, candidates, min_share).or_else(|| split_min(total, candidates, 1).filter(|_| min_share > 1))
}

fn split_min(total: usize, candidates: &[Candidate<'_>], min_share: usize) -> Option<Vec<Share>> {
    if total == 0 {
        return Some(Vec::new());
    }
    let total_u = total as u64;
    // The best single device (its share is everything).
    let single =
        candidates.iter().filter(|c| c.cap >= total_u).min_by(|a, b| a.finish(total_u).total_cmp(&b.finish(total_u)));
    let single_t = single.map(|c| c.finish(total_u));
    let min_share = min_share.max(1) as u64;
    let usable: Vec<&Candidate<'_>> = candidates.iter().filter(|c| c.cap >= min_share.min(total_u)).collect();
    let covered = |t: f64| -> u64 {
        usable.iter().map(|c| c.units_by(t)).filter(|&u| u >= min_share.min(total_u)).fold(0u64, u64::saturating_add)
    };
    // Bisect for the earliest time by which the devices together cover every unit.
    let mut hi = match single_t {
        Some(t) => t,
        None => {
            let mut t = 1e-3;
            while covered(t) < total_u {
                t *= 2.0;
                if t > 1e9 {
                    return None;
                }
            }
            t
        }
    };
    if covered(hi) < total_u {
        return single.map(|c| vec![whole(c, total)]);
    }
    let mut lo = 0.0f64;
    for _ in 0..64 {
        let mid = 0.5 * (lo + hi);
        if covered(mid) >= total_u {
            hi = mid;
        } else {
            lo = mid;
        }
        if hi - lo <= hi * 1e-9 {
            break;
        }
    }
    let mut units: Vec<u64> =
        usable.iter().map(|c| c.units_by(hi)).map(|u| if u >= min_share.min(total_u) { u } else { 0 }).collect();
    // Trim the excess from the devices predicted to finish last.
    let mut excess = units.iter().sum::<u64>().saturating_sub(total_u);
    while excess > 0 {
        let (i, _) = units
            .iter()
            .enumerate()
            .filter(|(_, &u)| u > 0)
            .max_by(|a, b| usable[a.0].finish(*a.1).total_cmp(&usable[b.0].finish(*b.1)))
            .expect("excess implies a share");
        let cut = excess.min(units[i]);
        units[i] -= cut;
        excess -= cut;
    }
    // Drop shares the trim left below the minimum, moving their units to a device with room.
    for i in 0..units.len() {
        if units[i] > 0 && units[i] < min_share.min(total_u) {
            let moved = units[i];
            let room = |j: usize| usable[j].cap.saturating_sub(units[j]);
            let target =
                (0..units.len()).filter(|&j| j != i && units[j] > 0 && room(j) >= moved).max_by_key(|&j| room(j));
            if let Some(j) = target {
                units[i] = 0;
                units[j] += moved;
            }
        }
    }
    let mut shares = Vec::new();
    let mut start = 0usize;
    for (c, &u) in usable.iter().zip(&units) {
        if u == 0 {
            continue;
        }
        let end = start + u as usize;
        shares.push(Share { device: c.device, range: start..end, predicted_ns: secs_to_ns(c.finish(u)) });
        start = end;
    }
    debug_assert_eq!(start, total);
    let split_t = shares.iter().map(|s| s.predicted_ns).max().unwrap_or(0);
    match (single, single_t) {
        (Some(c), Some(t)) if secs_to_ns(t) <= split_t => Some(vec![whole(c, total)]),
        _ => Some(shares),
    }
}

fn whole(c: &Candidate<'_>, total: usize) -> Share {
    Share { device: c.device, range: 0..total, predicted_ns: secs_to_ns(c.finish(total as u64)) }
}

fn secs_to_ns(s: f64) -> u64 {
    (s * 1e9).clamp(0.0, u64::MAX as f64 / 2.0) as u64
}

/// The single device predicted to finish `units` first (with its predicted nanoseconds).
pub fn fastest(units: usize, candidates: &[Candidate<'_>]) -> Option<(usize, u64)> {
    candidates
        .iter()
        .filter(|c| c.cap >= units as u64)
        .map(|c| (c.device, c.finish(units as u64)))
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(d, t)| (d, secs_to_ns(t)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cand(device: usize, model: &CostModel) -> Candidate<'_> {
        Candidate { device, model, backlog: 0.0, cap: u64::MAX }
    }

    #[test]
    fn large_work_splits_by_throughput() {
        let fast = CostModel::affine(0.0, 1e-6);
        let slow = CostModel::affine(0.0, 3e-6);
        let plan = split(4_000_000, &[cand(0, &fast), cand(1, &slow)], 1).unwrap();
        assert_eq!(plan.len(), 2);
        let fast_units = plan[0].range.len() as f64;
        assert!((fast_units / 4e6 - 0.75).abs() < 1e-3, "{plan:?}");
        assert_eq!(plan[1].range.end, 4_000_000);
    }

    #[test]
    fn small_work_stays_on_the_device_that_finishes_first() {
        // A GPU with a 3 ms fixed cost but ten times the throughput.
        let cpu = CostModel::affine(1e-5, 1e-6);
        let gpu = CostModel::affine(3e-3, 1e-7);
        let plan = split(1000, &[cand(0, &cpu), cand(1, &gpu)], 1).unwrap();
        assert_eq!(plan, vec![Share { device: 0, range: 0..1000, predicted_ns: plan[0].predicted_ns }]);
        // The crossover follows the models: large work goes mostly to the GPU.
        let plan = split(1 << 22, &[cand(0, &cpu), cand(1, &gpu)], 1).unwrap();
        assert_eq!(plan.len(), 2);
        assert!(plan[1].range.len() > 8 * plan[0].range.len(), "{plan:?}");
    }

    #[test]
    fn backlog_and_caps_are_respected() {
        let m = CostModel::affine(0.0, 1e-6);
        let busy = Candidate { device: 0, model: &m, backlog: 10.0, cap: u64::MAX };
        let plan = split(10_000, &[busy, cand(1, &m)], 1).unwrap();
        assert_eq!(plan.len(), 1);
        assert_eq!(plan[0].device, 1);
        let capped = Candidate { device: 0, model: &m, backlog: 0.0, cap: 100 };
        let plan = split(10_000, &[capped.clone(), cand(1, &m)], 1).unwrap();
        assert!(plan[0].range.len() <= 100);
        assert_eq!(split(10, std::slice::from_ref(&capped), 1).unwrap()[0].range, 0..10);
        assert_eq!(split(1000, &[capped], 1), None);
        assert_eq!(split(0, &[], 1), Some(vec![]));
    }
}
