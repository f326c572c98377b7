//! Poseidon on 8 messages at once with AVX-512 IFMA (52-bit multiply-accumulate), chosen at run
//! time; other CPUs and targets keep the scalar path.
//!
//! Design: each field element is 5 limbs of 52 bits, limb-sliced across the 8 lanes of a 512-bit
//! vector (one message per lane), in Montgomery form with R = 2^260 ([`field52`]). The permutation
//! ([`permutation`]) runs the same optimized form as the scalar path, with one reduction per matrix
//! row and lazy bounds instead of final subtractions. Outputs are canonical and bit-identical to
//! the scalar `hash`. Trade-off: ~400 lines of intrinsics and a bound proof for a several-fold
//! faster batch on CPUs with IFMA (Intel Ice Lake and later, AMD Zen 4 and later).
//!
//! Toolchain: the AVX-512 intrinsics are stable since Rust 1.89, above the workspace's declared
//! `rust-version` (1.85), which should be raised to 1.89; the `mod simd` declaration states this
//! module's own MSRV so that clippy checks it against 1.89.

#[cfg(target_arch = "x86_64")]
use crate::cpu::simd::field52;
#[cfg(target_arch = "x86_64")]
mod permutation;
#[cfg(all(test, target_arch = "x86_64"))]
mod tests;

use ark_bn254::Fr;

/// Messages per permutation call: the lanes of a 512-bit vector.
pub(super) const LANES: usize = 8;

pub(super) use crate::cpu::simd::available;

/// Hashes `out.len()` messages of `T − 1` inputs each (`inputs`, message-major) with the IFMA
/// path, in groups of [`LANES`]; `out.len()` must be a multiple of [`LANES`] and
/// `inputs.len() == out.len() · (T − 1)`. Returns false, writing nothing, when the CPU lacks
/// avx512ifma (the caller then uses the scalar path).
pub(super) fn hash_groups<const T: usize>(inputs: &[Fr], out: &mut [Fr]) -> bool {
    if !available() {
        return false;
    }
    #[cfg(target_arch = "x86_64")]
    {
        let p = permutation::simd_params(T);
        // SAFETY: `available()` has checked at run time that the CPU supports avx512f and avx512ifma.
        unsafe { permutation::hash_groups::<T>(inputs, out, p) };
        true
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = (inputs, out);
        false
    }
}

/// [`super::hash_batch`] for width `T` through the IFMA path, in parallel: full groups of
/// [`LANES`] messages in SIMD, the remainder with the scalar `hash_t`. `None` when the CPU lacks
/// avx512ifma.
pub(super) fn hash_batch<const T: usize>(inputs: &[Fr]) -> Option<Vec<Fr>> {
    use ark_ff::Zero;
    use rayon::prelude::*;

    /// Groups per rayon task: ~4 × 8 messages is tens of µs of work, and small batches still split.
    const GROUPS_PER_TASK: usize = 4;
    const PER_TASK: usize = LANES * GROUPS_PER_TASK;

    if !available() {
        return None;
    }
    let params = super::optimized_params(T);
    let mut out = vec![Fr::zero(); inputs.len() / (T - 1)];
    out.par_chunks_mut(PER_TASK).zip(inputs.par_chunks(PER_TASK * (T - 1))).for_each(|(o, m)| {
        let whole = o.len() / LANES * LANES;
        let (o_simd, o_rest) = o.split_at_mut(whole);
        let (m_simd, m_rest) = m.split_at(whole * (T - 1));
        let done = hash_groups::<T>(m_simd, o_simd);
        debug_assert!(done, "checked above");
        for (h, msg) in o_rest.iter_mut().zip(m_rest.chunks_exact(T - 1)) {
            *h = super::permutation::hash_t::<T>(msg, params);
        }
    });
    Some(out)
}
