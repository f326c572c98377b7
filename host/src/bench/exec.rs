//! Running one workload once, timed: on a backend, or on the baseline.

use std::time::Instant;

use zkaccel_backends::{Backend, BackendError, MerkleOutput, NttConfig};

use super::baseline;
use super::memory;
use super::verify::Output;
use super::workload::{Workload, POSEIDON_ARITY};

/// One timed run: elapsed nanoseconds, what it produced, and the peak heap it added.
pub type Timed = (u64, Output, Option<u64>);

/// Times `f` and measures its peak extra heap (see [`memory::peak_extra`]).
fn timed<T>(f: impl FnOnce() -> T) -> (u64, T, Option<u64>) {
    let ((ns, out), peak) = memory::peak_extra(|| {
        let start = Instant::now();
        let out = f();
        (u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX), out)
    });
    (ns, out, peak)
}

/// Runs `workload` once on `backend`. Only the backend call is timed and measured; copying
/// the NTT input into a fresh buffer is not.
pub fn on_backend(workload: &Workload, backend: &dyn Backend) -> Result<Timed, BackendError> {
    Ok(match workload {
        Workload::Msm { bases, scalars } => {
            let (ns, point, peak) = timed(|| backend.msm_g1(bases, scalars));
            (ns, Output::G1(point?), peak)
        }
        Workload::MsmG2 { bases, scalars } => {
            let (ns, point, peak) = timed(|| backend.msm_g2(bases, scalars));
            (ns, Output::G2(point?), peak)
        }
        Workload::Ntt { coeffs } => {
            let mut data = coeffs.clone();
            let (ns, done, peak) = timed(|| backend.ntt(&mut data, NttConfig::FORWARD));
            done?;
            (ns, Output::Field(data), peak)
        }
        Workload::Poseidon { inputs } => {
            let (ns, hashes, peak) = timed(|| backend.poseidon_hash_batch(inputs, POSEIDON_ARITY));
            (ns, Output::Field(hashes?), peak)
        }
        Workload::Merkle { leaves } => {
            let (ns, tree, peak) = timed(|| backend.merkle_tree(leaves, MerkleOutput::RootOnly));
            (ns, Output::Root(tree?.root), peak)
        }
    })
}

/// Runs `workload` once on the baseline library (see [`baseline`]), timed and measured the
/// same way.
pub fn on_baseline(workload: &Workload) -> Timed {
    match workload {
        Workload::Msm { bases, scalars } => {
            let (ns, point, peak) = timed(|| baseline::msm_g1(bases, scalars));
            (ns, Output::G1(point), peak)
        }
        Workload::MsmG2 { bases, scalars } => {
            let (ns, point, peak) = timed(|| baseline::msm_g2(bases, scalars));
            (ns, Output::G2(point), peak)
        }
        Workload::Ntt { coeffs } => {
            let mut data = coeffs.clone();
            let (ns, (), peak) = timed(|| baseline::ntt(&mut data));
            (ns, Output::Field(data), peak)
        }
        Workload::Poseidon { inputs } => {
            let (ns, hashes, peak) = timed(|| baseline::poseidon_batch(inputs, POSEIDON_ARITY));
            (ns, Output::Field(hashes), peak)
        }
        Workload::Merkle { leaves } => {
            let (ns, root, peak) = timed(|| baseline::merkle_root(leaves));
            (ns, Output::Root(root), peak)
        }
    }
}
