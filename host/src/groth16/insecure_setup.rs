//! A Groth16 setup whose secrets are known: **for tests and benchmarks only**.
//!
//! It builds a proving key in snarkjs's exact form (extra A rows for the public inputs, H query
//! over the odd coset) from an R1CS given as three sparse matrices, so the prover, the verifier
//! and the daemon are tested in Rust without node or a powers-of-tau file, and
//! `zkaccel setup-insecure` makes keys for circuits larger than any powers-of-tau file at hand
//! (the 2^20 end-to-end benchmark). Anyone who knows the seed can forge proofs for keys made
//! here; real keys come from a ceremony and `snarkjs groth16 setup` / `zkey contribute`.

use std::sync::Arc;

use ark_bn254::{Fr, G1Affine, G1Projective, G2Projective};
use ark_ec::scalar_mul::BatchMulPreprocessing;
use ark_ec::{CurveGroup, PrimeGroup};
use ark_ff::{batch_inversion, FftField, Field, One, Zero};
use ark_std::UniformRand;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use rayon::prelude::*;

use super::format::r1cs::{Constraint, LinearCombination, R1cs};
use super::key::{Coefficient, Matrix, ProvingKey};

/// A linear combination: (witness index, coefficient) pairs.
pub type Combination = LinearCombination;

/// An R1CS constraint ⟨A,w⟩·⟨B,w⟩ = ⟨C,w⟩ (the `.r1cs` reader's type).
pub type TestConstraint = Constraint;

/// A circuit: `n_vars` witness values (index 0 is the constant 1, then `n_public` public
/// signals) and its constraints.
#[derive(Debug, Clone)]
pub struct TestCircuit {
    /// Witness length.
    pub n_vars: usize,
    /// Public signals.
    pub n_public: usize,
    /// Constraints.
    pub constraints: Vec<TestConstraint>,
}

impl TestCircuit {
    /// A chain x_{k+1} = x_k² + x_k·c: `steps` constraints; the first public signal is the
    /// result, the second the input. Witness: [1, out, in, x_1, …, x_{steps-1}] with c = 7.
    pub fn squaring_chain(steps: usize) -> (TestCircuit, Vec<Fr>) {
        assert!(steps >= 1, "a chain needs at least one step");
        let seven = Fr::from(7u64);
        let input = Fr::from(3u64);
        let mut xs = vec![input];
        for _ in 0..steps {
            let x = *xs.last().expect("xs is never empty");
            xs.push(x * x + x * seven);
        }
        // Indices: 0 = one, 1 = out, 2 = in, 3.. = intermediate x_1..x_{steps-1}.
        let index_of = |k: usize| -> u32 {
            if k == 0 {
                2
            } else if k == steps {
                1
            } else {
                (2 + k) as u32
            }
        };
        let constraints = (0..steps)
            .map(|k| TestConstraint {
                a: vec![(index_of(k), Fr::one())],
                b: vec![(index_of(k), Fr::one()), (0, seven)],
                c: vec![(index_of(k + 1), Fr::one())],
            })
            .collect();
        let mut witness = vec![Fr::one(), xs[steps], input];
        witness.extend_from_slice(&xs[1..steps]);
        (TestCircuit { n_vars: witness.len(), n_public: 2, constraints }, witness)
    }
}

/// Largest domain a key can have: 2^27, so the H query's odd coset (2n-th roots) exists in Fr.
pub const MAX_DOMAIN: usize = 1 << 27;

/// Why [`setup_r1cs`] cannot make a key for a constraint system.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SetupError {
    /// Constraints plus public signals need a domain above [`MAX_DOMAIN`].
    #[error("{rows} rows (constraints + public signals + 1) need a domain above 2^27, the largest BN254's Fr allows")]
    TooLarge {
        /// Constraints + public signals + 1.
        rows: usize,
    },
    /// The header's counts are inconsistent.
    #[error("the .r1cs has {n_wires} wires but {n_public} public signals (needs more wires than public signals)")]
    Counts {
        /// Wires.
        n_wires: u32,
        /// Public signals.
        n_public: u32,
    },
    /// A constraint names a wire outside the witness.
    #[error("constraint {constraint} uses wire {wire}, but the .r1cs has {n_wires} wires")]
    Wire {
        /// The constraint.
        constraint: usize,
        /// The wire it names.
        wire: u32,
        /// Wires in the header.
        n_wires: u32,
    },
}

/// Makes a proving key for `circuit` from secrets derived from `seed`.
pub fn setup(circuit: &TestCircuit, seed: u64) -> ProvingKey {
    setup_constraints(circuit.n_vars, circuit.n_public, &circuit.constraints, seed)
}

/// Makes a proving key for a circom constraint system from secrets derived from `seed`, after
/// checking that its counts and wire indices are consistent and its domain exists.
pub fn setup_r1cs(r1cs: &R1cs, seed: u64) -> Result<ProvingKey, SetupError> {
    let n_public = r1cs.n_public();
    if r1cs.n_wires <= n_public {
        return Err(SetupError::Counts { n_wires: r1cs.n_wires, n_public });
    }
    check_rows(r1cs.constraints.len() + n_public as usize + 1)?;
    for (constraint, k) in r1cs.constraints.iter().enumerate() {
        if let Some(&(wire, _)) = [&k.a, &k.b, &k.c].into_iter().flatten().find(|(w, _)| *w >= r1cs.n_wires) {
            return Err(SetupError::Wire { constraint, wire, n_wires: r1cs.n_wires });
        }
    }
    Ok(setup_constraints(r1cs.n_wires as usize, n_public as usize, &r1cs.constraints, seed))
}

/// Rejects a row count whose domain would exceed [`MAX_DOMAIN`].
fn check_rows(rows: usize) -> Result<(), SetupError> {
    if rows > MAX_DOMAIN {
        return Err(SetupError::TooLarge { rows });
    }
    Ok(())
}

/// The setup itself: `constraints` over `n_vars` wires of which `n_public` are public, all
/// indices below `n_vars` and at most [`MAX_DOMAIN`] rows (the callers check).
fn setup_constraints(n_vars: usize, n_public: usize, constraints: &[Constraint], seed: u64) -> ProvingKey {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let [tau, alpha, beta, gamma, delta] = [(); 5].map(|_| Fr::rand(&mut rng));
    let rows = constraints.len() + n_public + 1;
    let n = rows.next_power_of_two().max(2);
    let omega = Fr::get_root_of_unity(n as u64).expect("BN254's Fr has 2^28-th roots of unity");
    let omega_2n = Fr::get_root_of_unity(2 * n as u64).expect("n is at most 2^27 here");

    // Lagrange basis over H = <ω> at τ: L_i(τ) = (τⁿ − 1)·ωⁱ / (n·(τ − ωⁱ)).
    let n_fr = Fr::from(n as u64);
    let tau_n = tau.pow([n as u64]);
    let powers = |base: Fr| -> Vec<Fr> {
        let mut p = Vec::with_capacity(n);
        let mut x = Fr::one();
        for _ in 0..n {
            p.push(x);
            x *= base;
        }
        p
    };
    let omegas = powers(omega);
    // 1/(τ − xᵢ) for every point, with one field inversion (τ is random, so never a point).
    let inverse_gaps = |points: &[Fr]| -> Vec<Fr> {
        let mut gaps: Vec<Fr> = points.par_iter().map(|x| tau - x).collect();
        batch_inversion(&mut gaps);
        gaps
    };
    let lagrange_scale = (tau_n - Fr::one()) / n_fr;
    let lagrange: Vec<Fr> =
        omegas.par_iter().zip(inverse_gaps(&omegas)).map(|(w, gap)| lagrange_scale * w * gap).collect();

    // The A matrix with snarkjs's extra rows: row (constraints + k) has A = 1 at signal k for
    // k = 0..=n_public.
    let mut coefficients = Vec::new();
    let mut u = vec![Fr::zero(); n_vars];
    let mut v = vec![Fr::zero(); n_vars];
    let mut w = vec![Fr::zero(); n_vars];
    for (i, constraint) in constraints.iter().enumerate() {
        for &(signal, value) in &constraint.a {
            coefficients.push(Coefficient { matrix: Matrix::A, constraint: i as u32, signal, value });
            u[signal as usize] += value * lagrange[i];
        }
        for &(signal, value) in &constraint.b {
            coefficients.push(Coefficient { matrix: Matrix::B, constraint: i as u32, signal, value });
            v[signal as usize] += value * lagrange[i];
        }
        for &(signal, value) in &constraint.c {
            w[signal as usize] += value * lagrange[i];
        }
    }
    for (k, u_k) in u.iter_mut().enumerate().take(n_public + 1) {
        let row = constraints.len() + k;
        coefficients.push(Coefficient {
            matrix: Matrix::A,
            constraint: row as u32,
            signal: k as u32,
            value: Fr::one(),
        });
        *u_k += lagrange[row];
    }

    let g1 = G1Projective::generator();
    let g2 = G2Projective::generator();
    // One fixed-base table per group (arkworks' windowed precomputation), shared by every query.
    let g1_table = BatchMulPreprocessing::new(g1, n_vars.max(n));
    let to_g1 = |scalars: &[Fr]| -> Vec<G1Affine> { g1_table.batch_mul(scalars) };
    let combined = |j: usize| beta * u[j] + alpha * v[j] + w[j];
    let (gamma_inv, delta_inv) = (gamma.inverse().expect("random"), delta.inverse().expect("random"));
    let ic: Vec<Fr> = (0..=n_public).map(|j| combined(j) * gamma_inv).collect();
    let c: Vec<Fr> = (n_public + 1..n_vars).map(|j| combined(j) * delta_inv).collect();

    // H over the odd coset x_i = ω₂ₙ·ωⁱ: H_i = −L'_i(τ)·Z(τ) / (2δ) with
    // L'_i(τ) = (τⁿ + 1)·x_i / (−n·(τ − x_i)) and Z(τ) = τⁿ − 1.
    let z_tau = tau_n - Fr::one();
    let two_delta = Fr::from(2u64) * delta;
    // So H_i = xᵢ/(τ − xᵢ) · (τⁿ + 1)·Z(τ) / (2nδ).
    let h_scale = (tau_n + Fr::one()) * z_tau / (n_fr * two_delta);
    let coset: Vec<Fr> = omegas.par_iter().map(|w| omega_2n * w).collect();
    let h: Vec<Fr> = coset.par_iter().zip(inverse_gaps(&coset)).map(|(x, gap)| h_scale * x * gap).collect();
    let b2 = BatchMulPreprocessing::new(g2, n_vars).batch_mul(&v);

    ProvingKey {
        n_vars,
        n_public,
        domain_size: n,
        alpha1: (g1 * alpha).into_affine(),
        beta1: (g1 * beta).into_affine(),
        beta2: (g2 * beta).into_affine(),
        gamma2: (g2 * gamma).into_affine(),
        delta1: (g1 * delta).into_affine(),
        delta2: (g2 * delta).into_affine(),
        ic: to_g1(&ic),
        coefficients,
        a_query: Arc::from(to_g1(&u)),
        b1_query: Arc::from(to_g1(&v)),
        b2_query: Arc::from(b2),
        c_query: Arc::from(to_g1(&c)),
        h_query: Arc::from(to_g1(&h)),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::groth16::format::{read_r1cs, read_wtns};
    use crate::groth16::{Prover, Verifier, VerifyingKey};
    use zkaccel_backends::cpu::CpuBackend;

    fn fixture(circuit: &str, file: &str) -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/groth16").join(circuit).join(file)
    }

    #[test]
    fn keys_from_circom_r1cs_prove_and_verify_through_their_json_key() {
        for circuit in ["multiplier", "many_public"] {
            let r1cs = read_r1cs(&fixture(circuit, "circuit.r1cs")).unwrap();
            let witness = read_wtns(&fixture(circuit, "witness.wtns")).unwrap();
            let key = setup_r1cs(&r1cs, 3).unwrap();
            assert_eq!((key.n_vars, key.n_public), (r1cs.n_wires as usize, r1cs.n_public() as usize));
            assert!(key.domain_size > r1cs.constraints.len() + key.n_public);
            let json = serde_json::to_value(key.verifying_key().to_json()).unwrap();
            let verifier = Verifier::new(VerifyingKey::from_json(&json, "vk").unwrap());
            let prover = Prover::new(key, Arc::new(CpuBackend::new())).unwrap();
            let out = prover.prove(&witness).unwrap();
            assert!(!out.recomputed_on_cpu, "{circuit}");
            assert!(verifier.verify(&out.proof, &out.public).unwrap(), "{circuit}");
            let mut wrong = out.public.clone();
            wrong[0] += Fr::one();
            assert!(!verifier.verify(&out.proof, &wrong).unwrap(), "{circuit}: wrong public signal accepted");
        }
    }

    #[test]
    fn inconsistent_constraint_systems_are_errors() {
        let mut r1cs = read_r1cs(&fixture("multiplier", "circuit.r1cs")).unwrap();
        let n_wires = r1cs.n_wires;
        r1cs.constraints[0].b.push((n_wires, Fr::one()));
        assert_eq!(setup_r1cs(&r1cs, 1).unwrap_err(), SetupError::Wire { constraint: 0, wire: n_wires, n_wires });
        r1cs.n_wires = r1cs.n_public();
        let err = setup_r1cs(&r1cs, 1).unwrap_err();
        assert!(matches!(err, SetupError::Counts { .. }), "{err:?}");
        assert!(err.to_string().contains("public signals"), "{err}");
        assert_eq!(check_rows(MAX_DOMAIN), Ok(()));
        let too_large = check_rows(MAX_DOMAIN + 1).unwrap_err();
        assert!(too_large.to_string().contains("2^27"), "{too_large}");
    }
}
