//! `zkaccel verify VERIFICATION_KEY.json PUBLIC.json PROOF.json`: snarkjs's arguments.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use zkaccel::groth16::{decimal, Proof, Verifier, VerifyingKey};

/// Arguments of `zkaccel verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The verification key (`snarkjs zkey export verificationkey`).
    pub verification_key: PathBuf,
    /// The public signals (public.json).
    pub public: PathBuf,
    /// The proof (proof.json).
    pub proof: PathBuf,
}

fn read_json(path: &Path) -> anyhow::Result<serde_json::Value> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not valid JSON", path.display()))
}

/// Runs `zkaccel verify`: exit 0 and "OK" for a valid proof, exit 1 for an invalid one.
pub fn run(args: &VerifyArgs) -> anyhow::Result<ExitCode> {
    let name = |p: &Path| p.display().to_string();
    let key = VerifyingKey::from_json(&read_json(&args.verification_key)?, &name(&args.verification_key))?;
    let public = decimal::signals_from_json(&read_json(&args.public)?, &name(&args.public))?;
    let proof = Proof::from_json(&read_json(&args.proof)?, &name(&args.proof))?;
    if Verifier::new(key).verify(&proof, &public)? {
        println!("OK: the proof is valid");
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("INVALID: the proof does not verify with these public signals and this key");
        Ok(ExitCode::FAILURE)
    }
}
