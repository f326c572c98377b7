//! Groth16 verification: one multi-pairing, with the fixed G2 points prepared once.
//!
//! The check is e(π_A, π_B) = e(α, β)·e(vk_x, γ)·e(π_C, δ) with
//! vk_x = IC₀ + Σ publicᵢ·ICᵢ, evaluated as one product of four Miller loops and a single
//! final exponentiation.

use ark_bn254::{Bn254, Fr, G1Affine, G1Projective, G2Affine};
use ark_ec::pairing::Pairing;
use ark_ec::{AffineRepr, CurveGroup, VariableBaseMSM};
use ark_ff::Zero;
use serde_json::Value;

use super::decimal::{g1_from_json, g2_from_json};
use super::error::{Groth16Error, Result};
use super::key::VerifyingKey;
use super::proof::Proof;

/// A verifying key with its G2 points prepared for the Miller loop.
#[derive(Debug, Clone)]
pub struct Verifier {
    key: VerifyingKey,
    beta: <Bn254 as Pairing>::G2Prepared,
    gamma: <Bn254 as Pairing>::G2Prepared,
    delta: <Bn254 as Pairing>::G2Prepared,
}

impl Verifier {
    /// Prepares `key` for verifying many proofs.
    pub fn new(key: VerifyingKey) -> Verifier {
        let prepare = |p: G2Affine| <Bn254 as Pairing>::G2Prepared::from(p);
        Verifier { beta: prepare(key.beta2), gamma: prepare(key.gamma2), delta: prepare(key.delta2), key }
    }

    /// The key.
    pub fn key(&self) -> &VerifyingKey {
        &self.key
    }

    /// Whether `proof` is valid for `public` signals. A wrong number of signals is an error
    /// (not merely an invalid proof), so a caller can tell a malformed request from a bad proof.
    pub fn verify(&self, proof: &Proof, public: &[Fr]) -> Result<bool> {
        if public.len() != self.key.n_public || self.key.ic.len() != public.len() + 1 {
            return Err(Groth16Error::PublicInputCount { expected: self.key.n_public, got: public.len() });
        }
        let vk_x = self.key.ic[0].into_group() + G1Projective::msm_unchecked(&self.key.ic[1..], public);
        let lhs = [
            <Bn254 as Pairing>::G1Prepared::from(proof.a),
            (-self.key.alpha1).into(),
            (-vk_x.into_affine()).into(),
            (-proof.c).into(),
        ];
        let rhs = [proof.b.into(), self.beta.clone(), self.gamma.clone(), self.delta.clone()];
        let product = Bn254::multi_pairing(lhs, rhs);
        // GT is written additively in arkworks: `zero` is the identity (the field's one).
        Ok(product.is_zero())
    }
}

impl VerifyingKey {
    /// Parses snarkjs's `verification_key.json` (`zkey export verificationkey`).
    pub fn from_json(value: &Value, file: &str) -> Result<VerifyingKey> {
        let field = |name: &str| {
            value.get(name).ok_or_else(|| {
                Groth16Error::json(file, format!("missing \"{name}\" (not a snarkjs verification key?)"))
            })
        };
        let protocol = field("protocol")?;
        if protocol.as_str() != Some("groth16") {
            return Err(Groth16Error::json(file, format!("protocol is {protocol}, only groth16 keys are supported")));
        }
        if let Some(curve) = value.get("curve") {
            if curve.as_str() != Some("bn128") && curve.as_str() != Some("bn254") {
                return Err(Groth16Error::json(file, format!("curve is {curve}, only bn128 (BN254) is supported")));
            }
        }
        let n_public = field("nPublic")?
            .as_u64()
            .and_then(|n| usize::try_from(n).ok())
            .ok_or_else(|| Groth16Error::json(file, "nPublic: expected a non-negative integer"))?;
        let ic = field("IC")?
            .as_array()
            .ok_or_else(|| Groth16Error::json(file, "IC: expected an array of G1 points"))?
            .iter()
            .enumerate()
            .map(|(i, p)| g1_from_json(p, file, &format!("IC[{i}]")))
            .collect::<Result<Vec<G1Affine>>>()?;
        if ic.len() != n_public + 1 {
            return Err(Groth16Error::json(
                file,
                format!("IC has {} points but nPublic = {n_public} needs {}", ic.len(), n_public + 1),
            ));
        }
        Ok(VerifyingKey {
            n_public,
            alpha1: g1_from_json(field("vk_alpha_1")?, file, "vk_alpha_1")?,
            beta2: g2_from_json(field("vk_beta_2")?, file, "vk_beta_2")?,
            gamma2: g2_from_json(field("vk_gamma_2")?, file, "vk_gamma_2")?,
            delta2: g2_from_json(field("vk_delta_2")?, file, "vk_delta_2")?,
            ic,
        })
    }
}
