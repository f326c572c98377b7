//! NTT orchestration (owner: NTT work). Stub until the kernels land.

use std::sync::Arc;

use ark_bn254::Fr;
use zkaccel_backends::{BackendError, NttConfig, Op, Result};

use crate::device::GpuDevice;

/// Runs NTTs on one device and keeps twiddle tables per domain.
pub struct NttEngine {
    #[allow(dead_code)]
    device: Arc<dyn GpuDevice>,
}

impl NttEngine {
    /// An engine on `device`.
    pub fn new(device: Arc<dyn GpuDevice>) -> Self {
        NttEngine { device }
    }

    /// In-place NTT of `data` (length a validated power of two, ≥ 1).
    pub fn ntt(&self, data: &mut [Fr], config: NttConfig) -> Result<()> {
        self.ntt_batch(data, data.len(), config)
    }

    /// In-place NTTs of consecutive `ntt_len` chunks of `data` (validated).
    pub fn ntt_batch(&self, _data: &mut [Fr], _ntt_len: usize, _config: NttConfig) -> Result<()> {
        Err(BackendError::Unsupported { op: Op::Ntt, device: "cuda".into(), reason: "not implemented yet".into() })
    }
}
