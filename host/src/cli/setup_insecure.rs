//! `zkaccel setup-insecure CIRCUIT.r1cs CIRCUIT.zkey VERIFICATION_KEY.json`: a Groth16 key for a
//! circom circuit from secrets derived from a seed, for benchmarks and tests of circuits larger
//! than any powers-of-tau file at hand. Anyone who knows the seed can forge proofs.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use clap::Args;
use zkaccel::groth16::format::{read_r1cs, write_zkey_file};
use zkaccel::groth16::insecure_setup::setup_r1cs;
use zkaccel::groth16::proof::to_snarkjs_string;

use super::progress::Phases;
use super::prove::write_atomically;

/// Arguments of `zkaccel setup-insecure`.
#[derive(Debug, Args)]
pub struct SetupInsecureArgs {
    /// The constraint system (`circom --r1cs`).
    pub r1cs: PathBuf,
    /// Where to write the proving key (snarkjs's `.zkey` format).
    pub zkey: PathBuf,
    /// Where to write snarkjs's `verification_key.json`.
    pub verification_key: PathBuf,
    /// Seed the secrets (τ, α, β, γ, δ) are derived from: the same seed gives the same key.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// The warning printed on every run.
pub const WARNING: &str = "warning: setup-insecure derives the key's secrets from --seed: anyone who knows it can \
forge proofs. Use such keys for benchmarks and tests only; real keys come from a ceremony \
(snarkjs groth16 setup + zkey contribute).";

/// Runs `zkaccel setup-insecure`.
pub fn run(args: &SetupInsecureArgs) -> anyhow::Result<()> {
    eprintln!("{WARNING}");
    let started = Instant::now();
    let phases = Phases::new(4);
    phases.step(&format!("reading {}", args.r1cs.display()));
    let r1cs = read_r1cs(&args.r1cs)?;
    let constraints = r1cs.constraints.len();
    phases.step(&format!("making the key ({constraints} constraints, {} wires)", r1cs.n_wires));
    let key = setup_r1cs(&r1cs, args.seed).with_context(|| format!("{}", args.r1cs.display()))?;
    drop(r1cs);
    phases.step(&format!("writing {}", args.zkey.display()));
    write_zkey_file(&key, &args.zkey).with_context(|| format!("writing {}", args.zkey.display()))?;
    phases.step(&format!("writing {}", args.verification_key.display()));
    write_atomically(&args.verification_key, &to_snarkjs_string(&key.verifying_key().to_json()))?;
    phases.finish();
    eprintln!(
        "{}: {constraints} constraints, domain 2^{}, {} public signals, in {:.1} s",
        args.zkey.display(),
        key.domain_size.trailing_zeros(),
        key.n_public,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
