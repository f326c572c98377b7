//! Poseidon on the kernel's t = 3 core (two inputs per hash, circomlib's constants); Merkle
//! trees level by level on it. Other arities run on the host CPU (the core is t = 3 only).

use ark_bn254::Fr;
use zkaccel_backends::device_layout::{fr_from_bytes, fr_to_bytes};
use zkaccel_backends::{MerkleOutput, MerkleTree, Result};

use crate::device::Device;
use crate::regs::Command;

/// Messages per kernel command.
const MAX_BATCH: usize = 1 << 20;

/// Poseidon([a, b]) of each consecutive pair of `inputs` (an even, non-zero length).
pub fn hash_pairs(device: &Device, inputs: &[Fr]) -> Result<Vec<Fr>> {
    let mut out = Vec::with_capacity(inputs.len() / 2);
    let mut session = device.session();
    for chunk in inputs.chunks(2 * MAX_BATCH) {
        let count = chunk.len() / 2;
        let input = session.upload(&fr_to_bytes(chunk))?;
        let output = match session.alloc(count.div_ceil(2) * 64) {
            Ok(b) => b,
            Err(e) => {
                session.free(input);
                return Err(e);
            }
        };
        let budget = 70 * count as u64 + 20_000;
        let result =
            session.run(Command::Poseidon, count as u32, 0, [input.addr, output.addr, 0], count as u64, budget);
        let mut bytes = vec![0u8; count * 32];
        let read = result.and_then(|_| session.read(&output, 0, &mut bytes));
        session.free(input);
        session.free(output);
        read?;
        out.extend(fr_from_bytes(&bytes));
    }
    Ok(out)
}

/// Hashes of `arity`-element messages: arity 2 on the kernel, others on the host.
pub fn hash_batch(device: &Device, inputs: &[Fr], arity: usize) -> Result<Vec<Fr>> {
    if arity == 2 {
        hash_pairs(device, inputs)
    } else {
        Ok(zkaccel_backends::cpu::poseidon::hash_batch(inputs, arity))
    }
}

/// A Merkle tree over `leaves` (a power of two, at least two), each level on the kernel.
pub fn merkle_tree(device: &Device, leaves: &[Fr], output: MerkleOutput) -> Result<MerkleTree> {
    let mut levels = vec![leaves.to_vec()];
    while levels.last().map_or(0, Vec::len) > 1 {
        let next = hash_pairs(device, levels.last().map_or(&[][..], Vec::as_slice))?;
        levels.push(next);
    }
    let root = levels.last().and_then(|l| l.first()).copied().unwrap_or_default();
    if output == MerkleOutput::RootOnly {
        levels.clear();
    }
    Ok(MerkleTree { root, levels })
}
