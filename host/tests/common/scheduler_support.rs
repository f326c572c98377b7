//! Test support for the scheduler tests: a fault-injecting backend and pool builders.
//! Included with `#[path = "common/scheduler_support.rs"] mod support;`.

#![allow(dead_code)]

use std::collections::VecDeque;
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ark_bn254::{Fq, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{CurveGroup, PrimeGroup, VariableBaseMSM};
use ark_ff::One;
use zkaccel::scheduler::{Calibration, CalibrationSource, CostModel, Scheduler, SchedulerConfig};
use zkaccel_backends::cpu::{CpuBackend, CpuConfig};
use zkaccel_backends::{
    Backend, BackendError, BasesHandle, DeviceInfo, DeviceKind, MerkleOutput, MerkleTree, NttConfig, Op, Result,
};

/// What the faulty backend does on a call.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Behavior {
    /// Computes correctly.
    Ok,
    /// Answers `DeviceLost`.
    Lost,
    /// Answers `OutOfMemory`.
    OutOfMemory,
    /// Sleeps this long, then computes correctly (a hang past the deadline).
    Hang(Duration),
    /// Computes, then corrupts the result (a valid but wrong point, one NTT element, one hash).
    Wrong,
    /// Returns a point that is not on the curve (MSM only; other ops as `Wrong`).
    InvalidPoint,
    /// Panics.
    Panic,
}

/// A backend that computes with the CPU backend and misbehaves as scripted: the next calls
/// follow `script`, later ones `default`.
pub struct FaultyBackend {
    inner: CpuBackend,
    info: DeviceInfo,
    script: Mutex<VecDeque<Behavior>>,
    default: Mutex<Behavior>,
    /// Backend calls so far.
    pub calls: AtomicU64,
    /// Bases loads so far.
    pub loads: AtomicU64,
}

impl FaultyBackend {
    /// A faulty "FPGA" with this id, behaving as `default` unless scripted.
    pub fn new(id: &str, default: Behavior) -> FaultyBackend {
        let inner = CpuBackend::with_config(CpuConfig { threads: Some(1), id: id.into(), ..CpuConfig::default() })
            .expect("one-thread CPU backend");
        let info = DeviceInfo { kind: DeviceKind::Fpga, name: format!("fault injector {id}"), ..inner.info().clone() };
        FaultyBackend {
            inner,
            info,
            script: Mutex::new(VecDeque::new()),
            default: Mutex::new(default),
            calls: AtomicU64::new(0),
            loads: AtomicU64::new(0),
        }
    }

    /// The next calls behave as listed.
    pub fn script(&self, behaviors: &[Behavior]) {
        self.script.lock().unwrap().extend(behaviors.iter().copied());
    }

    /// Calls after the script behave as `behavior`.
    pub fn set_default(&self, behavior: Behavior) {
        *self.default.lock().unwrap() = behavior;
    }

    /// Reports `bytes` of device memory (so the scheduler chunks shares above it).
    pub fn with_memory(mut self, bytes: u64) -> Self {
        self.info.memory_bytes = bytes;
        self
    }

    /// Removes `op` from the capabilities.
    pub fn without(mut self, op: Op) -> Self {
        self.info.capabilities.retain(|c| c.op != op);
        self
    }

    fn next(&self, op: Op) -> Result<Behavior> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        let behavior = self.script.lock().unwrap().pop_front().unwrap_or(*self.default.lock().unwrap());
        match behavior {
            Behavior::Lost => Err(BackendError::DeviceLost {
                device: self.info.id.clone(),
                reason: "injected: fell off the bus".into(),
            }),
            Behavior::OutOfMemory => Err(BackendError::OutOfMemory {
                device: self.info.id.clone(),
                op,
                needed_bytes: 1 << 30,
                available_bytes: 1 << 20,
            }),
            Behavior::Hang(d) => {
                std::thread::sleep(d);
                Ok(Behavior::Ok)
            }
            Behavior::Panic => panic!("injected panic on {}", self.info.id),
            other => Ok(other),
        }
    }

    fn corrupt_g1(behavior: Behavior, p: G1Projective) -> G1Projective {
        match behavior {
            Behavior::Wrong => p + G1Projective::generator(),
            Behavior::InvalidPoint => G1Projective::new_unchecked(Fq::from(1u64), Fq::from(1u64), Fq::one()),
            _ => p,
        }
    }

    fn corrupt_fr(behavior: Behavior, v: &mut [Fr]) {
        if matches!(behavior, Behavior::Wrong | Behavior::InvalidPoint) && !v.is_empty() {
            let i = v.len() / 3;
            v[i] += Fr::one();
        }
    }
}

impl Backend for FaultyBackend {
    fn info(&self) -> &DeviceInfo {
        &self.info
    }

    fn msm_g1(&self, bases: &[G1Affine], scalars: &[Fr]) -> Result<G1Projective> {
        let b = self.next(Op::MsmG1)?;
        Ok(Self::corrupt_g1(b, self.inner.msm_g1(bases, scalars)?))
    }

    fn msm_g2(&self, bases: &[G2Affine], scalars: &[Fr]) -> Result<G2Projective> {
        if !self.info.supports(Op::MsmG2) {
            return Err(BackendError::Unsupported {
                op: Op::MsmG2,
                device: self.info.id.clone(),
                reason: "none".into(),
            });
        }
        let b = self.next(Op::MsmG2)?;
        let p = self.inner.msm_g2(bases, scalars)?;
        Ok(if b == Behavior::Ok { p } else { p + G2Projective::generator() })
    }

    fn load_bases_g1(&self, bases: Arc<[G1Affine]>) -> Result<BasesHandle> {
        self.loads.fetch_add(1, Ordering::Relaxed);
        self.inner.load_bases_g1(bases)
    }

    fn load_bases_g2(&self, bases: Arc<[G2Affine]>) -> Result<BasesHandle> {
        if !self.info.supports(Op::MsmG2) {
            return Err(BackendError::Unsupported {
                op: Op::MsmG2,
                device: self.info.id.clone(),
                reason: "none".into(),
            });
        }
        self.loads.fetch_add(1, Ordering::Relaxed);
        self.inner.load_bases_g2(bases)
    }

    fn unload_bases(&self, handle: BasesHandle) -> Result<()> {
        self.inner.unload_bases(handle)
    }

    fn msm_g1_resident(&self, handle: BasesHandle, range: Range<usize>, scalars: &[Fr]) -> Result<G1Projective> {
        let b = self.next(Op::MsmG1)?;
        Ok(Self::corrupt_g1(b, self.inner.msm_g1_resident(handle, range, scalars)?))
    }

    fn msm_g2_resident(&self, handle: BasesHandle, range: Range<usize>, scalars: &[Fr]) -> Result<G2Projective> {
        self.next(Op::MsmG2)?;
        self.inner.msm_g2_resident(handle, range, scalars)
    }

    fn ntt(&self, data: &mut [Fr], config: NttConfig) -> Result<()> {
        let b = self.next(Op::Ntt)?;
        self.inner.ntt(data, config)?;
        Self::corrupt_fr(b, data);
        Ok(())
    }

    fn ntt_batch(&self, data: &mut [Fr], ntt_len: usize, config: NttConfig) -> Result<()> {
        let b = self.next(Op::Ntt)?;
        self.inner.ntt_batch(data, ntt_len, config)?;
        Self::corrupt_fr(b, data);
        Ok(())
    }

    fn poseidon_hash_batch(&self, inputs: &[Fr], arity: usize) -> Result<Vec<Fr>> {
        let b = self.next(Op::Poseidon)?;
        let mut out = self.inner.poseidon_hash_batch(inputs, arity)?;
        // A systematic fault (every hash): sampling catches it; one bad hash in n is caught
        // with probability samples/n only (see scheduler::check).
        if b != Behavior::Ok {
            out.iter_mut().for_each(|h| *h += Fr::one());
        }
        Ok(out)
    }

    fn merkle_tree(&self, leaves: &[Fr], output: MerkleOutput) -> Result<MerkleTree> {
        let b = self.next(Op::MerkleTree)?;
        let mut tree = self.inner.merkle_tree(leaves, output)?;
        if b != Behavior::Ok {
            tree.root += Fr::one();
            if let Some(level) = tree.levels.last_mut() {
                level[0] = tree.root;
            }
        }
        Ok(tree)
    }
}

/// A one-thread CPU backend with this id.
pub fn cpu(id: &str) -> Arc<dyn Backend> {
    Arc::new(CpuBackend::with_config(CpuConfig { threads: Some(1), id: id.into(), ..CpuConfig::default() }).unwrap())
}

/// A calibration giving each backend `fixed + n × per_element` seconds for every op.
pub fn calibration(models: &[(&Arc<dyn Backend>, f64, f64)]) -> Calibration {
    let mut calibration = Calibration::default();
    for (backend, fixed, per_element) in models {
        for op in [Op::MsmG1, Op::MsmG2, Op::Ntt, Op::Poseidon, Op::MerkleTree] {
            calibration.insert(backend.info(), op, CostModel::affine(*fixed, *per_element));
        }
    }
    calibration
}

/// Test settings: given calibration, short deadlines and backoff, splitting from 1 element.
pub fn config(calibration: Calibration) -> SchedulerConfig {
    SchedulerConfig {
        calibration: CalibrationSource::Given(calibration),
        share_timeout_floor: Duration::from_millis(300),
        share_timeout_slack: 50.0,
        backoff_initial: Duration::from_millis(50),
        backoff_max: Duration::from_millis(400),
        min_share: 1,
        ..SchedulerConfig::default()
    }
}

/// A scheduler over `backends`, all with the same speed.
pub fn even_pool(backends: Vec<Arc<dyn Backend>>) -> Scheduler {
    let models: Vec<(&Arc<dyn Backend>, f64, f64)> = backends.iter().map(|b| (b, 1e-6, 1e-6)).collect();
    let config = config(calibration(&models));
    Scheduler::new(backends, config).expect("a scheduler")
}

/// Deterministic MSM inputs and arkworks' answer.
pub fn msm_case(n: usize, seed: u64) -> (Vec<G1Affine>, Vec<Fr>, G1Affine) {
    let bases = zkaccel::bench::workload::g1_points(n, seed);
    let scalars = zkaccel::bench::workload::scalars(n, seed);
    let expected = G1Projective::msm(&bases, &scalars).expect("equal lengths").into_affine();
    (bases, scalars, expected)
}
