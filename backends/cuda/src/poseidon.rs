//! Poseidon orchestration: batched circomlib-compatible hashes and binary Merkle trees on one
//! device, running `kernels/cuda/poseidon.cu` (one thread per hash, optimized form).
//!
//! Design:
//! - **Constants.** The optimized constants of [`zkaccel_backends::cpu::poseidon::optimized_params`]
//!   are flattened per width ([`constant_set`]) in the order the kernel reads them. Sets up to
//!   [`CONSTANT_MAX_WIDTH`] (arity ≤ 11, at most [`CONSTANT_BYTES`]) go to the `poseidon_constants`
//!   constant-memory symbol, rewritten only when the arity differs from the one resident; wider sets
//!   (up to 96 832 bytes for t = 17) do not fit the 64 KiB constant bank and live in one global
//!   buffer per arity, uploaded on first use and kept for the engine's lifetime.
//! - **Serialisation.** Constant memory is one per device and a batch is several device calls, so a
//!   mutex is held from the constant write through the last download of each call. One engine owns
//!   a device's Poseidon constants: two engines on the same device would overwrite each other's.
//! - **Memory.** A batch whose inputs and outputs do not fit [`GpuDevice::free_memory`] is hashed in
//!   chunks through one reused pair of buffers; a Merkle tree that does not fit is built as subtrees
//!   (whose roots are downloaded and become the leaves of the next pass). An allocation the device
//!   refuses halves the chunk; below one message it is [`BackendError::OutOfMemory`].
//! - **Merkle.** One launch per level (`poseidon_hash_t3` on the level below), ping-pong
//!   between two buffers; with [`MerkleOutput::RootOnly`] only the root comes back, with
//!   [`MerkleOutput::AllLevels`] every level (the leaves are the caller's own copy).

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use ark_bn254::Fr;
use ark_ff::Zero;
use zkaccel_backends::cpu::poseidon::constants::{MAX_ARITY, MAX_WIDTH, MIN_WIDTH, PARTIAL_ROUNDS};
use zkaccel_backends::cpu::poseidon::optimized_params;
use zkaccel_backends::{BackendError, MerkleOutput, MerkleTree, Op, Result};

use crate::device::{DeviceBuffer, GpuDevice, KernelArg, LaunchShape, Program};
use crate::layout::{fr_from_bytes, fr_from_bytes_into, fr_to_bytes, FIELD_BYTES};

/// Threads per block of `poseidon_hash` and `poseidon_hash_t3`.
const BLOCK: u32 = 256;
/// The kernel that hashes one message per thread, any width t = 2..17.
const KERNEL: &str = "poseidon_hash";
/// The same for t = 3 alone (2-input hashes and Merkle levels): its own registers (168, against
/// 173 and a 1,376-byte stack frame for the all-widths kernel with NVRTC 12.4 on sm_90).
const KERNEL_T3: &str = "poseidon_hash_t3";

/// The kernel that hashes width `t`.
fn kernel_for(t: usize) -> &'static str {
    if t == 3 {
        KERNEL_T3
    } else {
        KERNEL
    }
}
/// The constant-memory symbol of `poseidon.cu`.
const CONSTANT_SYMBOL: &str = "poseidon_constants";
/// The device id used in errors this engine raises itself.
const DEVICE_ID: &str = "cuda";
/// Most messages (or Merkle leaves per subtree) one pass handles: keeps launch counts far below
/// 2^32 and the host staging buffers bounded; larger trees take more than one pass.
const MAX_CHUNK_MESSAGES: usize = 1 << 22;

/// Size of the `poseidon_constants` symbol in bytes (`POSEIDON_CONSTANT_WORDS` · 4 in
/// `poseidon.cu`): the t = 12 set, the largest that fits the GPU's 64 KiB constant bank.
pub const CONSTANT_BYTES: usize = 58_368;
/// The widest state whose constants live in constant memory (`POSEIDON_CONSTANT_MAX_T`); wider
/// states read theirs from a global-memory buffer.
pub const CONSTANT_MAX_WIDTH: usize = 12;

/// Partial rounds of state width `t` (2..=17).
fn partial_rounds(t: usize) -> usize {
    PARTIAL_ROUNDS[t - MIN_WIDTH]
}

/// The largest power of two ≤ `n` (0 for 0).
fn floor_power_of_two(n: usize) -> usize {
    if n == 0 {
        0
    } else {
        1 << n.ilog2()
    }
}

/// Bytes of the optimized constant set for state width `t` (2..=17): `8t + 2t² + 2Pt` elements.
///
/// # Panics
/// If `t` is outside 2..=17.
pub fn constant_set_bytes(t: usize) -> usize {
    assert!((MIN_WIDTH..=MAX_WIDTH).contains(&t), "Poseidon width {t} is outside {MIN_WIDTH}..={MAX_WIDTH}");
    (8 * t + 2 * t * t + 2 * partial_rounds(t) * t) * FIELD_BYTES
}

/// The optimized constants for state width `t` (2..=17) as device bytes, in the kernel's order:
/// full constants, partial constants, MDS, pre-matrix, sparse first rows, sparse first columns
/// (layout in the header of `kernels/cuda/poseidon.cu`).
///
/// # Panics
/// If `t` is outside 2..=17.
pub fn constant_set(t: usize) -> Vec<u8> {
    let o = optimized_params(t);
    let mut all = Vec::with_capacity(constant_set_bytes(t) / FIELD_BYTES);
    for part in
        [&o.full_constants, &o.partial_constants, &o.mds, &o.pre_matrix, &o.sparse_first_row, &o.sparse_first_col]
    {
        all.extend_from_slice(part);
    }
    let bytes = fr_to_bytes(&all);
    debug_assert_eq!(bytes.len(), constant_set_bytes(t));
    bytes
}

/// What is resident on the device; guarded by the engine's mutex.
#[derive(Default)]
struct Resident {
    /// The width whose set `poseidon_constants` holds now (None: unknown or none).
    constant_width: Option<usize>,
    /// Global-memory sets of the widths above [`CONSTANT_MAX_WIDTH`], by width.
    global: HashMap<usize, DeviceBuffer>,
}

/// Runs Poseidon batches and Merkle trees on one device.
pub struct PoseidonEngine {
    device: Arc<dyn GpuDevice>,
    resident: Mutex<Resident>,
}

impl PoseidonEngine {
    /// An engine on `device`. Nothing is uploaded until the first hash.
    pub fn new(device: Arc<dyn GpuDevice>) -> Self {
        PoseidonEngine { device, resident: Mutex::new(Resident::default()) }
    }

    /// One hash per `arity` consecutive inputs (arity 1..=16, `inputs.len()` a multiple of it;
    /// checked here too, as `InvalidInput` / `LengthMismatch`). An empty batch gives an empty vector.
    pub fn hash_batch(&self, inputs: &[Fr], arity: usize) -> Result<Vec<Fr>> {
        if !(1..=MAX_ARITY).contains(&arity) {
            return Err(BackendError::InvalidInput(format!(
                "Poseidon arity {arity} is outside circomlib's 1..=16 inputs per hash"
            )));
        }
        if !inputs.len().is_multiple_of(arity) {
            return Err(BackendError::LengthMismatch {
                what: "Poseidon inputs (a multiple of the arity)",
                expected: (inputs.len() / arity + 1) * arity,
                got: inputs.len(),
            });
        }
        let count = inputs.len() / arity;
        if count == 0 {
            return Ok(Vec::new());
        }
        let t = arity + 1;
        let mut resident = self.lock();
        let constants = self.load_constants(&mut resident, t)?;

        let message_bytes = arity * FIELD_BYTES;
        let (chunk, in_buf, out_buf) = self.alloc_chunk(Op::Poseidon, count, |n| {
            (n.checked_mul(message_bytes)?, n.checked_mul(FIELD_BYTES)?).into()
        })?;
        let mut out = vec![Fr::zero(); count];
        let mut staging = vec![0u8; chunk * FIELD_BYTES];
        for (messages, hashes) in inputs.chunks(chunk * arity).zip(out.chunks_mut(chunk)) {
            self.device.upload(&in_buf, 0, &fr_to_bytes(messages))?;
            self.launch(in_buf.arg(), out_buf.arg(), constants, hashes.len(), t)?;
            let bytes = &mut staging[..hashes.len() * FIELD_BYTES];
            self.device.download(&out_buf, 0, bytes)?;
            fr_from_bytes_into(bytes, hashes);
        }
        Ok(out)
    }

    /// Binary Poseidon Merkle tree over `leaves` (a power of two, ≥ 1; checked here too, as
    /// `NotPowerOfTwo`), node = Poseidon([left, right]). One leaf is its own root, as on the CPU.
    pub fn merkle_tree(&self, leaves: &[Fr], output: MerkleOutput) -> Result<MerkleTree> {
        if !leaves.len().is_power_of_two() {
            return Err(BackendError::NotPowerOfTwo { what: "Merkle leaf count", size: leaves.len() });
        }
        let all_levels = output == MerkleOutput::AllLevels;
        let mut levels: Vec<Vec<Fr>> = Vec::new();
        if all_levels {
            let height = leaves.len().trailing_zeros() as usize;
            levels.push(leaves.to_vec());
            levels.extend((1..=height).map(|d| vec![Fr::zero(); leaves.len() >> d]));
        }
        if leaves.len() == 1 {
            return Ok(MerkleTree { root: leaves[0], levels });
        }

        let t = 3;
        let mut resident = self.lock();
        let constants = self.load_constants(&mut resident, t)?;

        // Each pass builds subtrees of `size` leaves (all of `current` when it fits) and leaves
        // their roots in `current` for the next pass; `base` is the level `current` sits at.
        let mut current: Cow<[Fr]> = Cow::Borrowed(leaves);
        let mut base = 0;
        while current.len() > 1 {
            // Two buffers: the subtree's leaves (size) and its first level (size / 2).
            let (size, below, above) = self.alloc_chunk(Op::MerkleTree, current.len(), |n| {
                let size = floor_power_of_two(n);
                if size < 2 {
                    return None;
                }
                Some((size.checked_mul(FIELD_BYTES)?, (size / 2).checked_mul(FIELD_BYTES)?))
            })?;
            let size = floor_power_of_two(size);
            let height = size.trailing_zeros() as usize;
            let mut roots = Vec::with_capacity(current.len() / size);
            for (j, subtree) in current.chunks(size).enumerate() {
                self.device.upload(&below, 0, &fr_to_bytes(subtree))?;
                let (mut src, mut dst) = (&below, &above);
                for d in 1..=height {
                    let len = size >> d;
                    self.launch(src.arg(), dst.arg(), constants, len, t)?;
                    if all_levels {
                        let level = &mut levels[base + d][j * len..(j + 1) * len];
                        let mut bytes = vec![0u8; len * FIELD_BYTES];
                        self.device.download(dst, 0, &mut bytes)?;
                        fr_from_bytes_into(&bytes, level);
                    }
                    std::mem::swap(&mut src, &mut dst);
                }
                // The subtree's root is the first element of the last level written (now `src`).
                roots.push(if all_levels {
                    levels[base + height][j]
                } else {
                    let mut bytes = [0u8; FIELD_BYTES];
                    self.device.download(src, 0, &mut bytes)?;
                    fr_from_bytes(&bytes)[0]
                });
            }
            base += height;
            current = Cow::Owned(roots);
        }
        Ok(MerkleTree { root: current[0], levels })
    }

    /// The resident-state lock. A panic while it was held leaves the state consistent (the
    /// constant width is cleared before a write and set after it), so a poisoned lock is reused.
    fn lock(&self) -> MutexGuard<'_, Resident> {
        self.resident.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Makes width `t`'s constants resident and returns the kernel's `global_constants` argument
    /// (null when they are in constant memory).
    fn load_constants(&self, resident: &mut Resident, t: usize) -> Result<KernelArg> {
        if t <= CONSTANT_MAX_WIDTH {
            if resident.constant_width != Some(t) {
                resident.constant_width = None;
                self.device.write_constant(Program::Poseidon, CONSTANT_SYMBOL, &constant_set(t))?;
                resident.constant_width = Some(t);
            }
            return Ok(KernelArg::Ptr(0));
        }
        if let Some(buf) = resident.global.get(&t) {
            return Ok(buf.arg());
        }
        let bytes = constant_set(t);
        let buf = self.device.alloc(bytes.len())?;
        self.device.upload(&buf, 0, &bytes)?;
        let arg = buf.arg();
        resident.global.insert(t, buf);
        Ok(arg)
    }

    /// Two buffers for the largest chunk of at most `count` items that the device takes:
    /// `sizes(n)` gives both buffers' bytes for `n` items (None: no such chunk). Starts from what
    /// [`GpuDevice::free_memory`] reports and halves on each refused allocation.
    fn alloc_chunk(
        &self,
        op: Op,
        count: usize,
        sizes: impl Fn(usize) -> Option<(usize, usize)>,
    ) -> Result<(usize, DeviceBuffer, DeviceBuffer)> {
        let free = self.device.free_memory()?;
        let fits = |n: usize| sizes(n).is_some_and(|(a, b)| (a as u64).saturating_add(b as u64) <= free);
        let mut n = count.min(MAX_CHUNK_MESSAGES);
        if !fits(n) {
            // Largest n with fits(n): sizes grow with n, so binary search.
            let (mut lo, mut hi) = (0usize, n);
            while lo < hi {
                let mid = lo + (hi - lo).div_ceil(2);
                if fits(mid) {
                    lo = mid;
                } else {
                    hi = mid - 1;
                }
            }
            n = lo;
        }
        loop {
            let Some((a, b)) = sizes(n).filter(|_| n > 0) else {
                // Not even the smallest chunk fits: report what the smallest one needs.
                let smallest = (1..=count).find_map(&sizes).map_or(u64::MAX, |(a, b)| (a as u64) + b as u64);
                return Err(BackendError::OutOfMemory {
                    device: DEVICE_ID.into(),
                    op,
                    needed_bytes: smallest,
                    available_bytes: self.device.free_memory().unwrap_or(free),
                });
            };
            match self.device.alloc(a).and_then(|first| Ok((first, self.device.alloc(b)?))) {
                Ok((first, second)) => return Ok((n, first, second)),
                Err(BackendError::OutOfMemory { .. }) if n > 1 => n /= 2,
                Err(e) => return Err(e),
            }
        }
    }

    /// `count` hashes of width `t`: `input` → `output`.
    fn launch(&self, input: KernelArg, output: KernelArg, constants: KernelArg, count: usize, t: usize) -> Result<()> {
        let as_u32 = |v: usize| u32::try_from(v).expect("chunks stay far below 2^32 messages");
        self.device.launch(
            Program::Poseidon,
            kernel_for(t),
            LaunchShape::cover(count as u64, BLOCK),
            &[
                input,
                output,
                constants,
                KernelArg::U32(as_u32(count)),
                KernelArg::U32(as_u32(t)),
                KernelArg::U32(as_u32(partial_rounds(t))),
            ],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn width_three_has_its_own_kernel() {
        assert_eq!(kernel_for(3), "poseidon_hash_t3");
        assert!([2, 4, 12, 17].iter().all(|&t| kernel_for(t) == "poseidon_hash"));
        let declared = crate::sources::kernel_names(crate::sources::POSEIDON);
        assert!(declared.iter().any(|k| k == KERNEL_T3) && declared.iter().any(|k| k == KERNEL), "{declared:?}");
    }

    #[test]
    fn poseidon_constant_sets_fit_where_the_kernel_expects_them() {
        for t in MIN_WIDTH..=MAX_WIDTH {
            let bytes = constant_set(t);
            assert_eq!(bytes.len(), constant_set_bytes(t), "t={t}");
            assert_eq!(bytes.len() <= CONSTANT_BYTES, t <= CONSTANT_MAX_WIDTH, "t={t}: {} bytes", bytes.len());
        }
        assert_eq!(constant_set_bytes(CONSTANT_MAX_WIDTH), CONSTANT_BYTES);
        assert_eq!(constant_set_bytes(3), 12_288);
        assert_eq!(constant_set_bytes(17), 96_832);
    }
}
