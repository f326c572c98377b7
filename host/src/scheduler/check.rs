//! Checks of device results: which are cheap and which are sound.
//!
//! - **MSM output validity** (always): the point is on the curve and in the subgroup. Cheap
//!   (an inversion; a scalar multiplication for G2) and catches corrupted coordinates, not a
//!   wrong but valid point.
//! - **MSM spot check** (sampled): a random sub-range of the share is recomputed on the device
//!   and on the host; a mismatch proves the device wrong. It samples the device's health, not
//!   this result: an MSM has no cheap certificate. The Groth16 pairing check is the end-to-end
//!   check, reported back through `Scheduler::report_fault`.
//! - **NTT identity check** (sampled): sound for the whole share. For y = NTT_s(a) on the
//!   domain s·⟨ω⟩ of size n and a random z, Σ_i z^i y_i = (z^n − 1) Σ_j a_j s^j / (z ω^j − 1),
//!   an identity of polynomials in z of degree < n, so a wrong y passes with probability at
//!   most n/r (Schwartz–Zippel). O(n) with one batch inversion, against O(n log n) for the NTT.
//!   An inverse NTT is checked as the forward NTT of its output.
//! - **Poseidon / Merkle** (sampled): random hashes, or random parent nodes of a tree with all
//!   levels, recomputed with the reference.

use ark_bn254::Fr;
use ark_ec::short_weierstrass::{Projective, SWCurveConfig};
use ark_ec::CurveGroup;
use ark_ff::{batch_inversion, FftField, Field, One, UniformRand, Zero};
use rand::Rng;
use rayon::prelude::*;
use zkaccel_backends::cpu::reference;
use zkaccel_backends::{Coset, MerkleTree, NttConfig, NttDirection};

/// Whether `p` is on the curve and in the prime-order subgroup.
pub fn point_is_valid<P: SWCurveConfig>(p: &Projective<P>) -> bool {
    let a = p.into_affine();
    a.is_on_curve() && a.is_in_correct_subgroup_assuming_on_curve()
}

/// The shift s of the coset an NTT of length `n` runs on.
pub fn coset_shift(coset: Coset, n: usize) -> Option<Fr> {
    match coset {
        Coset::None => Some(Fr::one()),
        Coset::Generator => Some(Fr::GENERATOR),
        Coset::OddPowersOf2n => Fr::get_root_of_unity(2 * n as u64),
    }
}

/// Checks `output` = NTT(`input`) under `config` with the randomized identity (see the module
/// docs). `false` means the output is certainly wrong.
pub fn ntt_holds(input: &[Fr], output: &[Fr], config: NttConfig) -> bool {
    let n = input.len();
    if n != output.len() {
        return false;
    }
    if n == 0 {
        return true;
    }
    let (coeffs, evals) = match config.direction {
        NttDirection::Forward => (input, output),
        NttDirection::Inverse => (output, input),
    };
    let (Some(omega), Some(shift)) = (Fr::get_root_of_unity(n as u64), coset_shift(config.coset, n)) else {
        return false;
    };
    let mut rng = rand::thread_rng();
    loop {
        let z = Fr::rand(&mut rng);
        if let Some(holds) = identity_at(coeffs, evals, omega, shift, z) {
            return holds;
        }
    }
}

const CHUNK: usize = 1 << 12;

/// The identity at `z`; `None` when z·ω^j = 1 for some j (pick another z).
fn identity_at(coeffs: &[Fr], evals: &[Fr], omega: Fr, shift: Fr, z: Fr) -> Option<bool> {
    let n = coeffs.len();
    // Σ_i z^i y_i, chunk by chunk.
    let lhs: Fr = evals
        .par_chunks(CHUNK)
        .enumerate()
        .map(|(c, chunk)| {
            let horner = chunk.iter().rev().fold(Fr::zero(), |acc, y| acc * z + y);
            horner * z.pow([(c * CHUNK) as u64])
        })
        .sum();
    // (z^n − 1) Σ_j a_j s^j / (z ω^j − 1).
    let sums: Option<Vec<Fr>> = coeffs
        .par_chunks(CHUNK)
        .enumerate()
        .map(|(c, chunk)| {
            let start = (c * CHUNK) as u64;
            let mut w = omega.pow([start]);
            let mut s = shift.pow([start]);
            let mut den = Vec::with_capacity(chunk.len());
            let mut num = Vec::with_capacity(chunk.len());
            for a in chunk {
                let d = z * w - Fr::one();
                if d.is_zero() {
                    return None;
                }
                den.push(d);
                num.push(*a * s);
                w *= omega;
                s *= shift;
            }
            batch_inversion(&mut den);
            Some(num.iter().zip(&den).map(|(x, y)| *x * y).sum::<Fr>())
        })
        .collect();
    let rhs = (z.pow([n as u64]) - Fr::one()) * sums?.into_iter().sum::<Fr>();
    Some(lhs == rhs)
}

/// Recomputes `samples` random hashes of a Poseidon batch with the reference.
pub fn poseidon_sample(inputs: &[Fr], arity: usize, outputs: &[Fr], samples: usize) -> Result<(), String> {
    let count = inputs.len() / arity;
    if outputs.len() != count {
        return Err(format!("{} hashes returned for {count} messages", outputs.len()));
    }
    let mut rng = rand::thread_rng();
    for _ in 0..samples.min(count) {
        let i = rng.gen_range(0..count);
        if reference::poseidon::hash(&inputs[i * arity..(i + 1) * arity]) != outputs[i] {
            return Err(format!("hash {i} differs from the reference"));
        }
    }
    Ok(())
}

/// Checks a Merkle tree's shape and, when sampling, its root and `samples` random parent
/// nodes (only a tree with all its levels can be checked).
pub fn merkle_sample(leaves: &[Fr], tree: &MerkleTree, all_levels: bool, samples: usize) -> Result<(), String> {
    if !all_levels {
        return if tree.levels.is_empty() { Ok(()) } else { Err("levels returned for a root-only tree".into()) };
    }
    let depth = leaves.len().trailing_zeros() as usize;
    if tree.levels.len() != depth + 1 || tree.levels[0] != leaves {
        return Err("the levels do not start with the leaves or have the wrong count".into());
    }
    for (k, level) in tree.levels.iter().enumerate() {
        if level.len() != leaves.len() >> k {
            return Err(format!("level {k} has {} nodes", level.len()));
        }
    }
    if tree.levels[depth] != [tree.root] {
        return Err("the last level is not the root".into());
    }
    if samples > 0 && depth > 0 && reference::poseidon::hash(&tree.levels[depth - 1]) != tree.root {
        return Err("the root is not the hash of its children".into());
    }
    let mut rng = rand::thread_rng();
    for _ in 0..samples.min(leaves.len().saturating_sub(1)) {
        let k = rng.gen_range(1..=depth);
        let i = rng.gen_range(0..tree.levels[k].len());
        let children = &tree.levels[k - 1][2 * i..2 * i + 2];
        if reference::poseidon::hash(children) != tree.levels[k][i] {
            return Err(format!("node {i} of level {k} is not the hash of its children"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use zkaccel_backends::cpu::CpuBackend;
    use zkaccel_backends::Backend;

    #[test]
    fn the_ntt_identity_accepts_right_and_rejects_wrong() {
        let cpu = CpuBackend::new();
        for log in [0u32, 1, 3, 13] {
            let n = 1usize << log;
            let input: Vec<Fr> = (0..n as u64).map(|i| Fr::from(i * i + 7)).collect();
            for coset in [Coset::None, Coset::Generator, Coset::OddPowersOf2n] {
                for config in [NttConfig::forward_on(coset), NttConfig::inverse_on(coset)] {
                    let mut out = input.clone();
                    cpu.ntt(&mut out, config).unwrap();
                    assert!(ntt_holds(&input, &out, config), "2^{log} {config:?}");
                    out[n / 3] += Fr::one();
                    assert!(!ntt_holds(&input, &out, config), "one wrong element, 2^{log} {config:?}");
                }
            }
        }
    }

    #[test]
    fn poseidon_and_merkle_samples() {
        let cpu = CpuBackend::new();
        let inputs: Vec<Fr> = (0..64u64).map(Fr::from).collect();
        let mut hashes = cpu.poseidon_hash_batch(&inputs, 2).unwrap();
        assert_eq!(poseidon_sample(&inputs, 2, &hashes, 64), Ok(()));
        hashes[5] += Fr::one();
        assert_eq!(poseidon_sample(&inputs, 2, &hashes[..5], 64).unwrap_err(), "5 hashes returned for 32 messages");
        hashes.iter_mut().for_each(|h| *h += Fr::one());
        assert!(poseidon_sample(&inputs, 2, &hashes, 1).is_err(), "a systematic error is caught by one sample");
        let tree = cpu.merkle_tree(&inputs, zkaccel_backends::MerkleOutput::AllLevels).unwrap();
        assert_eq!(merkle_sample(&inputs, &tree, true, 64), Ok(()));
        let mut bad = tree.clone();
        bad.levels[5][1] += Fr::one();
        assert!(merkle_sample(&inputs, &bad, true, 1).is_err(), "a child of the root is always checked");
        assert_eq!(merkle_sample(&inputs, &bad, true, 0), Ok(()), "without sampling only the shape is");
    }
}
