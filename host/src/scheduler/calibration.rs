//! Device throughput: a cost model per device and operation, measured by a short calibration
//! run and cached on disk keyed by device identity and zkaccel version.
//!
//! A [`CostModel`] is a few measured (size, seconds) points; between them time is linear, below
//! the smallest the line through the first two points gives the fixed cost of a call (launch,
//! transfer set-up), above the largest the last segment's slope continues. That fixed cost is
//! what keeps small work on the CPU: the crossover where a GPU starts to pay comes from the
//! measurements, not a constant. Without a calibration each kind gets a conservative default
//! model and the scheduler says so.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use ark_bn254::Fr;
use serde::{Deserialize, Serialize};
use zkaccel_backends::{Backend, DeviceInfo, DeviceKind, MerkleOutput, NttConfig, Op};

use crate::bench::workload;

/// The operations the scheduler plans with a cost model.
pub const PLANNED_OPS: [Op; 5] = [Op::MsmG1, Op::MsmG2, Op::Ntt, Op::Poseidon, Op::MerkleTree];

/// Predicted seconds for a call of `n` elements on one device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CostModel {
    /// (elements, seconds) measured, sorted by size, times non-decreasing.
    points: Vec<(u64, f64)>,
    /// Seconds of a call with (almost) no work: the fixed cost.
    intercept: f64,
}

impl CostModel {
    /// A model through measured points (any order; at least one with n > 0).
    pub fn from_points(mut raw: Vec<(u64, f64)>) -> Option<CostModel> {
        raw.retain(|&(n, t)| n > 0 && t.is_finite() && t >= 0.0);
        raw.sort_by_key(|p| p.0);
        raw.dedup_by_key(|p| p.0);
        let first = *raw.first()?;
        let mut points = Vec::with_capacity(raw.len());
        let mut last_t: f64 = 0.0;
        for (n, t) in raw {
            last_t = last_t.max(t);
            points.push((n, last_t));
        }
        let intercept = if points.len() >= 2 {
            let (n1, t1) = (points[0].0 as f64, points[0].1);
            let (n2, t2) = (points[1].0 as f64, points[1].1);
            (t1 - n1 * (t2 - t1) / (n2 - n1)).clamp(0.0, first.1)
        } else {
            0.0
        };
        Some(CostModel { points, intercept })
    }

    /// `fixed + n × per_element` seconds.
    pub fn affine(fixed: f64, per_element: f64) -> CostModel {
        CostModel::from_points(vec![
            (1 << 10, fixed + 1024.0 * per_element),
            (1 << 20, fixed + (1 << 20) as f64 * per_element),
        ])
        .expect("two points")
    }

    /// The measured points.
    pub fn points(&self) -> &[(u64, f64)] {
        &self.points
    }

    /// Seconds per element beyond the largest measurement.
    fn tail_slope(&self) -> f64 {
        let n = self.points.len();
        let (x1, y1) = self.points[n - 1];
        let (x0, y0) = if n >= 2 { self.points[n - 2] } else { (0, self.intercept) };
        ((y1 - y0) / (x1 - x0) as f64).max(1e-15)
    }

    /// Predicted seconds for `n` elements (0 for none).
    pub fn time(&self, n: u64) -> f64 {
        if n == 0 {
            return 0.0;
        }
        let mut prev = (0u64, self.intercept);
        for &(x, y) in &self.points {
            if n <= x {
                return prev.1 + (y - prev.1) * (n - prev.0) as f64 / (x - prev.0) as f64;
            }
            prev = (x, y);
        }
        prev.1 + (n - prev.0) as f64 * self.tail_slope()
    }

    /// The most elements that finish within `seconds` (0 when even the fixed cost does not fit).
    pub fn units_within(&self, seconds: f64) -> u64 {
        if seconds < self.intercept || !seconds.is_finite() {
            return if seconds.is_infinite() { u64::MAX } else { 0 };
        }
        let mut prev = (0u64, self.intercept);
        for &(x, y) in &self.points {
            if seconds <= y {
                if y <= prev.1 {
                    return x;
                }
                return prev.0 + ((seconds - prev.1) / (y - prev.1) * (x - prev.0) as f64) as u64;
            }
            prev = (x, y);
        }
        let extra = (seconds - prev.1) / self.tail_slope();
        prev.0.saturating_add(extra.min(u64::MAX as f64 / 2.0) as u64)
    }
}

/// The models of one device, per operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceCalibration {
    /// The device's id when measured.
    pub id: String,
    /// Its name when measured.
    pub name: String,
    /// Seconds since the Unix epoch at measurement.
    pub measured_unix: u64,
    /// Op name ("msm-g1", "ntt", ...) → model.
    pub ops: BTreeMap<String, CostModel>,
}

/// A set of device calibrations, as cached on disk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    /// The zkaccel version that measured it; another version's measurements are not used.
    pub zkaccel_version: String,
    /// Device identity (see [`identity`]) → its models.
    pub devices: BTreeMap<String, DeviceCalibration>,
}

impl Default for Calibration {
    fn default() -> Self {
        Calibration { zkaccel_version: env!("CARGO_PKG_VERSION").to_string(), devices: BTreeMap::new() }
    }
}

/// A device's identity for the cache: kind, id, name, memory and compute units, so another
/// GPU in the same slot or a changed CPU pool is measured again.
pub fn identity(info: &DeviceInfo) -> String {
    format!("{}|{}|{}|{}|{}", info.kind, info.id, info.name, info.memory_bytes, info.compute_units)
}

/// The cache file: `$ZKACCEL_CALIBRATION`, else `$XDG_CACHE_HOME/zkaccel/`, else
/// `~/.cache/zkaccel/`, with the zkaccel version in the file name.
pub fn default_path() -> Option<PathBuf> {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    if let Some(path) = var("ZKACCEL_CALIBRATION") {
        return Some(path);
    }
    let file = format!("calibration-{}.json", env!("CARGO_PKG_VERSION"));
    var("XDG_CACHE_HOME")
        .map(|d| d.join("zkaccel"))
        .or_else(|| var("HOME").map(|h| h.join(".cache").join("zkaccel")))
        .map(|d| d.join(file))
}

impl Calibration {
    /// Reads a cache file. `Ok(None)` when it does not exist or is from another version.
    pub fn load(path: &Path) -> Result<Option<Calibration>, String> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
        };
        let calibration: Calibration =
            serde_json::from_str(&text).map_err(|e| format!("{} is not a calibration file: {e}", path.display()))?;
        if calibration.zkaccel_version != env!("CARGO_PKG_VERSION") {
            return Ok(None);
        }
        Ok(Some(calibration))
    }

    /// Writes the cache file atomically (temporary file, then rename), keeping devices
    /// already in it that this calibration did not measure.
    pub fn save(&self, path: &Path) -> Result<(), String> {
        let mut merged = Calibration::load(path).ok().flatten().unwrap_or_default();
        merged.devices.extend(self.devices.clone());
        let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let tmp = dir.join(format!(".calibration.{}.tmp", std::process::id()));
        let text = serde_json::to_string_pretty(&merged).expect("serialisable");
        std::fs::write(&tmp, text).and_then(|()| std::fs::rename(&tmp, path)).map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            format!("cannot write {}: {e}", path.display())
        })
    }

    /// Sets the model of `op` on the device described by `info` (tests, embedders that
    /// measure their devices themselves).
    pub fn insert(&mut self, info: &DeviceInfo, op: Op, model: CostModel) {
        let device = self.devices.entry(identity(info)).or_insert_with(|| DeviceCalibration {
            id: info.id.clone(),
            name: info.name.clone(),
            measured_unix: 0,
            ops: BTreeMap::new(),
        });
        device.ops.insert(op.name().to_string(), model);
    }

    /// The models measured for the device described by `info`.
    pub fn for_device(&self, info: &DeviceInfo) -> Option<&DeviceCalibration> {
        self.devices.get(&identity(info))
    }
}

/// Conservative models for a device that was never calibrated: the CPU at about the speed of
/// one modest core per compute unit, accelerators with a large fixed cost and a throughput
/// only a few times a CPU's, so nothing is sent to a GPU that it is unlikely to win.
pub fn default_model(info: &DeviceInfo, op: Op) -> CostModel {
    let units = f64::from(info.compute_units.max(1));
    // Seconds per element on one CPU core, and the fixed cost of a CPU call.
    let per_core = match op {
        Op::MsmG1 => 3e-6,
        Op::MsmG2 => 9e-6,
        Op::Ntt => 1.5e-7,
        Op::Poseidon | Op::MerkleTree => 4e-6,
        Op::ResidentBases => 0.0,
    };
    match info.kind {
        DeviceKind::Cpu => CostModel::affine(2e-5, per_core / units),
        // An accelerator is assumed as fast as 32 such cores after a 3 ms fixed cost.
        DeviceKind::Cuda | DeviceKind::WebGpu => CostModel::affine(3e-3, per_core / 32.0),
        DeviceKind::Fpga => CostModel::affine(5e-3, per_core / 8.0),
    }
}

/// Sizes (log2) calibrated for `op` on a device of `kind`: small on the CPU (seconds in all
/// on two cores), larger on accelerators where the fixed cost hides small sizes.
pub fn sizes(kind: DeviceKind, op: Op) -> &'static [u32] {
    let cpu = kind == DeviceKind::Cpu;
    match (op, cpu) {
        (Op::MsmG1, true) => &[8, 11, 14],
        (Op::MsmG1, false) => &[10, 14, 18, 20],
        (Op::MsmG2, true) => &[6, 9, 11],
        (Op::MsmG2, false) => &[8, 12, 14],
        (Op::Ntt, true) => &[10, 13, 16],
        (Op::Ntt, false) => &[12, 16, 20],
        (Op::Poseidon, true) | (Op::MerkleTree, true) => &[8, 11, 14],
        (Op::Poseidon, false) | (Op::MerkleTree, false) => &[10, 14, 18],
        (Op::ResidentBases, _) => &[],
    }
}

/// Hears about a calibration's progress.
pub trait CalibrationObserver {
    /// The run has `steps` steps (one per device, op and size).
    fn begin(&self, _steps: u64) {}
    /// Step `what` starts.
    fn step(&self, _what: &str) {}
    /// The step is done.
    fn advance(&self) {}
}

impl CalibrationObserver for () {}

/// Seconds of the fastest of two timed runs after one warm-up; `None` if the device failed.
fn time_op(backend: &dyn Backend, op: Op, n: usize, inputs: &Inputs) -> Option<f64> {
    let run = || -> Result<(), zkaccel_backends::BackendError> {
        match op {
            Op::MsmG1 => backend.msm_g1(&inputs.g1[..n], &inputs.scalars[..n]).map(|_| ()),
            Op::MsmG2 => backend.msm_g2(&inputs.g2[..n], &inputs.scalars[..n]).map(|_| ()),
            Op::Ntt => backend.ntt(&mut inputs.scalars[..n].to_vec(), NttConfig::FORWARD),
            Op::Poseidon => backend.poseidon_hash_batch(&inputs.scalars[..2 * n], 2).map(|_| ()),
            Op::MerkleTree => backend.merkle_tree(&inputs.scalars[..n], MerkleOutput::RootOnly).map(|_| ()),
            Op::ResidentBases => Ok(()),
        }
    };
    if let Err(e) = run() {
        tracing::warn!("calibrating {op} 2^{} on {}: {e}", n.trailing_zeros(), backend.info().id);
        return None;
    }
    let mut best = f64::INFINITY;
    for _ in 0..2 {
        let start = Instant::now();
        run().ok()?;
        best = best.min(start.elapsed().as_secs_f64());
    }
    Some(best)
}

/// Measured (size, seconds) points per op of one device.
type Measured = BTreeMap<Op, Vec<(u64, f64)>>;

struct Inputs {
    g1: Vec<ark_bn254::G1Affine>,
    g2: Vec<ark_bn254::G2Affine>,
    scalars: Vec<Fr>,
}

/// Measures every planned op of each backend at its calibration sizes. A short run: about a
/// second per CPU backend on two cores.
pub fn calibrate(backends: &[Arc<dyn Backend>], observer: &dyn CalibrationObserver) -> Calibration {
    let plan: Vec<(&Arc<dyn Backend>, Op, u32)> = backends
        .iter()
        .flat_map(|b| {
            PLANNED_OPS
                .into_iter()
                .filter(|op| b.info().supports(*op))
                .flat_map(move |op| sizes(b.info().kind, op).iter().map(move |&log| (b, op, log)))
        })
        .filter(|(b, op, log)| b.info().limit(*op).is_some_and(|limit| (1usize << log) <= limit))
        .collect();
    let max_log = |pick: fn(Op) -> bool| plan.iter().filter(|p| pick(p.1)).map(|p| p.2).max().unwrap_or(0);
    let log_g1 = max_log(|op| op == Op::MsmG1);
    let log_g2 = max_log(|op| op == Op::MsmG2);
    let log_fr = max_log(|_| true) + 1;
    let seed = 0xca11_b4a7e;
    let inputs = Inputs {
        g1: if log_g1 > 0 { workload::g1_points(1 << log_g1, seed) } else { Vec::new() },
        g2: if log_g2 > 0 { workload::g2_points(1 << log_g2, seed) } else { Vec::new() },
        scalars: workload::scalars(1 << log_fr, seed),
    };
    observer.begin(plan.len() as u64);
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let mut measured: BTreeMap<String, (DeviceCalibration, Measured)> = BTreeMap::new();
    for (backend, op, log) in plan {
        let info = backend.info();
        observer.step(&format!("{op} 2^{log} on {}", info.id));
        let entry = measured.entry(identity(info)).or_insert_with(|| {
            let device = DeviceCalibration {
                id: info.id.clone(),
                name: info.name.clone(),
                measured_unix: now,
                ops: BTreeMap::new(),
            };
            (device, BTreeMap::new())
        });
        if let Some(seconds) = time_op(backend.as_ref(), op, 1 << log, &inputs) {
            entry.1.entry(op).or_default().push((1 << log, seconds));
        }
        observer.advance();
    }
    let mut calibration = Calibration::default();
    for (key, (mut device, ops)) in measured {
        for (op, points) in ops {
            if let Some(model) = CostModel::from_points(points) {
                device.ops.insert(op.name().to_string(), model);
            }
        }
        calibration.devices.insert(key, device);
    }
    calibration
}

#[cfg(test)]
mod tests {
    use super::*;
    use zkaccel_backends::cpu::{CpuBackend, CpuConfig};

    #[test]
    fn model_interpolates_and_inverts() {
        let model = CostModel::from_points(vec![(1000, 0.002), (100, 0.0011), (10_000, 0.011)]).unwrap();
        // Intercept through the first two points: 0.0011 - 100 * (0.0009 / 900) = 0.001.
        assert!((model.time(1) - 0.001).abs() < 1e-5, "{}", model.time(1));
        assert!((model.time(1000) - 0.002).abs() < 1e-12);
        assert!((model.time(20_000) - 0.021).abs() < 1e-9);
        assert_eq!(model.time(0), 0.0);
        for n in [1u64, 50, 100, 999, 1000, 5000, 10_000, 1 << 20] {
            let t = model.time(n);
            let back = model.units_within(t + 1e-12);
            assert!(back >= n && back <= n + n / 1000 + 1, "n={n} t={t} back={back}");
        }
        assert_eq!(model.units_within(0.0005), 0, "below the fixed cost nothing fits");
    }

    #[test]
    fn cache_round_trip_and_version_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("cal.json");
        assert_eq!(Calibration::load(&path).unwrap(), None);
        let cpu = CpuBackend::with_config(CpuConfig { threads: Some(1), ..CpuConfig::default() }).unwrap();
        let backends: Vec<Arc<dyn Backend>> = vec![Arc::new(cpu)];
        let calibration = calibrate(&backends, &());
        let device = calibration.for_device(backends[0].info()).expect("measured");
        assert!(device.ops.contains_key("msm-g1") && device.ops.contains_key("ntt"), "{device:?}");
        calibration.save(&path).unwrap();
        let loaded = Calibration::load(&path).unwrap().expect("written");
        let (a, b) = (loaded.for_device(backends[0].info()).unwrap(), device);
        assert_eq!(a.ops.keys().collect::<Vec<_>>(), b.ops.keys().collect::<Vec<_>>());
        for (op, model) in &a.ops {
            for (p, q) in model.points().iter().zip(b.ops[op].points()) {
                assert!(p.0 == q.0 && (p.1 - q.1).abs() <= 1e-12 * q.1, "{op}: {p:?} vs {q:?}");
            }
        }
        let mut old = calibration.clone();
        old.zkaccel_version = "0.0.0-old".into();
        std::fs::write(&path, serde_json::to_string(&old).unwrap()).unwrap();
        assert_eq!(Calibration::load(&path).unwrap(), None, "another version's file is not used");
        std::fs::write(&path, "not json").unwrap();
        assert!(Calibration::load(&path).unwrap_err().contains("not a calibration file"));
    }
}
