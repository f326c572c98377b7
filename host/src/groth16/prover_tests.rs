//! Prover and verifier tests on keys from the insecure test setup (no node needed); the
//! snarkjs interoperability tests are in host/tests/groth16_snarkjs.rs.

use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use ark_bn254::{Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::PrimeGroup;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use zkaccel_backends::cpu::CpuBackend;
use zkaccel_backends::{Backend, BackendError, BasesHandle, DeviceInfo, MerkleOutput, MerkleTree, NttConfig, Op};

use super::insecure_setup::{setup, TestCircuit};
use super::*;

fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

fn cpu() -> Arc<dyn Backend> {
    Arc::new(CpuBackend::new())
}

/// What a [`FaultyBackend`] does wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    /// Every G1 MSM (plain or resident) is off by the generator.
    WrongG1Msm,
    /// NTTs answer DeviceLost.
    NttLost,
    /// No G2 MSM at all (like the GPU backends).
    NoG2,
    /// Loading G1 bases fails with out-of-memory.
    NoResidentMemory,
}

/// The CPU backend under another id, with one fault.
struct FaultyBackend {
    inner: CpuBackend,
    info: DeviceInfo,
    fault: Fault,
    g1_msms: AtomicUsize,
}

impl FaultyBackend {
    fn new(fault: Fault) -> Arc<FaultyBackend> {
        let inner = CpuBackend::new();
        let info = DeviceInfo { id: "faulty:0".into(), ..inner.info().clone() };
        Arc::new(FaultyBackend { inner, info, fault, g1_msms: AtomicUsize::new(0) })
    }

    fn lost(&self) -> BackendError {
        BackendError::DeviceLost { device: self.info.id.clone(), reason: "injected".into() }
    }

    fn g1(&self, sum: G1Projective) -> G1Projective {
        self.g1_msms.fetch_add(1, Ordering::Relaxed);
        if self.fault == Fault::WrongG1Msm {
            sum + G1Projective::generator()
        } else {
            sum
        }
    }

    fn unsupported_g2(&self) -> BackendError {
        BackendError::Unsupported { op: Op::MsmG2, device: self.info.id.clone(), reason: "no G2 kernels".into() }
    }
}

impl Backend for FaultyBackend {
    fn info(&self) -> &DeviceInfo {
        &self.info
    }
    fn msm_g1(&self, bases: &[G1Affine], scalars: &[Fr]) -> zkaccel_backends::Result<G1Projective> {
        Ok(self.g1(self.inner.msm_g1(bases, scalars)?))
    }
    fn msm_g2(&self, bases: &[G2Affine], scalars: &[Fr]) -> zkaccel_backends::Result<G2Projective> {
        if self.fault == Fault::NoG2 {
            return Err(self.unsupported_g2());
        }
        self.inner.msm_g2(bases, scalars)
    }
    fn load_bases_g1(&self, bases: Arc<[G1Affine]>) -> zkaccel_backends::Result<BasesHandle> {
        if self.fault == Fault::NoResidentMemory {
            return Err(BackendError::OutOfMemory {
                device: self.info.id.clone(),
                op: Op::ResidentBases,
                needed_bytes: 1,
                available_bytes: 0,
            });
        }
        self.inner.load_bases_g1(bases)
    }
    fn load_bases_g2(&self, bases: Arc<[G2Affine]>) -> zkaccel_backends::Result<BasesHandle> {
        if self.fault == Fault::NoG2 {
            return Err(self.unsupported_g2());
        }
        self.inner.load_bases_g2(bases)
    }
    fn unload_bases(&self, handle: BasesHandle) -> zkaccel_backends::Result<()> {
        self.inner.unload_bases(handle)
    }
    fn msm_g1_resident(
        &self,
        handle: BasesHandle,
        range: Range<usize>,
        scalars: &[Fr],
    ) -> zkaccel_backends::Result<G1Projective> {
        Ok(self.g1(self.inner.msm_g1_resident(handle, range, scalars)?))
    }
    fn msm_g2_resident(
        &self,
        handle: BasesHandle,
        range: Range<usize>,
        scalars: &[Fr],
    ) -> zkaccel_backends::Result<G2Projective> {
        if self.fault == Fault::NoG2 {
            return Err(self.unsupported_g2());
        }
        self.inner.msm_g2_resident(handle, range, scalars)
    }
    fn ntt(&self, data: &mut [Fr], config: NttConfig) -> zkaccel_backends::Result<()> {
        if self.fault == Fault::NttLost {
            return Err(self.lost());
        }
        self.inner.ntt(data, config)
    }
    fn ntt_batch(&self, data: &mut [Fr], ntt_len: usize, config: NttConfig) -> zkaccel_backends::Result<()> {
        if self.fault == Fault::NttLost {
            return Err(self.lost());
        }
        self.inner.ntt_batch(data, ntt_len, config)
    }
    fn poseidon_hash_batch(&self, inputs: &[Fr], arity: usize) -> zkaccel_backends::Result<Vec<Fr>> {
        self.inner.poseidon_hash_batch(inputs, arity)
    }
    fn merkle_tree(&self, leaves: &[Fr], output: MerkleOutput) -> zkaccel_backends::Result<MerkleTree> {
        self.inner.merkle_tree(leaves, output)
    }
}

/// Records every report.
#[derive(Default)]
struct Reports(Mutex<Vec<(String, &'static str)>>);

impl FaultReporter for Reports {
    fn report(&self, device: &str, step: &'static str, _detail: &str) {
        self.0.lock().unwrap().push((device.to_string(), step));
    }
}

#[test]
fn proofs_verify_for_several_domain_sizes() {
    for steps in [1, 2, 5, 60, 300] {
        let (circuit, witness) = TestCircuit::squaring_chain(steps);
        let key = setup(&circuit, steps as u64);
        assert!(key.domain_size >= steps + 3);
        let prover = Prover::new(key, cpu()).unwrap();
        let out = prover.prove_with_rng(&witness, &mut rng(1)).unwrap();
        assert_eq!(out.public, witness[1..3].to_vec());
        assert!(!out.recomputed_on_cpu);
        assert!(prover.verifier().verify(&out.proof, &out.public).unwrap(), "{steps} steps");
        // Another public input, or another proof's element, fails.
        let wrong_public = [out.public[0] + Fr::from(1u64), out.public[1]];
        assert!(!prover.verifier().verify(&out.proof, &wrong_public).unwrap());
        let mut wrong_proof = out.proof;
        wrong_proof.c = out.proof.a;
        assert!(!prover.verifier().verify(&wrong_proof, &out.public).unwrap());
    }
}

#[test]
fn each_proof_is_randomised_and_valid() {
    let (circuit, witness) = TestCircuit::squaring_chain(10);
    let prover = Prover::new(setup(&circuit, 3), cpu()).unwrap();
    let first = prover.prove_with_rng(&witness, &mut rng(1)).unwrap();
    let again = prover.prove_with_rng(&witness, &mut rng(1)).unwrap();
    let other = prover.prove(&witness).unwrap();
    assert_eq!(first.proof, again.proof, "the same r, s give the same proof");
    assert_ne!(first.proof, other.proof, "fresh r, s from the OS give another proof");
    assert!(prover.verifier().verify(&other.proof, &other.public).unwrap());
}

#[test]
fn a_witness_that_does_not_satisfy_the_circuit_is_an_error() {
    let (circuit, mut witness) = TestCircuit::squaring_chain(20);
    let prover = Prover::new(setup(&circuit, 4), cpu()).unwrap();
    for index in [1, 2, 5, witness.len() - 1] {
        let saved = witness[index];
        witness[index] += Fr::from(1u64);
        let err = prover.prove_with_rng(&witness, &mut rng(2)).unwrap_err();
        assert!(matches!(err, Groth16Error::ProofRejected), "changed value {index}: {err}");
        witness[index] = saved;
    }
    assert!(prover.prove_with_rng(&witness, &mut rng(2)).is_ok());

    // On an accelerator, a bad witness is not blamed on the device: its proof fails, the CPU's
    // fails too, and nothing is reported.
    let reports = Arc::new(Reports::default());
    let prover =
        Prover::new(setup(&circuit, 4), FaultyBackend::new(Fault::NoG2)).unwrap().with_fault_reporter(reports.clone());
    witness[3] += Fr::from(1u64);
    assert!(matches!(prover.prove_with_rng(&witness, &mut rng(2)).unwrap_err(), Groth16Error::ProofRejected));
    assert!(reports.0.lock().unwrap().is_empty(), "{:?}", reports.0.lock().unwrap());
}

#[test]
fn witnesses_of_the_wrong_shape_are_clear_errors() {
    let (circuit, witness) = TestCircuit::squaring_chain(4);
    let prover = Prover::new(setup(&circuit, 5), cpu()).unwrap();
    let err = prover.prove(&witness[..witness.len() - 1]).unwrap_err();
    assert!(
        matches!(err, Groth16Error::WitnessLength { expected, got } if expected == witness.len() && got == expected - 1)
    );
    assert!(matches!(prover.prove(&[]).unwrap_err(), Groth16Error::WitnessLength { .. }));
    let mut no_one = witness.clone();
    no_one[0] = Fr::from(2u64);
    let err = prover.prove(&no_one).unwrap_err();
    assert!(matches!(err, Groth16Error::WitnessConstant(ref v) if v == "2"), "{err}");
}

#[test]
fn a_device_with_wrong_msms_is_reported_and_the_proof_recomputed_on_the_cpu() {
    let (circuit, witness) = TestCircuit::squaring_chain(40);
    let device = FaultyBackend::new(Fault::WrongG1Msm);
    let reports = Arc::new(Reports::default());
    let prover = Prover::new(setup(&circuit, 6), device.clone()).unwrap().with_fault_reporter(reports.clone());
    let out = prover.prove_with_rng(&witness, &mut rng(3)).unwrap();
    assert!(out.recomputed_on_cpu);
    assert!(prover.verifier().verify(&out.proof, &out.public).unwrap());
    assert!(device.g1_msms.load(Ordering::Relaxed) >= 4, "the G1 MSMs ran on the device first");
    assert_eq!(*reports.0.lock().unwrap(), vec![("faulty:0".to_string(), "the proof's pairing check")]);
    // The same proof as an honest device makes with the same r and s.
    let honest = Prover::new(setup(&circuit, 6), cpu()).unwrap().prove_with_rng(&witness, &mut rng(3)).unwrap();
    assert_eq!(out.proof, honest.proof);
}

#[test]
fn a_lost_device_is_reported_and_the_cpu_finishes() {
    let (circuit, witness) = TestCircuit::squaring_chain(40);
    let reports = Arc::new(Reports::default());
    let prover = Prover::new(setup(&circuit, 7), FaultyBackend::new(Fault::NttLost))
        .unwrap()
        .with_fault_reporter(reports.clone());
    let out = prover.prove_with_rng(&witness, &mut rng(4)).unwrap();
    assert!(out.recomputed_on_cpu);
    assert!(prover.verifier().verify(&out.proof, &out.public).unwrap());
    assert_eq!(*reports.0.lock().unwrap(), vec![("faulty:0".to_string(), "the H polynomial's NTTs")]);
}

#[test]
fn devices_without_g2_or_memory_prove_with_the_cpu_for_those_queries() {
    let (circuit, witness) = TestCircuit::squaring_chain(30);
    for fault in [Fault::NoG2, Fault::NoResidentMemory] {
        let device = FaultyBackend::new(fault);
        let prover = Prover::new(setup(&circuit, 8), device.clone()).unwrap();
        let out = prover.prove_with_rng(&witness, &mut rng(5)).unwrap();
        assert!(!out.recomputed_on_cpu, "{fault:?}: not a fault, a placement");
        assert!(prover.verifier().verify(&out.proof, &out.public).unwrap());
    }
}

#[test]
fn many_threads_prove_with_one_prover() {
    let (circuit, witness) = TestCircuit::squaring_chain(50);
    let prover = Arc::new(Prover::new(setup(&circuit, 9), cpu()).unwrap());
    let witness = Arc::new(witness);
    let handles: Vec<_> = (0..6)
        .map(|t| {
            let (prover, witness) = (prover.clone(), witness.clone());
            std::thread::spawn(move || {
                let out = prover.prove_with_rng(&witness, &mut rng(100 + t)).unwrap();
                prover.verifier().verify(&out.proof, &out.public).unwrap()
            })
        })
        .collect();
    for handle in handles {
        assert!(handle.join().unwrap());
    }
}

#[test]
fn the_verifier_wants_exactly_n_public_signals() {
    let (circuit, witness) = TestCircuit::squaring_chain(3);
    let prover = Prover::new(setup(&circuit, 10), cpu()).unwrap();
    let out = prover.prove(&witness).unwrap();
    let err = prover.verifier().verify(&out.proof, &out.public[..1]).unwrap_err();
    assert!(matches!(err, Groth16Error::PublicInputCount { expected: 2, got: 1 }));
    let vk_json = serde_json::json!({
        "protocol": "groth16", "curve": "bn128", "nPublic": 2,
        "vk_alpha_1": decimal::g1_to_json(&prover.verifier().key().alpha1),
        "vk_beta_2": decimal::g2_to_json(&prover.verifier().key().beta2),
        "vk_gamma_2": decimal::g2_to_json(&prover.verifier().key().gamma2),
        "vk_delta_2": decimal::g2_to_json(&prover.verifier().key().delta2),
        "IC": prover.verifier().key().ic.iter().map(decimal::g1_to_json).collect::<Vec<_>>(),
    });
    let vk = VerifyingKey::from_json(&vk_json, "verification_key.json").unwrap();
    assert_eq!(&vk, prover.verifier().key());
    assert!(Verifier::new(vk).verify(&out.proof, &out.public).unwrap());
    let mut short = vk_json.clone();
    short["nPublic"] = serde_json::json!(3);
    assert!(VerifyingKey::from_json(&short, "vk").unwrap_err().to_string().contains("IC has 3 points"));
}
