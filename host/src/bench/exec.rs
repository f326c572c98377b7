//! Running one workload once, timed: on a backend, or on the baseline.

use std::time::Instant;

use zkaccel_backends::{Backend, BackendError, MerkleOutput, NttConfig};

use super::baseline;
use super::verify::Output;
use super::workload::{Workload, POSEIDON_ARITY};

/// One timed run: elapsed nanoseconds and what it produced.
pub type Timed = (u64, Output);

fn elapsed_ns(start: Instant) -> u64 {
    u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX)
}

/// Runs `workload` once on `backend`. Only the backend call is timed; copying the NTT input
/// into a fresh buffer is not.
pub fn on_backend(workload: &Workload, backend: &dyn Backend) -> Result<Timed, BackendError> {
    match workload {
        Workload::Msm { bases, scalars } => {
            let start = Instant::now();
            let point = backend.msm_g1(bases, scalars)?;
            Ok((elapsed_ns(start), Output::G1(point)))
        }
        Workload::MsmG2 { bases, scalars } => {
            let start = Instant::now();
            let point = backend.msm_g2(bases, scalars)?;
            Ok((elapsed_ns(start), Output::G2(point)))
        }
        Workload::Ntt { coeffs } => {
            let mut data = coeffs.clone();
            let start = Instant::now();
            backend.ntt(&mut data, NttConfig::FORWARD)?;
            Ok((elapsed_ns(start), Output::Field(data)))
        }
        Workload::Poseidon { inputs } => {
            let start = Instant::now();
            let hashes = backend.poseidon_hash_batch(inputs, POSEIDON_ARITY)?;
            Ok((elapsed_ns(start), Output::Field(hashes)))
        }
        Workload::Merkle { leaves } => {
            let start = Instant::now();
            let tree = backend.merkle_tree(leaves, MerkleOutput::RootOnly)?;
            Ok((elapsed_ns(start), Output::Root(tree.root)))
        }
    }
}

/// Runs `workload` once on the baseline library (see [`baseline`]).
pub fn on_baseline(workload: &Workload) -> Timed {
    match workload {
        Workload::Msm { bases, scalars } => {
            let start = Instant::now();
            let point = baseline::msm_g1(bases, scalars);
            (elapsed_ns(start), Output::G1(point))
        }
        Workload::MsmG2 { bases, scalars } => {
            let start = Instant::now();
            let point = baseline::msm_g2(bases, scalars);
            (elapsed_ns(start), Output::G2(point))
        }
        Workload::Ntt { coeffs } => {
            let mut data = coeffs.clone();
            let start = Instant::now();
            baseline::ntt(&mut data);
            (elapsed_ns(start), Output::Field(data))
        }
        Workload::Poseidon { inputs } => {
            let start = Instant::now();
            let hashes = baseline::poseidon_batch(inputs, POSEIDON_ARITY);
            (elapsed_ns(start), Output::Field(hashes))
        }
        Workload::Merkle { leaves } => {
            let start = Instant::now();
            let root = baseline::merkle_root(leaves);
            (elapsed_ns(start), Output::Root(root))
        }
    }
}
