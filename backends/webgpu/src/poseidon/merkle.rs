//! Binary Poseidon Merkle trees on the device, one dispatch of `poseidon_hash` (t = 3) per level
//! and per buffer of the level below.
//!
//! A level is held as one or more buffers of `chunk` elements each (`chunk` the largest power of
//! two whose bytes fit [`crate::KernelLimits::max_binding_bytes`]; a level shorter than `chunk` is
//! one buffer of its own length). Input buffer `i` of a level hashes into the next level at
//! element `i · c_in / 2`, which lies inside one output buffer because both sizes are powers of
//! two. Every level is recorded in one command encoder and stays on the device; `RootOnly` reads
//! back 32 bytes, `AllLevels` every level above the leaves.

use ark_bn254::Fr;
use zkaccel_backends::device_layout::{fr_from_bytes, fr_to_bytes, FIELD_BYTES};
use zkaccel_backends::{BackendError, MerkleOutput, MerkleTree, Op, Result};

use super::{PoseidonEngine, ENTRY, MAX_CHUNK_HASHES};
use crate::shaders::Program;

/// A level on the device: its length and its buffers of `min(chunk, len)` elements each.
struct Level {
    len: usize,
    buffers: Vec<wgpu::Buffer>,
}

/// The tree over `leaves` (see [`PoseidonEngine::merkle_tree`]).
pub(super) fn build(engine: &PoseidonEngine, leaves: &[Fr], output: MerkleOutput) -> Result<MerkleTree> {
    let n = leaves.len();
    if !n.is_power_of_two() {
        return Err(BackendError::NotPowerOfTwo { what: "Merkle tree leaf count", size: n });
    }
    if n == 1 {
        let levels = match output {
            MerkleOutput::RootOnly => Vec::new(),
            MerkleOutput::AllLevels => vec![leaves.to_vec()],
        };
        return Ok(MerkleTree { root: leaves[0], levels });
    }
    let ctx = &engine.ctx;
    let max_elems = (ctx.limits().max_binding_bytes / FIELD_BYTES as u64) as usize;
    if max_elems < 2 {
        return Err(engine.too_small(Op::MerkleTree, 2 * FIELD_BYTES));
    }
    let chunk = (1usize << (usize::BITS - 1 - max_elems.leading_zeros())).min(MAX_CHUNK_HASHES);
    let set = engine.constant_set(3, Op::MerkleTree)?;
    let pipeline = ctx.pipeline(Program::Poseidon, ENTRY)?;
    let needed = (2 * n * FIELD_BYTES) as u64 + set.bytes;
    ctx.scoped(Op::MerkleTree, needed, || {
        let buffers = leaves.chunks(chunk.min(n)).map(|c| ctx.storage_from("merkle-leaves", &fr_to_bytes(c))).collect();
        let mut levels = vec![Level { len: n, buffers }];
        let mut encoder = ctx.encoder("merkle");
        while let Some(below) = levels.last().filter(|l| l.len > 1) {
            let c_in = chunk.min(below.len);
            let len = below.len / 2;
            let c_out = chunk.min(len);
            let next: Vec<wgpu::Buffer> =
                (0..len / c_out).map(|_| ctx.storage_zeroed("merkle-level", (c_out * FIELD_BYTES) as u64)).collect();
            for (i, input) in below.buffers.iter().enumerate() {
                let first = i * (c_in / 2);
                let params = set.params(c_in / 2, 0, first % c_out);
                let target = next.get(first / c_out).ok_or_else(|| ctx.lost_error("Merkle level layout"))?;
                ctx.dispatch(&mut encoder, &pipeline, &params, &[input, &set.buffer, target], (c_in / 2) as u64);
            }
            levels.push(Level { len, buffers: next });
        }
        let top = levels.last().and_then(|l| l.buffers.first()).ok_or_else(|| ctx.lost_error("empty Merkle tree"))?;
        match output {
            MerkleOutput::RootOnly => {
                let bytes = ctx.read_after(encoder, top, 0, FIELD_BYTES as u64)?;
                let root = fr_from_bytes(&bytes).first().copied().ok_or_else(|| ctx.lost_error("no Merkle root"))?;
                Ok(MerkleTree { root, levels: Vec::new() })
            }
            MerkleOutput::AllLevels => {
                ctx.submit_and_wait(encoder)?;
                let mut out = Vec::with_capacity(levels.len());
                out.push(leaves.to_vec());
                for level in &levels[1..] {
                    let mut values = Vec::with_capacity(level.len);
                    let per_buffer = chunk.min(level.len);
                    for buffer in &level.buffers {
                        values.extend(fr_from_bytes(&ctx.read(buffer, (per_buffer * FIELD_BYTES) as u64)?));
                    }
                    out.push(values);
                }
                let root =
                    out.last().and_then(|l| l.first()).copied().ok_or_else(|| ctx.lost_error("no Merkle root"))?;
                Ok(MerkleTree { root, levels: out })
            }
        }
    })
}
