//! The hot loop: the optimized Poseidon on a fixed-size stack state (`[Fr; T]`, one monomorphized
//! copy per width), with no allocation and one lazily reduced dot product per matrix row.

use ark_bn254::Fr;
use ark_ff::{Field, Zero};

use super::optimized::OptimizedParams;

/// x ← x⁵ with three multiplications (arkworks' assembly multiplication is a little faster than
/// its squaring, so x² is a product too).
#[inline(always)]
fn pow5(x: &mut Fr) {
    let x2 = *x * *x;
    let x4 = x2 * x2;
    *x *= x4;
}

/// The first half of a full round: add the round's constants `c`, then x⁵ on every element.
#[inline(always)]
fn add_and_sbox_all<const T: usize>(state: &mut [Fr; T], c: &[Fr]) {
    for (s, c) in state.iter_mut().zip(c) {
        *s += c;
        pow5(s);
    }
}

/// `state ← m · state` for a row-major T×T matrix.
#[inline(always)]
fn mix_dense<const T: usize>(state: &mut [Fr; T], m: &[Fr]) {
    let old = *state;
    for (s, row) in state.iter_mut().zip(m.chunks_exact(T)) {
        *s = Fr::sum_of_products(row.try_into().expect("row of T elements"), &old);
    }
}

/// One partial round: `state[0] += k`, x⁵ on it, then the sparse matrix: `state[0]` becomes
/// `row · state` and `state[i] += col[i − 1] · state[0]`, where `col[0]` is 1 (see
/// [`OptimizedParams::sparse_first_col`]), so `state[1]` takes a plain addition.
#[inline(always)]
fn partial_round<const T: usize>(state: &mut [Fr; T], k: &Fr, row: &[Fr; T], col: &[Fr]) {
    state[0] += k;
    pow5(&mut state[0]);
    let y = state[0];
    state[0] = Fr::sum_of_products(row, state);
    state[1] += y;
    for (s, c) in state[2..].iter_mut().zip(&col[1..]) {
        *s += y * c;
    }
}

/// Poseidon of `inputs` (exactly `T − 1` of them) in the optimized form `p` (of width `T`).
pub(super) fn hash_t<const T: usize>(inputs: &[Fr], p: &OptimizedParams) -> Fr {
    debug_assert_eq!(p.t, T);
    let mut state = [Fr::zero(); T];
    state[1..].copy_from_slice(inputs);
    let half = p.full_rounds / 2;
    let mut constants = p.full_constants.chunks_exact(T);

    for r in 0..half {
        add_and_sbox_all(&mut state, constants.next().expect("full round constants"));
        mix_dense(&mut state, if r + 1 == half { &p.pre_matrix } else { &p.mds });
    }

    let rows = p.sparse_first_row.chunks_exact(T);
    let cols = p.sparse_first_col.chunks_exact(T - 1);
    for ((k, row), col) in p.partial_constants.iter().zip(rows).zip(cols) {
        partial_round(&mut state, k, row.try_into().expect("row of T elements"), col);
    }

    for _ in 0..half - 1 {
        add_and_sbox_all(&mut state, constants.next().expect("full round constants"));
        mix_dense(&mut state, &p.mds);
    }
    // The last round's mix: only the output element, state[0], is needed.
    add_and_sbox_all(&mut state, constants.next().expect("full round constants"));
    Fr::sum_of_products(p.mds[..T].try_into().expect("row of T elements"), &state)
}
