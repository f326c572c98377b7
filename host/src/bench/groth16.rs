//! Groth16 proofs of the bundled circom circuits, timed like the other cases and verified
//! twice: the prover pairing-checks every proof (a device proof that fails is a failed run
//! here, not a CPU recomputation), and each proof is checked again with a [`Verifier`] built
//! from the fixture's own snarkjs `verification_key.json`.
//!
//! A circuit is a folder with `circuit.zkey`, `witness.wtns` and `verification_key.json`
//! (the layout of `host/tests/fixtures/groth16/` and of `scripts/groth16-fixtures.sh`'s output).
//! Folders are looked up in, first to last: the `--groth16-fixtures` folder, `$ZKACCEL_GROTH16_FIXTURES`,
//! the source tree's `host/tests/fixtures/groth16` and `target/groth16-fixtures`. A circuit
//! found in none of them is reported as skipped with the folders searched.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use ark_bn254::Fr;
use zkaccel_backends::Backend;

use super::config::BenchConfig;
use super::memory;
use super::nvml;
use super::op::BenchOp;
use super::report::BenchResult;
use super::stats::{self, Summary};
use super::BenchError;
use crate::groth16::format::{read_wtns, read_zkey, ZkeyOptions};
use crate::groth16::{Prover, Verifier, VerifyingKey};

/// Environment variable naming a folder of circuit folders.
pub const FIXTURES_ENV: &str = "ZKACCEL_GROTH16_FIXTURES";

/// The folders searched for circuit `name`'s folder, in order.
pub fn search_path(config: &BenchConfig) -> Vec<PathBuf> {
    let source = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut dirs = Vec::new();
    dirs.extend(config.groth16_fixtures.clone());
    dirs.extend(std::env::var_os(FIXTURES_ENV).map(PathBuf::from));
    dirs.push(source.join("tests/fixtures/groth16"));
    dirs.push(source.join("../target/groth16-fixtures"));
    dirs
}

/// The folder of circuit `name`, or why there is none.
pub fn find(config: &BenchConfig, name: &str) -> Result<PathBuf, String> {
    let dirs = search_path(config);
    dirs.iter().map(|d| d.join(name)).find(|d| d.join("circuit.zkey").is_file()).ok_or_else(|| {
        let searched: Vec<String> = dirs.iter().map(|d| d.display().to_string()).collect();
        format!("no {name}/circuit.zkey in {} (see scripts/groth16-fixtures.sh)", searched.join(", "))
    })
}

/// A circuit's files, read once and shared by the backends.
pub struct Circuit {
    /// The fixture name.
    pub name: String,
    /// Its folder.
    pub dir: PathBuf,
    /// The witness.
    pub witness: Vec<Fr>,
    /// snarkjs's verifying key for it.
    pub verifier: Verifier,
    /// log2 of the key's domain size.
    pub log_n: u32,
    /// Size of the `.zkey` file.
    pub zkey_bytes: u64,
}

impl Circuit {
    /// Reads the witness and verification key in `dir` and the key's domain size.
    pub fn load(name: &str, dir: &Path) -> Result<Circuit, String> {
        let witness = read_wtns(&dir.join("witness.wtns")).map_err(|e| e.to_string())?;
        let vk_path = dir.join("verification_key.json");
        let vk_text = std::fs::read_to_string(&vk_path).map_err(|e| format!("{}: {e}", vk_path.display()))?;
        let vk_json: serde_json::Value =
            serde_json::from_str(&vk_text).map_err(|e| format!("{}: {e}", vk_path.display()))?;
        let vk = VerifyingKey::from_json(&vk_json, "verification_key.json").map_err(|e| e.to_string())?;
        let zkey = dir.join("circuit.zkey");
        let zkey_bytes = std::fs::metadata(&zkey).map_err(|e| format!("{}: {e}", zkey.display()))?.len();
        let key = read_zkey(&zkey, &ZkeyOptions::default()).map_err(|e| e.to_string())?;
        Ok(Circuit {
            name: name.to_string(),
            dir: dir.to_path_buf(),
            witness,
            verifier: Verifier::new(vk),
            log_n: key.domain_size.trailing_zeros(),
            zkey_bytes,
        })
    }
}

/// Proves `circuit` on `backend`: load the key (untimed), `config.warmup` untimed proofs (the
/// first measures peak heap), then the timed ones; every proof must verify without a CPU
/// recomputation and against snarkjs's verifying key.
pub fn run_circuit(
    config: &BenchConfig,
    circuit: &Circuit,
    backend: Arc<dyn Backend>,
) -> Result<BenchResult, BenchError> {
    let id = backend.info().id.clone();
    let fail = |detail: String| BenchError::Groth16 { circuit: circuit.name.clone(), backend: id.clone(), detail };
    let key = read_zkey(&circuit.dir.join("circuit.zkey"), &ZkeyOptions::default()).map_err(|e| fail(e.to_string()))?;
    let n_public = key.n_public;
    let prover = Prover::new(key, backend).map_err(|e| fail(e.to_string()))?;
    let prove = || -> Result<u64, BenchError> {
        let start = Instant::now();
        let out = prover.prove(&circuit.witness).map_err(|e| fail(e.to_string()))?;
        let ns = u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX);
        if out.recomputed_on_cpu {
            return Err(fail("the device's proof failed its pairing check (recomputed on the CPU)".into()));
        }
        if out.public.as_slice() != &circuit.witness[1..=n_public] {
            return Err(fail("public signals differ from the witness".into()));
        }
        match circuit.verifier.verify(&out.proof, &out.public) {
            Ok(true) => Ok(ns),
            Ok(false) => Err(fail("snarkjs's verification key rejects the proof".into())),
            Err(e) => Err(fail(format!("verifying: {e}"))),
        }
    };
    let (first, peak_memory_bytes) = memory::peak_extra(prove);
    first?;
    for _ in 1..config.warmup {
        prove()?;
    }
    let repeats = config.repeats(circuit.log_n);
    let samples_ns = (0..repeats).map(|_| prove()).collect::<Result<Vec<u64>, _>>()?;
    let gpu_telemetry = nvml::sample();
    let summary = Summary::of(&samples_ns).expect("at least one sample");
    Ok(BenchResult {
        op: BenchOp::Groth16,
        log_n: circuit.log_n,
        backend: id,
        throughput: stats::throughput(1, summary.median_ns),
        unit: BenchOp::Groth16.unit().per_second().to_string(),
        baseline: None,
        speedup: None,
        outliers: stats::outliers(&samples_ns),
        samples_ns,
        summary,
        verified: "pairing+snarkjs-vk".into(),
        input_bytes: circuit.zkey_bytes,
        peak_memory_bytes,
        circuit: Some(circuit.name.clone()),
        gpu_telemetry,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use zkaccel_backends::cpu::CpuBackend;

    #[test]
    fn proves_a_bundled_circuit_and_skips_a_missing_one() {
        let config = BenchConfig { repeat: Some(2), warmup: 1, ..BenchConfig::default() };
        let dir = find(&config, "multiplier").unwrap();
        let circuit = Circuit::load("multiplier", &dir).unwrap();
        let result = run_circuit(&config, &circuit, Arc::new(CpuBackend::new())).unwrap();
        assert_eq!((result.op, result.samples_ns.len(), result.unit.as_str()), (BenchOp::Groth16, 2, "proofs/s"));
        assert_eq!(result.circuit.as_deref(), Some("multiplier"));
        let missing = find(&config, "no_such_circuit").unwrap_err();
        assert!(missing.contains("no_such_circuit/circuit.zkey") && missing.contains("groth16-fixtures"), "{missing}");
    }
}
