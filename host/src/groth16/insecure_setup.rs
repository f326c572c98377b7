//! A Groth16 setup whose secrets are known: **for tests only**.
//!
//! It builds a proving key in snarkjs's exact form (extra A rows for the public inputs, H query
//! over the odd coset) from an R1CS given as three sparse matrices, so the prover, the verifier
//! and the daemon are tested in Rust without node or a powers-of-tau file. Anyone who knows the
//! seed can forge proofs for keys made here; real keys come from a ceremony and
//! `snarkjs groth16 setup` / `zkey contribute`.

use std::sync::Arc;

use ark_bn254::{Fr, G1Affine, G1Projective, G2Projective};
use ark_ec::{CurveGroup, PrimeGroup};
use ark_ff::{FftField, Field, One, Zero};
use ark_std::UniformRand;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use rayon::prelude::*;

use super::key::{Coefficient, Matrix, ProvingKey};

/// A linear combination: (witness index, coefficient) pairs.
pub type Combination = Vec<(u32, Fr)>;

/// An R1CS constraint ⟨A,w⟩·⟨B,w⟩ = ⟨C,w⟩.
#[derive(Debug, Clone, Default)]
pub struct TestConstraint {
    /// A's row.
    pub a: Combination,
    /// B's row.
    pub b: Combination,
    /// C's row.
    pub c: Combination,
}

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

/// Makes a proving key for `circuit` from secrets derived from `seed`.
pub fn setup(circuit: &TestCircuit, seed: u64) -> ProvingKey {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let [tau, alpha, beta, gamma, delta] = [(); 5].map(|_| Fr::rand(&mut rng));
    let rows = circuit.constraints.len() + circuit.n_public + 1;
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
    let lagrange: Vec<Fr> = omegas.iter().map(|w| (tau_n - Fr::one()) * w / (n_fr * (tau - w))).collect();

    // The A matrix with snarkjs's extra rows: row (constraints + k) has A = 1 at signal k for
    // k = 0..=n_public.
    let mut coefficients = Vec::new();
    let mut u = vec![Fr::zero(); circuit.n_vars];
    let mut v = vec![Fr::zero(); circuit.n_vars];
    let mut w = vec![Fr::zero(); circuit.n_vars];
    for (i, constraint) in circuit.constraints.iter().enumerate() {
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
    for (k, u_k) in u.iter_mut().enumerate().take(circuit.n_public + 1) {
        let row = circuit.constraints.len() + k;
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
    let to_g1 = |scalars: &[Fr]| -> Vec<G1Affine> {
        let points: Vec<G1Projective> = scalars.par_iter().map(|s| g1 * s).collect();
        G1Projective::normalize_batch(&points)
    };
    let combined = |j: usize| beta * u[j] + alpha * v[j] + w[j];
    let (gamma_inv, delta_inv) = (gamma.inverse().expect("random"), delta.inverse().expect("random"));
    let ic: Vec<Fr> = (0..=circuit.n_public).map(|j| combined(j) * gamma_inv).collect();
    let c: Vec<Fr> = (circuit.n_public + 1..circuit.n_vars).map(|j| combined(j) * delta_inv).collect();

    // H over the odd coset x_i = ω₂ₙ·ωⁱ: H_i = −L'_i(τ)·Z(τ) / (2δ) with
    // L'_i(τ) = (τⁿ + 1)·x_i / (−n·(τ − x_i)) and Z(τ) = τⁿ − 1.
    let z_tau = tau_n - Fr::one();
    let two_delta = Fr::from(2u64) * delta;
    let h: Vec<Fr> = omegas
        .iter()
        .map(|w| {
            let x = omega_2n * w;
            let l = (tau_n + Fr::one()) * x / (-n_fr * (tau - x));
            -l * z_tau / two_delta
        })
        .collect();
    let b2: Vec<G2Projective> = v.par_iter().map(|s| g2 * s).collect();

    ProvingKey {
        n_vars: circuit.n_vars,
        n_public: circuit.n_public,
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
        b2_query: Arc::from(G2Projective::normalize_batch(&b2)),
        c_query: Arc::from(to_g1(&c)),
        h_query: Arc::from(to_g1(&h)),
    }
}
