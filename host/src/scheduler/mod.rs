//! The host scheduler: one [`Backend`] over every healthy device.
//!
//! A [`Scheduler`] holds the registry's backends (or any list of `Arc<dyn Backend>`) and is
//! itself a `Backend`, so the prover and the daemon take an `Arc<dyn Backend>` and run on one
//! CPU or on the whole pool alike.
//!
//! - [`calibration`]: a cost model per device and op (measured by `zkaccel calibrate`, cached
//!   on disk; conservative defaults without one).
//! - [`plan`]: how many elements each device gets so all finish together; small work stays
//!   on the device that finishes it first.
//! - [`exec`]: a share runs inline, or on a detached thread abandoned at its deadline.
//! - [`faults`] and [`health`]: a failed share is re-run on the next device (the CPU last);
//!   the failed device is unhealthy until a probe after exponential backoff re-admits it.
//! - [`check`]: result checks (point validity always; sampled spot checks by config).
//! - [`metrics`]: per-device counters, read through [`Scheduler::stats`].
//! - [`config`]: [`SchedulerConfig`] and the config file; [`trace`]: which devices a thread's
//!   results came from, for [`Scheduler::report_fault`].
//!
//! ```
//! use std::sync::Arc;
//! use ark_bn254::{Fr, G1Affine};
//! use ark_ec::AffineRepr;
//! use zkaccel::scheduler::{CalibrationSource, Scheduler, SchedulerConfig};
//! use zkaccel_backends::{cpu::CpuBackend, Backend};
//!
//! let config = SchedulerConfig { calibration: CalibrationSource::Defaults, ..SchedulerConfig::default() };
//! let pool: Arc<dyn Backend> = Arc::new(Scheduler::new(vec![Arc::new(CpuBackend::new())], config).unwrap());
//! let g = G1Affine::generator();
//! assert_eq!(pool.msm_g1(&[g, g], &[Fr::from(2u64), Fr::from(3u64)]).unwrap(), g * Fr::from(5u64));
//! ```

pub mod calibration;
pub mod check;
pub mod config;
pub mod exec;
pub mod faults;
pub mod health;
pub mod metrics;
mod msm;
pub mod plan;
mod reporter;
pub mod trace;
mod vector;

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::sync::atomic::{AtomicBool, AtomicIsize, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use ark_bn254::{Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use zkaccel_backends::cpu::{CpuBackend, CpuConfig};
use zkaccel_backends::{
    validate, Backend, BackendError, BasesGroup, BasesHandle, DeviceInfo, DeviceKind, MerkleOutput, MerkleTree,
    NttConfig, Op, OpLimit, Result,
};

pub use calibration::{Calibration, CostModel};
pub use config::{CalibrationSource, Deadlines, SchedulerConfig};
pub use faults::{Fault, FaultKind};
pub use health::HealthReport;
pub use metrics::DeviceStats;
pub use trace::DeviceTrace;

use crate::registry::Registry;
use faults::Attempts;
use health::{Admission, Health};
use metrics::Metrics;
use plan::{Candidate, Share};

/// Why a scheduler cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum SchedulerError {
    /// No device to run anything on.
    #[error("no device to schedule on: {0}")]
    NoDevices(String),
    /// The configuration is invalid.
    #[error("invalid scheduler configuration: {0}")]
    Config(String),
}

/// One device in the pool.
struct Device {
    backend: Arc<dyn Backend>,
    info: DeviceInfo,
    /// Takes planned shares (else only retries and work no worker supports).
    worker: bool,
    models: BTreeMap<Op, CostModel>,
    calibrated: bool,
    deadline: bool,
    health: Mutex<Health>,
    metrics: Metrics,
    abandoned: Arc<AtomicIsize>,
    /// Predicted nanoseconds of work running on it now.
    backlog_ns: AtomicU64,
    /// Per planned op: the largest call that did not run out of memory (usize::MAX: none yet).
    learned_cap: [AtomicUsize; 5],
    /// Completed a share since the last pool-wide fault report (see `reporter`).
    contributed: AtomicBool,
}

impl Device {
    fn model(&self, op: Op) -> &CostModel {
        self.models.get(&op).or_else(|| self.models.get(&Op::MsmG1)).expect("every device has models")
    }

    fn is_cpu(&self) -> bool {
        self.info.kind == DeviceKind::Cpu
    }
}

fn op_slot(op: Op) -> usize {
    calibration::PLANNED_OPS.iter().position(|o| *o == op).unwrap_or(0)
}

/// Host bytes per element a call keeps on the device, for chunking by memory.
fn bytes_per_element(op: Op, resident: bool) -> u64 {
    match (op, resident) {
        (Op::MsmG1, false) => 64 + 32 + 64,
        (Op::MsmG1, true) => 32 + 64,
        (Op::MsmG2, false) => 128 + 32 + 128,
        (Op::MsmG2, true) => 32 + 128,
        (Op::Ntt, _) => 64,
        (Op::Poseidon, _) => 32 * 17 + 32,
        (Op::MerkleTree, _) => 64,
        (Op::ResidentBases, _) => 64,
    }
}

/// Resident bases loaded through the scheduler, with each device's own handle.
struct ResidentSet {
    points: ResidentPoints,
    /// Index = device; `None` where not loaded (yet).
    per_device: Mutex<Vec<Option<BasesHandle>>>,
}

enum ResidentPoints {
    G1(Arc<[G1Affine]>),
    G2(Arc<[G2Affine]>),
}

/// Shared state; behind an `Arc` so background probes and detached shares can hold it.
struct Inner {
    devices: Vec<Device>,
    info: DeviceInfo,
    config: SchedulerConfig,
    notes: Vec<String>,
    resident: RwLock<HashMap<u64, Arc<ResidentSet>>>,
    next_handle: AtomicU64,
}

/// Splits MSM, NTT and Poseidon work across healthy devices and survives device faults.
/// See the [module docs](self).
pub struct Scheduler {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Scheduler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scheduler").field("info", &self.inner.info).field("notes", &self.inner.notes).finish()
    }
}

impl Scheduler {
    /// A scheduler over `backends`, every one a worker (tests; embedders with their own devices).
    pub fn new(backends: Vec<Arc<dyn Backend>>, config: SchedulerConfig) -> Result<Scheduler, SchedulerError> {
        let roles = backends.into_iter().map(|b| (b, true)).collect();
        Self::build(roles, config)
    }

    /// A scheduler over `workers`, with `fallback` used only for retries and for work no
    /// worker supports (e.g. G2 beside GPUs without it).
    pub fn with_fallback(
        workers: Vec<Arc<dyn Backend>>,
        fallback: Arc<dyn Backend>,
        config: SchedulerConfig,
    ) -> Result<Scheduler, SchedulerError> {
        let mut roles: Vec<(Arc<dyn Backend>, bool)> = workers.into_iter().map(|b| (b, true)).collect();
        roles.push((fallback, false));
        Self::build(roles, config)
    }

    /// A scheduler over the registry's available devices, narrowed by `config.devices`. When
    /// the selection leaves the CPU out and `config.cpu_fallback` is set, a CPU backend is kept
    /// as the fallback of last resort.
    pub fn from_registry(registry: &Registry, config: SchedulerConfig) -> Result<Scheduler, SchedulerError> {
        let selected: Vec<Arc<dyn Backend>> = registry
            .entries()
            .iter()
            .filter(|e| config.devices.as_ref().is_none_or(|sel| sel.selects(e.kind, &e.id)))
            .filter_map(|e| e.backend().cloned())
            .collect();
        let has_cpu = selected.iter().any(|b| b.info().kind == DeviceKind::Cpu);
        let mut roles: Vec<(Arc<dyn Backend>, bool)> = selected.into_iter().map(|b| (b, true)).collect();
        if !has_cpu && config.cpu_fallback {
            let cpu = registry
                .backends()
                .into_iter()
                .find(|b| b.info().kind == DeviceKind::Cpu)
                .map(Ok)
                .unwrap_or_else(|| {
                    CpuBackend::with_config(CpuConfig::default()).map(|c| Arc::new(c) as Arc<dyn Backend>)
                })
                .map_err(|e| SchedulerError::NoDevices(format!("the CPU fallback could not start: {e}")))?;
            roles.push((cpu, false));
        }
        Self::build(roles, config)
    }

    fn build(roles: Vec<(Arc<dyn Backend>, bool)>, config: SchedulerConfig) -> Result<Scheduler, SchedulerError> {
        config.validate().map_err(SchedulerError::Config)?;
        if roles.is_empty() {
            return Err(SchedulerError::NoDevices("the device list is empty".into()));
        }
        let mut notes = Vec::new();
        let calibration = match &config.calibration {
            CalibrationSource::Defaults => None,
            CalibrationSource::Given(c) => Some(c.clone()),
            CalibrationSource::Cache | CalibrationSource::File(_) => {
                let path = match &config.calibration {
                    CalibrationSource::File(p) => Some(p.clone()),
                    _ => calibration::default_path(),
                };
                match path.as_deref().map(Calibration::load) {
                    Some(Ok(found)) => found,
                    Some(Err(e)) => {
                        notes.push(format!("calibration ignored: {e}"));
                        None
                    }
                    None => None,
                }
            }
        };
        let mut devices = Vec::with_capacity(roles.len());
        let mut uncalibrated = Vec::new();
        for (backend, worker) in roles {
            let info = backend.info().clone();
            let measured = calibration.as_ref().and_then(|c| c.for_device(&info));
            let mut models = BTreeMap::new();
            for op in calibration::PLANNED_OPS {
                let model = measured
                    .and_then(|m| m.ops.get(op.name()).cloned())
                    .unwrap_or_else(|| calibration::default_model(&info, op));
                models.insert(op, model);
            }
            if measured.is_none() {
                uncalibrated.push(info.id.clone());
            }
            let deadline = match config.deadlines {
                Deadlines::Off => false,
                Deadlines::Accelerators => info.kind != DeviceKind::Cpu,
                Deadlines::All => true,
            };
            devices.push(Device {
                backend,
                worker,
                calibrated: measured.is_some(),
                models,
                deadline,
                health: Mutex::new(Health::new(config.backoff_initial, config.backoff_max)),
                metrics: Metrics::default(),
                abandoned: Arc::new(AtomicIsize::new(0)),
                backlog_ns: AtomicU64::new(0),
                learned_cap: std::array::from_fn(|_| AtomicUsize::new(usize::MAX)),
                contributed: AtomicBool::new(false),
                info,
            });
        }
        let mut ids: Vec<&str> = devices.iter().map(|d| d.info.id.as_str()).collect();
        ids.sort_unstable();
        if ids.windows(2).any(|w| w[0] == w[1]) {
            return Err(SchedulerError::Config(format!("two devices share an id: {}", ids.join(", "))));
        }
        if !uncalibrated.is_empty() && config.calibration != CalibrationSource::Defaults {
            let note = format!(
                "no calibration for {}: using conservative defaults; run `zkaccel calibrate`",
                uncalibrated.join(", ")
            );
            tracing::info!("{note}");
            notes.push(note);
        }
        let info = pool_info(&devices);
        let inner = Inner {
            devices,
            info,
            config,
            notes,
            resident: RwLock::new(HashMap::new()),
            next_handle: AtomicU64::new(1),
        };
        Ok(Scheduler { inner: Arc::new(inner) })
    }

    /// Marks `device_id` unhealthy for a fault found outside the scheduler (a proof that
    /// failed its pairing check: [`FaultKind::WrongResult`]). Returns whether the id is known.
    pub fn report_fault(&self, device_id: &str, kind: FaultKind) -> bool {
        let Some(i) = self.inner.devices.iter().position(|d| d.info.id == device_id) else { return false };
        let fault = Fault::new(kind, "reported by the caller");
        self.inner.on_fault(i, None, 0, &fault);
        true
    }

    /// Per-device counters and health, in pool order.
    pub fn stats(&self) -> Vec<DeviceStats> {
        let now = Instant::now();
        self.inner
            .devices
            .iter()
            .map(|d| {
                let health = d.health.lock().unwrap_or_else(|e| e.into_inner()).report(now);
                let role = if d.worker { "worker" } else { "fallback" };
                let mut stats = d.metrics.snapshot(&d.info.id, &d.info.kind.to_string(), &d.info.name, role, health);
                stats.calibrated = d.calibrated;
                stats
            })
            .collect()
    }

    /// The ids of the pool's devices, in pool order.
    pub fn device_ids(&self) -> Vec<String> {
        self.inner.devices.iter().map(|d| d.info.id.clone()).collect()
    }

    /// What the scheduler wants its user to know (e.g. that it runs without calibration).
    pub fn notes(&self) -> &[String] {
        &self.inner.notes
    }

    /// The cost model the scheduler plans `op` on `device_id` with.
    pub fn model(&self, device_id: &str, op: Op) -> Option<CostModel> {
        self.inner.devices.iter().find(|d| d.info.id == device_id).map(|d| d.model(op).clone())
    }

    /// Probes now, on this thread, every unhealthy device whose backoff has passed (probes
    /// otherwise start in the background when work is planned).
    pub fn probe_due_devices(&self) {
        for i in 0..self.inner.devices.len() {
            let admission =
                self.inner.devices[i].health.lock().unwrap_or_else(|e| e.into_inner()).admit(Instant::now());
            if admission == Admission::Probe {
                self.inner.probe(i);
            }
        }
    }
}

/// The pool's self-description: each op with the largest limit of any device.
fn pool_info(devices: &[Device]) -> DeviceInfo {
    let ids: Vec<&str> = devices.iter().map(|d| d.info.id.as_str()).collect();
    let kind = devices.iter().find(|d| d.worker && !d.is_cpu()).map_or(DeviceKind::Cpu, |d| d.info.kind);
    let capabilities = Op::ALL
        .into_iter()
        .filter_map(|op| devices.iter().filter_map(|d| d.info.limit(op)).max().map(|max_size| OpLimit { op, max_size }))
        .collect();
    DeviceInfo {
        id: "scheduler".into(),
        kind,
        name: format!("scheduler over {}", ids.join(", ")),
        memory_bytes: devices.iter().map(|d| d.info.memory_bytes).fold(0u64, u64::saturating_add),
        compute_units: devices.iter().map(|d| d.info.compute_units).fold(0u32, u32::saturating_add),
        capabilities,
    }
}

/// Adds the predicted time of a share to a device's backlog while it runs.
struct Backlog<'a>(&'a AtomicU64, u64);

impl<'a> Backlog<'a> {
    fn new(counter: &'a AtomicU64, ns: u64) -> Self {
        counter.fetch_add(ns, Ordering::Relaxed);
        Backlog(counter, ns)
    }
}

impl Drop for Backlog<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(self.1, Ordering::Relaxed);
    }
}

impl Inner {
    /// Whether device `i` may take planned work now; starts a background probe when due.
    fn admit(self: &Arc<Self>, i: usize) -> bool {
        let d = &self.devices[i];
        if d.abandoned.load(Ordering::Acquire) >= self.config.max_abandoned_per_device as isize {
            return false;
        }
        let admission = d.health.lock().unwrap_or_else(|e| e.into_inner()).admit(Instant::now());
        match admission {
            Admission::Use => true,
            Admission::Skip => false,
            Admission::Probe => {
                let inner = self.clone();
                let spawned = std::thread::Builder::new()
                    .name(format!("zkaccel-probe-{}", d.info.id))
                    .spawn(move || inner.probe(i));
                if spawned.is_err() {
                    d.health
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .probed(Err(FaultKind::Unexpected), Instant::now());
                }
                false
            }
        }
    }

    /// Runs a tiny MSM with a known answer on device `i` (under a deadline) and records the
    /// outcome: re-admitted, or a longer backoff.
    fn probe(self: &Arc<Self>, i: usize) {
        let d = &self.devices[i];
        let outcome = if d.abandoned.load(Ordering::Acquire) >= self.config.max_abandoned_per_device as isize {
            Err(Fault::new(FaultKind::Timeout, "earlier calls are still hung"))
        } else {
            let backend = d.backend.clone();
            exec::with_deadline(
                &d.info.id,
                &d.abandoned,
                self.config.max_abandoned_per_device,
                self.config.share_timeout_floor,
                move || msm::probe(backend.as_ref()),
            )
        };
        let now = Instant::now();
        match &outcome {
            Ok(()) => {
                d.metrics.readmitted();
                tracing::info!("{} passed its probe and takes work again", d.info.id);
            }
            Err(fault) => {
                d.metrics.failure(fault.kind);
                tracing::warn!("{} failed its probe: {fault}", d.info.id);
            }
        }
        d.health.lock().unwrap_or_else(|e| e.into_inner()).probed(outcome.map_err(|f| f.kind), now);
    }

    /// Records a fault of device `i` (on `op`, for a call of `units` elements).
    fn on_fault(&self, i: usize, op: Option<Op>, units: usize, fault: &Fault) {
        let d = &self.devices[i];
        d.metrics.failure(fault.kind);
        if let (FaultKind::OutOfMemory, Some(op)) = (fault.kind, op) {
            d.learned_cap[op_slot(op)].fetch_min((units / 2).max(1), Ordering::Relaxed);
        }
        if fault.kind.marks_unhealthy() {
            d.health.lock().unwrap_or_else(|e| e.into_inner()).fail(fault.kind, Instant::now());
            tracing::warn!("{} is unhealthy: {fault}", d.info.id);
        } else {
            tracing::debug!("{} refused a share: {fault}", d.info.id);
        }
    }

    /// The largest single call of `op` on device `i`: its limit, its memory and what it
    /// learned from running out of memory.
    fn call_cap(&self, i: usize, op: Op, resident: bool) -> usize {
        let d = &self.devices[i];
        let limit = d.info.limit(op).unwrap_or(0);
        let memory =
            (d.info.memory_bytes as f64 * self.config.memory_fraction) as u64 / bytes_per_element(op, resident);
        let learned = d.learned_cap[op_slot(op)].load(Ordering::Relaxed);
        limit.min(usize::try_from(memory).unwrap_or(usize::MAX)).min(learned).max(1)
    }

    /// The devices a plan for `op` may use: healthy workers that pass `filter`; else healthy
    /// fallbacks; else any CPU (the last resort).
    fn plan_devices(self: &Arc<Self>, op: Op, filter: &dyn Fn(usize) -> bool) -> Vec<usize> {
        let supports = |i: usize| self.devices[i].info.supports(op) && filter(i);
        let all: Vec<usize> = (0..self.devices.len()).filter(|&i| supports(i)).collect();
        let admitted: Vec<usize> = all.iter().copied().filter(|&i| self.admit(i)).collect();
        let workers: Vec<usize> = admitted.iter().copied().filter(|&i| self.devices[i].worker).collect();
        if !workers.is_empty() {
            return workers;
        }
        if !admitted.is_empty() {
            return admitted;
        }
        all.into_iter().filter(|&i| self.devices[i].is_cpu()).collect()
    }

    /// Candidates for the planner; `units_per_element` scales a unit to the model's elements
    /// (polynomials → NTT elements), `cap` gives each device's limit in units.
    fn candidates(
        &self,
        op: Op,
        devices: &[usize],
        units_per_unit: usize,
        cap: &dyn Fn(usize) -> u64,
    ) -> Vec<Candidate<'_>> {
        devices
            .iter()
            .map(|&i| Candidate {
                device: i,
                model: self.devices[i].model(op),
                backlog: self.devices[i].backlog_ns.load(Ordering::Relaxed) as f64 * 1e-9,
                cap: cap(i),
            })
            .map(|mut c| {
                if units_per_unit > 1 {
                    c.cap = c.cap.min(u64::MAX / units_per_unit as u64);
                }
                c
            })
            .collect()
    }

    /// Plans `units` units of `op` (each `scale` model elements) over `devices`.
    fn plan(
        &self,
        op: Op,
        units: usize,
        scale: usize,
        devices: &[usize],
        cap: &dyn Fn(usize) -> u64,
    ) -> Option<Vec<Share>> {
        if scale <= 1 {
            let candidates = self.candidates(op, devices, 1, cap);
            return plan::split(units, &candidates, self.config.min_share);
        }
        // Models are per element: plan in elements, then round shares to whole units.
        let candidates = self.candidates(op, devices, scale, &|i| cap(i).saturating_mul(scale as u64));
        let min_units = self.config.min_share.div_ceil(scale).max(1);
        let shares = plan::split(units * scale, &candidates, min_units * scale)?;
        let mut out: Vec<Share> = Vec::new();
        let mut start = 0usize;
        for (k, share) in shares.iter().enumerate() {
            let end = if k + 1 == shares.len() { units } else { (share.range.end + scale / 2) / scale };
            let end = end.clamp(start, units);
            if end > start {
                out.push(Share { device: share.device, range: start..end, predicted_ns: share.predicted_ns });
                start = end;
            }
        }
        Some(out)
    }

    /// The next device to retry a share of `op` on: healthy accelerators by predicted time,
    /// then healthy CPUs, then unhealthy CPUs (the last resort). Never one already tried.
    fn next_fallback(&self, op: Op, units: usize, tried: &[usize], filter: &dyn Fn(usize) -> bool) -> Option<usize> {
        let max_abandoned = self.config.max_abandoned_per_device as isize;
        (0..self.devices.len())
            .filter(|i| !tried.contains(i) && self.devices[*i].info.supports(op) && filter(*i))
            .filter(|&i| self.devices[i].abandoned.load(Ordering::Acquire) < max_abandoned)
            .filter_map(|i| {
                let d = &self.devices[i];
                let healthy = d.health.lock().unwrap_or_else(|e| e.into_inner()).is_healthy();
                let rank = match (d.is_cpu(), healthy) {
                    (false, true) => 0,
                    (true, true) => 1,
                    (true, false) => 2,
                    (false, false) => return None,
                };
                let t = d.model(op).time(units as u64) + d.backlog_ns.load(Ordering::Relaxed) as f64 * 1e-9;
                Some((rank, t, i))
            })
            .min_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)))
            .map(|(_, _, i)| i)
    }

    /// A share's deadline: `max(floor, slack × predicted)`.
    fn deadline(&self, predicted_secs: f64) -> Duration {
        let scaled = Duration::from_secs_f64((predicted_secs * self.config.share_timeout_slack).clamp(0.0, 1e7));
        scaled.max(self.config.share_timeout_floor)
    }

    /// Whether this share gets a spot check.
    fn spot_check(&self, i: usize) -> bool {
        use rand::Rng;
        let rate = self.config.spot_check_rate;
        rate > 0.0 && !self.devices[i].is_cpu() && (rate >= 1.0 || rand::thread_rng().gen::<f64>() < rate)
    }

    /// Runs one share on `first`, retrying on the next device after each fault, until one
    /// succeeds or none is left (then the error names every device's failure).
    fn run_share<T>(
        &self,
        op: Op,
        what: &dyn Fn() -> String,
        first: usize,
        units: usize,
        filter: &dyn Fn(usize) -> bool,
        attempt: &mut dyn FnMut(usize) -> Result<T, Fault>,
    ) -> Result<(T, usize)> {
        let mut tried = Vec::new();
        let mut attempts = Attempts::default();
        let mut device = first;
        loop {
            let d = &self.devices[device];
            let _backlog = Backlog::new(&d.backlog_ns, (d.model(op).time(units as u64) * 1e9) as u64);
            match attempt(device) {
                Ok(value) => {
                    d.metrics.share();
                    d.contributed.store(true, Ordering::Release);
                    return Ok((value, device));
                }
                Err(fault) => {
                    self.on_fault(device, Some(op), units, &fault);
                    attempts.push(&d.info.id, fault);
                    tried.push(device);
                    match self.next_fallback(op, units, &tried, filter) {
                        Some(next) => {
                            tracing::info!("retrying {op} {} on {}", what(), self.devices[next].info.id);
                            device = next;
                        }
                        None => return Err(attempts.into_error(&self.info.id, op, &what())),
                    }
                }
            }
        }
    }

    /// The error when no device can take `op` at all: each supporting device's state.
    fn no_device(&self, op: Op, what: &str) -> BackendError {
        let mut attempts = Attempts::default();
        for d in self.devices.iter().filter(|d| d.info.supports(op)) {
            let state = d.health.lock().unwrap_or_else(|e| e.into_inner()).report(Instant::now());
            let kind = state.last_fault.unwrap_or(FaultKind::Refused);
            attempts.push(&d.info.id, Fault::new(kind, format!("{} (not tried)", state.state)));
        }
        attempts.into_error(&self.info.id, op, what)
    }
}

/// Runs each part on its own scoped thread (the first on the caller's), in order.
fn run_parts<P: Send, T: Send>(parts: Vec<(Share, P)>, run: &(dyn Fn(Share, P) -> Result<T> + Sync)) -> Result<Vec<T>> {
    if parts.len() <= 1 {
        return parts.into_iter().map(|(s, p)| run(s, p)).collect();
    }
    std::thread::scope(|scope| {
        let mut parts = parts.into_iter();
        let (first_share, first_part) = parts.next().expect("two parts or more");
        let handles: Vec<_> = parts.map(|(s, p)| scope.spawn(move || run(s, p))).collect();
        let mut out = vec![run(first_share, first_part)];
        for handle in handles {
            out.push(handle.join().unwrap_or_else(|_| {
                Err(BackendError::DeviceLost { device: "scheduler".into(), reason: "a share's thread panicked".into() })
            }));
        }
        out.into_iter().collect()
    })
}

impl Backend for Scheduler {
    fn info(&self) -> &DeviceInfo {
        &self.inner.info
    }

    fn msm_g1(&self, bases: &[G1Affine], scalars: &[Fr]) -> Result<G1Projective> {
        validate::msm(&self.inner.info, Op::MsmG1, bases.len(), scalars.len())?;
        self.inner.msm(msm::Src::Slice(bases), scalars)
    }

    fn msm_g2(&self, bases: &[G2Affine], scalars: &[Fr]) -> Result<G2Projective> {
        validate::msm(&self.inner.info, Op::MsmG2, bases.len(), scalars.len())?;
        self.inner.msm(msm::Src::Slice(bases), scalars)
    }

    fn load_bases_g1(&self, bases: Arc<[G1Affine]>) -> Result<BasesHandle> {
        validate::load_bases(&self.inner.info, BasesGroup::G1, bases.len())?;
        self.inner.load_bases(ResidentPoints::G1(bases))
    }

    fn load_bases_g2(&self, bases: Arc<[G2Affine]>) -> Result<BasesHandle> {
        validate::load_bases(&self.inner.info, BasesGroup::G2, bases.len())?;
        self.inner.load_bases(ResidentPoints::G2(bases))
    }

    fn unload_bases(&self, handle: BasesHandle) -> Result<()> {
        self.inner.unload_bases(handle)
    }

    fn msm_g1_resident(&self, handle: BasesHandle, range: Range<usize>, scalars: &[Fr]) -> Result<G1Projective> {
        let set = self.inner.resident_set(&handle, BasesGroup::G1, &range, scalars.len())?;
        self.inner.msm(msm::Src::Resident(set, range.start), scalars)
    }

    fn msm_g2_resident(&self, handle: BasesHandle, range: Range<usize>, scalars: &[Fr]) -> Result<G2Projective> {
        let set = self.inner.resident_set(&handle, BasesGroup::G2, &range, scalars.len())?;
        self.inner.msm(msm::Src::Resident(set, range.start), scalars)
    }

    fn ntt(&self, data: &mut [Fr], config: NttConfig) -> Result<()> {
        validate::ntt_len(&self.inner.info, data.len(), config.coset)?;
        self.inner.ntt_batch(data, data.len(), config, true)
    }

    fn ntt_batch(&self, data: &mut [Fr], ntt_len: usize, config: NttConfig) -> Result<()> {
        validate::ntt_batch(&self.inner.info, data.len(), ntt_len, config.coset)?;
        self.inner.ntt_batch(data, ntt_len, config, false)
    }

    fn poseidon_hash_batch(&self, inputs: &[Fr], arity: usize) -> Result<Vec<Fr>> {
        validate::poseidon(&self.inner.info, inputs.len(), arity)?;
        self.inner.poseidon(inputs, arity)
    }

    fn merkle_tree(&self, leaves: &[Fr], output: MerkleOutput) -> Result<MerkleTree> {
        validate::merkle(&self.inner.info, leaves.len())?;
        self.inner.merkle(leaves, output)
    }
}
