//! Running one workload once, timed: on a backend, or on the baseline.

use std::time::Instant;

use zkaccel_backends::{Backend, BackendError, BasesHandle, MerkleOutput, NttConfig};

use super::baseline;
use super::verify::Output;
use super::workload::{Workload, POSEIDON_ARITY};

/// One timed run: elapsed nanoseconds and what it produced.
pub type Timed = (u64, Output);

/// Times `f`.
fn timed<T>(f: impl FnOnce() -> T) -> (u64, T) {
    let start = Instant::now();
    let out = f();
    (u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX), out)
}

/// Runs `workload` once on `backend`. Only the backend call is timed; copying the NTT input
/// into a fresh buffer is not.
pub fn on_backend(workload: &Workload, backend: &dyn Backend) -> Result<Timed, BackendError> {
    on_backend_with(workload, backend, None)
}

/// Like [`on_backend`], but an MSM runs over `resident`, bases the backend already holds
/// (the workload's own bases, loaded beforehand).
pub fn on_backend_with(
    workload: &Workload,
    backend: &dyn Backend,
    resident: Option<&BasesHandle>,
) -> Result<Timed, BackendError> {
    Ok(match workload {
        Workload::Msm { bases, scalars } => {
            let (ns, point) = match resident {
                Some(handle) => timed(|| backend.msm_g1_resident(*handle, 0..bases.len(), scalars)),
                None => timed(|| backend.msm_g1(bases, scalars)),
            };
            (ns, Output::G1(point?))
        }
        Workload::MsmG2 { bases, scalars } => {
            let (ns, point) = timed(|| backend.msm_g2(bases, scalars));
            (ns, Output::G2(point?))
        }
        Workload::Ntt { coeffs } => {
            let mut data = coeffs.clone();
            let (ns, done) = timed(|| backend.ntt(&mut data, NttConfig::FORWARD));
            done?;
            (ns, Output::Field(data))
        }
        Workload::Poseidon { inputs } => {
            let (ns, hashes) = timed(|| backend.poseidon_hash_batch(inputs, POSEIDON_ARITY));
            (ns, Output::Field(hashes?))
        }
        Workload::Merkle { leaves } => {
            let (ns, tree) = timed(|| backend.merkle_tree(leaves, MerkleOutput::RootOnly));
            (ns, Output::Root(tree?.root))
        }
    })
}

/// Runs `workload` once on the baseline library (see [`baseline`]), timed the same way.
pub fn on_baseline(workload: &Workload) -> Timed {
    match workload {
        Workload::Msm { bases, scalars } => {
            let (ns, point) = timed(|| baseline::msm_g1(bases, scalars));
            (ns, Output::G1(point))
        }
        Workload::MsmG2 { bases, scalars } => {
            let (ns, point) = timed(|| baseline::msm_g2(bases, scalars));
            (ns, Output::G2(point))
        }
        Workload::Ntt { coeffs } => {
            let mut data = coeffs.clone();
            let (ns, ()) = timed(|| baseline::ntt(&mut data));
            (ns, Output::Field(data))
        }
        Workload::Poseidon { inputs } => {
            let (ns, hashes) = timed(|| baseline::poseidon_batch(inputs, POSEIDON_ARITY));
            (ns, Output::Field(hashes))
        }
        Workload::Merkle { leaves } => {
            let (ns, root) = timed(|| baseline::merkle_root(leaves));
            (ns, Output::Root(root))
        }
    }
}
