//! The optimized Poseidon (see [`OptimizedParams`]) on 8 messages at once, one per lane.
//!
//! It follows the scalar `hash_t` step by step, with two rearrangements that leave every value
//! congruent to the scalar one, so the outputs are bit-identical after the final reduction:
//!
//! - **Constants ride along with the reductions.** A round's constants are added to the previous
//!   linear layer's accumulators as `c·R` (free: [`Wide::add_high_const`]); the input conversion
//!   (`x·R²/R`) likewise absorbs the first round's constants.
//! - **The output leaves the Montgomery form for free**: the last row uses the MDS entries as plain
//!   integers, so its reduction yields `Σ m_j·y_j` itself, not `Σ m_j·y_j·R`.
//!
//! **Bounds** (integers `X` of the lanes, `r < 2^253.6`, constants `< r`; see `field52`): every
//! S-box input is below 2^257, so its output is below 2^254 (x² < 2^254 + r, x⁴ < 2^250 + r,
//! x⁵ < 2^251 + r). Every state element is below 2^256 between rounds:
//! - a dense row (≤ 17 terms, inputs < 2^257) plus a constant reduces to < 17r/8 + 2r < 2^256;
//! - the sparse row reads `y < 2^254` and `s_j < 2^256`: < 17r/16 + 2r < 2^256;
//! - `s_1 + y < 2^256 + 2^254`, and `s_i + col·y/R + r < 2^256 + 2^254` for `i ≥ 2`: both are below
//!   2^257 and [`Fe8::shrink`] brings them back below 2^256 (without it they would grow by up to
//!   r per partial round, past 2^260 within 70 rounds);
//! - S-box inputs after the partial rounds are `s_i + c_i < 2^256 + r < 2^257`;
//! - the input conversion reduces `x·R² + c·R` (`x`, `R² mod r`, `c` below r) to < r²/R + 2r < 2^255.
//!
//! The output row reduces `< 17·r·2^254/2^260 + r < 1.3r`, which `limbs_to_fr` brings below r.

use std::sync::OnceLock;

use ark_bn254::Fr;

use super::super::constants::{MAX_WIDTH, MIN_WIDTH};
use super::super::optimized::{optimized_params, OptimizedParams};
use super::field52::{mont_limbs, plain_limbs, r_squared, Fe8, Limbs, Wide, LANES};

/// [`OptimizedParams`] as radix-2^52 limbs, Montgomery form (`x·2^260 mod r`) unless stated.
#[derive(Debug)]
pub(super) struct SimdParams {
    full_rounds: usize,
    partial_rounds: usize,
    full_constants: Vec<Limbs>,
    partial_constants: Vec<Limbs>,
    mds: Vec<Limbs>,
    pre_matrix: Vec<Limbs>,
    sparse_first_row: Vec<Limbs>,
    sparse_first_col: Vec<Limbs>,
    /// The MDS's first row as plain integers, for the output (see the module docs).
    output_row: Vec<Limbs>,
    /// R² mod r, plain: `reduce(x·R²) = x·R` converts an input.
    r_squared: Limbs,
}

impl SimdParams {
    fn new(o: &OptimizedParams) -> Self {
        let mont = |v: &[Fr]| v.iter().map(mont_limbs).collect();
        SimdParams {
            full_rounds: o.full_rounds,
            partial_rounds: o.partial_rounds,
            full_constants: mont(&o.full_constants),
            partial_constants: mont(&o.partial_constants),
            mds: mont(&o.mds),
            pre_matrix: mont(&o.pre_matrix),
            sparse_first_row: mont(&o.sparse_first_row),
            sparse_first_col: mont(&o.sparse_first_col),
            output_row: o.mds[..o.t].iter().map(plain_limbs).collect(),
            r_squared: r_squared(),
        }
    }
}

/// The SIMD constants for width `t` (2..=17), converted once from [`optimized_params`].
pub(super) fn simd_params(t: usize) -> &'static SimdParams {
    static ALL: [OnceLock<SimdParams>; MAX_WIDTH - MIN_WIDTH + 1] = [const { OnceLock::new() }; 16];
    ALL[t - MIN_WIDTH].get_or_init(|| SimdParams::new(optimized_params(t)))
}

/// x⁵ (three reductions), for `x < 2^257`; the result is below 2^254.
#[target_feature(enable = "avx512f,avx512ifma")]
#[inline]
fn pow5(x: &Fe8) -> Fe8 {
    let x2 = Wide::square(x).reduce();
    let x4 = Wide::square(&x2).reduce();
    let mut w = Wide::zero();
    w.mul_acc(&x4, x);
    w.reduce()
}

/// `Σ_j row[j]·v[j] + add·R`, reduced (one reduction for the whole row).
#[target_feature(enable = "avx512f,avx512ifma")]
#[inline]
fn row_dot<const T: usize>(row: &[Limbs], v: &[Fe8; T], add: Option<&Limbs>) -> Fe8 {
    let mut w = Wide::zero();
    for (c, x) in row.iter().zip(v) {
        w.mul_acc_const(x, c);
    }
    if let Some(c) = add {
        w.add_high_const(c);
    }
    w.reduce()
}

/// Full-round S-boxes and a dense mix: `m · (x⁵)` plus, per row, `next[i]` (the next round's
/// constants, absent for the pre-matrix's rows ≥ 1).
#[target_feature(enable = "avx512f,avx512ifma")]
#[inline]
fn full_round<const T: usize>(x: &mut [Fe8; T], m: &[Limbs], next: impl Fn(usize) -> Option<&'static Limbs>) {
    let mut y = *x;
    for v in y.iter_mut() {
        *v = pow5(v);
    }
    for (i, (out, row)) in x.iter_mut().zip(m.chunks_exact(T)).enumerate() {
        *out = row_dot(row, &y, next(i));
    }
}

/// Hashes `out.len()` messages of `T − 1` inputs (`inputs`, message-major) in groups of
/// [`LANES`]. `out.len()` must be a multiple of [`LANES`].
///
/// # Safety
/// The CPU must support avx512f and avx512ifma.
#[target_feature(enable = "avx512f,avx512ifma")]
pub(super) unsafe fn hash_groups<const T: usize>(inputs: &[Fr], out: &mut [Fr], p: &'static SimdParams) {
    assert!(out.len().is_multiple_of(LANES) && inputs.len() == out.len() * (T - 1), "whole groups of {LANES} messages");
    for (m, o) in inputs.chunks_exact(LANES * (T - 1)).zip(out.chunks_exact_mut(LANES)) {
        o.copy_from_slice(&hash8::<T>(m, p));
    }
}

/// The permutation of 8 messages (`inputs`: 8 × (T − 1) elements, message-major), outputs
/// canonical.
#[target_feature(enable = "avx512f,avx512ifma")]
fn hash8<const T: usize>(inputs: &[Fr], p: &'static SimdParams) -> [Fr; LANES] {
    let half = p.full_rounds / 2;
    let fc = |round: usize, i: usize| &p.full_constants[round * T + i];

    // Round 0's S-box inputs: the capacity element is 0, so x_0 is the constant itself.
    let mut x = [Fe8::zero(); T];
    x[0] = Fe8::splat(fc(0, 0));
    for (i, xi) in x.iter_mut().enumerate().skip(1) {
        let lanes: [Limbs; LANES] = core::array::from_fn(|l| plain_limbs(&inputs[l * (T - 1) + i - 1]));
        let mut w = Wide::zero();
        w.mul_acc_const(&Fe8::from_limbs(&lanes), &p.r_squared);
        w.add_high_const(fc(0, i));
        *xi = w.reduce();
    }

    for r in 0..half - 1 {
        full_round(&mut x, &p.mds, |i| Some(fc(r + 1, i)));
    }
    let k0 = &p.partial_constants[0];
    full_round(&mut x, &p.pre_matrix, |i| (i == 0).then_some(k0));

    // Partial rounds: x[0] is the S-box input (its constant added), x[1..] the other elements.
    let rows = p.sparse_first_row.chunks_exact(T);
    let cols = p.sparse_first_col.chunks_exact(T - 1);
    for (round, (row, col)) in rows.zip(cols).enumerate() {
        let next = p.partial_constants.get(round + 1).unwrap_or(fc(half, 0));
        x[0] = pow5(&x[0]);
        let y = x[0];
        let s0 = row_dot(row, &x, Some(next));
        x[1] = x[1].add(&y).shrink();
        for (s, c) in x[2..].iter_mut().zip(&col[1..]) {
            let mut w = Wide::zero();
            w.mul_acc_const(&y, c);
            w.add_high(s);
            *s = w.reduce().shrink();
        }
        x[0] = s0;
    }
    debug_assert_eq!(p.partial_constants.len(), p.partial_rounds);
    for (i, xi) in x.iter_mut().enumerate().skip(1) {
        *xi = xi.add(&Fe8::splat(fc(half, i)));
    }

    for r in half..p.full_rounds - 1 {
        full_round(&mut x, &p.mds, |i| Some(fc(r + 1, i)));
    }
    for v in x.iter_mut() {
        *v = pow5(v);
    }
    row_dot(&p.output_row, &x, None).plain_to_fr()
}
