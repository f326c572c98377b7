//! MSM orchestration (owner: MSM work). Stub until the kernels land.

use std::ops::Range;
use std::sync::Arc;

use ark_bn254::{Fr, G1Affine, G1Projective};
use zkaccel_backends::{BackendError, Op, Result};

use crate::device::GpuDevice;

/// Runs G1 MSMs on one device and keeps resident bases.
pub struct MsmEngine {
    #[allow(dead_code)]
    device: Arc<dyn GpuDevice>,
}

impl MsmEngine {
    /// An engine on `device`.
    pub fn new(device: Arc<dyn GpuDevice>) -> Self {
        MsmEngine { device }
    }

    /// Σ scalars[i]·bases[i] (lengths already validated equal).
    pub fn msm_g1(&self, _bases: &[G1Affine], _scalars: &[Fr]) -> Result<G1Projective> {
        Err(unsupported())
    }

    /// Uploads bases; returns the engine-local id of the resident copy.
    pub fn load_bases(&self, _bases: Arc<[G1Affine]>) -> Result<u64> {
        Err(unsupported())
    }

    /// Frees resident bases.
    pub fn unload_bases(&self, _id: u64) -> Result<()> {
        Err(unsupported())
    }

    /// MSM over `range` of resident bases `id` (range and lengths already validated).
    pub fn msm_resident(&self, _id: u64, _range: Range<usize>, _scalars: &[Fr]) -> Result<G1Projective> {
        Err(unsupported())
    }
}

fn unsupported() -> BackendError {
    BackendError::Unsupported { op: Op::MsmG1, device: "cuda".into(), reason: "not implemented yet".into() }
}
