//! In-place bit-reversal permutation, tiled for the cache and parallel for large inputs.
//!
//! An index of L bits is split as `hi | mid | lo` with `hi` and `lo` of [`TILE_LOG`] bits; its
//! reverse is `rev(lo) | rev(mid) | rev(hi)`. All indices with middle bits `mid` form a tile of
//! 2^TILE_LOG runs of 2^TILE_LOG contiguous points, and bit reversal swaps the tile of `mid`
//! with the tile of `rev(mid)`: two tiles (16 KiB) that stay in L1 while they are swapped.
//! Distinct pairs `{mid, rev(mid)}` touch disjoint indices, so they run in parallel.

use ark_bn254::Fr;
use rayon::prelude::*;

/// log2 of a tile's side.
const TILE_LOG: u32 = 4;
/// Inputs of at least 2^PAR_MIN_LOG points are permuted in parallel.
const PAR_MIN_LOG: u32 = 14;

/// Reverses the lowest `bits` bits of `x` (which has no higher bits).
#[inline]
pub fn reverse_bits(x: usize, bits: u32) -> usize {
    if bits == 0 {
        0
    } else {
        x.reverse_bits() >> (usize::BITS - bits)
    }
}

/// Permutes `data` (a power-of-two length) so that `data[i]` moves to `data[rev(i)]`.
pub fn bit_reverse(data: &mut [Fr]) {
    let n = data.len();
    debug_assert!(n.is_power_of_two());
    let log = n.trailing_zeros();
    if log <= 2 * TILE_LOG {
        for i in 0..n {
            let j = reverse_bits(i, log);
            if i < j {
                data.swap(i, j);
            }
        }
        return;
    }
    let mids = 1usize << (log - 2 * TILE_LOG);
    let ptr = SharedPtr(data.as_mut_ptr());
    if log < PAR_MIN_LOG {
        for mid in 0..mids {
            // SAFETY: `ptr` covers the 2^log points of `data`, which this function borrows
            // mutably, and nothing else runs meanwhile.
            unsafe { swap_tile_pair(ptr.get(), log, mid) };
        }
    } else {
        (0..mids).into_par_iter().with_min_len(4).for_each(|mid| {
            // SAFETY: `ptr` covers the 2^log points of `data`, borrowed mutably for the whole
            // parallel loop. The call for `mid` only touches indices whose middle bits are `mid`
            // or `rev(mid)`, and it does nothing unless `mid <= rev(mid)`, so no two calls
            // touch the same index.
            unsafe { swap_tile_pair(ptr.get(), log, mid) };
        });
    }
}

/// A raw pointer that may cross threads; users guarantee disjoint access.
#[derive(Clone, Copy)]
struct SharedPtr(*mut Fr);

// SAFETY: the pointer is only dereferenced inside `swap_tile_pair`, whose callers guarantee that
// concurrent calls touch disjoint elements.
unsafe impl Send for SharedPtr {}
// SAFETY: as above.
unsafe impl Sync for SharedPtr {}

impl SharedPtr {
    fn get(self) -> *mut Fr {
        self.0
    }
}

/// Swaps the tile of middle bits `mid` with the tile of `rev(mid)` (each point with its
/// bit-reversed partner). Does nothing when `rev(mid) < mid`: that pair is `rev(mid)`'s job.
///
/// # Safety
/// `ptr` must point to 2^log initialised points (log > 2·TILE_LOG) that nothing else reads or
/// writes during the call, except indices whose middle bits are neither `mid` nor `rev(mid)`.
unsafe fn swap_tile_pair(ptr: *mut Fr, log: u32, mid: usize) {
    let mid_log = log - 2 * TILE_LOG;
    let rmid = reverse_bits(mid, mid_log);
    if rmid < mid {
        return;
    }
    let side = 1usize << TILE_LOG;
    let hi_shift = log - TILE_LOG;
    for hi in 0..side {
        let rhi = reverse_bits(hi, TILE_LOG);
        for lo in 0..side {
            let i = (hi << hi_shift) | (mid << TILE_LOG) | lo;
            let j = (reverse_bits(lo, TILE_LOG) << hi_shift) | (rmid << TILE_LOG) | rhi;
            // Within a self-paired tile (mid == rev(mid)) each pair is met twice: swap once.
            if rmid != mid || i < j {
                // SAFETY: i, j < 2^log, and both have middle bits `mid` or `rmid`, which the
                // caller reserves for this call.
                unsafe { std::ptr::swap(ptr.add(i), ptr.add(j)) };
            }
        }
    }
}
