//! [`CpuBackend`]: the [`Backend`] implementation on host cores.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use ark_bn254::{Fr, G1Affine, G1Projective, G2Affine, G2Projective};

use super::ntt::NttEngine;
use super::{msm, ntt, poseidon};
use crate::error::{BackendError, Result};
use crate::types::{BasesGroup, BasesHandle, DeviceInfo, DeviceKind, MerkleOutput, MerkleTree, NttConfig, Op, OpLimit};
use crate::{validate, Backend};

/// Settings of a [`CpuBackend`]. `Default` uses every core and the field's own limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CpuConfig {
    /// Worker threads; `None` uses one per logical core.
    pub threads: Option<usize>,
    /// Largest MSM, in points. Default: `u32::MAX` points.
    pub max_msm_len: usize,
    /// Largest NTT, as log2 of its length. Default: 28, Fr's 2-adicity.
    pub max_log_ntt: u32,
    /// Largest Poseidon batch, in hashes, and Merkle tree, in leaves. Default: 2^32.
    pub max_hashes: usize,
    /// Memory the backend may use for its working buffers, in bytes; a workload whose
    /// estimate is above it answers `OutOfMemory` before allocating. Default: unlimited.
    pub memory_budget_bytes: u64,
    /// Device id reported in [`DeviceInfo::id`]. Default: "cpu".
    pub id: String,
}

impl Default for CpuConfig {
    fn default() -> Self {
        CpuConfig {
            threads: None,
            max_msm_len: u32::MAX as usize,
            max_log_ntt: validate::MAX_LOG_NTT,
            max_hashes: 1 << 32,
            memory_budget_bytes: u64::MAX,
            id: "cpu".to_string(),
        }
    }
}

struct Resident {
    g1: HashMap<u64, Arc<[G1Affine]>>,
    g2: HashMap<u64, Arc<[G2Affine]>>,
}

/// The CPU backend: Pippenger MSM with batch-affine buckets, cached-twiddle NTT and the
/// optimized Poseidon, all on a dedicated rayon pool.
pub struct CpuBackend {
    info: DeviceInfo,
    config: CpuConfig,
    pool: rayon::ThreadPool,
    ntt: NttEngine,
    resident: RwLock<Resident>,
    next_handle: AtomicU64,
}

impl std::fmt::Debug for CpuBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CpuBackend").field("info", &self.info).field("config", &self.config).finish()
    }
}

impl Default for CpuBackend {
    fn default() -> Self {
        Self::new()
    }
}

impl CpuBackend {
    /// A CPU backend on every core with default limits.
    pub fn new() -> Self {
        Self::with_config(CpuConfig::default()).expect("the default CPU configuration is valid")
    }

    /// A CPU backend with explicit settings. Fails only if the thread pool cannot start.
    pub fn with_config(config: CpuConfig) -> Result<Self> {
        let mut builder = rayon::ThreadPoolBuilder::new().thread_name(|i| format!("zkaccel-cpu-{i}"));
        if let Some(threads) = config.threads {
            if threads == 0 {
                return Err(BackendError::InvalidInput("the CPU backend needs at least one thread".into()));
            }
            builder = builder.num_threads(threads);
        }
        let pool = builder.build().map_err(|e| BackendError::DeviceLost {
            device: config.id.clone(),
            reason: format!("cannot start threads: {e}"),
        })?;
        let info = DeviceInfo {
            id: config.id.clone(),
            kind: DeviceKind::Cpu,
            name: if super::simd::available() {
                format!("{} (AVX-512 IFMA paths)", cpu_model_name())
            } else {
                cpu_model_name()
            },
            memory_bytes: total_memory_bytes(),
            compute_units: pool.current_num_threads() as u32,
            capabilities: vec![
                OpLimit { op: Op::MsmG1, max_size: config.max_msm_len },
                OpLimit { op: Op::MsmG2, max_size: config.max_msm_len },
                OpLimit { op: Op::Ntt, max_size: 1usize << config.max_log_ntt.min(validate::MAX_LOG_NTT) },
                OpLimit { op: Op::Poseidon, max_size: config.max_hashes },
                OpLimit { op: Op::MerkleTree, max_size: config.max_hashes },
                OpLimit { op: Op::ResidentBases, max_size: config.max_msm_len },
            ],
        };
        Ok(CpuBackend {
            info,
            config,
            pool,
            ntt: NttEngine::new(),
            resident: RwLock::new(Resident { g1: HashMap::new(), g2: HashMap::new() }),
            next_handle: AtomicU64::new(1),
        })
    }

    /// The settings this backend was built with.
    pub fn config(&self) -> &CpuConfig {
        &self.config
    }

    fn check_memory(&self, op: Op, needed_bytes: u64) -> Result<()> {
        if needed_bytes > self.config.memory_budget_bytes {
            return Err(BackendError::OutOfMemory {
                device: self.info.id.clone(),
                op,
                needed_bytes,
                available_bytes: self.config.memory_budget_bytes,
            });
        }
        Ok(())
    }

    fn new_handle(&self, group: BasesGroup, len: usize) -> BasesHandle {
        BasesHandle { id: self.next_handle.fetch_add(1, Ordering::Relaxed), group, len }
    }

    fn resident_g1(&self, handle: &BasesHandle) -> Result<Arc<[G1Affine]>> {
        let guard = self.resident.read().unwrap_or_else(|e| e.into_inner());
        guard
            .g1
            .get(&handle.id)
            .cloned()
            .ok_or(BackendError::UnknownHandle { handle: handle.id, device: self.info.id.clone() })
    }

    fn resident_g2(&self, handle: &BasesHandle) -> Result<Arc<[G2Affine]>> {
        let guard = self.resident.read().unwrap_or_else(|e| e.into_inner());
        guard
            .g2
            .get(&handle.id)
            .cloned()
            .ok_or(BackendError::UnknownHandle { handle: handle.id, device: self.info.id.clone() })
    }
}

impl Backend for CpuBackend {
    fn info(&self) -> &DeviceInfo {
        &self.info
    }

    fn msm_g1(&self, bases: &[G1Affine], scalars: &[Fr]) -> Result<G1Projective> {
        validate::msm(&self.info, Op::MsmG1, bases.len(), scalars.len())?;
        self.check_memory(Op::MsmG1, msm::working_memory_bytes(scalars.len()))?;
        Ok(self.pool.install(|| msm::msm(bases, scalars)))
    }

    fn msm_g2(&self, bases: &[G2Affine], scalars: &[Fr]) -> Result<G2Projective> {
        validate::msm(&self.info, Op::MsmG2, bases.len(), scalars.len())?;
        self.check_memory(Op::MsmG2, msm::working_memory_bytes(scalars.len()) * 2)?;
        Ok(self.pool.install(|| msm::msm(bases, scalars)))
    }

    fn load_bases_g1(&self, bases: Arc<[G1Affine]>) -> Result<BasesHandle> {
        validate::load_bases(&self.info, BasesGroup::G1, bases.len())?;
        let handle = self.new_handle(BasesGroup::G1, bases.len());
        self.resident.write().unwrap_or_else(|e| e.into_inner()).g1.insert(handle.id, bases);
        Ok(handle)
    }

    fn load_bases_g2(&self, bases: Arc<[G2Affine]>) -> Result<BasesHandle> {
        validate::load_bases(&self.info, BasesGroup::G2, bases.len())?;
        let handle = self.new_handle(BasesGroup::G2, bases.len());
        self.resident.write().unwrap_or_else(|e| e.into_inner()).g2.insert(handle.id, bases);
        Ok(handle)
    }

    fn unload_bases(&self, handle: BasesHandle) -> Result<()> {
        let mut guard = self.resident.write().unwrap_or_else(|e| e.into_inner());
        let removed = match handle.group {
            BasesGroup::G1 => guard.g1.remove(&handle.id).is_some(),
            BasesGroup::G2 => guard.g2.remove(&handle.id).is_some(),
        };
        if removed {
            Ok(())
        } else {
            Err(BackendError::UnknownHandle { handle: handle.id, device: self.info.id.clone() })
        }
    }

    fn msm_g1_resident(&self, handle: BasesHandle, range: Range<usize>, scalars: &[Fr]) -> Result<G1Projective> {
        let bases = self.resident_g1(&handle)?;
        let handle = BasesHandle { len: bases.len(), ..handle };
        validate::msm_resident(&self.info, &handle, BasesGroup::G1, &range, scalars.len())?;
        self.msm_g1(&bases[range], scalars)
    }

    fn msm_g2_resident(&self, handle: BasesHandle, range: Range<usize>, scalars: &[Fr]) -> Result<G2Projective> {
        let bases = self.resident_g2(&handle)?;
        let handle = BasesHandle { len: bases.len(), ..handle };
        validate::msm_resident(&self.info, &handle, BasesGroup::G2, &range, scalars.len())?;
        self.msm_g2(&bases[range], scalars)
    }

    fn ntt(&self, data: &mut [Fr], config: NttConfig) -> Result<()> {
        let log_n = validate::ntt_len(&self.info, data.len(), config.coset)?;
        self.check_memory(Op::Ntt, ntt::working_memory_bytes(data.len()))?;
        self.pool.install(|| self.ntt.ntt(data, log_n, config));
        Ok(())
    }

    fn ntt_batch(&self, data: &mut [Fr], ntt_len: usize, config: NttConfig) -> Result<()> {
        let log_n = validate::ntt_batch(&self.info, data.len(), ntt_len, config.coset)?;
        self.check_memory(Op::Ntt, ntt::working_memory_bytes(ntt_len))?;
        self.pool.install(|| self.ntt.ntt_batch(data, log_n, config));
        Ok(())
    }

    fn poseidon_hash_batch(&self, inputs: &[Fr], arity: usize) -> Result<Vec<Fr>> {
        let count = validate::poseidon(&self.info, inputs.len(), arity)?;
        self.check_memory(Op::Poseidon, (count * std::mem::size_of::<Fr>()) as u64)?;
        Ok(self.pool.install(|| poseidon::hash_batch(inputs, arity)))
    }

    fn merkle_tree(&self, leaves: &[Fr], output: MerkleOutput) -> Result<MerkleTree> {
        validate::merkle(&self.info, leaves.len())?;
        let kept = if output == MerkleOutput::AllLevels { 2 * leaves.len() } else { leaves.len() / 2 + 1 };
        self.check_memory(Op::MerkleTree, (kept * std::mem::size_of::<Fr>()) as u64)?;
        Ok(self.pool.install(|| poseidon::merkle_tree(leaves, output)))
    }
}

/// The CPU model from /proc/cpuinfo, or a generic name where that is not available.
fn cpu_model_name() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_string())
        })
        .unwrap_or_else(|| format!("{} CPU", std::env::consts::ARCH))
}

/// Total RAM from /proc/meminfo, or 0 where that is not available.
fn total_memory_bytes() -> u64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|l| l.starts_with("MemTotal:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map(|kb| kb * 1024)
        .unwrap_or(0)
}
