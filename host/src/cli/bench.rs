//! `zkaccel bench`: time backends against the baselines, verify, print a table and JSON.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::{Args, Subcommand};
use zkaccel::bench::config::DEFAULT_SEED;
use zkaccel::bench::machine::Machine;
use zkaccel::bench::report::{Report, ReportConfig, ReportDevice, SCHEMA_VERSION};
use zkaccel::bench::{compare, csv, plot, runner, table, BaselineKind, BenchConfig, BenchOp, Suite};
use zkaccel::registry::{DeviceSelection, Registry};
use zkaccel_backends::Backend;

use super::progress::Bar;

/// Arguments of `zkaccel bench`: a run (the flags), or `compare` / `plot` / `csv` of records.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct BenchArgs {
    /// Work on recorded JSON instead of running.
    #[command(subcommand)]
    pub command: Option<BenchCommand>,

    /// A named suite (quick, standard, full): fixed ops, sizes, repeats and Groth16 circuits,
    /// the same on every machine (see docs/BENCHMARKING.md).
    #[arg(long, conflicts_with_all = ["ops", "log_n", "quick"])]
    pub suite: Option<Suite>,

    /// Operations, comma-separated: msm, msm-key (proving-key-like inputs), msm-witness (a
    /// circuit's A query with its witness, and with random scalars), msm-g2, ntt, poseidon,
    /// merkle, groth16 (the circuits' proofs).
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

    /// Untimed warm-up runs per case (default: 1, or the suite's).
    #[arg(long)]
    pub warmup: Option<usize>,

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

    /// Also write the results as CSV to this file (one row per backend and case).
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,

    /// Folder of Groth16 circuit folders (circuit.zkey, witness.wtns, verification_key.json),
    /// searched before $ZKACCEL_GROTH16_FIXTURES and the source tree's fixtures.
    #[arg(long, value_name = "DIR")]
    pub groth16_fixtures: Option<PathBuf>,

    /// Circuits for groth16 and msm-witness, comma-separated fixture folder names (default: the
    /// suite's, or the bundled ones), e.g. `sha256_2p20` from scripts/gpu-run.sh.
    #[arg(long = "circuit", value_delimiter = ',', value_name = "NAME")]
    pub circuits: Vec<String>,
}

/// `zkaccel bench compare|plot|csv`: work on records written by `--json`.
#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// A table of ratios per case across records (machines, backends, releases); `?` marks
    /// ratios whose interquartile ranges overlap.
    Compare(RecordsArgs),
    /// Time and throughput against size on log axes, one line per record and backend (SVG or PNG).
    Plot(PlotArgs),
    /// The records as CSV on stdout (or -o FILE).
    Csv(CsvArgs),
}

/// Records to read.
#[derive(Debug, Args)]
pub struct RecordsArgs {
    /// JSON records written by `zkaccel bench --json`; each is labelled by its file name.
    #[arg(required = true, value_name = "RECORD.json")]
    pub records: Vec<PathBuf>,

    /// Also show each record's baseline (arkworks, ark-poly, light-poseidon, measured in the
    /// same run) as a series `FILE:baseline`.
    #[arg(long)]
    pub baselines: bool,
}

/// Arguments of `zkaccel bench plot`.
#[derive(Debug, Args)]
pub struct PlotArgs {
    /// The records.
    #[command(flatten)]
    pub records: RecordsArgs,
    /// The image to write: `.svg` or `.png`.
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
}

/// Arguments of `zkaccel bench csv`.
#[derive(Debug, Args)]
pub struct CsvArgs {
    /// The records.
    #[command(flatten)]
    pub records: RecordsArgs,
    /// Write here instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

impl RecordsArgs {
    /// The records, read, with their labels (file names without `.json`).
    pub fn load(&self) -> anyhow::Result<(Vec<Report>, Vec<String>)> {
        let mut reports = self.records.iter().map(|p| Report::load(p)).collect::<anyhow::Result<Vec<_>>>()?;
        if self.baselines {
            reports = reports.iter().map(Report::with_baseline_series).collect();
        }
        let labels = self
            .records
            .iter()
            .map(|p| p.file_stem().map_or_else(|| p.display().to_string(), |s| s.to_string_lossy().into_owned()))
            .collect();
        Ok((reports, labels))
    }
}

/// Runs `zkaccel bench compare|plot|csv`.
pub fn run_command(command: &BenchCommand) -> anyhow::Result<()> {
    match command {
        BenchCommand::Compare(args) => {
            let (reports, labels) = args.load()?;
            let series = compare::series(&reports, &labels);
            print!("{}", compare::render(&series, &compare::compare(&series)));
        }
        BenchCommand::Plot(args) => {
            let (reports, labels) = args.records.load()?;
            let series = compare::series(&reports, &labels);
            let (w, h) = plot::draw(&series, &args.output)?;
            eprintln!("wrote {} ({w}×{h}, {} series)", args.output.display(), series.len());
        }
        BenchCommand::Csv(args) => {
            let (reports, _) = args.records.load()?;
            let text = csv::render(&reports.iter().collect::<Vec<_>>());
            match &args.output {
                Some(path) => std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?,
                None => print!("{text}"),
            }
        }
    }
    Ok(())
}

impl BenchArgs {
    /// The run's settings.
    pub fn config(&self) -> BenchConfig {
        BenchConfig {
            // A suite records the operations it runs, not the --op default.
            ops: self.suite.map_or_else(|| self.ops.clone(), Suite::ops),
            log_n: self.log_n.clone(),
            repeat: self.repeat,
            warmup: self.warmup.unwrap_or_else(|| self.suite.map_or(1, Suite::warmup)),
            seed: self.seed,
            baseline: self.baseline,
            quick: self.quick,
            resident_bases: self.resident_bases,
            suite: self.suite,
            groth16_fixtures: self.groth16_fixtures.clone(),
            circuits: self.circuits.clone(),
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
    if let Some(command) = &args.command {
        return run_command(command);
    }
    if args.scheduler {
        return super::bench_scheduler::run(args);
    }
    let config = args.config();
    let backends = backends(&args.backend)?;
    let refs: Vec<&dyn Backend> = backends.iter().map(|b| b.as_ref()).collect();
    tracing::info!(?config, backends = ?refs.iter().map(|b| &b.info().id).collect::<Vec<_>>(), "starting");
    let outcome = runner::run_all(&config, &backends, &Bar::new())?;
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
    if let Some(path) = &args.csv {
        std::fs::write(path, csv::render(&[&report])).with_context(|| format!("writing {}", path.display()))?;
    }
    match &args.json {
        Some(path) if path.as_os_str() == "-" => println!("{}", report.to_json()),
        Some(path) => {
            std::fs::write(path, report.to_json()).with_context(|| format!("writing {}", path.display()))?;
            print!("{}{}", table::devices(&report.config.devices), table::render(&report.results, &report.skipped));
        }
        None => print!("{}{}", table::devices(&report.config.devices), table::render(&report.results, &report.skipped)),
    }
    if refs.iter().any(|b| b.info().id == "fpga:sim") {
        let projections = super::bench_fpga::projections(&report.config.bench)?;
        match &args.json {
            Some(path) if path.as_os_str() == "-" => eprint!("{projections}"),
            _ => print!("{projections}"),
        }
    }
    Ok(())
}
