//! Poseidon orchestration (owner: Poseidon work). Stub until the kernels land.

use std::sync::Arc;

use ark_bn254::Fr;
use zkaccel_backends::{BackendError, MerkleOutput, MerkleTree, Op, Result};

use crate::device::GpuDevice;

/// Runs Poseidon batches and Merkle trees on one device.
pub struct PoseidonEngine {
    #[allow(dead_code)]
    device: Arc<dyn GpuDevice>,
}

impl PoseidonEngine {
    /// An engine on `device`.
    pub fn new(device: Arc<dyn GpuDevice>) -> Self {
        PoseidonEngine { device }
    }

    /// One hash per `arity` consecutive inputs (validated: arity 1..=16, length a multiple).
    pub fn hash_batch(&self, _inputs: &[Fr], _arity: usize) -> Result<Vec<Fr>> {
        Err(BackendError::Unsupported { op: Op::Poseidon, device: "cuda".into(), reason: "not implemented yet".into() })
    }

    /// Binary Poseidon Merkle tree over `leaves` (validated: a power of two, ≥ 1).
    pub fn merkle_tree(&self, _leaves: &[Fr], _output: MerkleOutput) -> Result<MerkleTree> {
        Err(BackendError::Unsupported { op: Op::MerkleTree, device: "cuda".into(), reason: "not implemented yet".into() })
    }
}
