//! Fast circomlib-compatible Poseidon over BN254 Fr (1..=16 inputs, x⁵ S-box, 8 full rounds) and
//! binary Poseidon Merkle trees, rayon-parallel across messages.
//!
//! Design: the optimized form ([`optimized`]) — constants folded so a partial round adds one
//! scalar, sparse partial-round matrices (2t − 2 multiplications instead of t²) — is derived once
//! per width from the plain circomlib parameters ([`constants`]). The hot loop runs on a fixed-size
//! stack state (`[Fr; T]`, one monomorphized copy per width), never allocates, and reduces each
//! matrix row's dot product once. Trade-off: a few hundred lines of precomputation for ~2× less
//! arithmetic than the textbook rounds. Outputs are bit-identical to
//! [`crate::cpu::reference::poseidon`], which runs the textbook rounds; the tests hold them to that
//! and to circomlibjs's own vectors.
//!
//! ```
//! use zkaccel_backends::cpu::poseidon;
//! use zkaccel_backends::ark::Fr;
//! let h = poseidon::hash(&[Fr::from(1u64), Fr::from(2u64)]);
//! assert_eq!(poseidon::hash_batch(&[Fr::from(1u64), Fr::from(2u64)], 2), vec![h]);
//! ```

pub mod constants;
mod linalg;
mod merkle;
pub mod optimized;
mod permutation;
#[clippy::msrv = "1.89"] // AVX-512 intrinsics (see the module docs)
mod simd;

use ark_bn254::Fr;
use rayon::prelude::*;

pub use constants::{params, PoseidonParams, MAX_ARITY};
pub use merkle::merkle_tree;
pub use optimized::{optimized_params, OptimizedParams};

use permutation::hash_t;

/// Messages per rayon task: enough work (tens of µs) to outweigh the scheduling.
const MIN_MESSAGES_PER_TASK: usize = 16;

/// Runs `$body` with the const `$t` set to the state width for `$arity` inputs (1..=16).
macro_rules! with_width {
    ($arity:expr, |$t:ident| $body:expr) => {
        match $arity {
            1 => with_width!(@ $t = 2, $body),
            2 => with_width!(@ $t = 3, $body),
            3 => with_width!(@ $t = 4, $body),
            4 => with_width!(@ $t = 5, $body),
            5 => with_width!(@ $t = 6, $body),
            6 => with_width!(@ $t = 7, $body),
            7 => with_width!(@ $t = 8, $body),
            8 => with_width!(@ $t = 9, $body),
            9 => with_width!(@ $t = 10, $body),
            10 => with_width!(@ $t = 11, $body),
            11 => with_width!(@ $t = 12, $body),
            12 => with_width!(@ $t = 13, $body),
            13 => with_width!(@ $t = 14, $body),
            14 => with_width!(@ $t = 15, $body),
            15 => with_width!(@ $t = 16, $body),
            16 => with_width!(@ $t = 17, $body),
            n => panic!("Poseidon takes 1..={MAX_ARITY} inputs, got {n}"),
        }
    };
    (@ $t:ident = $w:literal, $body:expr) => {{
        const $t: usize = $w;
        $body
    }};
}

/// Poseidon of one message of 1..=16 elements (the caller checks the arity), optimized form.
///
/// # Panics
/// If `inputs` is empty or longer than 16.
pub fn hash(inputs: &[Fr]) -> Fr {
    with_width!(inputs.len(), |T| hash_t::<T>(inputs, optimized_params(T)))
}

/// One hash per `arity` consecutive inputs, in parallel on the current rayon pool.
/// `inputs.len()` must be a multiple of `arity`; an empty batch gives an empty vector.
///
/// # Panics
/// If `arity` is outside 1..=16 or does not divide `inputs.len()`.
pub fn hash_batch(inputs: &[Fr], arity: usize) -> Vec<Fr> {
    assert!(
        arity > 0 && inputs.len().is_multiple_of(arity),
        "{} inputs do not split into messages of {arity}",
        inputs.len()
    );
    with_width!(arity, |T| batch_t::<T>(inputs))
}

/// [`hash_batch`] for messages of `T − 1` inputs, in parallel.
fn batch_t<const T: usize>(inputs: &[Fr]) -> Vec<Fr> {
    if let Some(out) = simd::hash_batch::<T>(inputs) {
        return out; // 8 messages per permutation with AVX-512 IFMA, where the CPU has it
    }
    let p = optimized_params(T);
    inputs.par_chunks_exact(T - 1).with_min_len(MIN_MESSAGES_PER_TASK).map(|m| hash_t::<T>(m, p)).collect()
}

#[cfg(test)]
mod tests;
