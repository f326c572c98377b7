//! How one MSM is cut up: window width, segment length for bucket accumulation, chunk length
//! for the bucket reduction, and the device memory a chunk of points needs.

use crate::layout::{AFFINE_BYTES, FIELD_BYTES, XYZZ_BYTES};

/// Bits in a BN254 scalar plus one for the signed-digit carry out of the top window.
const SCALAR_BITS_WITH_CARRY: u32 = 255;
/// Threads to aim for per compute unit when sizing segments and chunks.
const THREADS_PER_UNIT: u64 = 1024;

/// The shape of an MSM on the device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MsmPlan {
    /// Window width in bits (buckets per window: 2^(c−1), signed digits).
    pub c: u32,
    /// Windows summed by the bucket stage (all windows when `copies` is 1).
    pub windows_per_copy: u32,
    /// Copies of the bases, copy j holding 2^(c·windows_per_copy·j)·P (precompute factor).
    pub copies: u32,
    /// Most bucket entries one thread sums.
    pub segment: u32,
    /// Buckets per running-sum chunk in the window reduction (a power of two).
    pub chunk: u32,
}

impl MsmPlan {
    /// The window width zkaccel picks for `n` points: grows with n, 4..=16 bits.
    pub fn window_bits(n: usize) -> u32 {
        let log = usize::BITS - n.max(1).leading_zeros();
        log.saturating_sub(4).clamp(4, 16)
    }

    /// A plan for `n` points with window width `c` and `copies` precomputed base copies, sized
    /// for a device with `compute_units` multiprocessors.
    pub fn new(n: usize, c: u32, copies: u32, compute_units: u32) -> Self {
        let windows = SCALAR_BITS_WITH_CARRY.div_ceil(c);
        let copies = copies.clamp(1, windows);
        let windows_per_copy = windows.div_ceil(copies);
        let threads = (compute_units.max(1) as u64) * THREADS_PER_UNIT;
        let entries = (windows as u64) * (n.max(1) as u64);
        let segment = entries.div_ceil(threads).next_power_of_two().clamp(8, 256) as u32;
        let buckets = 1u64 << (c - 1);
        let chunk =
            ((windows_per_copy as u64) * buckets).div_ceil(threads).next_power_of_two().clamp(1, buckets) as u32;
        MsmPlan { c, windows_per_copy, copies, segment, chunk }
    }

    /// Buckets per window, 2^(c−1).
    pub fn buckets_per_window(&self) -> u32 {
        1 << (self.c - 1)
    }

    /// Buckets over all windows the bucket stage sums.
    pub fn total_buckets(&self) -> u32 {
        self.windows_per_copy * self.buckets_per_window()
    }

    /// Digit windows per scalar.
    pub fn windows(&self) -> u32 {
        self.windows_per_copy * self.copies
    }

    /// Running-sum chunks per window.
    pub fn chunks_per_window(&self) -> u32 {
        self.buckets_per_window() / self.chunk
    }

    /// Upper bound on the device bytes one chunk of `m` points needs, besides resident bases;
    /// `with_bases` adds the bases uploaded for a non-resident MSM.
    pub fn device_bytes(&self, m: usize, with_bases: bool) -> u64 {
        let m = m as u64;
        let entries = self.windows() as u64 * m;
        let buckets = self.total_buckets() as u64 + 1;
        let scalars = FIELD_BYTES as u64 * m;
        let sort = 3 * 4 * entries;
        let bucket_arrays = 8 * 4 * buckets;
        let partials = XYZZ_BYTES as u64 * (2 * buckets + 2 * entries.div_ceil(self.segment as u64));
        let reduce = XYZZ_BYTES as u64 * (buckets + (self.windows_per_copy * self.chunks_per_window()) as u64);
        let bases = if with_bases { AFFINE_BYTES as u64 * m } else { 0 };
        scalars + sort + bucket_arrays + partials + reduce + bases
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_cover_the_scalar_and_its_carry() {
        for c in 4..=16 {
            for copies in [1, 2, 3, 4, 8] {
                let plan = MsmPlan::new(1 << 12, c, copies, 4);
                assert!(plan.windows() * c >= 255, "c={c} copies={copies}");
                assert!(plan.buckets_per_window().is_multiple_of(plan.chunk));
            }
        }
    }

    #[test]
    fn window_width_grows_with_size_and_is_bounded() {
        assert_eq!(MsmPlan::window_bits(0), 4);
        assert_eq!(MsmPlan::window_bits(1), 4);
        assert_eq!(MsmPlan::window_bits(1 << 12), 9);
        assert_eq!(MsmPlan::window_bits(1 << 20), 16);
        assert_eq!(MsmPlan::window_bits(1 << 26), 16);
    }

    #[test]
    fn memory_estimate_grows_with_points() {
        let plan = MsmPlan::new(1 << 16, 12, 1, 132);
        assert!(plan.device_bytes(1 << 16, true) > plan.device_bytes(1 << 15, true));
        assert!(plan.device_bytes(1 << 16, true) > plan.device_bytes(1 << 16, false));
    }
}
