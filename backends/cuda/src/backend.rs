//! [`CudaBackend`]: the [`Backend`] implementation on one GPU (or its emulation).

use std::ops::Range;
use std::sync::Arc;

use ark_bn254::{Fr, G1Affine, G1Projective};
use zkaccel_backends::accelerator::{g1_capabilities, AcceleratorFront, G1Engines};
use zkaccel_backends::{validate, BackendError, DeviceInfo, DeviceKind, MerkleOutput, MerkleTree, NttConfig, Result};

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

/// The CUDA backend: G1 MSM, NTT, Poseidon and Merkle trees on one [`GpuDevice`].
///
/// G2 MSM is not offered (it answers `Unsupported`), so the host runs it on the CPU.
pub struct CudaBackend {
    device: Arc<dyn GpuDevice>,
    config: CudaConfig,
    front: AcceleratorFront<Engines>,
}

zkaccel_backends::delegate_backend!(CudaBackend, front);

/// The three engines on one device.
struct Engines {
    msm: MsmEngine,
    ntt: NttEngine,
    poseidon: PoseidonEngine,
}

impl G1Engines for Engines {
    /// The MSM engine's id for the bases.
    type Bases = u64;

    fn msm_g1(&self, bases: &[G1Affine], scalars: &[Fr]) -> Result<G1Projective> {
        self.msm.msm_g1(bases, scalars)
    }

    fn load_bases_g1(&self, bases: Arc<[G1Affine]>) -> Result<u64> {
        self.msm.load_bases(bases)
    }

    fn unload_bases_g1(&self, id: &u64) -> Result<()> {
        self.msm.unload_bases(*id)
    }

    fn msm_g1_resident(&self, id: &u64, range: Range<usize>, scalars: &[Fr]) -> Result<G1Projective> {
        self.msm.msm_resident(*id, range, scalars)
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

impl std::fmt::Debug for CudaBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use zkaccel_backends::Backend;
        f.debug_struct("CudaBackend").field("info", self.info()).field("config", &self.config).finish()
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
        let info = DeviceInfo {
            id,
            kind: DeviceKind::Cuda,
            name: device.name(),
            memory_bytes: device.total_memory(),
            compute_units: device.compute_units(),
            capabilities: g1_capabilities(config.max_msm_len, config.max_log_ntt, config.max_hashes),
        };
        let engines = Engines {
            msm: MsmEngine::with_options(
                device.clone(),
                MsmOptions { precompute_factor: config.msm_precompute_factor },
            ),
            ntt: NttEngine::new(device.clone()),
            poseidon: PoseidonEngine::new(device.clone()),
        };
        let front = AcceleratorFront::new(info, engines, "the CUDA backend has no G2 kernels; run G2 MSMs on the CPU");
        Ok(CudaBackend { device, config, front })
    }

    /// The settings this backend was built with.
    pub fn config(&self) -> &CudaConfig {
        &self.config
    }

    /// The device the backend runs on.
    pub fn device(&self) -> &Arc<dyn GpuDevice> {
        &self.device
    }
}
