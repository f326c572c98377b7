//! Groth16 verification: one multi-pairing, with the fixed G2 points prepared once.
//!
//! The check is e(π_A, π_B) = e(α, β)·e(vk_x, γ)·e(π_C, δ) with
//! vk_x = IC₀ + Σ publicᵢ·ICᵢ, evaluated as one product of four Miller loops and a single
//! final exponentiation.

use ark_bn254::{Bn254, Fq2, Fq6, Fr, G1Affine, G1Projective, G2Affine};
use ark_ec::pairing::Pairing;
use ark_ec::{AffineRepr, CurveGroup, VariableBaseMSM};
use ark_ff::Zero;
use serde::Serialize;
use serde_json::Value;

use super::decimal::{g1_from_json, g1_to_json, g2_from_json, g2_to_json, to_decimal};
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
    /// snarkjs's `verification_key.json` for this key (serialise it with
    /// [`to_snarkjs_string`](super::proof::to_snarkjs_string)); includes `vk_alphabeta_12` =
    /// e(α, β), which `snarkjs zkey export verificationkey` also writes.
    pub fn to_json(&self) -> VerificationKeyJson {
        let alphabeta = Bn254::pairing(self.alpha1, self.beta2).0;
        let fq2 = |c: Fq2| Value::from(vec![to_decimal(c.c0), to_decimal(c.c1)]);
        let fq6 = |c: Fq6| Value::from(vec![fq2(c.c0), fq2(c.c1), fq2(c.c2)]);
        VerificationKeyJson {
            protocol: "groth16",
            curve: "bn128",
            n_public: self.n_public,
            vk_alpha_1: g1_to_json(&self.alpha1),
            vk_beta_2: g2_to_json(&self.beta2),
            vk_gamma_2: g2_to_json(&self.gamma2),
            vk_delta_2: g2_to_json(&self.delta2),
            vk_alphabeta_12: Value::from(vec![fq6(alphabeta.c0), fq6(alphabeta.c1)]),
            ic: self.ic.iter().map(g1_to_json).collect(),
        }
    }

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

/// A verifying key in snarkjs's `verification_key.json` shape, fields in snarkjs's order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VerificationKeyJson {
    /// Always "groth16".
    pub protocol: &'static str,
    /// Always "bn128".
    pub curve: &'static str,
    /// Number of public signals.
    #[serde(rename = "nPublic")]
    pub n_public: usize,
    /// [α]₁.
    pub vk_alpha_1: Value,
    /// [β]₂.
    pub vk_beta_2: Value,
    /// [γ]₂.
    pub vk_gamma_2: Value,
    /// [δ]₂.
    pub vk_delta_2: Value,
    /// e(α, β) in GT, as two Fq6 of three Fq2 each.
    pub vk_alphabeta_12: Value,
    /// IC₀ … IC_nPublic.
    #[serde(rename = "IC")]
    pub ic: Vec<Value>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::groth16::proof::to_snarkjs_string;

    /// The fixture written by `snarkjs zkey export verificationkey`, byte for byte.
    #[test]
    fn to_json_writes_snarkjs_verification_keys_byte_for_byte() {
        for circuit in ["multiplier", "many_public", "poseidon_chain_small"] {
            let path = format!("{}/tests/fixtures/groth16/{circuit}/verification_key.json", env!("CARGO_MANIFEST_DIR"));
            let text = std::fs::read_to_string(&path).unwrap();
            let key = VerifyingKey::from_json(&serde_json::from_str(&text).unwrap(), &path).unwrap();
            let written = to_snarkjs_string(&key.to_json());
            assert_eq!(written.trim_end(), text.trim_end(), "{circuit}");
            let back = VerifyingKey::from_json(&serde_json::from_str(&written).unwrap(), "written").unwrap();
            assert_eq!(back, key);
        }
    }
}
