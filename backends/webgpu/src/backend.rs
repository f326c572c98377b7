//! [`WebGpuBackend`]: the [`Backend`] implementation on one wgpu adapter.

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

use crate::adapter;
use crate::context::{ContextOptions, GpuContext};
use crate::msm::{MsmEngine, ResidentBases};
use crate::ntt::NttEngine;
use crate::poseidon::PoseidonEngine;

/// Settings of a [`WebGpuBackend`]. `Default` accepts the field's own limits; inputs above
/// WebGPU's buffer limits are chunked, so device memory is the practical bound.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebGpuConfig {
    /// Largest MSM, in points (also the largest set of resident bases). Default: 2^26.
    pub max_msm_len: usize,
    /// Largest NTT, as log2 of its length. Default: 28, Fr's 2-adicity.
    pub max_log_ntt: u32,
    /// Largest Poseidon batch, in hashes, and Merkle tree, in leaves. Default: 2^28.
    pub max_hashes: usize,
    /// Run the field arithmetic self-test when the backend starts; a device that fails it is
    /// not used. Default: true.
    pub self_test: bool,
    /// Caps the size of one storage binding below the device's limit (tests use a few KiB to
    /// exercise chunking). Default: the device's own limit.
    pub max_binding_bytes: Option<u64>,
}

impl Default for WebGpuConfig {
    fn default() -> Self {
        WebGpuConfig {
            max_msm_len: 1 << 26,
            max_log_ntt: validate::MAX_LOG_NTT,
            max_hashes: 1 << 28,
            self_test: true,
            max_binding_bytes: None,
        }
    }
}

/// The WebGPU backend: G1 MSM, NTT, Poseidon and Merkle trees on one wgpu device.
///
/// G2 MSM is not offered (it answers `Unsupported`), so the host runs it on the CPU.
pub struct WebGpuBackend {
    ctx: Arc<GpuContext>,
    info: DeviceInfo,
    config: WebGpuConfig,
    msm: MsmEngine,
    ntt: NttEngine,
    poseidon: PoseidonEngine,
    resident: RwLock<HashMap<u64, Arc<ResidentBases>>>,
    next_handle: AtomicU64,
}

impl std::fmt::Debug for WebGpuBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebGpuBackend").field("info", &self.info).field("config", &self.config).finish()
    }
}

impl WebGpuBackend {
    /// Opens `adapter` as device `id` (e.g. "webgpu:0") and starts a backend on it.
    pub fn open(adapter: &wgpu::Adapter, id: String, config: WebGpuConfig) -> Result<Self> {
        let options = ContextOptions { max_binding_bytes: config.max_binding_bytes, ..Default::default() };
        let ctx = GpuContext::open(adapter, id, options)?;
        Self::new(Arc::new(ctx), config)
    }

    /// A backend on an open context. Runs the self-test first when `config.self_test` is set;
    /// a failure is `DeviceLost` with the wrong result named.
    pub fn new(ctx: Arc<GpuContext>, config: WebGpuConfig) -> Result<Self> {
        if config.self_test {
            crate::selftest::run(&ctx)?;
        }
        let max_ntt = 1usize << config.max_log_ntt.min(validate::MAX_LOG_NTT);
        let adapter_info = ctx.adapter_info();
        let info = DeviceInfo {
            id: ctx.id().to_string(),
            kind: DeviceKind::WebGpu,
            name: adapter::describe(adapter_info),
            // WebGPU does not report device memory; this is the largest buffer it accepts.
            memory_bytes: ctx.device().limits().max_buffer_size,
            compute_units: 1,
            capabilities: vec![
                OpLimit { op: Op::MsmG1, max_size: config.max_msm_len },
                OpLimit { op: Op::Ntt, max_size: max_ntt },
                OpLimit { op: Op::Poseidon, max_size: config.max_hashes },
                OpLimit { op: Op::MerkleTree, max_size: config.max_hashes },
                OpLimit { op: Op::ResidentBases, max_size: config.max_msm_len },
            ],
        };
        Ok(WebGpuBackend {
            msm: MsmEngine::new(ctx.clone()),
            ntt: NttEngine::new(ctx.clone()),
            poseidon: PoseidonEngine::new(ctx.clone()),
            ctx,
            info,
            config,
            resident: RwLock::new(HashMap::new()),
            next_handle: AtomicU64::new(1),
        })
    }

    /// The settings this backend was built with.
    pub fn config(&self) -> &WebGpuConfig {
        &self.config
    }

    /// The device context the engines run on.
    pub fn context(&self) -> &Arc<GpuContext> {
        &self.ctx
    }

    /// Whether this backend runs on a CPU software adapter (lavapipe, WARP).
    pub fn is_software(&self) -> bool {
        self.ctx.adapter_info().device_type == wgpu::DeviceType::Cpu
    }

    fn resident(&self, handle: &BasesHandle) -> Result<Arc<ResidentBases>> {
        let guard = self.resident.read().unwrap_or_else(|e| e.into_inner());
        guard
            .get(&handle.id)
            .cloned()
            .ok_or(BackendError::UnknownHandle { handle: handle.id, device: self.info.id.clone() })
    }

    /// Names `op` in out-of-memory errors the engines raise.
    fn attribute(&self, op: Op) -> impl Fn(BackendError) -> BackendError + '_ {
        move |e| match e {
            BackendError::OutOfMemory { needed_bytes, available_bytes, .. } => {
                BackendError::OutOfMemory { device: self.info.id.clone(), op, needed_bytes, available_bytes }
            }
            other => other,
        }
    }

    fn g2_unsupported(&self) -> BackendError {
        BackendError::Unsupported {
            op: Op::MsmG2,
            device: self.info.id.clone(),
            reason: "the WebGPU backend has no G2 kernels; run G2 MSMs on the CPU".into(),
        }
    }
}

impl Backend for WebGpuBackend {
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
        Err(self.g2_unsupported())
    }

    fn load_bases_g1(&self, bases: Arc<[G1Affine]>) -> Result<BasesHandle> {
        validate::load_bases(&self.info, BasesGroup::G1, bases.len())?;
        let len = bases.len();
        let resident = self.msm.load_bases(&bases).map_err(self.attribute(Op::ResidentBases))?;
        let handle = BasesHandle { id: self.next_handle.fetch_add(1, Ordering::Relaxed), group: BasesGroup::G1, len };
        self.resident.write().unwrap_or_else(|e| e.into_inner()).insert(handle.id, Arc::new(resident));
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
            // The buffers are freed when the last MSM still using them ends.
            Some(_) => Ok(()),
            None => Err(BackendError::UnknownHandle { handle: handle.id, device: self.info.id.clone() }),
        }
    }

    fn msm_g1_resident(&self, handle: BasesHandle, range: Range<usize>, scalars: &[Fr]) -> Result<G1Projective> {
        if handle.group != BasesGroup::G1 {
            return Err(BackendError::UnknownHandle { handle: handle.id, device: self.info.id.clone() });
        }
        let resident = self.resident(&handle)?;
        let handle = BasesHandle { len: resident.len(), ..handle };
        validate::msm_resident(&self.info, &handle, BasesGroup::G1, &range, scalars.len())?;
        if scalars.is_empty() {
            return Ok(G1Projective::zero());
        }
        self.msm.msm_resident(&resident, range, scalars).map_err(self.attribute(Op::MsmG1))
    }

    fn msm_g2_resident(&self, handle: BasesHandle, _range: Range<usize>, _scalars: &[Fr]) -> Result<G2Projective> {
        if handle.group == BasesGroup::G2 {
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
