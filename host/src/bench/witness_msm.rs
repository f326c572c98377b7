//! `msm-witness`: the MSM a Groth16 prover runs over a real key's A query with its circuit's
//! real witness (mostly zeros and ones, many identity bases), beside an MSM over the same bases
//! with uniformly random scalars, in the same run. The pair shows whether an MSM is slower on
//! real inputs than on the random ones benchmarks usually quote.
//!
//! Both cases take the whole query, identity points included, as the key stores it. Results
//! carry the circuit name with a suffix: `NAME (witness)` and `NAME (random)`; `log_n` is
//! log2 of the query length rounded up, and the throughput counts the actual length.

use std::path::Path;

use zkaccel_backends::Backend;

use super::config::BenchConfig;
use super::op::BenchOp;
use super::report::{BenchResult, Skipped};
use super::runner::{measure_baseline, run_case, unsupported, Observer, Outcome};
use super::stats;
use super::workload::{self, Workload};
use super::BaselineKind;
use super::BenchError;
use crate::groth16::format::{check_witness_length, read_wtns, read_zkey, ZkeyOptions};

/// The two cases of one circuit: its name with the scalar kind, and the inputs.
pub struct WitnessCases {
    /// log2 of the query length, rounded up.
    pub log_n: u32,
    /// The query length (points per MSM).
    pub points: usize,
    /// `(label, inputs)`: "NAME (witness)" then "NAME (random)".
    pub cases: Vec<(String, Workload)>,
}

/// Reads circuit `name`'s key and witness from `dir` and builds its two cases; the random
/// scalars come from `seed`.
pub fn load(name: &str, dir: &Path, seed: u64) -> Result<WitnessCases, String> {
    let key = read_zkey(&dir.join("circuit.zkey"), &ZkeyOptions::default()).map_err(|e| e.to_string())?;
    let witness = read_wtns(&dir.join("witness.wtns")).map_err(|e| e.to_string())?;
    check_witness_length(&witness, &key).map_err(|e| e.to_string())?;
    let bases = key.a_query.to_vec();
    let points = bases.len();
    if points == 0 {
        return Err(format!("{name}: the key's A query is empty"));
    }
    let random = workload::scalars(points, seed);
    Ok(WitnessCases {
        log_n: points.next_power_of_two().trailing_zeros(),
        points,
        cases: vec![
            (format!("{name} (witness)"), Workload::Msm { bases: bases.clone(), scalars: witness }),
            (format!("{name} (random)"), Workload::Msm { bases, scalars: random }),
        ],
    })
}

/// Steps [`run_circuit`] reports to the observer for `backends` backends.
pub fn steps(config: &BenchConfig, backends: usize) -> usize {
    2 * (backends + usize::from(config.baseline == BaselineKind::Arkworks))
}

/// Runs circuit `name`'s two cases on every backend (and the baseline), verifying each result;
/// a circuit whose files are missing is skipped on every backend with the reason.
pub fn run_circuit(
    config: &BenchConfig,
    name: &str,
    dir: Result<std::path::PathBuf, String>,
    backends: &[&dyn Backend],
    observer: &dyn Observer,
    outcome: &mut Outcome,
) -> Result<(), BenchError> {
    observer.step(&format!("reading {name}'s A query and witness"));
    let loaded = dir.and_then(|dir| load(name, &dir, config.seed));
    let cases = match loaded {
        Ok(cases) => cases,
        Err(why) => {
            for backend in backends {
                let skipped = Skipped {
                    op: BenchOp::MsmWitness,
                    log_n: 0,
                    backend: backend.info().id.clone(),
                    reason: why.clone(),
                };
                observer.skipped(&skipped);
                outcome.skipped.push(skipped);
            }
            (0..steps(config, backends.len())).for_each(|_| observer.advance());
            return Ok(());
        }
    };
    let (op, log_n, repeats) = (BenchOp::MsmWitness, cases.log_n, config.repeats(cases.log_n));
    let per_second = |median_ns: u64| stats::throughput(cases.points as u64, median_ns);
    for (label, workload) in &cases.cases {
        let baseline = (config.baseline == BaselineKind::Arkworks).then(|| {
            observer.step(&format!("{op} {label} on the baseline"));
            let mut measured = measure_baseline(op, log_n, workload, config.warmup, repeats);
            measured.result.throughput = per_second(measured.result.summary.median_ns);
            observer.advance();
            measured
        });
        for &backend in backends {
            let id = backend.info().id.clone();
            observer.step(&format!("{op} {label} on {id}"));
            if let Some(reason) = unsupported(backend.info(), op, log_n) {
                let skipped = Skipped { op, log_n, backend: id, reason: format!("{label}: {reason}") };
                observer.skipped(&skipped);
                outcome.skipped.push(skipped);
            } else {
                let mut result: BenchResult = run_case(config, op, log_n, workload, backend, baseline.as_ref())?;
                result.throughput = per_second(result.summary.median_ns);
                result.circuit = Some(label.clone());
                outcome.results.push(result);
            }
            observer.advance();
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::groth16::find;
    use crate::bench::runner::Silent;
    use ark_bn254::Fr;
    use zkaccel_backends::cpu::CpuBackend;

    #[test]
    fn witness_and_random_cases_run_verified_on_the_bundled_circuit() {
        let config = BenchConfig { repeat: Some(1), warmup: 0, ..BenchConfig::default() };
        let cpu = CpuBackend::new();
        let mut outcome = Outcome::default();
        let dir = find(&config, "poseidon_chain_small");
        run_circuit(&config, "poseidon_chain_small", dir.clone(), &[&cpu], &Silent, &mut outcome).unwrap();
        assert!(outcome.skipped.is_empty(), "{:?}", outcome.skipped);
        let labels: Vec<_> = outcome.results.iter().map(|r| r.circuit.clone().unwrap()).collect();
        assert_eq!(labels, ["poseidon_chain_small (witness)", "poseidon_chain_small (random)"]);
        let cases = load("poseidon_chain_small", &dir.unwrap(), config.seed).unwrap();
        for r in &outcome.results {
            assert_eq!((r.op, r.log_n, r.backend.as_str()), (BenchOp::MsmWitness, cases.log_n, "cpu"));
            assert!(r.speedup.is_some() && r.baseline.is_some(), "compared with arkworks");
            let expected = stats::throughput(cases.points as u64, r.summary.median_ns);
            assert_eq!(r.throughput, expected, "throughput counts the query's length");
        }
        let Workload::Msm { scalars, bases } = &cases.cases[0].1 else { panic!("an MSM") };
        assert_eq!(scalars.len(), bases.len());
        let zeros_and_ones = scalars.iter().filter(|s| **s == Fr::from(0u64) || **s == Fr::from(1u64)).count();
        assert!(zeros_and_ones > 0, "the real witness has zeros and ones");
        let Workload::Msm { scalars: random, bases: same } = &cases.cases[1].1 else { panic!("an MSM") };
        assert!(same == bases && random != scalars);
    }

    #[test]
    fn a_missing_circuit_is_skipped_with_the_reason() {
        let config = BenchConfig { repeat: Some(1), warmup: 0, ..BenchConfig::default() };
        let cpu = CpuBackend::new();
        let mut outcome = Outcome::default();
        let dir = find(&config, "no_such_circuit");
        run_circuit(&config, "no_such_circuit", dir, &[&cpu], &Silent, &mut outcome).unwrap();
        assert!(outcome.results.is_empty());
        assert_eq!(outcome.skipped.len(), 1);
        assert!(outcome.skipped[0].reason.contains("no_such_circuit/circuit.zkey"), "{:?}", outcome.skipped);
    }
}
