//! A Groth16 proof and its snarkjs `proof.json` form.

use ark_bn254::{G1Affine, G2Affine};
use serde::Serialize;
use serde_json::Value;

use super::decimal::{g1_from_json, g1_to_json, g2_from_json, g2_to_json};
use super::error::{Groth16Error, Result};

/// A Groth16 proof: π_A ∈ G1, π_B ∈ G2, π_C ∈ G1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Proof {
    /// π_A.
    pub a: G1Affine,
    /// π_B.
    pub b: G2Affine,
    /// π_C.
    pub c: G1Affine,
}

impl Proof {
    /// snarkjs's `proof.json` object: pi_a, pi_b, pi_c as decimal strings, protocol "groth16",
    /// curve "bn128" (serialised in that key order).
    pub fn to_json(&self) -> ProofJson {
        ProofJson {
            pi_a: g1_to_json(&self.a),
            pi_b: g2_to_json(&self.b),
            pi_c: g1_to_json(&self.c),
            protocol: "groth16",
            curve: "bn128",
        }
    }

    /// Parses a snarkjs `proof.json` (`file` names it in errors). Points must be on the curve
    /// (π_B in G2's subgroup); protocol and curve, when present, must be groth16 and bn128.
    pub fn from_json(value: &Value, file: &str) -> Result<Proof> {
        let field = |name: &str| {
            value
                .get(name)
                .ok_or_else(|| Groth16Error::json(file, format!("missing \"{name}\" (not a snarkjs proof?)")))
        };
        if let Some(protocol) = value.get("protocol") {
            if protocol.as_str() != Some("groth16") {
                return Err(Groth16Error::json(file, format!("protocol is {protocol}, expected \"groth16\"")));
            }
        }
        if let Some(curve) = value.get("curve") {
            if curve.as_str() != Some("bn128") && curve.as_str() != Some("bn254") {
                return Err(Groth16Error::json(file, format!("curve is {curve}, only bn128 (BN254) is supported")));
            }
        }
        Ok(Proof {
            a: g1_from_json(field("pi_a")?, file, "pi_a")?,
            b: g2_from_json(field("pi_b")?, file, "pi_b")?,
            c: g1_from_json(field("pi_c")?, file, "pi_c")?,
        })
    }
}

/// A proof in snarkjs's `proof.json` shape, fields in snarkjs's order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProofJson {
    /// π_A: `["x", "y", "1"]`.
    pub pi_a: Value,
    /// π_B: `[["x.c0", "x.c1"], ["y.c0", "y.c1"], ["1", "0"]]`.
    pub pi_b: Value,
    /// π_C: `["x", "y", "1"]`.
    pub pi_c: Value,
    /// Always "groth16".
    pub protocol: &'static str,
    /// Always "bn128" (snarkjs's name for BN254).
    pub curve: &'static str,
}

/// Serialises JSON as snarkjs does (`JSON.stringify(value, null, 1)`: one-space indentation).
pub fn to_snarkjs_string(value: &impl Serialize) -> String {
    let mut out = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b" ");
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, formatter);
    serde::Serialize::serialize(value, &mut serializer)
        .expect("serialising a serde_json::Value into memory cannot fail");
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::{AffineRepr, CurveGroup};
    use ark_std::UniformRand;

    #[test]
    fn proof_json_has_snarkjs_shape_and_round_trips() {
        let mut rng = ark_std::test_rng();
        let proof = Proof {
            a: ark_bn254::G1Projective::rand(&mut rng).into_affine(),
            b: ark_bn254::G2Projective::rand(&mut rng).into_affine(),
            c: ark_bn254::G1Projective::rand(&mut rng).into_affine(),
        };
        let text = to_snarkjs_string(&proof.to_json());
        let at = |key: &str| text.find(&format!("\"{key}\"")).unwrap();
        assert!(at("pi_a") < at("pi_b") && at("pi_b") < at("pi_c") && at("pi_c") < at("protocol"));
        assert!(at("protocol") < at("curve"));
        assert!(text.starts_with("{\n \"pi_a\": [\n  \""), "{text}");
        let back: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back["pi_a"][2], "1");
        assert_eq!(back["pi_b"][2], serde_json::json!(["1", "0"]));
        assert_eq!(back["curve"], "bn128");
        assert_eq!(Proof::from_json(&back, "proof.json").unwrap(), proof);
    }

    #[test]
    fn rejects_other_protocols_and_missing_fields() {
        let g = G1Affine::generator();
        let proof = Proof { a: g, b: G2Affine::generator(), c: g };
        let json = || serde_json::to_value(proof.to_json()).unwrap();
        let mut plonk = json();
        plonk["protocol"] = Value::from("plonk");
        assert!(Proof::from_json(&plonk, "p").unwrap_err().to_string().contains("groth16"));
        let mut json = json();
        json.as_object_mut().unwrap().remove("pi_c");
        assert!(Proof::from_json(&json, "p").unwrap_err().to_string().contains("pi_c"));
    }
}
