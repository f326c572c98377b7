//! Radix-2 butterflies and the in-cache Cooley–Tukey pass (natural order in, bit-reversed out).

use ark_bn254::Fr;

use super::arith::{add, sub};

/// Blocks at most this long (log2) run every level breadth-first: 2^10 elements are 32 KiB,
/// one L1 data cache. Longer blocks split depth-first so their halves land in L1.
const L1_LOG: u32 = 10;

/// One column of butterflies: `(lo, hi) ← (lo + s·hi, lo − s·hi)`, or with s = 1 when
/// `s` is `None` (no multiplication).
#[inline]
pub fn butterflies(lo: &mut [Fr], hi: &mut [Fr], s: Option<&Fr>) {
    debug_assert_eq!(lo.len(), hi.len());
    match s {
        Some(s) => {
            for (l, h) in lo.iter_mut().zip(hi.iter_mut()) {
                let v = *h * s;
                *h = sub(l, &v);
                *l = add(l, &v);
            }
        }
        None => {
            for (l, h) in lo.iter_mut().zip(hi.iter_mut()) {
                let v = *h;
                *h = sub(l, &v);
                *l = add(l, &v);
            }
        }
    }
}

/// The twiddle of global block `g`, `None` for block 0 (its twiddle is 1).
#[inline]
pub fn twiddle(tw: &[Fr], g: usize) -> Option<&Fr> {
    if g == 0 {
        None
    } else {
        Some(&tw[g])
    }
}

/// Every level of the Cooley–Tukey pass on one block, sequentially.
///
/// `data` is block `base` of the level it starts at (so its level-t sub-block `b` is global
/// block `base·2^t + b` and uses `tw[base·2^t + b]`). Natural order in, bit-reversed out.
pub fn ct_block(data: &mut [Fr], base: usize, tw: &[Fr]) {
    let n = data.len();
    if n < 2 {
        return;
    }
    let levels = n.trailing_zeros();
    if levels > L1_LOG {
        let (lo, hi) = data.split_at_mut(n / 2);
        butterflies(lo, hi, twiddle(tw, base));
        ct_block(lo, 2 * base, tw);
        ct_block(hi, 2 * base + 1, tw);
        return;
    }
    for t in 0..levels {
        let half = n >> (t + 1);
        let first = base << t;
        if half == 1 {
            // Last level: one butterfly per block; walk the twiddles alongside.
            let tws = &tw[first..first + n / 2];
            for (g, (pair, s)) in data.chunks_exact_mut(2).zip(tws).enumerate() {
                let v = if first + g == 0 { pair[1] } else { pair[1] * s };
                pair[1] = sub(&pair[0], &v);
                pair[0] = add(&pair[0], &v);
            }
            continue;
        }
        for (b, block) in data.chunks_exact_mut(2 * half).enumerate() {
            let (lo, hi) = block.split_at_mut(half);
            butterflies(lo, hi, twiddle(tw, first + b));
        }
    }
}
