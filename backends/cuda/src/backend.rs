//! [`CudaBackend`]: the [`Backend`] implementation on one GPU (or its emulation).

use std::collections::HashMap;
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use ark_bn254::{Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ff::Zero;
use zkaccel_backends::{
    validate, Backend, BackendError, BasesGroup, BasesHandle, DeviceInfo, DeviceKind, MerkleOutput, MerkleTree,
    NttConfig, Op, OpLimit, Result,
};

use crate::device::GpuDevice;
use crate::msm::{MsmEngine, MsmOptions};
use crate::ntt::NttEngine;
use crate::poseidon::PoseidonEngine;

/// Settings of a [`CudaBackend`]. `Default` accepts the field's own limits; device memory is
/// the practical bound, reported as `OutOfMemory` when a workload does not fit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CudaConfig {
    /// Largest MSM, in points (also the largest set of resident bases). Default: 2^28.
    pub max_msm_len: usize,
    /// Largest NTT, as log2 of its length. Default: 28, Fr's 2-adicity.
    pub max_log_ntt: u32,
    /// Largest Poseidon batch, in hashes, and Merkle tree, in leaves. Default: 2^30.
    pub max_hashes: usize,
    /// How many shifted copies of resident bases the MSM keeps (trading memory for fewer
    /// bucket-reduction doublings); 1 keeps only the bases. Default: 1.
    pub msm_precompute_factor: u32,
    /// Run the arithmetic self-test (field and curve kernels checked against arkworks) when the
    /// backend starts; a GPU that fails it is not used. Default: true.
    pub self_test: bool,
}

impl Default for CudaConfig {
    fn default() -> Self {
        CudaConfig {
            max_msm_len: 1 << 28,
            max_log_ntt: validate::MAX_LOG_NTT,
            max_hashes: 1 << 30,
            msm_precompute_factor: 1,
            self_test: true,
        }
    }
}

/// Resident G1 bases: the MSM engine's id for them and their length.
#[derive(Debug, Clone, Copy)]
struct Resident {
    engine_id: u64,
    len: usize,
}

/// The CUDA backend: G1 MSM, NTT, Poseidon and Merkle trees on one [`GpuDevice`].
///
/// G2 MSM is not offered (it answers `Unsupported`), so the host runs it on the CPU.
pub struct CudaBackend {
    device: Arc<dyn GpuDevice>,
    info: DeviceInfo,
    config: CudaConfig,
    msm: MsmEngine,
    ntt: NttEngine,
    poseidon: PoseidonEngine,
    resident: RwLock<HashMap<u64, Resident>>,
    next_handle: AtomicU64,
}

impl std::fmt::Debug for CudaBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CudaBackend").field("info", &self.info).field("config", &self.config).finish()
    }
}

impl CudaBackend {
    /// A backend on `device`, reported as `id` (e.g. "cuda:0"). Runs the self-test first when
    /// `config.self_test` is set; a failure is `DeviceLost` with the reason.
    pub fn new(device: Arc<dyn GpuDevice>, id: String, config: CudaConfig) -> Result<Self> {
        if config.msm_precompute_factor == 0 {
            return Err(BackendError::InvalidInput("msm_precompute_factor must be at least 1".into()));
        }
        if config.self_test {
            crate::selftest::run(device.as_ref()).map_err(|e| match e {
                BackendError::DeviceLost { reason, .. } => BackendError::DeviceLost { device: id.clone(), reason },
                other => other,
            })?;
        }
        let max_ntt = 1usize << config.max_log_ntt.min(validate::MAX_LOG_NTT);
        let info = DeviceInfo {
            id,
            kind: DeviceKind::Cuda,
            name: device.name(),
            memory_bytes: device.total_memory(),
            compute_units: device.compute_units(),
            capabilities: vec![
                OpLimit { op: Op::MsmG1, max_size: config.max_msm_len },
                OpLimit { op: Op::Ntt, max_size: max_ntt },
                OpLimit { op: Op::Poseidon, max_size: config.max_hashes },
                OpLimit { op: Op::MerkleTree, max_size: config.max_hashes },
                OpLimit { op: Op::ResidentBases, max_size: config.max_msm_len },
            ],
        };
        Ok(CudaBackend {
            msm: MsmEngine::with_options(
                device.clone(),
                MsmOptions { precompute_factor: config.msm_precompute_factor },
            ),
            ntt: NttEngine::new(device.clone()),
            poseidon: PoseidonEngine::new(device.clone()),
            device,
            info,
            config,
            resident: RwLock::new(HashMap::new()),
            next_handle: AtomicU64::new(1),
        })
    }

    /// The settings this backend was built with.
    pub fn config(&self) -> &CudaConfig {
        &self.config
    }

    /// The device the backend runs on.
    pub fn device(&self) -> &Arc<dyn GpuDevice> {
        &self.device
    }

    fn resident(&self, handle: &BasesHandle) -> Result<Resident> {
        let guard = self.resident.read().unwrap_or_else(|e| e.into_inner());
        guard
            .get(&handle.id)
            .copied()
            .ok_or(BackendError::UnknownHandle { handle: handle.id, device: self.info.id.clone() })
    }

    /// Names this device and `op` in errors the engines raise without knowing them.
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

    fn g2_unsupported(&self) -> BackendError {
        BackendError::Unsupported {
            op: Op::MsmG2,
            device: self.info.id.clone(),
            reason: "the CUDA backend has no G2 kernels; run G2 MSMs on the CPU".into(),
        }
    }
}

impl Backend for CudaBackend {
    fn info(&self) -> &DeviceInfo {
        &self.info
    }

    fn msm_g1(&self, bases: &[G1Affine], scalars: &[Fr]) -> Result<G1Projective> {
        validate::msm(&self.info, Op::MsmG1, bases.len(), scalars.len())?;
        if scalars.is_empty() {
            return Ok(G1Projective::zero());
        }
        self.msm.msm_g1(bases, scalars).map_err(self.attribute(Op::MsmG1))
    }

    fn msm_g2(&self, bases: &[G2Affine], scalars: &[Fr]) -> Result<G2Projective> {
        validate::msm(&self.info, Op::MsmG2, bases.len(), scalars.len())?;
        // Only reached if a future configuration lists G2; there are no G2 kernels.
        Err(self.g2_unsupported())
    }

    fn load_bases_g1(&self, bases: Arc<[G1Affine]>) -> Result<BasesHandle> {
        validate::load_bases(&self.info, BasesGroup::G1, bases.len())?;
        let len = bases.len();
        let engine_id = self.msm.load_bases(bases).map_err(self.attribute(Op::ResidentBases))?;
        let handle = BasesHandle { id: self.next_handle.fetch_add(1, Ordering::Relaxed), group: BasesGroup::G1, len };
        self.resident.write().unwrap_or_else(|e| e.into_inner()).insert(handle.id, Resident { engine_id, len });
        Ok(handle)
    }

    fn load_bases_g2(&self, bases: Arc<[G2Affine]>) -> Result<BasesHandle> {
        validate::load_bases(&self.info, BasesGroup::G2, bases.len())?;
        Err(self.g2_unsupported())
    }

    fn unload_bases(&self, handle: BasesHandle) -> Result<()> {
        let removed = match handle.group {
            BasesGroup::G1 => self.resident.write().unwrap_or_else(|e| e.into_inner()).remove(&handle.id),
            BasesGroup::G2 => None,
        };
        match removed {
            Some(resident) => self.msm.unload_bases(resident.engine_id).map_err(self.attribute(Op::ResidentBases)),
            None => Err(BackendError::UnknownHandle { handle: handle.id, device: self.info.id.clone() }),
        }
    }

    fn msm_g1_resident(&self, handle: BasesHandle, range: Range<usize>, scalars: &[Fr]) -> Result<G1Projective> {
        if handle.group != BasesGroup::G1 {
            // Never issued by this backend (no G2 bases are ever loaded).
            return Err(BackendError::UnknownHandle { handle: handle.id, device: self.info.id.clone() });
        }
        let resident = self.resident(&handle)?;
        let handle = BasesHandle { len: resident.len, ..handle };
        validate::msm_resident(&self.info, &handle, BasesGroup::G1, &range, scalars.len())?;
        if scalars.is_empty() {
            return Ok(G1Projective::zero());
        }
        self.msm.msm_resident(resident.engine_id, range, scalars).map_err(self.attribute(Op::MsmG1))
    }

    fn msm_g2_resident(&self, handle: BasesHandle, _range: Range<usize>, _scalars: &[Fr]) -> Result<G2Projective> {
        if handle.group == BasesGroup::G2 {
            // No G2 bases are ever loaded here, so no G2 handle is ours.
            return Err(BackendError::UnknownHandle { handle: handle.id, device: self.info.id.clone() });
        }
        Err(self.g2_unsupported())
    }

    fn ntt(&self, data: &mut [Fr], config: NttConfig) -> Result<()> {
        validate::ntt_len(&self.info, data.len(), config.coset)?;
        if data.len() <= 1 {
            // A one-point domain maps a0 to a0 in either direction, on any coset.
            return Ok(());
        }
        self.ntt.ntt(data, config).map_err(self.attribute(Op::Ntt))
    }

    fn ntt_batch(&self, data: &mut [Fr], ntt_len: usize, config: NttConfig) -> Result<()> {
        validate::ntt_batch(&self.info, data.len(), ntt_len, config.coset)?;
        if data.is_empty() || ntt_len == 1 {
            return Ok(());
        }
        self.ntt.ntt_batch(data, ntt_len, config).map_err(self.attribute(Op::Ntt))
    }

    fn poseidon_hash_batch(&self, inputs: &[Fr], arity: usize) -> Result<Vec<Fr>> {
        let count = validate::poseidon(&self.info, inputs.len(), arity)?;
        if count == 0 {
            return Ok(Vec::new());
        }
        self.poseidon.hash_batch(inputs, arity).map_err(self.attribute(Op::Poseidon))
    }

    fn merkle_tree(&self, leaves: &[Fr], output: MerkleOutput) -> Result<MerkleTree> {
        validate::merkle(&self.info, leaves.len())?;
        if leaves.len() == 1 {
            let levels = if output == MerkleOutput::AllLevels { vec![leaves.to_vec()] } else { Vec::new() };
            return Ok(MerkleTree { root: leaves[0], levels });
        }
        self.poseidon.merkle_tree(leaves, output).map_err(self.attribute(Op::MerkleTree))
    }
}
