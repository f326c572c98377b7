//! What zkaccel is compared against: the libraries a Rust prover uses today, called the way
//! their documentation shows. Shared with the criterion benches so both measure the same thing.
//!
//! - MSM: arkworks 0.6 `VariableBaseMSM::msm` (parallel, asm field arithmetic).
//! - NTT: ark-poly 0.6 `Radix2EvaluationDomain::fft_in_place`.
//! - Poseidon: light-poseidon 0.5 `Poseidon::<Fr>::new_circom(arity)`, one hasher per rayon
//!   task over the batch. Merkle trees hash level by level the same way.

use std::fmt;
use std::str::FromStr;

use ark_bn254::{Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::VariableBaseMSM;
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use light_poseidon::{Poseidon, PoseidonHasher};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::op::BenchOp;

/// Whether to measure a baseline next to zkaccel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BaselineKind {
    /// arkworks for MSM, ark-poly for NTT, light-poseidon for Poseidon and Merkle trees.
    #[default]
    Arkworks,
    /// No baseline: only zkaccel's backends are timed.
    None,
}

impl fmt::Display for BaselineKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BaselineKind::Arkworks => "arkworks",
            BaselineKind::None => "none",
        })
    }
}

impl FromStr for BaselineKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "arkworks" => Ok(BaselineKind::Arkworks),
            "none" => Ok(BaselineKind::None),
            other => Err(format!("unknown baseline `{other}`; valid baselines are: arkworks, none")),
        }
    }
}

/// The baseline's name for `op`, as shown in reports.
pub fn name(op: BenchOp) -> &'static str {
    match op {
        BenchOp::Msm | BenchOp::MsmKey | BenchOp::MsmWitness | BenchOp::MsmG2 => "arkworks 0.6 VariableBaseMSM::msm",
        BenchOp::Ntt => "ark-poly 0.6 Radix2EvaluationDomain::fft_in_place",
        BenchOp::Poseidon => "light-poseidon 0.5 new_circom",
        BenchOp::Merkle => "light-poseidon 0.5 new_circom, level by level",
        BenchOp::Groth16 => "none (each proof is pairing-checked)",
    }
}

/// Σ scalars[i]·bases[i] over G1 with arkworks.
pub fn msm_g1(bases: &[G1Affine], scalars: &[Fr]) -> G1Projective {
    G1Projective::msm(bases, scalars).expect("bases and scalars have equal lengths")
}

/// Σ scalars[i]·bases[i] over G2 with arkworks.
pub fn msm_g2(bases: &[G2Affine], scalars: &[Fr]) -> G2Projective {
    G2Projective::msm(bases, scalars).expect("bases and scalars have equal lengths")
}

/// Forward NTT in place (natural order in and out) with ark-poly. `data.len()` must be a power of two.
pub fn ntt(data: &mut Vec<Fr>) {
    let domain = Radix2EvaluationDomain::<Fr>::new(data.len()).expect("a power of two within Fr's 2-adicity");
    domain.fft_in_place(data);
}

/// Inverse NTT in place with ark-poly.
pub fn intt(data: &mut Vec<Fr>) {
    let domain = Radix2EvaluationDomain::<Fr>::new(data.len()).expect("a power of two within Fr's 2-adicity");
    domain.ifft_in_place(data);
}

/// Circomlib Poseidon of each `arity`-element message in `inputs`, with light-poseidon on rayon.
pub fn poseidon_batch(inputs: &[Fr], arity: usize) -> Vec<Fr> {
    // One contiguous share and one hasher per thread: `new_circom` parses its constants, so
    // building a hasher per rayon split would charge the baseline for set-up work.
    let messages = inputs.len() / arity;
    let threads = rayon::current_num_threads().max(1);
    let per_thread = messages.div_ceil(threads).max(1) * arity;
    inputs
        .par_chunks(per_thread)
        .flat_map_iter(|share| {
            let mut hasher = Poseidon::<Fr>::new_circom(arity).expect("circomlib arity 1..=12");
            share
                .chunks(arity)
                .map(|message| hasher.hash(message).expect("message of the hasher's arity"))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Root of the binary Merkle tree over `leaves` (a power of two), node = Poseidon([left, right]).
pub fn merkle_root(leaves: &[Fr]) -> Fr {
    let mut level = leaves.to_vec();
    while level.len() > 1 {
        level = poseidon_batch(&level, 2);
    }
    level[0]
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::{AffineRepr, PrimeGroup};
    use ark_ff::MontFp;

    #[test]
    fn baselines_compute_the_right_thing() {
        let g = G1Affine::generator();
        assert_eq!(msm_g1(&[g, g], &[Fr::from(2u64), Fr::from(3u64)]), G1Projective::generator() * Fr::from(5u64));
        // circomlibjs: Poseidon([1, 2]).
        let expected: Fr = MontFp!("7853200120776062878684798364095072458815029376092732009249414926327459813530");
        assert_eq!(poseidon_batch(&[Fr::from(1u64), Fr::from(2u64)], 2), vec![expected]);
        let mut data = vec![Fr::from(1u64), Fr::from(2u64), Fr::from(0u64), Fr::from(0u64)];
        ntt(&mut data);
        assert_eq!(data[0], Fr::from(3u64), "a(1) = 1 + 2");
        intt(&mut data);
        assert_eq!(data, vec![Fr::from(1u64), Fr::from(2u64), Fr::from(0u64), Fr::from(0u64)]);
        assert_eq!("none".parse::<BaselineKind>().unwrap(), BaselineKind::None);
        assert!("gnark".parse::<BaselineKind>().is_err());
    }
}
