//! [`WebGpuBackend`]: the [`Backend`] implementation on one wgpu adapter.

use std::ops::Range;
use std::sync::Arc;

use ark_bn254::{Fr, G1Affine, G1Projective};
use zkaccel_backends::accelerator::{g1_capabilities, AcceleratorFront, G1Engines};
use zkaccel_backends::{validate, DeviceInfo, DeviceKind, MerkleOutput, MerkleTree, NttConfig, Result};

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
    config: WebGpuConfig,
    front: AcceleratorFront<Engines>,
}

zkaccel_backends::delegate_backend!(WebGpuBackend, front);

/// The three engines on one context.
struct Engines {
    msm: MsmEngine,
    ntt: NttEngine,
    poseidon: PoseidonEngine,
}

impl G1Engines for Engines {
    type Bases = ResidentBases;

    fn msm_g1(&self, bases: &[G1Affine], scalars: &[Fr]) -> Result<G1Projective> {
        self.msm.msm_g1(bases, scalars)
    }

    fn load_bases_g1(&self, bases: Arc<[G1Affine]>) -> Result<ResidentBases> {
        self.msm.load_bases(&bases)
    }

    fn unload_bases_g1(&self, _bases: &ResidentBases) -> Result<()> {
        // The buffers are freed when the last MSM still using them drops its reference.
        Ok(())
    }

    fn msm_g1_resident(&self, bases: &ResidentBases, range: Range<usize>, scalars: &[Fr]) -> Result<G1Projective> {
        self.msm.msm_resident(bases, range, scalars)
    }

    fn ntt(&self, data: &mut [Fr], config: NttConfig) -> Result<()> {
        self.ntt.ntt(data, config)
    }

    fn ntt_batch(&self, data: &mut [Fr], ntt_len: usize, config: NttConfig) -> Result<()> {
        self.ntt.ntt_batch(data, ntt_len, config)
    }

    fn poseidon_hash_batch(&self, inputs: &[Fr], arity: usize) -> Result<Vec<Fr>> {
        self.poseidon.hash_batch(inputs, arity)
    }

    fn merkle_tree(&self, leaves: &[Fr], output: MerkleOutput) -> Result<MerkleTree> {
        self.poseidon.merkle_tree(leaves, output)
    }
}

impl std::fmt::Debug for WebGpuBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use zkaccel_backends::Backend;
        f.debug_struct("WebGpuBackend").field("info", self.info()).field("config", &self.config).finish()
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
        let info = DeviceInfo {
            id: ctx.id().to_string(),
            kind: DeviceKind::WebGpu,
            name: adapter::describe(ctx.adapter_info()),
            // WebGPU does not report device memory; this is the largest buffer it accepts.
            memory_bytes: ctx.device().limits().max_buffer_size,
            compute_units: 1,
            capabilities: g1_capabilities(config.max_msm_len, config.max_log_ntt, config.max_hashes),
        };
        let engines = Engines {
            msm: MsmEngine::new(ctx.clone()),
            ntt: NttEngine::new(ctx.clone()),
            poseidon: PoseidonEngine::new(ctx.clone()),
        };
        let front =
            AcceleratorFront::new(info, engines, "the WebGPU backend has no G2 kernels; run G2 MSMs on the CPU");
        Ok(WebGpuBackend { ctx, config, front })
    }

    /// The settings this backend was built with.
    pub fn config(&self) -> &WebGpuConfig {
        &self.config
    }

    /// The device context the engines run on.
    pub fn context(&self) -> &Arc<GpuContext> {
        &self.ctx
    }
}
