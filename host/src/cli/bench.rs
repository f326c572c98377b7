//! `zkaccel bench`: time backends against the baselines, verify, print a table and JSON.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::Args;
use zkaccel::bench::config::DEFAULT_SEED;
use zkaccel::bench::machine::Machine;
use zkaccel::bench::report::{Report, ReportConfig, ReportDevice, SCHEMA_VERSION};
use zkaccel::bench::{runner, table, BaselineKind, BenchConfig, BenchOp};
use zkaccel::registry::{DeviceSelection, Registry};
use zkaccel_backends::Backend;

use super::progress::Bar;

/// Arguments of `zkaccel bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Operations, comma-separated: msm, msm-g2, ntt, poseidon, merkle.
    #[arg(long = "op", value_delimiter = ',', default_value = "msm,ntt,poseidon", env = "ZKACCEL_BENCH_OPS")]
    pub ops: Vec<BenchOp>,

    /// Sizes as log2, comma-separated, for every operation (default: per operation, e.g. 16,18,20 for MSM).
    #[arg(long = "log-n", value_delimiter = ',', env = "ZKACCEL_BENCH_LOG_N")]
    pub log_n: Vec<u32>,

    /// Devices to benchmark, comma-separated ids (`cpu`, `cuda:0`, ...) or `all` (`--devices` is the same flag).
    #[arg(long, visible_alias = "devices", default_value = "cpu", env = "ZKACCEL_BACKEND")]
    pub backend: DeviceSelection,

    /// Also run every case through the scheduler over the selected devices (beside each device
    /// alone), and print each device's share, busy time and counters per case.
    #[arg(long)]
    pub scheduler: bool,

    /// What to compare against: `arkworks` (arkworks MSM, ark-poly NTT, light-poseidon) or `none`.
    #[arg(long, default_value = "arkworks", env = "ZKACCEL_BASELINE")]
    pub baseline: BaselineKind,

    /// Timed runs per case (default: 5 up to 2^16, 3 up to 2^18, 2 above; 3 with --quick).
    #[arg(long)]
    pub repeat: Option<usize>,

    /// Untimed warm-up runs per case.
    #[arg(long, default_value_t = 1)]
    pub warmup: usize,

    /// Seed of the generated inputs (same seed, same inputs on every machine).
    #[arg(long, default_value_t = DEFAULT_SEED, env = "ZKACCEL_SEED")]
    pub seed: u64,

    /// Small preset (MSM 2^12 & 2^14, NTT 2^14 & 2^16, Poseidon 2^14) that finishes in well under a minute.
    #[arg(long)]
    pub quick: bool,

    /// MSM: load the bases into each backend once (untimed) and time MSMs over the resident
    /// copy, as a prover with a loaded proving key does; GPU targets are quoted this way.
    #[arg(long)]
    pub resident_bases: bool,

    /// Also write the results as JSON to this file (`-` prints JSON instead of the table).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
}

impl BenchArgs {
    /// The run's settings.
    pub fn config(&self) -> BenchConfig {
        BenchConfig {
            ops: self.ops.clone(),
            log_n: self.log_n.clone(),
            repeat: self.repeat,
            warmup: self.warmup,
            seed: self.seed,
            baseline: self.baseline,
            quick: self.quick,
            resident_bases: self.resident_bases,
        }
    }
}

/// The backends `selection` names, failing with the reason when one is absent.
pub(super) fn backends(selection: &DeviceSelection) -> anyhow::Result<Vec<Arc<dyn Backend>>> {
    let registry = Registry::detect(selection)?;
    if *selection == DeviceSelection::All {
        return Ok(registry.backends());
    }
    let ids: Vec<String> = registry.entries().iter().map(|e| e.id.clone()).collect();
    ids.iter().map(|id| registry.require(id).map_err(Into::into)).collect()
}

/// Runs the benchmark and prints the results.
pub fn run(args: &BenchArgs) -> anyhow::Result<()> {
    if args.scheduler {
        return super::bench_scheduler::run(args);
    }
    let config = args.config();
    let backends = backends(&args.backend)?;
    let refs: Vec<&dyn Backend> = backends.iter().map(|b| b.as_ref()).collect();
    tracing::info!(?config, backends = ?refs.iter().map(|b| &b.info().id).collect::<Vec<_>>(), "starting");
    let outcome = runner::run(&config, &refs, &Bar::new())?;
    let report = Report {
        schema_version: SCHEMA_VERSION,
        machine: Machine::detect(),
        config: ReportConfig {
            bench: config,
            backends: refs.iter().map(|b| b.info().id.clone()).collect(),
            devices: refs.iter().map(|b| ReportDevice::of(*b)).collect(),
        },
        results: outcome.results,
        skipped: outcome.skipped,
    };
    match &args.json {
        Some(path) if path.as_os_str() == "-" => println!("{}", report.to_json()),
        Some(path) => {
            std::fs::write(path, report.to_json()).with_context(|| format!("writing {}", path.display()))?;
            print!("{}{}", table::devices(&report.config.devices), table::render(&report.results, &report.skipped));
        }
        None => print!("{}{}", table::devices(&report.config.devices), table::render(&report.results, &report.skipped)),
    }
    Ok(())
}
