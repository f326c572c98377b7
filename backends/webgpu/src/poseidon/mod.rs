//! Poseidon on the GPU: batches of circomlib-compatible hashes and binary Merkle trees, running
//! `kernels/wgsl/poseidon.wgsl` (one invocation per hash, optimized form).
//!
//! Design:
//! - **Constants.** The optimized constants of [`optimized_params`] for width t = arity + 1 are
//!   flattened in the order the kernel reads them (`ConstantSet`), uploaded once per width in
//!   Montgomery form and cached for the engine's lifetime; the section offsets and the round
//!   count go to the kernel's parameter block.
//! - **Chunking.** No buffer exceeds [`crate::KernelLimits::max_binding_bytes`]: a batch is
//!   hashed in chunks (one upload, dispatch and read-back each); a Merkle level that does not fit
//!   one buffer is held as several (see `merkle.rs`). The constants are a fixed table (t = 17
//!   needs 96 832 bytes) checked only against the device's own binding limit, which WebGPU
//!   guarantees to be at least 128 MiB.

mod merkle;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use ark_bn254::Fr;
use zkaccel_backends::cpu::poseidon::constants::MAX_ARITY;
use zkaccel_backends::cpu::poseidon::optimized_params;
use zkaccel_backends::device_layout::{fr_from_bytes, fr_to_bytes, FIELD_BYTES};
use zkaccel_backends::{BackendError, MerkleOutput, MerkleTree, Op, Result};

use crate::context::GpuContext;
use crate::shaders::Program;

/// The kernel's entry point (also builds Merkle levels, with t = 3).
const ENTRY: &str = "poseidon_hash";
/// Multiplications in one S-box (x², x⁴, x⁵), a kernel parameter (see `poseidon.wgsl`).
const SBOX_MULS: u32 = 3;
/// Most hashes one dispatch handles: keeps indices far below 2^32.
const MAX_CHUNK_HASHES: usize = 1 << 22;

/// One width's constants on the device and where each section starts (in elements).
struct ConstantSet {
    buffer: wgpu::Buffer,
    bytes: u64,
    t: usize,
    partial_rounds: usize,
    off_partial: usize,
    off_mds: usize,
    off_pre: usize,
    off_row: usize,
    off_col: usize,
}

impl ConstantSet {
    /// The kernel's parameter words for `count` hashes reading from element `in_offset` of the
    /// input buffer and writing from element `out_offset` of the output buffer.
    fn params(&self, count: usize, in_offset: usize, out_offset: usize) -> [u32; 11] {
        [
            count as u32,
            self.t as u32,
            self.partial_rounds as u32,
            in_offset as u32,
            out_offset as u32,
            self.off_partial as u32,
            self.off_mds as u32,
            self.off_pre as u32,
            self.off_row as u32,
            self.off_col as u32,
            SBOX_MULS,
        ]
    }
}

/// Batched Poseidon hashing and Merkle trees on one [`GpuContext`].
pub struct PoseidonEngine {
    ctx: Arc<GpuContext>,
    constants: Mutex<HashMap<usize, Arc<ConstantSet>>>,
}

impl std::fmt::Debug for PoseidonEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PoseidonEngine").field("ctx", &self.ctx).finish_non_exhaustive()
    }
}

impl PoseidonEngine {
    /// An engine on `ctx`; constants are uploaded and the kernel compiled on first use.
    pub fn new(ctx: Arc<GpuContext>) -> Self {
        PoseidonEngine { ctx, constants: Mutex::new(HashMap::new()) }
    }

    /// One Poseidon hash per `arity` consecutive inputs. `inputs.len()` must be a multiple of
    /// `arity`, 1 ≤ arity ≤ 16; other arguments are `InvalidInput`, an empty batch is empty.
    pub fn hash_batch(&self, inputs: &[Fr], arity: usize) -> Result<Vec<Fr>> {
        if !(1..=MAX_ARITY).contains(&arity) {
            return Err(BackendError::InvalidInput(format!("Poseidon takes 1..={MAX_ARITY} inputs, got {arity}")));
        }
        if !inputs.len().is_multiple_of(arity) {
            return Err(BackendError::InvalidInput(format!(
                "{} inputs do not split into messages of {arity}",
                inputs.len()
            )));
        }
        if inputs.is_empty() {
            return Ok(Vec::new());
        }
        let set = self.constant_set(arity + 1, Op::Poseidon)?;
        let pipeline = self.ctx.pipeline(Program::Poseidon, ENTRY)?;
        let max_elems = (self.ctx.limits().max_binding_bytes / FIELD_BYTES as u64) as usize;
        let per_chunk = (max_elems / arity).min(MAX_CHUNK_HASHES);
        if per_chunk == 0 {
            return Err(self.too_small(Op::Poseidon, arity * FIELD_BYTES));
        }
        let hashes = inputs.len() / arity;
        let needed = ((inputs.len() + hashes) * FIELD_BYTES) as u64 + set.bytes;
        self.ctx.scoped(Op::Poseidon, needed, || {
            let mut out = Vec::with_capacity(hashes);
            for messages in inputs.chunks(per_chunk * arity) {
                let count = messages.len() / arity;
                let input = self.ctx.storage_from("poseidon-in", &fr_to_bytes(messages));
                let output = self.ctx.storage_zeroed("poseidon-out", (count * FIELD_BYTES) as u64);
                let mut encoder = self.ctx.encoder("poseidon");
                let params = set.params(count, 0, 0);
                self.ctx.dispatch(&mut encoder, &pipeline, &params, &[&input, &set.buffer, &output], count as u64);
                let bytes = self.ctx.read_after(encoder, &output, 0, (count * FIELD_BYTES) as u64)?;
                out.extend(fr_from_bytes(&bytes));
            }
            Ok(out)
        })
    }

    /// The binary Merkle tree over `leaves` (a power of two; one leaf is its own root), node =
    /// Poseidon([left, right]), built level by level on the device. Other lengths are
    /// `NotPowerOfTwo`.
    pub fn merkle_tree(&self, leaves: &[Fr], output: MerkleOutput) -> Result<MerkleTree> {
        merkle::build(self, leaves, output)
    }

    /// `Unsupported`: the binding cap is below `needed_bytes`, which `op` cannot split.
    fn too_small(&self, op: Op, needed_bytes: usize) -> BackendError {
        BackendError::Unsupported {
            op,
            device: self.ctx.id().to_string(),
            reason: format!(
                "needs a {needed_bytes}-byte storage binding but bindings are capped at {} bytes",
                self.ctx.limits().max_binding_bytes
            ),
        }
    }

    /// The constants of width `t` on the device, uploaded on first use.
    fn constant_set(&self, t: usize, op: Op) -> Result<Arc<ConstantSet>> {
        if let Some(set) = self.constants.lock().unwrap_or_else(|e| e.into_inner()).get(&t) {
            return Ok(set.clone());
        }
        let p = optimized_params(t);
        let sections =
            [&p.full_constants, &p.partial_constants, &p.mds, &p.pre_matrix, &p.sparse_first_row, &p.sparse_first_col];
        let mut offsets = [0usize; 6];
        let mut flat: Vec<Fr> = Vec::new();
        for (offset, section) in offsets.iter_mut().zip(sections) {
            *offset = flat.len();
            flat.extend_from_slice(section);
        }
        let bytes = fr_to_bytes(&flat);
        // Constants are a fixed table, so only the device's own limit applies to them.
        if bytes.len() as u64 > self.ctx.limits().device_max_binding_bytes {
            return Err(self.too_small(op, bytes.len()));
        }
        let buffer =
            self.ctx.scoped(op, bytes.len() as u64, || Ok(self.ctx.storage_from("poseidon-constants", &bytes)))?;
        let set = Arc::new(ConstantSet {
            buffer,
            bytes: bytes.len() as u64,
            t,
            partial_rounds: p.partial_rounds,
            off_partial: offsets[1],
            off_mds: offsets[2],
            off_pre: offsets[3],
            off_row: offsets[4],
            off_col: offsets[5],
        });
        self.constants.lock().unwrap_or_else(|e| e.into_inner()).insert(t, set.clone());
        Ok(set)
    }
}
