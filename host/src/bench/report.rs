//! The results of a run as data: what `--json` writes and the table is drawn from.

use serde::{Deserialize, Serialize};

use super::config::BenchConfig;
use super::machine::Machine;
use super::op::BenchOp;
use super::stats::Summary;

/// Version of the JSON layout; bumped on any change of meaning (docs/BENCHMARKING.md lists
/// them). 2 added quartiles, outliers, Groth16 circuits, GPU telemetry and the suite; records
/// of version 1 still read (the new fields take their defaults).
pub const SCHEMA_VERSION: u32 = 2;

/// A whole benchmark run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// [`SCHEMA_VERSION`] of the writer.
    pub schema_version: u32,
    /// The machine the run was on.
    pub machine: Machine,
    /// The settings of the run.
    pub config: ReportConfig,
    /// One entry per (operation, size, backend), in run order.
    pub results: Vec<BenchResult>,
    /// Cases a backend could not run (unsupported operation or size above its limit).
    #[serde(default)]
    pub skipped: Vec<Skipped>,
}

/// The settings of a run, with the backends it used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportConfig {
    /// Operations, sizes, repeats, seed and baseline.
    #[serde(flatten)]
    pub bench: BenchConfig,
    /// Ids of the benchmarked backends.
    pub backends: Vec<String>,
    /// What each benchmarked device is (its name: the CPU model, the GPU and its driver).
    #[serde(default)]
    pub devices: Vec<ReportDevice>,
}

/// One benchmarked device, as the report names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportDevice {
    /// The backend's id ("cpu", "cuda:0", "webgpu:cpu").
    pub id: String,
    /// Its kind ("cpu", "cuda", "webgpu", "fpga").
    pub kind: String,
    /// Its name, e.g. "NVIDIA H100 80GB HBM3 (discrete, Vulkan, NVIDIA 580.xx)".
    pub name: String,
}

impl ReportDevice {
    /// The description of `backend`.
    pub fn of(backend: &dyn zkaccel_backends::Backend) -> Self {
        let info = backend.info();
        ReportDevice { id: info.id.clone(), kind: info.kind.to_string(), name: info.name.clone() }
    }
}

/// The measurements of one operation at one size on one backend.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchResult {
    /// The operation.
    pub op: BenchOp,
    /// log2 of the size.
    pub log_n: u32,
    /// The backend's id.
    pub backend: String,
    /// Every timed run, in order, in nanoseconds.
    pub samples_ns: Vec<u64>,
    /// Median and spread of the samples.
    #[serde(flatten)]
    pub summary: Summary,
    /// Items per second at the median: `2^log_n / median`.
    pub throughput: f64,
    /// What `throughput` counts, e.g. "points/s".
    pub unit: String,
    /// The baseline measured in the same run, if any.
    pub baseline: Option<BaselineResult>,
    /// `baseline median / our median` (above 1: zkaccel is faster); `None` without a baseline.
    pub speedup: Option<f64>,
    /// The checks the result passed, joined by '+', e.g. "baseline+round-trip+evaluation".
    pub verified: String,
    /// Bytes of the inputs (points and scalars, elements, messages or leaves).
    #[serde(default)]
    pub input_bytes: u64,
    /// Most heap bytes one run added at any moment, measured on the first (untimed) warm-up
    /// run by the `zkaccel` binary's counting allocator; `None` where none is installed.
    #[serde(default)]
    pub peak_memory_bytes: Option<u64>,
    /// Indices into `samples_ns` of the outliers (beyond 1.5 IQR of the quartiles; schema 2).
    #[serde(default)]
    pub outliers: Vec<usize>,
    /// Groth16: the circuit's fixture name (`log_n` is then log2 of its domain); schema 2.
    #[serde(default)]
    pub circuit: Option<String>,
    /// NVIDIA GPU clocks, temperature and power right after the timed runs (empty without NVML).
    #[serde(default)]
    pub gpu_telemetry: Vec<super::nvml::GpuSample>,
}

impl BenchResult {
    /// What the case is, for matching across records: "msm 2^16", "groth16 multiplier (2^2)".
    pub fn case(&self) -> String {
        match &self.circuit {
            Some(c) => format!("{} {c} (2^{})", self.op, self.log_n),
            None => format!("{} 2^{}", self.op, self.log_n),
        }
    }
}

/// The baseline's measurements for one operation and size.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BaselineResult {
    /// Which library and call, e.g. "arkworks 0.6 VariableBaseMSM::msm".
    pub name: String,
    /// Every timed run, in nanoseconds.
    pub samples_ns: Vec<u64>,
    /// Median and spread of the samples.
    #[serde(flatten)]
    pub summary: Summary,
    /// Items per second at the median.
    pub throughput: f64,
    /// Most heap bytes one run added at any moment, measured on the first (untimed) warm-up
    /// run by the `zkaccel` binary's counting allocator; `None` where none is installed.
    #[serde(default)]
    pub peak_memory_bytes: Option<u64>,
}

/// A case a backend did not run, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    /// The operation.
    pub op: BenchOp,
    /// log2 of the size.
    pub log_n: u32,
    /// The backend's id.
    pub backend: String,
    /// Why it was not run.
    pub reason: String,
}

impl Report {
    /// The report as pretty-printed JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a report always serialises")
    }

    /// Reads a report written by [`Report::to_json`] (this schema version or an older one).
    pub fn from_json(text: &str) -> serde_json::Result<Report> {
        let report: Report = serde_json::from_str(text)?;
        if report.schema_version > SCHEMA_VERSION {
            use serde::de::Error;
            return Err(serde_json::Error::custom(format!(
                "schema_version {} is newer than this zkaccel reads ({SCHEMA_VERSION})",
                report.schema_version
            )));
        }
        Ok(report)
    }

    /// This report with the baseline's measurements added as results of a backend named
    /// `baseline` (once per case), so that `compare` and `plot` show the peer libraries as one
    /// more series.
    pub fn with_baseline_series(&self) -> Report {
        let mut report = self.clone();
        for r in &self.results {
            let Some(b) = &r.baseline else { continue };
            let seen = report.results.iter().any(|x| x.backend == "baseline" && x.op == r.op && x.log_n == r.log_n);
            if !seen {
                report.results.push(BenchResult {
                    backend: "baseline".into(),
                    samples_ns: b.samples_ns.clone(),
                    summary: b.summary,
                    throughput: b.throughput,
                    baseline: None,
                    speedup: None,
                    verified: format!("is the reference ({})", b.name),
                    peak_memory_bytes: b.peak_memory_bytes,
                    outliers: super::stats::outliers(&b.samples_ns),
                    gpu_telemetry: Vec::new(),
                    ..r.clone()
                });
            }
        }
        report
    }

    /// Reads a report from a file, naming the file in the error.
    pub fn load(path: &std::path::Path) -> anyhow::Result<Report> {
        use anyhow::Context;
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        Report::from_json(&text).with_context(|| format!("{} is not a zkaccel bench record", path.display()))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::bench::stats::throughput;

    pub(crate) fn sample_report() -> Report {
        let samples = vec![1_234_567, 1_200_000, 1_300_001];
        let summary = Summary::of(&samples).unwrap();
        let base = Summary::of(&[2_500_000, 2_600_000]).unwrap();
        Report {
            schema_version: SCHEMA_VERSION,
            machine: Machine::detect(),
            config: ReportConfig {
                bench: BenchConfig::default(),
                backends: vec!["cpu".into()],
                devices: vec![ReportDevice { id: "cpu".into(), kind: "cpu".into(), name: "a CPU".into() }],
            },
            results: vec![
                BenchResult {
                    op: BenchOp::Msm,
                    log_n: 12,
                    backend: "cpu".into(),
                    samples_ns: samples,
                    summary,
                    throughput: throughput(1 << 12, summary.median_ns),
                    unit: "points/s".into(),
                    baseline: Some(BaselineResult {
                        name: "arkworks".into(),
                        samples_ns: vec![2_500_000, 2_600_000],
                        summary: base,
                        throughput: throughput(1 << 12, base.median_ns),
                        peak_memory_bytes: Some(1 << 20),
                    }),
                    speedup: Some(base.median_ns as f64 / summary.median_ns as f64),
                    verified: "baseline".into(),
                    input_bytes: 4096 * 104,
                    peak_memory_bytes: Some(123_456),
                    outliers: vec![],
                    circuit: None,
                    gpu_telemetry: vec![],
                },
                BenchResult {
                    op: BenchOp::Ntt,
                    log_n: 10,
                    backend: "cpu".into(),
                    samples_ns: vec![10],
                    summary: Summary::of(&[10]).unwrap(),
                    throughput: throughput(1 << 10, 10),
                    unit: "elements/s".into(),
                    baseline: None,
                    speedup: None,
                    verified: "round-trip+evaluation".into(),
                    input_bytes: 1024 * 32,
                    peak_memory_bytes: None,
                    outliers: vec![2],
                    circuit: Some("multiplier".into()),
                    gpu_telemetry: vec![crate::bench::nvml::GpuSample {
                        index: 0,
                        sm_clock_mhz: Some(1980),
                        memory_clock_mhz: None,
                        temperature_c: Some(61),
                        power_mw: Some(350_000),
                    }],
                },
            ],
            skipped: vec![Skipped { op: BenchOp::MsmG2, log_n: 10, backend: "webgpu:0".into(), reason: "no".into() }],
        }
    }

    #[test]
    fn json_round_trip() {
        let report = sample_report();
        let json = report.to_json();
        let back = Report::from_json(&json).unwrap();
        assert_eq!(back, report);
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        let first = &value["results"][0];
        for key in ["op", "log_n", "backend", "samples_ns", "median_ns", "min_ns", "max_ns", "throughput", "unit"] {
            assert!(!first[key].is_null(), "results[0].{key} present");
        }
        assert_eq!(first["op"], "msm");
        assert_eq!(first["median_ns"], 1_234_567);
        assert_eq!(first["baseline"]["median_ns"], 2_550_000);
        assert_eq!(value["results"][1]["baseline"], serde_json::Value::Null);
        assert_eq!(value["config"]["seed"], crate::bench::config::DEFAULT_SEED);
        assert_eq!(value["schema_version"], SCHEMA_VERSION);
        assert_eq!(first["q1_ns"], 1_217_284);
        assert_eq!(value["results"][1]["circuit"], "multiplier");
        assert!(value["machine"]["nvidia"].is_object());
    }

    #[test]
    fn baselines_become_one_series() {
        let report = sample_report().with_baseline_series();
        let base: Vec<&BenchResult> = report.results.iter().filter(|r| r.backend == "baseline").collect();
        assert_eq!(base.len(), 1, "only the MSM case had a baseline");
        assert_eq!((base[0].op, base[0].summary.median_ns), (BenchOp::Msm, 2_550_000));
    }

    #[test]
    fn schema_1_records_still_read_and_newer_ones_are_refused() {
        let mut value: serde_json::Value = serde_json::from_str(&sample_report().to_json()).unwrap();
        value["schema_version"] = 1.into();
        for r in value["results"].as_array_mut().unwrap() {
            let r = r.as_object_mut().unwrap();
            for key in ["q1_ns", "q3_ns", "outliers", "circuit", "gpu_telemetry"] {
                r.remove(key);
            }
        }
        value["machine"].as_object_mut().unwrap().remove("nvidia");
        let old = Report::from_json(&value.to_string()).unwrap();
        assert_eq!(old.results[0].summary.band(), (1_200_000, 1_300_001));
        value["schema_version"] = (SCHEMA_VERSION + 1).into();
        assert!(Report::from_json(&value.to_string()).unwrap_err().to_string().contains("newer"));
    }
}
