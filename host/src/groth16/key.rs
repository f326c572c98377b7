//! The Groth16 proving and verifying keys as zkaccel holds them in memory.
//!
//! Everything here is already validated: the readers in [`super::format`] only build these
//! types from files whose points are on the curve and in the subgroup, and whose counts agree
//! with the header. Point vectors are `Arc<[_]>` so a prover can hand them to a backend's
//! resident-bases handles without copying them.

use std::sync::Arc;

use ark_bn254::{Fr, G1Affine, G2Affine};

/// Which R1CS matrix a coefficient belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Matrix {
    /// The A matrix (section 4's matrix id 0).
    A,
    /// The B matrix (section 4's matrix id 1).
    B,
}

/// One non-zero entry of the A or B matrix: `value` at (`constraint`, `signal`).
///
/// `value` is the plain coefficient c (the zkey stores c·R² mod r; the reader converts it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Coefficient {
    /// The matrix.
    pub matrix: Matrix,
    /// Row: the constraint index, below the key's domain size (A has extra rows for the public
    /// inputs at indices at or above the number of R1CS constraints).
    pub constraint: u32,
    /// Column: the witness index, below `n_vars`.
    pub signal: u32,
    /// The coefficient.
    pub value: Fr,
}

/// The part of a Groth16 key a verifier needs (snarkjs's `verification_key.json`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyingKey {
    /// Number of public signals (outputs, then public inputs).
    pub n_public: usize,
    /// [α]₁.
    pub alpha1: G1Affine,
    /// [β]₂.
    pub beta2: G2Affine,
    /// [γ]₂.
    pub gamma2: G2Affine,
    /// [δ]₂.
    pub delta2: G2Affine,
    /// The `n_public + 1` points that weigh the constant 1 and each public signal.
    pub ic: Vec<G1Affine>,
}

/// A snarkjs Groth16 proving key (`.zkey`), read and validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProvingKey {
    /// Number of witness values (wires), the constant 1 included.
    pub n_vars: usize,
    /// Number of public signals.
    pub n_public: usize,
    /// Size of the evaluation domain: a power of two at least the number of constraints plus
    /// public inputs.
    pub domain_size: usize,
    /// [α]₁.
    pub alpha1: G1Affine,
    /// [β]₁.
    pub beta1: G1Affine,
    /// [β]₂.
    pub beta2: G2Affine,
    /// [γ]₂.
    pub gamma2: G2Affine,
    /// [δ]₁.
    pub delta1: G1Affine,
    /// [δ]₂.
    pub delta2: G2Affine,
    /// Section 3: `n_public + 1` points.
    pub ic: Vec<G1Affine>,
    /// Section 4: the non-zero entries of A and B, in file order.
    pub coefficients: Vec<Coefficient>,
    /// Section 5: `n_vars` points (many may be the identity).
    pub a_query: Arc<[G1Affine]>,
    /// Section 6: `n_vars` points.
    pub b1_query: Arc<[G1Affine]>,
    /// Section 7: `n_vars` points over G2.
    pub b2_query: Arc<[G2Affine]>,
    /// Section 8: `n_vars - n_public - 1` points, for the private witness values.
    pub c_query: Arc<[G1Affine]>,
    /// Section 9: `domain_size` points, for the H polynomial on the odd coset.
    pub h_query: Arc<[G1Affine]>,
}

impl ProvingKey {
    /// The verifying key contained in this proving key.
    pub fn verifying_key(&self) -> VerifyingKey {
        VerifyingKey {
            n_public: self.n_public,
            alpha1: self.alpha1,
            beta2: self.beta2,
            gamma2: self.gamma2,
            delta2: self.delta2,
            ic: self.ic.clone(),
        }
    }
}
