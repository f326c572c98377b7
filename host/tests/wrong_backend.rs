//! The bench runner must refuse wrong results: a backend that is fast but wrong fails the
//! run with an error naming the operation, size and backend.

use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use ark_bn254::{Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::PrimeGroup;
use zkaccel::bench::{baseline, runner, BaselineKind, BenchConfig, BenchError, BenchOp};
use zkaccel_backends::cpu::CpuBackend;
use zkaccel_backends::{
    Backend, BackendError, BasesGroup, BasesHandle, DeviceInfo, MerkleOutput, MerkleTree, NttConfig, NttDirection, Op,
    Result,
};

/// What the test backend gets wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    None,
    MsmOffByGenerator,
    NttOneElement,
    PoseidonFirstHash,
    PoseidonMiddleHash,
    MerkleRoot,
    /// A different MSM result on every call.
    Flaky,
    /// MSM answers that the device is gone.
    MsmDeviceLost,
    /// NTT answers that the device is out of memory.
    NttOutOfMemory,
}

/// A backend that computes with known-good code (the CPU backend's MSM, arkworks' NTT,
/// light-poseidon) and then applies `fault`.
struct TestBackend {
    inner: CpuBackend,
    info: DeviceInfo,
    fault: Fault,
    calls: AtomicU64,
}

impl TestBackend {
    fn new(fault: Fault) -> Self {
        let inner = CpuBackend::new();
        let info = DeviceInfo { id: format!("test-{fault:?}").to_lowercase(), ..inner.info().clone() };
        TestBackend { inner, info, fault, calls: AtomicU64::new(0) }
    }

    fn without(mut self, op: Op) -> Self {
        self.info.capabilities.retain(|c| c.op != op);
        self
    }
}

impl Backend for TestBackend {
    fn info(&self) -> &DeviceInfo {
        &self.info
    }

    fn msm_g1(&self, bases: &[G1Affine], scalars: &[Fr]) -> Result<G1Projective> {
        if self.fault == Fault::MsmDeviceLost {
            return Err(BackendError::DeviceLost {
                device: self.info.id.clone(),
                reason: "Xid 79: fell off the bus".into(),
            });
        }
        let mut out = self.inner.msm_g1(bases, scalars)?;
        let call = self.calls.fetch_add(1, Ordering::Relaxed);
        if self.fault == Fault::MsmOffByGenerator || (self.fault == Fault::Flaky && call % 2 == 1) {
            out += G1Projective::generator();
        }
        Ok(out)
    }

    fn msm_g2(&self, bases: &[G2Affine], scalars: &[Fr]) -> Result<G2Projective> {
        self.inner.msm_g2(bases, scalars)
    }

    fn load_bases_g1(&self, bases: Arc<[G1Affine]>) -> Result<BasesHandle> {
        self.inner.load_bases_g1(bases)
    }

    fn load_bases_g2(&self, bases: Arc<[G2Affine]>) -> Result<BasesHandle> {
        self.inner.load_bases_g2(bases)
    }

    fn unload_bases(&self, handle: BasesHandle) -> Result<()> {
        self.inner.unload_bases(handle)
    }

    fn msm_g1_resident(&self, handle: BasesHandle, range: Range<usize>, scalars: &[Fr]) -> Result<G1Projective> {
        let mut out = self.inner.msm_g1_resident(handle, range, scalars)?;
        if self.fault == Fault::MsmOffByGenerator {
            out += G1Projective::generator();
        }
        Ok(out)
    }

    fn msm_g2_resident(&self, handle: BasesHandle, range: Range<usize>, scalars: &[Fr]) -> Result<G2Projective> {
        self.inner.msm_g2_resident(handle, range, scalars)
    }

    fn ntt(&self, data: &mut [Fr], config: NttConfig) -> Result<()> {
        if self.fault == Fault::NttOutOfMemory {
            return Err(BackendError::OutOfMemory {
                device: self.info.id.clone(),
                op: Op::Ntt,
                needed_bytes: 4096,
                available_bytes: 1024,
            });
        }
        if config.coset != zkaccel_backends::Coset::None {
            // Coset NTTs (the Groth16 quotient) come from the CPU backend, unfaulted.
            return self.inner.ntt(data, config);
        }
        let mut v = data.to_vec();
        match config.direction {
            NttDirection::Forward => baseline::ntt(&mut v),
            NttDirection::Inverse => baseline::intt(&mut v),
        }
        if self.fault == Fault::NttOneElement && config.direction == NttDirection::Forward {
            // An index that evaluation sampling is unlikely to hit: the round trip must catch it.
            let i = v.len() / 3;
            v[i] += Fr::from(1u64);
        }
        data.copy_from_slice(&v);
        Ok(())
    }

    fn ntt_batch(&self, data: &mut [Fr], ntt_len: usize, config: NttConfig) -> Result<()> {
        data.chunks_mut(ntt_len).try_for_each(|chunk| self.ntt(chunk, config))
    }

    fn poseidon_hash_batch(&self, inputs: &[Fr], arity: usize) -> Result<Vec<Fr>> {
        let mut out = baseline::poseidon_batch(inputs, arity);
        match self.fault {
            Fault::PoseidonFirstHash => out[0] += Fr::from(1u64),
            Fault::PoseidonMiddleHash => {
                let i = out.len() / 3;
                out[i] += Fr::from(1u64);
            }
            _ => {}
        }
        Ok(out)
    }

    fn merkle_tree(&self, leaves: &[Fr], output: MerkleOutput) -> Result<MerkleTree> {
        if output != MerkleOutput::RootOnly {
            return Err(BackendError::InvalidInput("test backend: root only".into()));
        }
        let mut root = baseline::merkle_root(leaves);
        if self.fault == Fault::MerkleRoot {
            root += Fr::from(1u64);
        }
        Ok(MerkleTree { root, levels: vec![] })
    }
}

fn config(op: BenchOp, log_n: u32, baseline: BaselineKind) -> BenchConfig {
    BenchConfig { ops: vec![op], log_n: vec![log_n], repeat: Some(2), warmup: 0, baseline, ..BenchConfig::default() }
}

fn run(fault: Fault, op: BenchOp, log_n: u32, baseline: BaselineKind) -> std::result::Result<String, String> {
    let backend = TestBackend::new(fault);
    runner::run(&config(op, log_n, baseline), &[&backend], &runner::Silent)
        .map(|outcome| outcome.results[0].verified.clone())
        .map_err(|e| e.to_string())
}

fn assert_fails(fault: Fault, op: BenchOp, log_n: u32, baseline: BaselineKind, needle: &str) {
    let err = run(fault, op, log_n, baseline).expect_err("a wrong result must fail the run");
    let backend = format!("test-{fault:?}").to_lowercase();
    assert!(err.contains("verification failed"), "{err}");
    assert!(err.contains(&format!("{op} 2^{log_n} on {backend}")), "names op, size and backend: {err}");
    assert!(err.contains(needle), "mentions {needle:?}: {err}");
}

#[test]
fn correct_backend_passes_every_check() {
    use BaselineKind::{Arkworks, None};
    assert_eq!(run(Fault::None, BenchOp::Msm, 7, Arkworks).unwrap(), "baseline");
    assert_eq!(run(Fault::None, BenchOp::Msm, 7, None).unwrap(), "reference");
    assert_eq!(run(Fault::None, BenchOp::Ntt, 9, Arkworks).unwrap(), "baseline+round-trip+evaluation");
    assert_eq!(run(Fault::None, BenchOp::Ntt, 9, None).unwrap(), "round-trip+evaluation");
    assert_eq!(run(Fault::None, BenchOp::Poseidon, 8, Arkworks).unwrap(), "baseline+reference");
    assert_eq!(run(Fault::None, BenchOp::Poseidon, 8, None).unwrap(), "reference");
    assert_eq!(run(Fault::None, BenchOp::Merkle, 6, None).unwrap(), "reference");
}

#[test]
fn wrong_msm_fails() {
    assert_fails(Fault::MsmOffByGenerator, BenchOp::Msm, 7, BaselineKind::Arkworks, "baseline");
    assert_fails(Fault::MsmOffByGenerator, BenchOp::Msm, 7, BaselineKind::None, "reference");
}

#[test]
fn wrong_key_like_msm_fails() {
    assert_fails(Fault::MsmOffByGenerator, BenchOp::MsmKey, 7, BaselineKind::Arkworks, "baseline");
    assert_fails(Fault::MsmOffByGenerator, BenchOp::MsmKey, 7, BaselineKind::None, "reference");
}

#[test]
fn wrong_groth16_proofs_fail_the_run() {
    let config = BenchConfig { ops: vec![BenchOp::Groth16], repeat: Some(1), warmup: 0, ..BenchConfig::default() };
    let good: Arc<dyn Backend> = Arc::new(TestBackend::new(Fault::None));
    let outcome = runner::run_all(&config, &[good], &runner::Silent).unwrap();
    assert_eq!(outcome.results.len(), 3, "the three bundled circuits: {:?}", outcome.skipped);
    assert!(outcome.results.iter().all(|r| r.verified == "pairing+snarkjs-vk" && r.unit == "proofs/s"));
    let bad: Arc<dyn Backend> = Arc::new(TestBackend::new(Fault::MsmOffByGenerator));
    let err = runner::run_all(&config, &[bad], &runner::Silent).unwrap_err();
    assert!(matches!(err, BenchError::Groth16 { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("groth16 multiplier on test-msmoffbygenerator") && text.contains("pairing check"), "{text}");
}

#[test]
fn wrong_msm_fails_the_real_witness_cases() {
    let config = BenchConfig {
        ops: vec![BenchOp::MsmWitness],
        circuits: vec!["multiplier".into()],
        repeat: Some(1),
        warmup: 0,
        ..BenchConfig::default()
    };
    let good: Arc<dyn Backend> = Arc::new(TestBackend::new(Fault::None));
    let outcome = runner::run_all(&config, &[good], &runner::Silent).unwrap();
    let labels: Vec<_> = outcome.results.iter().map(|r| r.circuit.clone().unwrap_or_default()).collect();
    assert_eq!(labels, ["multiplier (witness)", "multiplier (random)"], "{:?}", outcome.skipped);
    let bad: Arc<dyn Backend> = Arc::new(TestBackend::new(Fault::MsmOffByGenerator));
    let err = runner::run_all(&config, &[bad], &runner::Silent).unwrap_err();
    assert!(matches!(err, BenchError::Mismatch { op: BenchOp::MsmWitness, .. }), "{err:?}");
}

#[test]
fn missing_groth16_circuits_are_skipped_with_the_folders_searched() {
    let dir = tempfile::tempdir().unwrap();
    let config = BenchConfig {
        suite: Some(zkaccel::bench::Suite::Full),
        groth16_fixtures: Some(dir.path().to_path_buf()),
        ..BenchConfig::default()
    };
    // Only the circuits: nothing else of the full suite runs when every case is filtered out.
    let names = config.circuits();
    assert_eq!(names.last().map(String::as_str), Some("poseidon_chain_200"));
    let err = zkaccel::bench::groth16::find(&config, "not_made_yet").unwrap_err();
    assert!(err.contains(&dir.path().display().to_string()), "{err}");
}

#[test]
fn wrong_ntt_fails() {
    assert_fails(Fault::NttOneElement, BenchOp::Ntt, 10, BaselineKind::Arkworks, "baseline");
    assert_fails(Fault::NttOneElement, BenchOp::Ntt, 10, BaselineKind::None, "round trip");
}

#[test]
fn wrong_poseidon_fails() {
    assert_fails(Fault::PoseidonFirstHash, BenchOp::Poseidon, 8, BaselineKind::None, "hash 0");
    assert_fails(Fault::PoseidonMiddleHash, BenchOp::Poseidon, 8, BaselineKind::Arkworks, "baseline");
}

#[test]
fn wrong_merkle_root_fails() {
    assert_fails(Fault::MerkleRoot, BenchOp::Merkle, 6, BaselineKind::Arkworks, "root");
    assert_fails(Fault::MerkleRoot, BenchOp::Merkle, 6, BaselineKind::None, "reference");
}

#[test]
fn results_that_change_between_repeats_fail() {
    assert_fails(Fault::Flaky, BenchOp::Msm, 5, BaselineKind::None, "different result");
}

#[test]
fn device_errors_fail_the_run_with_the_typed_error() {
    let backend = TestBackend::new(Fault::MsmDeviceLost);
    let err = runner::run(&config(BenchOp::Msm, 5, BaselineKind::None), &[&backend], &runner::Silent).unwrap_err();
    match &err {
        BenchError::Backend { op: BenchOp::Msm, log_n: 5, error: BackendError::DeviceLost { reason, .. }, .. } => {
            assert!(reason.contains("Xid 79"), "{err}")
        }
        other => panic!("expected a DeviceLost backend error, got {other:?}"),
    }
    assert!(err.to_string().contains("test-msmdevicelost lost: Xid 79"), "{err}");

    let backend = TestBackend::new(Fault::NttOutOfMemory);
    let err = runner::run(&config(BenchOp::Ntt, 6, BaselineKind::None), &[&backend], &runner::Silent).unwrap_err();
    assert!(
        matches!(err, BenchError::Backend { error: BackendError::OutOfMemory { needed_bytes: 4096, .. }, .. }),
        "expected OutOfMemory, got {err:?}"
    );
}

#[test]
fn unsupported_ops_are_skipped_with_a_reason() {
    let backend = TestBackend::new(Fault::None).without(Op::Poseidon);
    let outcome = runner::run(&config(BenchOp::Poseidon, 4, BaselineKind::None), &[&backend], &runner::Silent).unwrap();
    assert!(outcome.results.is_empty());
    assert_eq!(outcome.skipped.len(), 1);
    assert!(outcome.skipped[0].reason.contains("does not support poseidon"), "{:?}", outcome.skipped);
}

/// The real CPU backend passes the same checks at small sizes. Needs the CPU backend's NTT,
/// Poseidon and Merkle tree (placeholders until they land).
#[test]
fn cpu_backend_verifies_on_every_op() {
    let cpu = CpuBackend::new();
    for baseline in [BaselineKind::Arkworks, BaselineKind::None] {
        let config = BenchConfig {
            ops: BenchOp::ALL.to_vec(),
            log_n: vec![5],
            repeat: Some(1),
            warmup: 0,
            baseline,
            ..BenchConfig::default()
        };
        let outcome = runner::run(&config, &[&cpu], &runner::Silent).unwrap();
        // Every op but those on circuit files (groth16, msm-witness), which `runner::run_all`
        // runs (see wrong_groth16_proofs_fail_the_run and bench::witness_msm's tests).
        let generated = BenchOp::ALL.iter().filter(|op| !op.from_circuits()).count();
        assert_eq!(generated, BenchOp::ALL.len() - 2);
        assert_eq!(outcome.results.len(), generated);
        assert!(outcome.results.iter().all(|r| !r.verified.is_empty()));
    }
}

/// `resident_bases` times MSMs over bases loaded beforehand; results still verify, the
/// setting is recorded in the config, and the bases are unloaded afterwards.
#[test]
fn resident_bases_msm_verifies_and_unloads() {
    let cpu = CpuBackend::new();
    let config = BenchConfig {
        ops: vec![BenchOp::Msm],
        log_n: vec![6],
        repeat: Some(2),
        warmup: 1,
        resident_bases: true,
        ..BenchConfig::default()
    };
    let outcome = runner::run(&config, &[&cpu], &runner::Silent).unwrap();
    assert_eq!(outcome.results.len(), 1);
    assert!(outcome.results[0].verified.contains("baseline"), "{}", outcome.results[0].verified);
    // The handle the run used is gone: handle ids start at 1 and the run loaded exactly one.
    let leftover = BasesHandle { id: 1, group: BasesGroup::G1, len: 64 };
    assert!(cpu.msm_g1_resident(leftover, 0..1, &[Fr::from(1u64)]).is_err(), "bases were unloaded");
}
