//! Field elements and points as the decimal strings of snarkjs's JSON files.
//!
//! snarkjs writes affine coordinates in standard (not Montgomery) form as base-10 strings, and
//! points in projective form with a last coordinate of "1" (or "0" for the identity). Values at
//! or above the field's modulus are rejected, never reduced.

use ark_bn254::{Fq, Fq2, Fr, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::{BigInteger, PrimeField, Zero};
use num_bigint::BigUint;
use serde_json::Value;

use super::error::{Groth16Error, Result};

/// `x` as a decimal string (standard form).
pub fn to_decimal<F: PrimeField>(x: F) -> String {
    BigUint::from_bytes_le(&x.into_bigint().to_bytes_le()).to_str_radix(10)
}

/// Parses a decimal string into a field element, rejecting anything that is not a plain
/// non-negative integer below the modulus.
pub fn from_decimal<F: PrimeField>(text: &str, file: &str, what: &str) -> Result<F> {
    let bad = |why: &str| Groth16Error::json(file, format!("{what}: {why} (got {text:?})"));
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad("expected a decimal integer string"));
    }
    let value = BigUint::parse_bytes(text.as_bytes(), 10).ok_or_else(|| bad("expected a decimal integer string"))?;
    let modulus = BigUint::from_bytes_le(&F::MODULUS.to_bytes_le());
    if value >= modulus {
        return Err(bad("not below the field's modulus"));
    }
    Ok(F::from_le_bytes_mod_order(&value.to_bytes_le()))
}

/// A JSON string element of an array, or an error naming it.
fn string_at<'a>(value: &'a Value, index: usize, file: &str, what: &str) -> Result<&'a str> {
    value
        .get(index)
        .and_then(Value::as_str)
        .ok_or_else(|| Groth16Error::json(file, format!("{what}[{index}]: expected a decimal string")))
}

/// A G1 point as snarkjs writes it: `["x", "y", "1"]`, or `["0", "1", "0"]` for the identity.
pub fn g1_to_json(p: &G1Affine) -> Value {
    match p.xy() {
        Some((x, y)) => Value::from(vec![to_decimal(x), to_decimal(y), "1".to_string()]),
        None => Value::from(vec!["0", "1", "0"]),
    }
}

/// A G2 point as snarkjs writes it: `[["x.c0","x.c1"], ["y.c0","y.c1"], ["1","0"]]`.
pub fn g2_to_json(p: &G2Affine) -> Value {
    let pair = |c: Fq2| Value::from(vec![to_decimal(c.c0), to_decimal(c.c1)]);
    match p.xy() {
        Some((x, y)) => Value::from(vec![pair(x), pair(y), Value::from(vec!["1", "0"])]),
        None => {
            Value::from(vec![Value::from(vec!["0", "0"]), Value::from(vec!["1", "0"]), Value::from(vec!["0", "0"])])
        }
    }
}

/// Parses a G1 point written by snarkjs, checking that it is on the curve.
pub fn g1_from_json(value: &Value, file: &str, what: &str) -> Result<G1Affine> {
    let len = value.as_array().map(Vec::len);
    if !matches!(len, Some(2 | 3)) {
        return Err(Groth16Error::json(file, format!("{what}: expected [x, y, z] decimal strings")));
    }
    let x: Fq = from_decimal(string_at(value, 0, file, what)?, file, what)?;
    let y: Fq = from_decimal(string_at(value, 1, file, what)?, file, what)?;
    let z: Fq =
        if len == Some(3) { from_decimal(string_at(value, 2, file, what)?, file, what)? } else { Fq::from(1u64) };
    if z.is_zero() {
        return Ok(G1Affine::identity());
    }
    if z != Fq::from(1u64) {
        return Err(Groth16Error::json(file, format!("{what}: the z coordinate must be 1 (affine) or 0 (identity)")));
    }
    let point = G1Affine::new_unchecked(x, y);
    if !point.is_on_curve() {
        return Err(Groth16Error::json(file, format!("{what}: the point is not on the BN254 curve")));
    }
    Ok(point)
}

/// Parses a G2 point written by snarkjs, checking the curve and the subgroup.
pub fn g2_from_json(value: &Value, file: &str, what: &str) -> Result<G2Affine> {
    let coordinate = |index: usize| -> Result<Fq2> {
        let pair = value
            .get(index)
            .filter(|pair| pair.as_array().map(Vec::len) == Some(2))
            .ok_or_else(|| Groth16Error::json(file, format!("{what}[{index}]: expected a pair of decimal strings")))?;
        let name = format!("{what}[{index}]");
        Ok(Fq2::new(
            from_decimal(string_at(pair, 0, file, &name)?, file, &name)?,
            from_decimal(string_at(pair, 1, file, &name)?, file, &name)?,
        ))
    };
    let len = value.as_array().map(Vec::len);
    if !matches!(len, Some(2 | 3)) {
        return Err(Groth16Error::json(file, format!("{what}: expected [[x0, x1], [y0, y1], [z0, z1]]")));
    }
    let (x, y) = (coordinate(0)?, coordinate(1)?);
    let z = if len == Some(3) { coordinate(2)? } else { Fq2::from(1u64) };
    if z.is_zero() {
        return Ok(G2Affine::identity());
    }
    if z != Fq2::from(1u64) {
        return Err(Groth16Error::json(
            file,
            format!("{what}: the z coordinate must be [1, 0] (affine) or [0, 0] (identity)"),
        ));
    }
    let point = G2Affine::new_unchecked(x, y);
    if !point.is_on_curve() || !point.is_in_correct_subgroup_assuming_on_curve() {
        return Err(Groth16Error::json(file, format!("{what}: the point is not in BN254's G2")));
    }
    Ok(point)
}

/// Public signals (`public.json`): an array of decimal strings.
pub fn signals_to_json(signals: &[Fr]) -> Value {
    Value::from(signals.iter().map(|s| to_decimal(*s)).collect::<Vec<_>>())
}

/// Parses `public.json`.
pub fn signals_from_json(value: &Value, file: &str) -> Result<Vec<Fr>> {
    let array = value
        .as_array()
        .ok_or_else(|| Groth16Error::json(file, "expected a JSON array of decimal strings (snarkjs public.json)"))?;
    array
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let what = format!("public signal {i}");
            let text =
                v.as_str().ok_or_else(|| Groth16Error::json(file, format!("{what}: expected a decimal string")))?;
            from_decimal(text, file, &what)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::CurveGroup;
    use ark_std::UniformRand;

    #[test]
    fn points_round_trip() {
        let mut rng = ark_std::test_rng();
        for _ in 0..8 {
            let p = ark_bn254::G1Projective::rand(&mut rng).into_affine();
            assert_eq!(g1_from_json(&g1_to_json(&p), "t", "p").unwrap(), p);
            let q = ark_bn254::G2Projective::rand(&mut rng).into_affine();
            assert_eq!(g2_from_json(&g2_to_json(&q), "t", "q").unwrap(), q);
        }
        assert!(g1_from_json(&g1_to_json(&G1Affine::identity()), "t", "p").unwrap().is_zero());
        assert!(g2_from_json(&g2_to_json(&G2Affine::identity()), "t", "q").unwrap().is_zero());
    }

    #[test]
    fn rejects_out_of_range_and_garbage() {
        let r = "21888242871839275222246405745257275088548364400416034343698204186575808495617";
        assert!(from_decimal::<Fr>(r, "t", "x").is_err());
        let r_minus_1 = "21888242871839275222246405745257275088548364400416034343698204186575808495616";
        assert_eq!(from_decimal::<Fr>(r_minus_1, "t", "x").unwrap(), -Fr::from(1u64));
        for bad in ["", "-1", "1e3", " 1", "0x10", "12a"] {
            assert!(from_decimal::<Fr>(bad, "t", "x").is_err(), "{bad:?}");
        }
        let off_curve = serde_json::json!(["1", "1", "1"]);
        let err = g1_from_json(&off_curve, "proof.json", "pi_a").unwrap_err().to_string();
        assert!(err.contains("proof.json") && err.contains("pi_a") && err.contains("not on"), "{err}");
        assert!(g1_from_json(&serde_json::json!(["1", "2", "5"]), "t", "p").is_err());
        assert!(g1_from_json(&serde_json::json!({"x": 1}), "t", "p").is_err());
        assert!(signals_from_json(&serde_json::json!(["1", 2]), "t").is_err());
        assert_eq!(
            signals_from_json(&serde_json::json!(["1", "2"]), "t").unwrap(),
            vec![Fr::from(1u64), Fr::from(2u64)]
        );
    }
}
