//! The Groth16 prover: a key loaded once, many witnesses proved, concurrently if wanted.
//!
//! Each proof runs the work snarkjs and rapidsnark run — H on the odd coset through the
//! backend's NTTs, then five MSMs (A, B1, C and H over G1, B2 over G2) over bases made
//! resident on the backend when the prover is built — and is verified with one pairing check
//! before it is returned. A proof that fails the check is recomputed on the CPU and the device
//! is reported; a proof that fails even then is an error. A bad proof is never returned.

use std::sync::Arc;
use std::time::{Duration, Instant};

use ark_bn254::{Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{AffineRepr, CurveGroup};
use ark_std::UniformRand;
use rand::{CryptoRng, RngCore};
use zkaccel_backends::cpu::CpuBackend;
use zkaccel_backends::{Backend, BackendError};

use super::constraint_rows::SparseRows;
use super::error::{Groth16Error, Result};
use super::key::{Matrix, ProvingKey};
use super::proof::Proof;
use super::query::{Placement, Query};
use super::quotient::QuotientInputs;
use super::verifier::Verifier;

/// Told about a device that produced a wrong or failed result, so it can be avoided.
///
/// The host scheduler implements it; `zkaccel prove` logs through it.
pub trait FaultReporter: Send + Sync {
    /// `device` (a backend id) failed at `step` (e.g. "MSM over the A query"); `detail` says how.
    fn report(&self, device: &str, step: &'static str, detail: &str);
}

/// How long each phase of one proof took.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProofTimings {
    /// A·w, B·w, and the six NTTs that give H on the odd coset.
    pub quotient: Duration,
    /// MSM over the A query.
    pub msm_a: Duration,
    /// MSM over the B1 query (G1).
    pub msm_b1: Duration,
    /// MSM over the B2 query (G2; runs concurrently with the G1 work).
    pub msm_b2: Duration,
    /// MSM over the C query.
    pub msm_c: Duration,
    /// MSM over the H query.
    pub msm_h: Duration,
    /// The pairing check.
    pub verify: Duration,
    /// The whole proof, recomputation included.
    pub total: Duration,
}

/// A proof, its public signals, and how it was made.
#[derive(Debug, Clone)]
pub struct ProofOutput {
    /// The proof (verified).
    pub proof: Proof,
    /// The public signals: witness values 1..=nPublic.
    pub public: Vec<Fr>,
    /// Per-phase times.
    pub timings: ProofTimings,
    /// Whether the device's proof failed its check and this one was recomputed on the CPU.
    pub recomputed_on_cpu: bool,
}

/// The five MSM results of a proof, before they are combined.
struct MsmResults {
    a: G1Projective,
    b1: G1Projective,
    b2: G2Projective,
    c: G1Projective,
    h: G1Projective,
}

/// A Groth16 prover for one proving key. `Send + Sync`: share it behind an `Arc` and prove
/// from many threads.
pub struct Prover {
    n_vars: usize,
    n_public: usize,
    domain_size: usize,
    alpha1: G1Affine,
    beta1: G1Affine,
    beta2: G2Affine,
    delta1: G1Affine,
    delta2: G2Affine,
    a: Query<G1Affine>,
    b1: Query<G1Affine>,
    b2: Query<G2Affine>,
    c: Query<G1Affine>,
    h: Query<G1Affine>,
    quotient: QuotientInputs,
    verifier: Verifier,
    backend: Arc<dyn Backend>,
    cpu: Arc<CpuBackend>,
    reporter: Option<Arc<dyn FaultReporter>>,
}

impl std::fmt::Debug for Prover {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prover")
            .field("n_vars", &self.n_vars)
            .field("n_public", &self.n_public)
            .field("domain_size", &self.domain_size)
            .field("backend", &self.backend.info().id)
            .finish()
    }
}

impl Prover {
    /// Builds a prover for `key` on `backend` (a device, or the scheduler over several), with
    /// the CPU as fallback. The key's identity points are dropped, its remaining bases loaded
    /// on the backend once, here, and its coefficient list turned into row form.
    pub fn new(key: ProvingKey, backend: Arc<dyn Backend>) -> Result<Prover> {
        let verifier = Verifier::new(key.verifying_key());
        let ProvingKey {
            n_vars,
            n_public,
            domain_size,
            alpha1,
            beta1,
            beta2,
            delta1,
            delta2,
            coefficients,
            a_query,
            b1_query,
            b2_query,
            c_query,
            h_query,
            ..
        } = key;
        let quotient = QuotientInputs {
            a: SparseRows::build(&coefficients, Matrix::A, domain_size),
            b: SparseRows::build(&coefficients, Matrix::B, domain_size),
            domain_size,
        };
        drop(coefficients);
        let device = backend.as_ref();
        let g1 = |points: Arc<[G1Affine]>, what: &str| {
            let mut query = Query::new(points);
            query.place(device, |p| device.load_bases_g1(p), what);
            query
        };
        let mut b2 = Query::new(b2_query);
        b2.place(device, |p| device.load_bases_g2(p), "the B2 query");
        let (a, b1) = (g1(a_query, "the A query"), g1(b1_query, "the B1 query"));
        let (c, h) = (g1(c_query, "the C query"), g1(h_query, "the H query"));
        tracing::debug!(
            a = a.dropped(),
            b1 = b1.dropped(),
            b2 = b2.dropped(),
            c = c.dropped(),
            h = h.dropped(),
            "identity points dropped"
        );
        Ok(Prover {
            n_vars,
            n_public,
            domain_size,
            alpha1,
            beta1,
            beta2,
            delta1,
            delta2,
            a,
            b1,
            b2,
            c,
            h,
            quotient,
            verifier,
            backend,
            cpu: Arc::new(CpuBackend::new()),
            reporter: None,
        })
    }

    /// Reports devices that fail or give wrong results to `reporter` (e.g. the scheduler).
    pub fn with_fault_reporter(mut self, reporter: Arc<dyn FaultReporter>) -> Prover {
        self.reporter = Some(reporter);
        self
    }

    /// Number of witness values a proof takes.
    pub fn n_vars(&self) -> usize {
        self.n_vars
    }

    /// The verifier of this key's proofs.
    pub fn verifier(&self) -> &Verifier {
        &self.verifier
    }

    /// Proves `witness` (all `n_vars` values, the constant 1 first) with r and s drawn from the
    /// operating system's CSPRNG.
    pub fn prove(&self, witness: &[Fr]) -> Result<ProofOutput> {
        self.prove_with_rng(witness, &mut rand::rngs::OsRng)
    }

    /// Proves `witness` with r and s drawn from `rng` (tests pass a seeded one).
    pub fn prove_with_rng<R: RngCore + CryptoRng>(&self, witness: &[Fr], rng: &mut R) -> Result<ProofOutput> {
        let started = Instant::now();
        self.check_witness_shape(witness)?;
        let (r, s) = (Fr::rand(rng), Fr::rand(rng));
        let public = witness[1..=self.n_public].to_vec();
        let mut timings = ProofTimings::default();

        let on_cpu = self.backend.info().id == self.cpu.info().id;
        let on_device = self.compute(witness, self.backend.as_ref(), false, &mut timings);
        // A device error is the device's fault at once; a proof that fails its check may be the
        // witness's fault instead, which only the CPU's proof can tell apart.
        let unverified = match on_device {
            Ok(msms) => {
                let proof = self.assemble(&msms, r, s);
                if self.timed_verify(&proof, &public, &mut timings.verify)? {
                    timings.total = started.elapsed();
                    return Ok(ProofOutput { proof, public, timings, recomputed_on_cpu: false });
                }
                true
            }
            Err((step, source)) if on_cpu => return Err(Groth16Error::Backend { op: step, source }),
            Err((step, source)) => {
                self.report(step, &source.to_string());
                false
            }
        };
        if on_cpu {
            return Err(Groth16Error::ProofRejected);
        }
        tracing::warn!(device = %self.backend.info().id, "recomputing the proof on the CPU");
        let msms = self
            .compute(witness, self.cpu.as_ref(), true, &mut timings)
            .map_err(|(op, source)| Groth16Error::Backend { op, source })?;
        let proof = self.assemble(&msms, r, s);
        if !self.timed_verify(&proof, &public, &mut timings.verify)? {
            return Err(Groth16Error::ProofRejected);
        }
        if unverified {
            self.report("the proof's pairing check", "the device's proof did not verify; the CPU's did");
        }
        timings.total = started.elapsed();
        Ok(ProofOutput { proof, public, timings, recomputed_on_cpu: true })
    }

    /// The witness has the key's length and starts with the constant 1.
    fn check_witness_shape(&self, witness: &[Fr]) -> Result<()> {
        if witness.len() != self.n_vars {
            return Err(Groth16Error::WitnessLength { expected: self.n_vars, got: witness.len() });
        }
        if witness[0] != Fr::from(1u64) {
            return Err(Groth16Error::WitnessConstant(super::decimal::to_decimal(witness[0])));
        }
        Ok(())
    }

    fn timed_verify(&self, proof: &Proof, public: &[Fr], time: &mut Duration) -> Result<bool> {
        let started = Instant::now();
        let valid = self.verifier.verify(proof, public)?;
        *time += started.elapsed();
        Ok(valid)
    }

    fn report(&self, step: &'static str, detail: &str) {
        let device = &self.backend.info().id;
        tracing::error!(%device, step, detail, "device fault while proving");
        if let Some(reporter) = &self.reporter {
            reporter.report(device, step, detail);
        }
    }

    /// H and the five MSMs on `device` (`all_on_cpu`: ignore resident placements). A G2 MSM
    /// on the CPU runs on its own thread, concurrently with G1 work on an accelerator.
    fn compute(
        &self,
        witness: &[Fr],
        device: &dyn Backend,
        all_on_cpu: bool,
        timings: &mut ProofTimings,
    ) -> std::result::Result<MsmResults, (&'static str, BackendError)> {
        let private = &witness[self.n_public + 1..];
        let placement = |p: Placement| if all_on_cpu { Placement::Cpu } else { p };
        let b2 = || {
            let started = Instant::now();
            let scalars = self.b2.scalars(witness);
            let result = match placement(self.b2.placement) {
                Placement::Resident(handle) => device.msm_g2_resident(handle, 0..scalars.len(), &scalars),
                Placement::Cpu => self.cpu.msm_g2(&self.b2.points, &scalars),
            };
            (result, started.elapsed())
        };
        let g1 = |query: &Query<G1Affine>, scalars: &[Fr], time: &mut Duration| {
            let started = Instant::now();
            let scalars = query.scalars(scalars);
            let result = match placement(query.placement) {
                Placement::Resident(handle) => device.msm_g1_resident(handle, 0..scalars.len(), &scalars),
                Placement::Cpu => self.cpu.msm_g1(&query.points, &scalars),
            };
            *time += started.elapsed();
            result
        };
        let g1_work = |timings: &mut ProofTimings| {
            let started = Instant::now();
            let h = self.quotient.evaluate(witness, device).map_err(|e| ("the H polynomial's NTTs", e))?;
            timings.quotient += started.elapsed();
            let a = g1(&self.a, witness, &mut timings.msm_a).map_err(|e| ("MSM over the A query", e))?;
            let b1 = g1(&self.b1, witness, &mut timings.msm_b1).map_err(|e| ("MSM over the B1 query", e))?;
            let c = g1(&self.c, private, &mut timings.msm_c).map_err(|e| ("MSM over the C query", e))?;
            let h = g1(&self.h, &h, &mut timings.msm_h).map_err(|e| ("MSM over the H query", e))?;
            Ok((a, b1, c, h))
        };
        // G2 on the CPU overlaps G1 work on an accelerator; with everything on the CPU the two
        // would only compete for the same cores, so they run one after the other.
        let g2_on_cpu = all_on_cpu || placement(self.b2.placement) == Placement::Cpu;
        let overlap = g2_on_cpu && device.info().id != self.cpu.info().id;
        let ((a, b1, c, h), (b2, b2_time)) = if overlap {
            std::thread::scope(|scope| {
                let b2 = scope.spawn(b2);
                let g1 = g1_work(timings);
                let b2 = b2.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                Ok::<_, (&'static str, BackendError)>((g1?, b2))
            })?
        } else {
            let b2 = b2();
            (g1_work(timings)?, b2)
        };
        timings.msm_b2 += b2_time;
        let b2 = b2.map_err(|e| ("MSM over the B2 query", e))?;
        Ok(MsmResults { a, b1, b2, c, h })
    }

    /// π_A = α + A + r·δ₁; π_B = β₂ + B2 + s·δ₂; B₁ = β₁ + B1 + s·δ₁;
    /// π_C = C + H + s·π_A + r·B₁ − r·s·δ₁.
    fn assemble(&self, msms: &MsmResults, r: Fr, s: Fr) -> Proof {
        let pi_a = self.alpha1.into_group() + msms.a + self.delta1 * r;
        let pi_b = self.beta2.into_group() + msms.b2 + self.delta2 * s;
        let b1 = self.beta1.into_group() + msms.b1 + self.delta1 * s;
        let pi_c = msms.c + msms.h + pi_a * s + b1 * r - self.delta1 * (r * s);
        Proof { a: pi_a.into_affine(), b: pi_b.into_affine(), c: pi_c.into_affine() }
    }
}

impl Drop for Prover {
    fn drop(&mut self) {
        let placements = [self.a.placement, self.b1.placement, self.b2.placement, self.c.placement, self.h.placement];
        for placement in placements {
            if let Placement::Resident(handle) = placement {
                if let Err(error) = self.backend.unload_bases(handle) {
                    tracing::warn!(%error, "could not unload a proving key's bases");
                }
            }
        }
    }
}
