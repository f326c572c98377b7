//! Pointwise passes: coset powers before a forward transform, and the index reversal with
//! n⁻¹·s^{-j} after an inverse one.

use ark_bn254::Fr;
use rayon::prelude::*;

use super::domain::Scale;

/// Inputs of at least this many points are scaled in parallel.
const PAR_MIN: usize = 1 << 14;
/// Points per parallel task.
const CHUNK: usize = 1 << 12;

/// `data[j] *= c_j` for every j.
pub fn scale(data: &mut [Fr], scale: &Scale) {
    match scale {
        Scale::One => {}
        Scale::Constant(c) => {
            let f = |chunk: &mut [Fr]| chunk.iter_mut().for_each(|x| *x *= c);
            if data.len() >= PAR_MIN {
                data.par_chunks_mut(CHUNK).for_each(f);
            } else {
                f(data);
            }
        }
        Scale::Powers { lo, hi, lo_log } => {
            let f = |(chunk, base): (&mut [Fr], &Fr)| {
                for (x, l) in chunk.iter_mut().zip(lo) {
                    *x *= *base * l;
                }
            };
            if data.len() >= PAR_MIN {
                data.par_chunks_mut(1 << lo_log).zip(hi.par_iter()).for_each(f);
            } else {
                data.chunks_mut(1 << lo_log).zip(hi.iter()).for_each(f);
            }
        }
    }
}

/// `data[j] ← c_j · data[(n − j) mod n]` for every j: turns a forward transform of
/// evaluations into their inverse transform (Σ_i y_i ω^{-ij} is entry −j of the forward one).
pub fn reverse_and_scale(data: &mut [Fr], scale: &Scale) {
    let n = data.len();
    if n == 1 {
        data[0] *= scale.factor(0);
        return;
    }
    let half = n / 2;
    let (head, rest) = data.split_at_mut(1);
    head[0] *= scale.factor(0);
    // left: j = 1..half; middle: j = half; right: j = half+1..n, mirrored against left.
    let (left, rest) = rest.split_at_mut(half - 1);
    let (middle, right) = rest.split_at_mut(1);
    middle[0] *= scale.factor(half);
    let f = |(chunk, (l, r)): (usize, (&mut [Fr], &mut [Fr]))| {
        let first = 1 + chunk * CHUNK;
        for (i, (x, y)) in l.iter_mut().zip(r.iter_mut().rev()).enumerate() {
            // x is index j, y is index n − j.
            let j = first + i;
            let (zx, zy) = (*x, *y);
            *x = zy * scale.factor(j);
            *y = zx * scale.factor(n - j);
        }
    };
    if n >= PAR_MIN {
        left.par_chunks_mut(CHUNK).zip(right.par_rchunks_mut(CHUNK)).enumerate().for_each(f);
    } else {
        left.chunks_mut(CHUNK).zip(right.rchunks_mut(CHUNK)).enumerate().for_each(f);
    }
}
