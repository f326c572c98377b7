//! Cost model: chooses the window width `c`, the bucket accumulation mode, the batch size and the
//! number of point chunks per window, and whether to split scalars into a small-bit-length and a
//! large-bit-length group. Costs are counted in base-field multiplications.

use super::digits::{window_count, MAX_WINDOW_BITS, MIN_WINDOW_BITS};

/// How a task accumulates points into its buckets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Affine buckets, additions batched with one shared inversion per `batch` additions.
    BatchAffine {
        /// Additions per shared inversion.
        batch: usize,
    },
    /// Projective buckets with mixed additions.
    Projective,
}

/// The parameters of one Pippenger run over a group of points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Window width in bits.
    pub c: u32,
    /// Point chunks per window; every (window, chunk) pair is one parallel task.
    pub chunks: usize,
    /// Accumulation mode of each window (their number covers the final carry).
    pub modes: Vec<Mode>,
    /// Buckets each window can use (the top window's digits are small).
    pub buckets: Vec<usize>,
}

impl Plan {
    /// A plan with the same mode for every window of scalars up to `max_bits` bits.
    pub fn uniform(c: u32, max_bits: u32, chunks: usize, mode: Mode) -> Plan {
        let windows = window_count(max_bits, c);
        Plan {
            c,
            chunks,
            modes: vec![mode; windows as usize],
            buckets: (0..windows).map(|w| usable_buckets(c, max_bits, w)).collect(),
        }
    }

    /// Number of windows.
    pub fn windows(&self) -> usize {
        self.modes.len()
    }
}

/// Buckets window `w` can reach for scalars of at most `max_bits` bits: all `2^(c-1)` except in
/// the top windows, whose raw value is below `2^a` with `a = max_bits - c·w < c - 1`, so that
/// with the carry their digit is at most `2^a` and never negative.
pub fn usable_buckets(c: u32, max_bits: u32, w: u32) -> usize {
    let above = max_bits.saturating_sub(c * w).min(c - 1);
    1usize << above
}

/// A range of scalar bit lengths handled by one Pippenger run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// Smallest bit length in the group (at least 1: zero scalars are never work).
    pub lo: u32,
    /// Largest bit length in the group.
    pub hi: u32,
    /// Number of points in the group.
    pub len: usize,
    /// How the group is computed.
    pub plan: Plan,
}

/// Per-curve inputs of the cost model.
#[derive(Debug, Clone, Copy)]
pub struct CurveCosts {
    /// Size of an affine point in bytes.
    pub affine_bytes: usize,
    /// Size of a projective point in bytes.
    pub projective_bytes: usize,
    /// Cost of one base-field inversion, in base-field multiplications.
    pub inversion: f64,
    /// Cost of one batched affine addition, inversion excluded ([`AFFINE_ADD`] or
    /// [`VECTOR_AFFINE_ADD`]), in base-field multiplications.
    pub affine_add: f64,
    /// Reduction cost per affine bucket ([`REDUCE_AFFINE`] or [`VECTOR_REDUCE_AFFINE`]).
    pub reduce_affine: f64,
}

/// Field multiplications (and bookkeeping) of one batched affine addition, inversion excluded.
pub const AFFINE_ADD: f64 = 7.5;
/// [`AFFINE_ADD`] on the AVX-512 IFMA path for G1 (measured: the MSM at 2^16 gains ~13% from
/// planning with it; 2^18..2^20 plan the same either way).
pub const VECTOR_AFFINE_ADD: f64 = 3.0;
/// Mixed (projective + affine) addition into a projective bucket (measured, with overhead).
const MIXED_ADD: f64 = 16.0;
/// Reduction per affine bucket (two batched affine additions, see `reduce`).
pub const REDUCE_AFFINE: f64 = 18.0;
/// [`REDUCE_AFFINE`] on the AVX-512 IFMA path for G1.
pub const VECTOR_REDUCE_AFFINE: f64 = 7.0;
/// Reduction per projective bucket (two projective additions).
const REDUCE_PROJECTIVE: f64 = 36.0;
/// Reading one digit of the table (also paid for zero digits).
const SCAN: f64 = 0.15;
/// Extra cost per random bucket access once the buckets outgrow the per-core L2 cache.
const CACHE_MISS: f64 = 1.0;
/// Per-core L2 cache size assumed by the model.
const L2_BYTES: usize = 1 << 20;
/// Fixed overhead of one task (allocation, scheduling), per bucket.
const TASK_PER_BUCKET: f64 = 0.3;
/// Largest batch of affine additions sharing one inversion.
const MAX_BATCH: usize = 1024;
/// Smallest batch worth an inversion; windows with fewer usable buckets stay projective.
const MIN_BATCH: usize = 32;
/// Most digit bytes per point a plan may use (bounds the digit table: at most 20 windows).
pub const DIGIT_BYTES_PER_POINT: usize = 40;
/// Digit tables up to this size are allowed whatever their bytes per point.
pub const SMALL_TABLE_BYTES: usize = 4 << 20;
/// Largest chunk count per window the planner considers.
const MAX_CHUNKS: usize = 64;

/// Batch size for a window with `buckets` usable buckets: an eighth of them keeps conflicts (two
/// additions to the same bucket in one batch) rare, capped so the batch stays in cache.
pub fn batch_size(buckets: usize) -> usize {
    (buckets / 8).clamp(1, MAX_BATCH)
}

/// Cheapest mode for one window, its cost per addition and per bucket (reduction and setup).
fn window_mode(buckets: usize, costs: &CurveCosts) -> (Mode, f64, f64) {
    let miss = |bytes: usize| if buckets * bytes > L2_BYTES { CACHE_MISS } else { 0.0 };
    let projective = (Mode::Projective, MIXED_ADD + miss(costs.projective_bytes), REDUCE_PROJECTIVE + TASK_PER_BUCKET);
    let batch = batch_size(buckets);
    if batch < MIN_BATCH {
        return projective;
    }
    let add = costs.affine_add + costs.inversion / batch as f64 + miss(costs.affine_bytes);
    if add < projective.1 {
        (Mode::BatchAffine { batch }, add, costs.reduce_affine + TASK_PER_BUCKET)
    } else {
        projective
    }
}

/// `counts[w]`: how many of the group's scalars can have a nonzero digit in window `w`.
fn window_loads(hist: &[usize; 257], c: u32, windows: u32) -> Vec<usize> {
    let mut suffix = [0usize; 258];
    for b in (0..257).rev() {
        suffix[b] = suffix[b + 1] + hist[b];
    }
    (0..windows).map(|w| suffix[((c * w) as usize).clamp(1, 257)]).collect()
}

/// Best plan and its estimated time (in field multiplications per thread) for a group whose
/// bit lengths follow `hist` (`hist[0]` is ignored).
pub fn plan(hist: &[usize; 257], threads: usize, costs: &CurveCosts) -> (Plan, f64) {
    let threads = threads.max(1) as f64;
    let m: usize = hist[1..].iter().sum();
    let max_bits = (1..257).rev().find(|&b| hist[b] > 0).unwrap_or(1) as u32;
    let mut best = (Plan::uniform(MIN_WINDOW_BITS, max_bits, 1, Mode::Projective), f64::INFINITY);
    for c in MIN_WINDOW_BITS..=MAX_WINDOW_BITS {
        let windows = window_count(max_bits, c);
        let table_bytes = windows as usize * m * 2;
        if table_bytes > SMALL_TABLE_BYTES && table_bytes > DIGIT_BYTES_PER_POINT * m {
            continue;
        }
        let loads = window_loads(hist, c, windows);
        let buckets: Vec<usize> = (0..windows).map(|w| usable_buckets(c, max_bits, w)).collect();
        let modes: Vec<(Mode, f64, f64)> = buckets.iter().map(|&b| window_mode(b, costs)).collect();
        let mut chunks = 1usize;
        while chunks <= MAX_CHUNKS && chunks <= loads[0].max(1) {
            let mut total = (windows as usize * m) as f64 * SCAN;
            let mut biggest = 0f64;
            for ((load, b), (_, add, per_bucket)) in loads.iter().zip(&buckets).zip(&modes) {
                let task = *load as f64 / chunks as f64 * add + *b as f64 * per_bucket;
                total += task * chunks as f64;
                biggest = biggest.max(task);
            }
            // List scheduling: the last task to start may run alone.
            let time = total / threads + biggest * (1.0 - 1.0 / threads);
            if time < best.1 {
                let modes = modes.iter().map(|m| m.0).collect();
                best = (Plan { c, chunks, modes, buckets: buckets.clone() }, time);
            }
            chunks *= 2;
        }
    }
    best
}

/// Splits the nonzero scalars into at most two bit-length groups (small scalars such as witness
/// bits, and full-size ones) when that is estimated to be cheaper than one run, and plans each.
pub fn groups(hist: &[usize; 257], threads: usize, costs: &CurveCosts) -> Vec<Group> {
    let group = |lo: u32, hi: u32| {
        let mut h = [0usize; 257];
        h[lo as usize..=hi as usize].copy_from_slice(&hist[lo as usize..=hi as usize]);
        let len = h.iter().sum::<usize>();
        let (plan, time) = plan(&h, threads, costs);
        (Group { lo, hi, len, plan }, time)
    };
    let (single, single_time) = group(1, 256);
    if single.len == 0 {
        return Vec::new();
    }
    let total_len = single.len;
    let mut best = (vec![single], single_time);
    for t in [1u32, 2, 4, 8, 16, 32, 64, 128] {
        let (small, small_time) = group(1, t);
        let (large, large_time) = group(t + 1, 256);
        if small.len == 0 || large.len == 0 {
            continue;
        }
        // Building the index lists costs about a multiplication per point.
        let time = small_time + large_time + total_len as f64 / threads.max(1) as f64;
        if time < 0.9 * best.1 {
            best = (vec![small, large], time);
        }
    }
    best.0
}

#[cfg(test)]
mod tests {
    use super::*;

    const G1: CurveCosts = CurveCosts {
        affine_bytes: 64,
        projective_bytes: 96,
        inversion: 230.0,
        affine_add: AFFINE_ADD,
        reduce_affine: REDUCE_AFFINE,
    };

    #[test]
    fn top_windows_have_few_buckets() {
        // 254-bit scalars, c = 13: windows 0..=18 are full, window 19 holds bits 247..253.
        assert_eq!(usable_buckets(13, 254, 0), 4096);
        assert_eq!(usable_buckets(13, 254, 18), 4096);
        assert_eq!(usable_buckets(13, 254, 19), 128);
        // c = 15: window 16 holds bits 240..253 (a 14-bit raw value, plus the carry).
        assert_eq!(usable_buckets(15, 254, 16), 1 << 14);
        assert_eq!(window_count(254, 15), 17);
        let p = Plan::uniform(13, 254, 1, Mode::Projective);
        assert_eq!(p.windows(), 20);
        assert_eq!(p.buckets[19], 128);
    }

    fn random_hist(n: usize) -> [usize; 257] {
        let mut h = [0usize; 257];
        // Random 254-bit scalars: half have 254 bits, a quarter 253, ...
        let mut left = n;
        for b in (1..=254).rev() {
            let k = left.div_ceil(2);
            h[b] = k;
            left -= k;
        }
        h
    }

    #[test]
    fn large_random_inputs_get_large_batch_affine_windows() {
        let (p, _) = plan(&random_hist(1 << 20), 2, &G1);
        assert!((14..=16).contains(&p.c), "{p:?}");
        assert!(p.windows() * p.chunks >= 16, "{p:?}");
        assert!(matches!(p.modes[0], Mode::BatchAffine { .. }), "{p:?}");
        assert!(p.windows() * 2 <= DIGIT_BYTES_PER_POINT);
        let (p, _) = plan(&random_hist(1 << 16), 2, &G1);
        assert!((10..=14).contains(&p.c), "{p:?}");
    }

    #[test]
    fn tiny_inputs_get_small_projective_windows() {
        let (p, _) = plan(&random_hist(3), 2, &G1);
        assert!(p.c <= 4, "{p:?}");
        assert!(p.modes.iter().all(|m| *m == Mode::Projective));
        let (p, _) = plan(&random_hist(1), 2, &G1);
        assert!(p.modes.iter().all(|m| *m == Mode::Projective));
    }

    #[test]
    fn windows_cover_the_final_carry() {
        for n in [1usize, 100, 1 << 12, 1 << 20] {
            let (p, _) = plan(&random_hist(n), 2, &G1);
            assert_eq!(p.windows() as u32, window_count(254, p.c));
            assert!(p.c * p.windows() as u32 >= 255, "{p:?}");
            assert_eq!(p.buckets.len(), p.windows());
        }
    }

    #[test]
    fn small_scalars_use_few_windows_and_enough_tasks() {
        let mut h = [0usize; 257];
        h[1] = 1 << 16;
        let (p, _) = plan(&h, 2, &G1);
        assert!(p.windows() <= 2, "{p:?}");
        assert!(p.windows() * p.chunks >= 2, "{p:?}");
    }

    #[test]
    fn mixed_witness_like_scalars_are_split() {
        let mut h = random_hist(1 << 12);
        h[1] += 1 << 18;
        let g = groups(&h, 2, &G1);
        assert_eq!(g.len(), 2, "{g:?}");
        assert_eq!(g.iter().map(|g| g.len).sum::<usize>(), h[1..].iter().sum::<usize>());
        assert!(g[0].plan.windows() <= 2, "{g:?}");
        let g = groups(&random_hist(1 << 16), 2, &G1);
        assert_eq!(g.len(), 1);
        let empty = [0usize; 257];
        assert!(groups(&empty, 2, &G1).is_empty());
    }
}
