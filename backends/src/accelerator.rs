//! The [`Backend`] front every accelerator backend (CUDA, WebGPU) shares: input validation,
//! the trivial cases, resident-base handles, G2 refusal and error attribution, around the
//! device's own [`G1Engines`]. A backend provides its engines and wraps an
//! [`AcceleratorFront`]; [`delegate_backend!`](crate::delegate_backend) forwards the trait.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use ark_bn254::{Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ff::Zero;

use crate::error::{BackendError, Result};
use crate::types::{BasesGroup, BasesHandle, DeviceInfo, MerkleOutput, MerkleTree, NttConfig, Op, OpLimit};
use crate::{validate, Backend};

/// A device's workloads, called only with validated, non-trivial input: MSMs of at least one
/// point, NTTs of at least two elements, at least one hash, Merkle trees of at least two leaves.
/// Errors may name the device and operation loosely; the front attributes them.
pub trait G1Engines: Send + Sync {
    /// The device's handle on resident G1 bases.
    type Bases: Send + Sync;

    /// Σ scalars[i]·bases[i] over G1 (equal lengths).
    fn msm_g1(&self, bases: &[G1Affine], scalars: &[Fr]) -> Result<G1Projective>;
    /// Loads G1 bases onto the device for many MSMs.
    fn load_bases_g1(&self, bases: Arc<[G1Affine]>) -> Result<Self::Bases>;
    /// Frees resident bases (called once, when their handle is unloaded).
    fn unload_bases_g1(&self, bases: &Self::Bases) -> Result<()>;
    /// Σ scalars[i]·bases[range.start + i] over resident bases (range within them).
    fn msm_g1_resident(&self, bases: &Self::Bases, range: Range<usize>, scalars: &[Fr]) -> Result<G1Projective>;
    /// In-place NTT, natural order in and out.
    fn ntt(&self, data: &mut [Fr], config: NttConfig) -> Result<()>;
    /// In-place NTTs of consecutive polynomials of `ntt_len` elements.
    fn ntt_batch(&self, data: &mut [Fr], ntt_len: usize, config: NttConfig) -> Result<()>;
    /// Circomlib Poseidon of each `arity`-element message.
    fn poseidon_hash_batch(&self, inputs: &[Fr], arity: usize) -> Result<Vec<Fr>>;
    /// A Poseidon Merkle tree.
    fn merkle_tree(&self, leaves: &[Fr], output: MerkleOutput) -> Result<MerkleTree>;
}

/// The capability list of a device with [`G1Engines`]: G1 MSMs and resident bases up to
/// `max_msm_len` points, NTTs up to 2^`max_log_ntt` (at most Fr's 2-adicity), Poseidon batches
/// and Merkle trees up to `max_hashes`. No G2.
pub fn g1_capabilities(max_msm_len: usize, max_log_ntt: u32, max_hashes: usize) -> Vec<OpLimit> {
    vec![
        OpLimit { op: Op::MsmG1, max_size: max_msm_len },
        OpLimit { op: Op::Ntt, max_size: 1usize << max_log_ntt.min(validate::MAX_LOG_NTT) },
        OpLimit { op: Op::Poseidon, max_size: max_hashes },
        OpLimit { op: Op::MerkleTree, max_size: max_hashes },
        OpLimit { op: Op::ResidentBases, max_size: max_msm_len },
    ]
}

/// Resident bases with the length their handle was issued for.
struct Resident<B> {
    bases: Arc<B>,
    len: usize,
}

/// The shared [`Backend`] implementation over a device's [`G1Engines`]. G2 MSMs answer
/// `Unsupported` with the given reason, so the host runs them on the CPU.
pub struct AcceleratorFront<E: G1Engines> {
    info: DeviceInfo,
    engines: E,
    g2_reason: String,
    resident: RwLock<HashMap<u64, Resident<E::Bases>>>,
    next_handle: AtomicU64,
}

impl<E: G1Engines> AcceleratorFront<E> {
    /// A front for `engines` described by `info`; `g2_reason` says why G2 is not offered.
    pub fn new(info: DeviceInfo, engines: E, g2_reason: impl Into<String>) -> Self {
        AcceleratorFront {
            info,
            engines,
            g2_reason: g2_reason.into(),
            resident: RwLock::new(HashMap::new()),
            next_handle: AtomicU64::new(1),
        }
    }

    /// The engines behind the front.
    pub fn engines(&self) -> &E {
        &self.engines
    }

    fn resident(&self, handle: &BasesHandle) -> Result<(Arc<E::Bases>, usize)> {
        let guard = self.resident.read().unwrap_or_else(|e| e.into_inner());
        guard
            .get(&handle.id)
            .map(|r| (r.bases.clone(), r.len))
            .ok_or(BackendError::UnknownHandle { handle: handle.id, device: self.info.id.clone() })
    }

    /// Names this device and `op` in the errors the engines raise.
    fn attribute(&self, op: Op) -> impl Fn(BackendError) -> BackendError + '_ {
        move |e| match e {
            BackendError::OutOfMemory { needed_bytes, available_bytes, .. } => {
                BackendError::OutOfMemory { device: self.info.id.clone(), op, needed_bytes, available_bytes }
            }
            BackendError::DeviceLost { reason, .. } => {
                BackendError::DeviceLost { device: self.info.id.clone(), reason }
            }
            BackendError::Unsupported { op, reason, .. } => {
                BackendError::Unsupported { op, device: self.info.id.clone(), reason }
            }
            other => other,
        }
    }

    fn unknown(&self, handle: &BasesHandle) -> BackendError {
        BackendError::UnknownHandle { handle: handle.id, device: self.info.id.clone() }
    }

    fn g2_unsupported(&self) -> BackendError {
        BackendError::Unsupported { op: Op::MsmG2, device: self.info.id.clone(), reason: self.g2_reason.clone() }
    }
}

impl<E: G1Engines> Backend for AcceleratorFront<E> {
    fn info(&self) -> &DeviceInfo {
        &self.info
    }

    fn msm_g1(&self, bases: &[G1Affine], scalars: &[Fr]) -> Result<G1Projective> {
        validate::msm(&self.info, Op::MsmG1, bases.len(), scalars.len())?;
        if scalars.is_empty() {
            return Ok(G1Projective::zero());
        }
        self.engines.msm_g1(bases, scalars).map_err(self.attribute(Op::MsmG1))
    }

    fn msm_g2(&self, bases: &[G2Affine], scalars: &[Fr]) -> Result<G2Projective> {
        validate::msm(&self.info, Op::MsmG2, bases.len(), scalars.len())?;
        Err(self.g2_unsupported())
    }

    fn load_bases_g1(&self, bases: Arc<[G1Affine]>) -> Result<BasesHandle> {
        validate::load_bases(&self.info, BasesGroup::G1, bases.len())?;
        let len = bases.len();
        let loaded = self.engines.load_bases_g1(bases).map_err(self.attribute(Op::ResidentBases))?;
        let handle = BasesHandle { id: self.next_handle.fetch_add(1, Ordering::Relaxed), group: BasesGroup::G1, len };
        let resident = Resident { bases: Arc::new(loaded), len };
        self.resident.write().unwrap_or_else(|e| e.into_inner()).insert(handle.id, resident);
        Ok(handle)
    }

    fn load_bases_g2(&self, bases: Arc<[G2Affine]>) -> Result<BasesHandle> {
        validate::load_bases(&self.info, BasesGroup::G2, bases.len())?;
        Err(self.g2_unsupported())
    }

    fn unload_bases(&self, handle: BasesHandle) -> Result<()> {
        let removed = match handle.group {
            BasesGroup::G1 => self.resident.write().unwrap_or_else(|e| e.into_inner()).remove(&handle.id),
            // No G2 bases are ever loaded here, so no G2 handle is ours.
            BasesGroup::G2 => None,
        };
        match removed {
            Some(resident) => self.engines.unload_bases_g1(&resident.bases).map_err(self.attribute(Op::ResidentBases)),
            None => Err(self.unknown(&handle)),
        }
    }

    fn msm_g1_resident(&self, handle: BasesHandle, range: Range<usize>, scalars: &[Fr]) -> Result<G1Projective> {
        if handle.group != BasesGroup::G1 {
            return Err(self.unknown(&handle));
        }
        let (bases, len) = self.resident(&handle)?;
        let handle = BasesHandle { len, ..handle };
        validate::msm_resident(&self.info, &handle, BasesGroup::G1, &range, scalars.len())?;
        if scalars.is_empty() {
            return Ok(G1Projective::zero());
        }
        self.engines.msm_g1_resident(&bases, range, scalars).map_err(self.attribute(Op::MsmG1))
    }

    fn msm_g2_resident(&self, handle: BasesHandle, _range: Range<usize>, _scalars: &[Fr]) -> Result<G2Projective> {
        if handle.group == BasesGroup::G2 {
            return Err(self.unknown(&handle));
        }
        Err(self.g2_unsupported())
    }

    fn ntt(&self, data: &mut [Fr], config: NttConfig) -> Result<()> {
        validate::ntt_len(&self.info, data.len(), config.coset)?;
        if data.len() <= 1 {
            // A one-point domain maps a0 to a0 in either direction, on any coset.
            return Ok(());
        }
        self.engines.ntt(data, config).map_err(self.attribute(Op::Ntt))
    }

    fn ntt_batch(&self, data: &mut [Fr], ntt_len: usize, config: NttConfig) -> Result<()> {
        validate::ntt_batch(&self.info, data.len(), ntt_len, config.coset)?;
        if data.is_empty() || ntt_len == 1 {
            return Ok(());
        }
        self.engines.ntt_batch(data, ntt_len, config).map_err(self.attribute(Op::Ntt))
    }

    fn poseidon_hash_batch(&self, inputs: &[Fr], arity: usize) -> Result<Vec<Fr>> {
        let count = validate::poseidon(&self.info, inputs.len(), arity)?;
        if count == 0 {
            return Ok(Vec::new());
        }
        self.engines.poseidon_hash_batch(inputs, arity).map_err(self.attribute(Op::Poseidon))
    }

    fn merkle_tree(&self, leaves: &[Fr], output: MerkleOutput) -> Result<MerkleTree> {
        validate::merkle(&self.info, leaves.len())?;
        if leaves.len() == 1 {
            let levels = if output == MerkleOutput::AllLevels { vec![leaves.to_vec()] } else { Vec::new() };
            return Ok(MerkleTree { root: leaves[0], levels });
        }
        self.engines.merkle_tree(leaves, output).map_err(self.attribute(Op::MerkleTree))
    }
}

/// Implements [`Backend`] for `$ty` by forwarding every method to its field `$field` (an
/// [`AcceleratorFront`] or any other `Backend`).
#[macro_export]
macro_rules! delegate_backend {
    ($ty:ty, $field:ident) => {
        impl $crate::Backend for $ty {
            fn info(&self) -> &$crate::DeviceInfo {
                self.$field.info()
            }
            fn msm_g1(
                &self,
                bases: &[ark_bn254::G1Affine],
                scalars: &[ark_bn254::Fr],
            ) -> $crate::Result<ark_bn254::G1Projective> {
                self.$field.msm_g1(bases, scalars)
            }
            fn msm_g2(
                &self,
                bases: &[ark_bn254::G2Affine],
                scalars: &[ark_bn254::Fr],
            ) -> $crate::Result<ark_bn254::G2Projective> {
                self.$field.msm_g2(bases, scalars)
            }
            fn load_bases_g1(
                &self,
                bases: std::sync::Arc<[ark_bn254::G1Affine]>,
            ) -> $crate::Result<$crate::BasesHandle> {
                self.$field.load_bases_g1(bases)
            }
            fn load_bases_g2(
                &self,
                bases: std::sync::Arc<[ark_bn254::G2Affine]>,
            ) -> $crate::Result<$crate::BasesHandle> {
                self.$field.load_bases_g2(bases)
            }
            fn unload_bases(&self, handle: $crate::BasesHandle) -> $crate::Result<()> {
                self.$field.unload_bases(handle)
            }
            fn msm_g1_resident(
                &self,
                handle: $crate::BasesHandle,
                range: std::ops::Range<usize>,
                scalars: &[ark_bn254::Fr],
            ) -> $crate::Result<ark_bn254::G1Projective> {
                self.$field.msm_g1_resident(handle, range, scalars)
            }
            fn msm_g2_resident(
                &self,
                handle: $crate::BasesHandle,
                range: std::ops::Range<usize>,
                scalars: &[ark_bn254::Fr],
            ) -> $crate::Result<ark_bn254::G2Projective> {
                self.$field.msm_g2_resident(handle, range, scalars)
            }
            fn ntt(&self, data: &mut [ark_bn254::Fr], config: $crate::NttConfig) -> $crate::Result<()> {
                self.$field.ntt(data, config)
            }
            fn ntt_batch(
                &self,
                data: &mut [ark_bn254::Fr],
                ntt_len: usize,
                config: $crate::NttConfig,
            ) -> $crate::Result<()> {
                self.$field.ntt_batch(data, ntt_len, config)
            }
            fn poseidon_hash_batch(
                &self,
                inputs: &[ark_bn254::Fr],
                arity: usize,
            ) -> $crate::Result<Vec<ark_bn254::Fr>> {
                self.$field.poseidon_hash_batch(inputs, arity)
            }
            fn merkle_tree(
                &self,
                leaves: &[ark_bn254::Fr],
                output: $crate::MerkleOutput,
            ) -> $crate::Result<$crate::MerkleTree> {
                self.$field.merkle_tree(leaves, output)
            }
        }
    };
}
