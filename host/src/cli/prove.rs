//! `zkaccel prove CIRCUIT.zkey WITNESS.wtns PROOF.json PUBLIC.json`: rapidsnark's arguments,
//! snarkjs's output files.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Args;
use zkaccel::groth16::format::{read_r1cs, read_wtns, read_zkey, ZkeyOptions};
use zkaccel::groth16::proof::to_snarkjs_string;
use zkaccel::groth16::{decimal, ProofOutput, Prover};
use zkaccel::registry::{DeviceSelection, Registry};
use zkaccel::scheduler::{Scheduler, SchedulerConfig};

use super::progress::Phases;

/// Arguments of `zkaccel prove`.
#[derive(Debug, Args)]
pub struct ProveArgs {
    /// The proving key, from `snarkjs groth16 setup` / `zkey contribute`.
    pub zkey: PathBuf,
    /// The witness, from circom's witness calculator or `snarkjs wtns calculate`.
    pub witness: PathBuf,
    /// Where to write the proof (snarkjs's proof.json).
    pub proof: PathBuf,
    /// Where to write the public signals (snarkjs's public.json).
    pub public: PathBuf,

    /// Devices to prove on, comma-separated ids (`cpu`, `cuda:0`, ...) or `all` (every
    /// hardware device found; the host scheduler splits the work among them).
    #[arg(long, default_value = "all", env = "ZKACCEL_DEVICES")]
    pub devices: DeviceSelection,

    /// Check first that the witness satisfies every constraint of this .r1cs (names the first
    /// constraint that fails).
    #[arg(long, value_name = "CIRCUIT.r1cs")]
    pub check_witness: Option<PathBuf>,
}

/// Wall time of each step of the command, for `-v`.
#[derive(Debug, Default)]
struct StepTimes {
    load: Duration,
    witness: Duration,
    check: Option<Duration>,
    setup: Duration,
    write: Duration,
}

/// Runs `zkaccel prove`; `verbose` ≥ 1 prints the per-phase timings and the peak heap on stderr.
pub fn run(args: &ProveArgs, verbose: u8) -> anyhow::Result<()> {
    if verbose == 0 {
        return prove(args, false);
    }
    let (result, peak) = zkaccel::bench::heap::measure(|| prove(args, true));
    if let Some(peak) = peak {
        let zkey = std::fs::metadata(&args.zkey).map(|m| m.len()).unwrap_or(0).max(1);
        let mib = |bytes: u64| bytes as f64 / (1u64 << 20) as f64;
        eprintln!(
            "  peak heap {:>9.1} MiB  {:.2}× the zkey ({:.1} MiB)",
            mib(peak),
            peak as f64 / zkey as f64,
            mib(zkey)
        );
    }
    result
}

fn prove(args: &ProveArgs, verbose: bool) -> anyhow::Result<()> {
    let started = Instant::now();
    let phases = Phases::new(6);
    let mut steps = StepTimes::default();

    phases.step(&format!("loading {}", args.zkey.display()));
    let t = Instant::now();
    let key = read_zkey(&args.zkey, &ZkeyOptions::default())?;
    steps.load = t.elapsed();

    phases.step("reading the witness");
    let t = Instant::now();
    let witness = read_wtns(&args.witness)?;
    steps.witness = t.elapsed();

    if let Some(r1cs_path) = &args.check_witness {
        phases.step("checking the witness against the constraints");
        let t = Instant::now();
        let r1cs = read_r1cs(r1cs_path)?;
        r1cs.check_witness(&witness)
            .with_context(|| format!("{} with {}", args.witness.display(), r1cs_path.display()))?;
        steps.check = Some(t.elapsed());
    }

    phases.step("loading the key's bases onto the devices");
    let t = Instant::now();
    let scheduler = scheduler(&args.devices)?;
    let prover = Prover::new(key, scheduler.clone())?.with_fault_reporter(scheduler.clone());
    steps.setup = t.elapsed();

    phases.step("proving");
    let out = prover.prove(&witness)?;

    phases.step("writing the proof");
    let t = Instant::now();
    write_atomically(&args.proof, &to_snarkjs_string(&out.proof.to_json()))?;
    write_atomically(&args.public, &to_snarkjs_string(&decimal::signals_to_json(&out.public)))?;
    steps.write = t.elapsed();
    phases.finish();

    if out.recomputed_on_cpu {
        eprintln!("warning: a device's part of the proof failed; the proof was recomputed on the CPU");
    }
    if verbose {
        let devices = scheduler.device_ids().join(", ");
        print_timings(&steps, &out, started.elapsed(), &devices);
    }
    Ok(())
}

/// The scheduler over the selected devices (config file and `--devices`), which the prover
/// runs on and reports faults to.
fn scheduler(selection: &DeviceSelection) -> anyhow::Result<Arc<Scheduler>> {
    let mut config = SchedulerConfig::load()?;
    config.devices = Some(selection.clone());
    let registry = Registry::detect(selection)?;
    if *selection != DeviceSelection::All {
        for entry in registry.entries() {
            registry.require(&entry.id)?;
        }
    }
    Ok(Arc::new(Scheduler::from_registry(&registry, config)?))
}

/// Writes `text` to a temporary file beside `path`, then renames it over `path`: a crash never
/// leaves a half-written proof.
pub(super) fn write_atomically(path: &Path, text: &str) -> anyhow::Result<()> {
    let mut temp = zkaccel::atomic_file::temp_beside(path)
        .with_context(|| format!("creating a file beside {}", path.display()))?;
    std::io::Write::write_all(&mut temp, text.as_bytes()).with_context(|| format!("writing {}", path.display()))?;
    temp.persist(path).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

fn print_timings(steps: &StepTimes, out: &ProofOutput, total: Duration, device: &str) {
    let ms = |d: Duration| format!("{:>9.1} ms", d.as_secs_f64() * 1e3);
    let t = &out.timings;
    eprintln!("proof on {device}");
    eprintln!("  load      {}  zkey read and validated", ms(steps.load));
    eprintln!("  witness   {}  .wtns read", ms(steps.witness));
    if let Some(check) = steps.check {
        eprintln!("  check     {}  witness satisfies the .r1cs", ms(check));
    }
    eprintln!("  setup     {}  bases made resident, A/B rows built", ms(steps.setup));
    eprintln!("  ntt       {}  A·w, B·w and H on the odd coset (6 NTTs)", ms(t.quotient));
    eprintln!("  msm A     {}", ms(t.msm_a));
    eprintln!("  msm B1    {}", ms(t.msm_b1));
    eprintln!("  msm B2    {}  G2 (on the CPU: concurrently with G1 work on an accelerator)", ms(t.msm_b2));
    eprintln!("  msm C     {}", ms(t.msm_c));
    eprintln!("  msm H     {}", ms(t.msm_h));
    eprintln!("  verify    {}  pairing check", ms(t.verify));
    eprintln!("  prove     {}  the proof, verification included", ms(t.total));
    eprintln!("  write     {}", ms(steps.write));
    eprintln!("  total     {}", ms(total));
}
