//! The optimized, equivalent form of circomlib's Poseidon and its precomputation.
//!
//! Derived here from the plain parameters (never copied from circomlibjs's `_opt` file), in three
//! steps that each leave the permutation's output unchanged:
//!
//! 1. **Constants moved forward.** In a partial round only `state[0]` meets the S-box, so the
//!    constants a partial round adds to `state[1..]` can be added after the S-box instead, and then
//!    pushed through the MDS into the next round's constants. Carried from the first partial round to
//!    the last, every partial round keeps one scalar (for `state[0]`) and the remainder lands in the
//!    first full round after the partial rounds.
//! 2. **Sparse partial-round matrices.** Write a matrix `A = [[a00, a0r], [ac0, Â]]` as `S · B` with
//!    `B = diag(1, Â)` and `S = [[a00, a0r·Â⁻¹], [ac0, I]]`. `B` leaves `state[0]` alone, so it
//!    commutes with a partial round's S-box and constant and moves into the previous round's matrix.
//!    Going from the last partial round back to the first, each partial round keeps a sparse `S`
//!    (first row, first column, identity: 2t − 1 multiplications instead of t²), and what is left,
//!    `B·MDS`, becomes the dense pre-matrix of the last full round before the partial rounds.
//! 3. **Scaled S-box input.** Each partial round works on `state[0] / μ` for a per-round μ chosen
//!    so that the sparse column's first entry becomes 1: one more multiplication saved per partial
//!    round (2t − 2 in all), at the cost of folding μ into the constants (`scale_partial_rounds`).
//!
//! `Â` is a power of the MDS's lower-right block, invertible because circomlib's MDS is a Cauchy
//! matrix (every square submatrix is invertible); the precomputation checks this and panics otherwise.

use std::sync::OnceLock;

use ark_bn254::Fr;
use ark_ff::{Field, One, Zero};

use super::constants::{params, PoseidonParams, MAX_WIDTH, MIN_WIDTH};
use super::linalg;

/// Precomputed constants of the optimized form for one state width `t`.
///
/// A hash runs: `full_rounds / 2` full rounds with `full_constants` and `mds`, the last of them
/// mixing with `pre_matrix` instead; then each partial round `p` adds `partial_constants[p]` to
/// `state[0]`, raises `state[0]` to the 5th power and applies sparse matrix `p`; then the remaining
/// full rounds with `full_constants` and `mds`. The output is `state[0]`. Follow this recipe
/// literally (a GPU kernel too): during the partial rounds `state[0]` holds a rescaled value, so
/// the constants are not interchangeable with those of other "optimized Poseidon" write-ups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptimizedParams {
    /// State width: inputs + 1.
    pub t: usize,
    /// Full rounds (8).
    pub full_rounds: usize,
    /// Partial rounds.
    pub partial_rounds: usize,
    /// `full_rounds * t` constants, `t` per full round in order: those before the partial rounds
    /// unchanged, the first after them with the partial rounds' remainders folded in.
    pub full_constants: Vec<Fr>,
    /// One constant per partial round, added to `state[0]` before its S-box.
    pub partial_constants: Vec<Fr>,
    /// The MDS matrix, row-major t×t, as in [`PoseidonParams::mds`].
    pub mds: Vec<Fr>,
    /// Dense t×t matrix, row-major, that replaces the MDS in the last full round before the partial
    /// rounds.
    pub pre_matrix: Vec<Fr>,
    /// `partial_rounds * t`: per partial round, the sparse matrix's first row,
    /// `state'[0] = Σ_j row[j] · state[j]`.
    pub sparse_first_row: Vec<Fr>,
    /// `partial_rounds * (t − 1)`: per partial round, the first column below the diagonal,
    /// `state'[i] = state[i] + col[i − 1] · state[0]` for `i ≥ 1` (with the old `state[0]`).
    /// Each column's first entry is 1, so `state[1]` needs an addition only.
    pub sparse_first_col: Vec<Fr>,
}

/// The optimized constants for state width `t` (2..=17), derived once on first use.
///
/// # Panics
/// If `t` is outside 2..=17.
pub fn optimized_params(t: usize) -> &'static OptimizedParams {
    assert!((MIN_WIDTH..=MAX_WIDTH).contains(&t), "Poseidon width {t} is outside {MIN_WIDTH}..={MAX_WIDTH}");
    static ALL: [OnceLock<OptimizedParams>; MAX_WIDTH - MIN_WIDTH + 1] = [const { OnceLock::new() }; 16];
    ALL[t - MIN_WIDTH].get_or_init(|| derive(params(t)))
}

/// Derives the optimized form from the plain parameters (see the module docs).
///
/// # Panics
/// If a matrix the factorization needs is singular or a sparse column starts with zero (neither
/// happens for circomlib's parameters; the tests derive every width).
pub fn derive(p: &PoseidonParams) -> OptimizedParams {
    let mut o = unscaled(p);
    scale_partial_rounds(&mut o);
    o
}

/// Steps 1 and 2: folded constants and sparse matrices, before the scaling of step 3.
fn unscaled(p: &PoseidonParams) -> OptimizedParams {
    let t = p.t;
    let half = p.full_rounds / 2;
    let partial = half..half + p.partial_rounds;

    // Step 1: carry every partial round's constants for state[1..] forward through the MDS.
    let mut partial_constants = Vec::with_capacity(p.partial_rounds);
    let mut carry = vec![Fr::zero(); t];
    for r in partial.clone() {
        let mut c: Vec<Fr> = p.round_constants(r).iter().zip(&carry).map(|(c, k)| *c + k).collect();
        partial_constants.push(c[0]);
        c[0] = Fr::zero();
        carry = (0..t).map(|i| linalg::dot(p.mds_row(i), &c)).collect();
    }
    let mut full_constants = Vec::with_capacity(p.full_rounds * t);
    for r in (0..p.rounds()).filter(|&r| p.is_full_round(r)) {
        let after_partial = r == partial.end;
        full_constants.extend(p.round_constants(r).iter().enumerate().map(|(i, c)| {
            if after_partial {
                *c + carry[i]
            } else {
                *c
            }
        }));
    }

    // Step 2: factor the partial rounds' matrices, last to first: A = S · diag(1, Â).
    let mut sparse_first_row = vec![Fr::zero(); p.partial_rounds * t];
    let mut sparse_first_col = vec![Fr::zero(); p.partial_rounds * (t - 1)];
    let mut a = p.mds.clone();
    for round in (0..p.partial_rounds).rev() {
        // Row vector w with w·Â = a0r, i.e. Âᵀ·wᵀ = a0rᵀ.
        let a_hat_t: Vec<Fr> = (0..(t - 1) * (t - 1)).map(|k| a[(k % (t - 1) + 1) * t + k / (t - 1) + 1]).collect();
        let w = linalg::solve(a_hat_t, a[1..t].to_vec());
        let row = &mut sparse_first_row[round * t..(round + 1) * t];
        row[0] = a[0];
        row[1..].copy_from_slice(&w);
        for i in 1..t {
            sparse_first_col[round * (t - 1) + i - 1] = a[i * t];
        }
        // The previous matrix is diag(1, Â) · MDS.
        let mut b = vec![Fr::zero(); t * t];
        b[0] = Fr::one();
        for i in 1..t {
            b[i * t + 1..(i + 1) * t].copy_from_slice(&a[i * t + 1..(i + 1) * t]);
        }
        a = linalg::mat_mul(&b, &p.mds, t);
    }

    OptimizedParams {
        t,
        full_rounds: p.full_rounds,
        partial_rounds: p.partial_rounds,
        full_constants,
        partial_constants,
        mds: p.mds.clone(),
        pre_matrix: a,
        sparse_first_row,
        sparse_first_col,
    }
}

/// Step 3: rescale `state[0]` in each partial round so the sparse column starts with 1.
///
/// Computing `x / μ` instead of the S-box input `x` makes the S-box output `y / μ⁵`. With
/// `μ_p⁵ = 1 / col_p[0]` (every element of Fr has exactly one fifth root, as gcd(5, r − 1) = 1),
/// round `p` adds `y/μ_p⁵` to `state[1]` with no multiplication. The factors are absorbed into the
/// constants: `k_p / μ_p`, the pre-matrix's first row divided by `μ_0`, row `p` divided by
/// `μ_(p+1)` (with `μ_P = 1`, so the full rounds see unscaled values), and row `p`'s first entry and
/// column `p` multiplied by `μ_p⁵`.
fn scale_partial_rounds(o: &mut OptimizedParams) {
    let t = o.t;
    let nu: Vec<Fr> = (0..o.partial_rounds)
        .map(|p| o.sparse_first_col[p * (t - 1)].inverse().expect("Poseidon: sparse column starts with zero"))
        .collect();
    let mu: Vec<Fr> = nu.iter().map(|v| linalg::fifth_root(*v)).chain([Fr::one()]).collect();
    let mu_inv: Vec<Fr> =
        mu.iter().map(|m| m.inverse().expect("fifth roots of non-zero values are non-zero")).collect();
    for v in &mut o.pre_matrix[..t] {
        *v *= mu_inv[0];
    }
    for p in 0..o.partial_rounds {
        o.partial_constants[p] *= mu_inv[p];
        let row = &mut o.sparse_first_row[p * t..(p + 1) * t];
        row[0] *= nu[p];
        row.iter_mut().for_each(|v| *v *= mu_inv[p + 1]);
        o.sparse_first_col[p * (t - 1)..(p + 1) * (t - 1)].iter_mut().for_each(|v| *v *= nu[p]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sparse matrix of partial round `round`, as a dense row-major matrix.
    fn sparse_as_dense(p: &OptimizedParams, round: usize) -> Vec<Fr> {
        let t = p.t;
        let mut m = vec![Fr::zero(); t * t];
        m[..t].copy_from_slice(&p.sparse_first_row[round * t..(round + 1) * t]);
        for i in 1..t {
            m[i * t] = p.sparse_first_col[round * (t - 1) + i - 1];
            m[i * t + i] = Fr::one();
        }
        m
    }

    #[test]
    fn poseidon_optimized_matrices_factor_the_partial_rounds() {
        // As linear maps (S-boxes and constants aside), round 3's MDS followed by P partial-round
        // MDS multiplications is M^(P+1); the unscaled chain S_(P-1) ··· S_0 · pre must equal it.
        for t in [2, 3, 5, 17] {
            let plain = params(t);
            let o = unscaled(plain);
            let mut lhs = o.pre_matrix.clone();
            let mut rhs = plain.mds.clone();
            for round in 0..o.partial_rounds {
                lhs = linalg::mat_mul(&sparse_as_dense(&o, round), &lhs, t);
                rhs = linalg::mat_mul(&plain.mds, &rhs, t);
            }
            assert_eq!(lhs, rhs, "t={t}");
        }
    }

    #[test]
    fn poseidon_optimized_params_have_the_documented_shape() {
        for t in MIN_WIDTH..=MAX_WIDTH {
            let o = optimized_params(t);
            assert_eq!(o.full_constants.len(), o.full_rounds * t);
            assert_eq!(o.partial_constants.len(), o.partial_rounds);
            assert_eq!((o.mds.len(), o.pre_matrix.len()), (t * t, t * t));
            assert_eq!(o.sparse_first_row.len(), o.partial_rounds * t);
            assert_eq!(o.sparse_first_col.len(), o.partial_rounds * (t - 1));
            assert!(o.sparse_first_col.chunks(t - 1).all(|c| c[0] == Fr::one()), "t={t}: scaled column");
            assert_ne!(o.pre_matrix, o.mds);
        }
    }
}
