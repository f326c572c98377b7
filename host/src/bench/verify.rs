//! Checks every benchmarked result. A backend that is fast but wrong fails the run.
//!
//! - MSM: equal to the baseline's result when the baseline ran; otherwise to the CPU
//!   reference (double-and-add) up to [`REFERENCE_MSM_MAX`] points, to arkworks above.
//! - NTT: equal to ark-poly's output when the baseline ran; always, the backend's inverse NTT
//!   gives the input back (round trip), and the output equals the input polynomial evaluated
//!   (Horner) at sampled points of the domain: `output[i] = a(ω^i)`.
//! - Poseidon: the whole batch equals light-poseidon's when the baseline ran; always, a
//!   sample of hashes equals the reference permutation's.
//! - Merkle: the root equals the baseline's, else one rebuilt with the reference hash (small
//!   trees) or light-poseidon (large ones).

use ark_bn254::{Fr, G1Projective, G2Projective};
use ark_ff::{FftField, Field};
use zkaccel_backends::cpu::reference;
use zkaccel_backends::{Backend, BackendError, NttConfig};

use super::baseline;
use super::workload::{sample_indices, Workload};

/// Largest MSM checked against the slow reference implementation when no baseline ran.
pub const REFERENCE_MSM_MAX: usize = 1 << 12;
/// Largest Merkle tree rebuilt with the slow reference hash when no baseline ran.
pub const REFERENCE_MERKLE_MAX: usize = 1 << 12;
/// Domain points at which an NTT output is checked by evaluation.
pub const NTT_EVALUATION_POINTS: usize = 8;
/// Poseidon hashes re-computed with the reference permutation.
pub const POSEIDON_SAMPLES: usize = 32;

/// What one run of an operation produced.
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    /// An MSM over G1.
    G1(G1Projective),
    /// An MSM over G2.
    G2(G2Projective),
    /// A vector of field elements (NTT output, Poseidon hashes).
    Field(Vec<Fr>),
    /// A Merkle root.
    Root(Fr),
}

/// Why a result was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// The result differs from what a check computed.
    #[error("result differs from the {check}: {detail}")]
    Mismatch {
        /// Which check failed, e.g. "baseline (arkworks 0.6 VariableBaseMSM::msm)".
        check: String,
        /// Where it differs.
        detail: String,
    },
    /// The backend failed while running a check (the inverse NTT of the round trip).
    #[error("the backend failed during verification: {0}")]
    Backend(#[from] BackendError),
}

fn mismatch(check: impl Into<String>, detail: impl Into<String>) -> VerifyError {
    VerifyError::Mismatch { check: check.into(), detail: detail.into() }
}

/// Checks `ours` against `workload`. `baseline` is the baseline's output when it ran.
/// Returns the checks that passed, joined by '+', e.g. "baseline+round-trip+evaluation".
pub fn verify(
    workload: &Workload,
    ours: &Output,
    baseline: Option<&Output>,
    backend: &dyn Backend,
    seed: u64,
) -> Result<String, VerifyError> {
    let checks: Vec<&str> = match (workload, ours) {
        (Workload::Msm { bases, scalars }, Output::G1(point)) => {
            let (check, expected) = match baseline {
                Some(Output::G1(b)) => ("baseline", *b),
                _ if scalars.len() <= REFERENCE_MSM_MAX => ("reference", reference::msm::msm(bases, scalars)),
                _ => ("arkworks", baseline::msm_g1(bases, scalars)),
            };
            equal_points(check, point, &expected)?;
            vec![check]
        }
        (Workload::MsmG2 { bases, scalars }, Output::G2(point)) => {
            let (check, expected) = match baseline {
                Some(Output::G2(b)) => ("baseline", *b),
                _ if scalars.len() <= REFERENCE_MSM_MAX => ("reference", reference::msm::msm(bases, scalars)),
                _ => ("arkworks", baseline::msm_g2(bases, scalars)),
            };
            equal_points(check, point, &expected)?;
            vec![check]
        }
        (Workload::Ntt { coeffs }, Output::Field(evals)) => {
            let mut checks = Vec::new();
            if let Some(Output::Field(expected)) = baseline {
                equal_vectors("baseline", evals, expected)?;
                checks.push("baseline");
            }
            round_trip(backend, coeffs, evals)?;
            evaluation(coeffs, evals, seed)?;
            checks.extend(["round-trip", "evaluation"]);
            checks
        }
        (Workload::Poseidon { inputs }, Output::Field(hashes)) => {
            let arity = super::workload::POSEIDON_ARITY;
            let count = inputs.len() / arity;
            if hashes.len() != count {
                return Err(mismatch("input", format!("{} hashes for {count} messages", hashes.len())));
            }
            let mut checks = Vec::new();
            if let Some(Output::Field(expected)) = baseline {
                equal_vectors("baseline", hashes, expected)?;
                checks.push("baseline");
            }
            for i in sample_indices(count, POSEIDON_SAMPLES, seed) {
                let expected = reference::poseidon::hash(&inputs[i * arity..(i + 1) * arity]);
                if hashes[i] != expected {
                    return Err(mismatch("reference", format!("hash {i} is {} instead of {expected}", hashes[i])));
                }
            }
            checks.push("reference");
            checks
        }
        (Workload::Merkle { leaves }, Output::Root(root)) => {
            let (check, expected) = match baseline {
                Some(Output::Root(b)) => ("baseline", *b),
                _ if leaves.len() <= REFERENCE_MERKLE_MAX => ("reference", reference_merkle_root(leaves)),
                _ => ("light-poseidon", baseline::merkle_root(leaves)),
            };
            if *root != expected {
                return Err(mismatch(check, format!("root {root} instead of {expected}")));
            }
            vec![check]
        }
        _ => return Err(mismatch("workload", "the output does not match the kind of operation")),
    };
    Ok(checks.join("+"))
}

fn equal_points<T: PartialEq + std::fmt::Display>(check: &str, ours: &T, expected: &T) -> Result<(), VerifyError> {
    if ours != expected {
        return Err(mismatch(check, format!("got {ours}, expected {expected}")));
    }
    Ok(())
}

fn equal_vectors(check: &str, ours: &[Fr], expected: &[Fr]) -> Result<(), VerifyError> {
    if ours.len() != expected.len() {
        return Err(mismatch(check, format!("{} elements instead of {}", ours.len(), expected.len())));
    }
    let wrong = ours.iter().zip(expected).filter(|(a, b)| a != b).count();
    if let Some(i) = ours.iter().zip(expected).position(|(a, b)| a != b) {
        return Err(mismatch(
            check,
            format!(
                "{wrong} of {} elements differ; first at index {i}: {} instead of {}",
                ours.len(),
                ours[i],
                expected[i]
            ),
        ));
    }
    Ok(())
}

/// The backend's inverse NTT of `evals` must give `coeffs` back.
fn round_trip(backend: &dyn Backend, coeffs: &[Fr], evals: &[Fr]) -> Result<(), VerifyError> {
    let mut back = evals.to_vec();
    backend.ntt(&mut back, NttConfig::INVERSE)?;
    equal_vectors("round trip (inverse NTT of the output)", &back, coeffs)
}

/// `evals[i]` must equal the polynomial with coefficients `coeffs` at ω^i.
fn evaluation(coeffs: &[Fr], evals: &[Fr], seed: u64) -> Result<(), VerifyError> {
    let n = coeffs.len();
    if evals.len() != n {
        return Err(mismatch("evaluation", format!("{} outputs for {n} inputs", evals.len())));
    }
    let omega = Fr::get_root_of_unity(n as u64).expect("n is a power of two within Fr's 2-adicity");
    for i in sample_indices(n, NTT_EVALUATION_POINTS, seed) {
        let x = omega.pow([i as u64]);
        let value = coeffs.iter().rev().fold(Fr::from(0u64), |acc, c| acc * x + c);
        if evals[i] != value {
            return Err(mismatch("evaluation", format!("output {i} is {} but a(ω^{i}) = {value}", evals[i])));
        }
    }
    Ok(())
}

fn reference_merkle_root(leaves: &[Fr]) -> Fr {
    let mut level = leaves.to_vec();
    while level.len() > 1 {
        level = level.chunks(2).map(reference::poseidon::hash).collect();
    }
    level[0]
}
