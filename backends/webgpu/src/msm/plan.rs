//! Window and buffer sizing for one chunk of an MSM: the window width from the chunk length,
//! and how many windows one pass over the buffers may process so that no buffer exceeds the
//! device's binding limit.

use zkaccel_backends::device_layout::{AFFINE_BYTES, FIELD_BYTES, XYZZ_BYTES};
use zkaccel_backends::{BackendError, Result};

/// Bits of a BN254 scalar covered by the windows (the top window absorbs the last carry).
const SCALAR_BITS: u32 = 255;
/// Sorted (window, point) entries each accumulation invocation walks.
pub const SLICE_LEN: u32 = 64;
/// Largest chunk: keeps every u32 index in the kernels far from overflow.
const MAX_CHUNK_POINTS: usize = 1 << 26;

/// How one chunk of `n` points is processed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    /// Points in the chunk.
    pub n: u32,
    /// Window width in bits.
    pub c: u32,
    /// Windows, ceil(255 / c).
    pub windows: u32,
    /// Buckets per window, 2^(c−1).
    pub buckets: u32,
    /// Windows per pass over the buffers.
    pub group: u32,
    /// Buckets per reduction segment (a power of two).
    pub seg_len: u32,
    /// Segments per window.
    pub segs: u32,
}

/// The window width for a chunk of `n` points: about log2(n) − 3, within [4, 16].
pub fn window_bits(n: usize) -> u32 {
    let log = usize::BITS - n.max(1).leading_zeros();
    log.saturating_sub(3).clamp(4, 16)
}

/// The most points one chunk may hold under `max_binding` bytes per buffer.
pub fn max_chunk_points(max_binding: u64) -> usize {
    let per_point = AFFINE_BYTES.max(FIELD_BYTES) as u64;
    ((max_binding / per_point) as usize).min(MAX_CHUNK_POINTS)
}

impl Plan {
    /// The plan for `n` points (1 ≤ n ≤ [`max_chunk_points`]) under `max_binding` bytes per
    /// buffer.
    pub fn new(n: usize, max_binding: u64) -> Result<Plan> {
        if n == 0 || n > max_chunk_points(max_binding) {
            return Err(BackendError::InvalidInput(format!(
                "MSM chunk of {n} points does not fit buffers of {max_binding} bytes"
            )));
        }
        let mut c = window_bits(n);
        while c > 4 && (XYZZ_BYTES as u64) << (c - 1) > max_binding {
            c -= 1;
        }
        let buckets = 1u32 << (c - 1);
        let windows = SCALAR_BITS.div_ceil(c);
        let seg_len = 1u32 << c.div_ceil(2);
        let seg_len = seg_len.min(buckets);
        let segs = buckets / seg_len;
        let fits = |g: u64| {
            let entries = n as u64 * g;
            let slices = entries.div_ceil(SLICE_LEN as u64);
            let xyzz = XYZZ_BYTES as u64;
            entries * 4 <= max_binding
                && entries < 1 << 31
                && g * buckets as u64 * xyzz <= max_binding
                && 2 * slices * xyzz <= max_binding
                && 2 * g * segs as u64 * xyzz <= max_binding
        };
        if !fits(1) {
            return Err(BackendError::InvalidInput(format!(
                "MSM buffers of {max_binding} bytes are too small for a window of {c} bits"
            )));
        }
        let mut group = 1u32;
        while group < windows && fits(group as u64 + 1) {
            group += 1;
        }
        Ok(Plan { n: n as u32, c, windows, buckets, group, seg_len, segs })
    }

    /// Device bytes the chunk's buffers take (for out-of-memory reports).
    pub fn device_bytes(&self) -> u64 {
        let n = self.n as u64;
        let entries = n * self.group as u64;
        let buckets = self.group as u64 * self.buckets as u64;
        let xyzz = XYZZ_BYTES as u64;
        n * FIELD_BYTES as u64
            + 4 * entries * 4
            + 2 * buckets * 4
            + buckets * xyzz
            + 2 * entries.div_ceil(SLICE_LEN as u64) * xyzz
            + 2 * self.group as u64 * self.segs as u64 * xyzz
            + self.windows as u64 * xyzz
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_bits_follow_the_chunk_length() {
        assert_eq!(window_bits(1), 4);
        assert_eq!(window_bits(4096), 10);
        assert_eq!(window_bits(1 << 30), 16);
    }

    #[test]
    fn small_bindings_shrink_windows_and_groups() {
        let plan = Plan::new(256, 16 << 10).unwrap();
        assert!((plan.buckets as u64) * 128 <= 16 << 10);
        assert!(plan.group >= 1 && plan.group <= plan.windows);
        assert!(plan.windows * plan.c >= 255);
        let big = Plan::new(1 << 20, 1 << 30).unwrap();
        assert_eq!(big.group, big.windows);
        assert_eq!(big.segs * big.seg_len, big.buckets);
        assert!(Plan::new(0, 1 << 20).is_err());
        assert!(Plan::new(1000, 1 << 10).is_err());
    }
}
