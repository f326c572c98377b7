//! Runs the cases of a [`BenchConfig`] on the backends passed in: generate inputs, measure
//! the baseline, then for each backend warm up, time the repeats and verify the result.

use std::sync::Arc;

use zkaccel_backends::{Backend, BasesHandle, DeviceInfo};

use super::baseline::{self, BaselineKind};
use super::config::BenchConfig;
use super::exec;
use super::groth16::{self, Circuit};
use super::memory;
use super::nvml;
use super::op::BenchOp;
use super::report::{BaselineResult, BenchResult, Skipped};
use super::stats::{self, Summary};
use super::verify::{self, Output};
use super::workload::Workload;
use super::BenchError;

/// Hears about a run's progress (a progress bar, a log). Every method has a no-op default.
pub trait Observer {
    /// The run has `steps` steps: one per baseline measurement and per backend measurement.
    fn begin(&self, _steps: u64) {}
    /// A step starts; `what` describes it, e.g. "msm 2^16 on cpu".
    fn step(&self, _what: &str) {}
    /// The current step is done.
    fn advance(&self) {}
    /// A backend cannot run a case.
    fn skipped(&self, _skipped: &Skipped) {}
    /// The run is over (successfully or not).
    fn finish(&self) {}
}

/// An observer that ignores everything.
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl Observer for Silent {}

/// What a run produced.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Outcome {
    /// One result per case and backend that ran, all verified.
    pub results: Vec<BenchResult>,
    /// Cases a backend could not run.
    pub skipped: Vec<Skipped>,
}

/// Runs every case of `config` on each of `backends`, verifying every result. Stops at the
/// first backend error or wrong result, naming the operation, size and backend.
pub fn run(config: &BenchConfig, backends: &[&dyn Backend], observer: &dyn Observer) -> Result<Outcome, BenchError> {
    config.validate()?;
    if backends.is_empty() {
        return Err(BenchError::Config("no backend to benchmark".into()));
    }
    let cases = config.cases();
    let with_baseline = config.baseline == BaselineKind::Arkworks;
    observer.begin((cases.len() * (backends.len() + usize::from(with_baseline))) as u64);
    let outcome = run_cases(config, &cases, backends, observer);
    observer.finish();
    outcome
}

fn run_cases(
    config: &BenchConfig,
    cases: &[(BenchOp, u32)],
    backends: &[&dyn Backend],
    observer: &dyn Observer,
) -> Result<Outcome, BenchError> {
    let mut outcome = Outcome::default();
    for &(op, log_n) in cases {
        observer.step(&format!("generating {op} 2^{log_n} inputs"));
        let workload = Workload::generate(op, log_n, config.seed);
        tracing::debug!(%op, log_n, "inputs generated");
        let repeats = config.repeats(log_n);
        let baseline = if config.baseline == BaselineKind::Arkworks {
            observer.step(&format!("{op} 2^{log_n} on the baseline"));
            let measured = measure_baseline(op, log_n, &workload, config.warmup, repeats);
            observer.advance();
            Some(measured)
        } else {
            None
        };
        for &backend in backends {
            let id = backend.info().id.clone();
            observer.step(&format!("{op} 2^{log_n} on {id}"));
            if let Some(reason) = unsupported(backend.info(), op, log_n) {
                let skipped = Skipped { op, log_n, backend: id, reason };
                observer.skipped(&skipped);
                outcome.skipped.push(skipped);
            } else {
                let result = run_case(config, op, log_n, &workload, backend, baseline.as_ref())?;
                outcome.results.push(result);
            }
            observer.advance();
        }
    }
    Ok(outcome)
}

/// Like [`run`], then for each circuit of `config` (see [`BenchConfig::circuits`]) runs the
/// `msm-witness` cases (when asked for) and proves it on each backend (when `groth16` is
/// asked for). A circuit whose files are missing is skipped with the reason; a proof that fails
/// or does not verify stops the run.
pub fn run_all(
    config: &BenchConfig,
    backends: &[Arc<dyn Backend>],
    observer: &dyn Observer,
) -> Result<Outcome, BenchError> {
    config.validate()?;
    if backends.is_empty() {
        return Err(BenchError::Config("no backend to benchmark".into()));
    }
    let refs: Vec<&dyn Backend> = backends.iter().map(|b| b.as_ref()).collect();
    let cases = config.cases();
    let circuits = config.circuits();
    let with_baseline = config.baseline == BaselineKind::Arkworks;
    let (prove, witness_msm) = (config.ops.contains(&BenchOp::Groth16), config.ops.contains(&BenchOp::MsmWitness));
    let per_circuit = usize::from(prove) * backends.len()
        + usize::from(witness_msm) * super::witness_msm::steps(config, backends.len());
    observer.begin((cases.len() * (backends.len() + usize::from(with_baseline)) + circuits.len() * per_circuit) as u64);
    let outcome = run_cases(config, &cases, &refs, observer).and_then(|mut outcome| {
        for name in &circuits {
            if witness_msm {
                let dir = groth16::find(config, name);
                super::witness_msm::run_circuit(config, name, dir, &refs, observer, &mut outcome)?;
            }
            if prove {
                prove_circuit(config, name, backends, observer, &mut outcome)?;
            }
        }
        Ok(outcome)
    });
    observer.finish();
    outcome
}

/// Proves circuit `name` on each backend, or skips it with the reason.
fn prove_circuit(
    config: &BenchConfig,
    name: &str,
    backends: &[Arc<dyn Backend>],
    observer: &dyn Observer,
    outcome: &mut Outcome,
) -> Result<(), BenchError> {
    let loaded = groth16::find(config, name).and_then(|dir| Circuit::load(name, &dir));
    for backend in backends {
        let id = backend.info().id.clone();
        observer.step(&format!("groth16 {name} on {id}"));
        let why = match &loaded {
            Err(why) => Some(why.clone()),
            Ok(c) => unsupported(backend.info(), BenchOp::Groth16, c.log_n),
        };
        match (why, &loaded) {
            (None, Ok(circuit)) => outcome.results.push(groth16::run_circuit(config, circuit, backend.clone())?),
            (why, _) => {
                let log_n = loaded.as_ref().map_or(0, |c| c.log_n);
                let reason = format!("{name}: {}", why.unwrap_or_default());
                let skipped = Skipped { op: BenchOp::Groth16, log_n, backend: id, reason };
                observer.skipped(&skipped);
                outcome.skipped.push(skipped);
            }
        }
        observer.advance();
    }
    Ok(())
}

/// Why `info`'s device cannot run `op` at 2^`log_n`, if it cannot.
pub fn unsupported(info: &DeviceInfo, op: BenchOp, log_n: u32) -> Option<String> {
    match info.limit(op.backend_op()) {
        None => Some(format!("{} does not support {op}", info.id)),
        Some(limit) if (1usize << log_n) > limit => Some(format!("2^{log_n} is above {}'s limit of {limit}", info.id)),
        Some(_) => None,
    }
}

/// The baseline's measurements and its output (kept to verify the backends against).
#[derive(Debug, Clone)]
pub struct MeasuredBaseline {
    /// Timings as they go into the report.
    pub result: BaselineResult,
    /// What the baseline computed.
    pub output: Output,
}

/// Times the baseline on `workload`: `warmup` untimed runs, then `repeats` timed ones.
pub fn measure_baseline(
    op: BenchOp,
    log_n: u32,
    workload: &Workload,
    warmup: usize,
    repeats: usize,
) -> MeasuredBaseline {
    // The first warm-up (or, without warm-up, one extra untimed run) measures peak memory.
    let (_, peak_memory_bytes) = memory::peak_extra(|| exec::on_baseline(workload));
    for _ in 1..warmup {
        exec::on_baseline(workload);
    }
    let mut samples_ns = Vec::with_capacity(repeats);
    let mut output = None;
    for _ in 0..repeats.max(1) {
        let (ns, out) = exec::on_baseline(workload);
        samples_ns.push(ns);
        output.get_or_insert(out);
    }
    let summary = Summary::of(&samples_ns).expect("at least one sample");
    let result = BaselineResult {
        name: baseline::name(op).to_string(),
        throughput: stats::throughput(op.items(log_n), summary.median_ns),
        samples_ns,
        summary,
        peak_memory_bytes,
    };
    MeasuredBaseline { result, output: output.expect("at least one run") }
}

/// Times `backend` on one case and verifies its result (every repeat must agree, and the
/// result must pass [`verify::verify`]).
pub fn run_case(
    config: &BenchConfig,
    op: BenchOp,
    log_n: u32,
    workload: &Workload,
    backend: &dyn Backend,
    baseline: Option<&MeasuredBaseline>,
) -> Result<BenchResult, BenchError> {
    let id = backend.info().id.clone();
    let backend_error = |error| BenchError::Backend { op, log_n, backend: id.clone(), error };
    let mismatch = |detail: String| BenchError::Mismatch { op, log_n, backend: id.clone(), detail };
    let resident = match workload {
        Workload::Msm { bases, .. } if config.resident_bases => {
            let handle = backend.load_bases_g1(Arc::from(bases.as_slice())).map_err(backend_error)?;
            Some(LoadedBases { backend, handle })
        }
        _ => None,
    };
    let handle = resident.as_ref().map(|r| &r.handle);
    // The first warm-up (or, without warm-up, one extra untimed run) measures peak memory, so
    // the allocator's counters never run during a timed call.
    let (measured, peak_memory_bytes) = memory::peak_extra(|| exec::on_backend_with(workload, backend, handle));
    measured.map_err(backend_error)?;
    for _ in 1..config.warmup {
        exec::on_backend_with(workload, backend, handle).map_err(backend_error)?;
    }
    let repeats = config.repeats(log_n);
    let mut samples_ns = Vec::with_capacity(repeats);
    let mut first: Option<Output> = None;
    for repeat in 1..=repeats {
        let (ns, output) = exec::on_backend_with(workload, backend, handle).map_err(backend_error)?;
        samples_ns.push(ns);
        match &first {
            None => first = Some(output),
            Some(expected) if *expected != output => {
                return Err(mismatch(format!("timed run {repeat} gave a different result from run 1")));
            }
            Some(_) => {}
        }
    }
    let output = first.expect("at least one repeat");
    let verified = verify::verify(workload, &output, baseline.map(|b| &b.output), backend, config.seed)
        .map_err(|e| mismatch(e.to_string()))?;
    tracing::debug!(%op, log_n, backend = %id, %verified, "verified");
    let gpu_telemetry = nvml::sample();
    let summary = Summary::of(&samples_ns).expect("at least one sample");
    Ok(BenchResult {
        op,
        log_n,
        backend: id,
        throughput: stats::throughput(op.items(log_n), summary.median_ns),
        outliers: stats::outliers(&samples_ns),
        circuit: None,
        gpu_telemetry,
        unit: op.unit().per_second().to_string(),
        speedup: baseline.map(|b| stats::speedup(b.result.summary.median_ns, summary.median_ns)),
        baseline: baseline.map(|b| b.result.clone()),
        samples_ns,
        summary,
        verified,
        input_bytes: workload.input_bytes(),
        peak_memory_bytes,
    })
}

/// Bases loaded into a backend for the timed runs; unloaded when dropped, also on error.
struct LoadedBases<'a> {
    backend: &'a dyn Backend,
    handle: BasesHandle,
}

impl Drop for LoadedBases<'_> {
    fn drop(&mut self) {
        if let Err(e) = self.backend.unload_bases(self.handle) {
            tracing::warn!("unloading benchmark bases from {}: {e}", self.backend.info().id);
        }
    }
}
