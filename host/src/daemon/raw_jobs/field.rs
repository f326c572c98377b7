//! Field elements and G1 points from a raw job's strings, checked, never reduced.
//!
//! A field element is a decimal string (`"123"`) or `0x` followed by hex digits (`"0x7b"`);
//! nothing else is accepted (no sign, spaces or separators). Values at or above the field's
//! modulus are rejected: reducing them would compute on a different value than the caller meant.

use ark_bn254::{Fq, Fr, G1Affine};
use ark_ec::AffineRepr;
use ark_ff::{PrimeField, Zero};
use num_bigint::BigUint;

use super::RawJobError;
use crate::groth16::decimal::to_decimal;

/// Longest input shown whole in an error message; longer ones are shortened.
const SHOWN_MAX: usize = 90;

/// `text` for an error message, shortened when long.
fn shown(text: &str) -> String {
    if text.chars().count() <= SHOWN_MAX {
        format!("{text:?}")
    } else {
        let head: String = text.chars().take(SHOWN_MAX).collect();
        format!("{head:?}… ({} characters)", text.chars().count())
    }
}

/// Parses `text` as an element of `F` whose modulus is called `modulus_name` in messages
/// (e.g. "the scalar field modulus r"); `what` names the field and index.
fn parse_element<F: PrimeField>(text: &str, what: &str, modulus_name: &str) -> Result<F, RawJobError> {
    let (digits, radix) = match text.strip_prefix("0x") {
        Some(hex) => (hex, 16),
        None => (text, 10),
    };
    let valid_digit = |b: &u8| if radix == 16 { b.is_ascii_hexdigit() } else { b.is_ascii_digit() };
    if digits.is_empty() || !digits.as_bytes().iter().all(valid_digit) {
        return Err(RawJobError::invalid(format!("{what}: {} is not a decimal or 0x-hex integer string", shown(text))));
    }
    let significant = digits.trim_start_matches('0');
    if significant.is_empty() {
        return Ok(F::zero());
    }
    let modulus: BigUint = F::MODULUS.into();
    // A value with more significant digits than the modulus is above it: no need to parse it.
    let value = if significant.len() > modulus.to_str_radix(radix).len() {
        None
    } else {
        BigUint::parse_bytes(significant.as_bytes(), radix)
    };
    match value {
        Some(value) if value < modulus => Ok(F::from(value)),
        _ => Err(RawJobError::invalid(format!("{what}: {} is not below {modulus_name}", shown(text)))),
    }
}

/// Parses an element of the scalar field Fr (MSM scalars, NTT values, Poseidon inputs, leaves).
pub fn parse_fr(text: &str, what: &str) -> Result<Fr, RawJobError> {
    parse_element(text, what, "the scalar field modulus r")
}

/// Parses an element of the base field Fq (point coordinates).
pub fn parse_fq(text: &str, what: &str) -> Result<Fq, RawJobError> {
    parse_element(text, what, "the base field modulus q")
}

/// Parses an affine G1 point `["x", "y"]`, checking that it is on the curve (BN254's G1 has
/// cofactor 1, so that is also the subgroup); `["0", "0"]` is the identity, as in snarkjs.
pub fn parse_g1(point: &[String; 2], what: &str) -> Result<G1Affine, RawJobError> {
    let x = parse_fq(&point[0], &format!("{what}[0]"))?;
    let y = parse_fq(&point[1], &format!("{what}[1]"))?;
    if x.is_zero() && y.is_zero() {
        return Ok(G1Affine::identity());
    }
    let parsed = G1Affine::new_unchecked(x, y);
    if !parsed.is_on_curve() {
        return Err(RawJobError::invalid(format!("{what}: ({}, {}) is not on the BN254 G1 curve", point[0], point[1])));
    }
    Ok(parsed)
}

/// Renders a G1 point as `["x", "y"]` decimal strings, the identity as `["0", "0"]`.
pub fn g1_to_strings(point: &G1Affine) -> [String; 2] {
    match point.xy() {
        Some((x, y)) => [to_decimal(x), to_decimal(y)],
        None => ["0".to_string(), "0".to_string()],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::CurveGroup;
    use ark_ff::One;

    const R: &str = "21888242871839275222246405745257275088548364400416034343698204186575808495617";
    const R_MINUS_1: &str = "21888242871839275222246405745257275088548364400416034343698204186575808495616";
    const Q: &str = "21888242871839275222246405745257275088696311157297823662689037894645226208583";
    const R_HEX: &str = "0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001";

    fn invalid(result: Result<impl std::fmt::Debug, RawJobError>) -> String {
        match result {
            Err(RawJobError::Invalid(message)) => message,
            other => panic!("expected Invalid, got {other:?}"),
        }
    }

    #[test]
    fn decimal_and_hex_forms_parse() {
        assert_eq!(parse_fr("0", "v").unwrap(), Fr::zero());
        assert_eq!(parse_fr("000", "v").unwrap(), Fr::zero());
        assert_eq!(parse_fr("0x0", "v").unwrap(), Fr::zero());
        assert!(parse_fr("0x", "v").is_err());
        assert_eq!(parse_fr("123", "v").unwrap(), Fr::from(123u64));
        assert_eq!(parse_fr("0x7b", "v").unwrap(), Fr::from(123u64));
        assert_eq!(parse_fr("0x7B", "v").unwrap(), Fr::from(123u64));
        assert_eq!(parse_fr("0x0000007b", "v").unwrap(), Fr::from(123u64));
        assert_eq!(parse_fr(R_MINUS_1, "v").unwrap(), -Fr::one());
        assert_eq!(
            parse_fr("0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000000", "v").unwrap(),
            -Fr::one()
        );
        assert_eq!(to_decimal(-Fr::one()), R_MINUS_1);
    }

    #[test]
    fn non_numbers_are_rejected_with_the_field_name() {
        for bad in ["", "abc", "-1", "+1", " 1", "1 ", "1_000", "1.0", "1e3", "0X7b", "0xg1", "0x 1", "٣"] {
            let message = invalid(parse_fr(bad, "values[4]"));
            assert!(message.starts_with("values[4]: "), "{message}");
            assert!(message.contains("not a decimal or 0x-hex integer"), "{message}");
        }
    }

    #[test]
    fn values_at_or_above_the_modulus_are_rejected_not_reduced() {
        let r_plus_1 = (BigUint::parse_bytes(R.as_bytes(), 10).unwrap() + 1u32).to_string();
        for bad in [R, R_HEX, r_plus_1.as_str(), Q] {
            let message = invalid(parse_fr(bad, "scalars[3]"));
            assert_eq!(message, format!("scalars[3]: {bad:?} is not below the scalar field modulus r"));
        }
        // Far longer than the modulus, with and without leading zeros.
        let huge = "9".repeat(5000);
        let message = invalid(parse_fr(&huge, "scalars[0]"));
        assert!(message.contains("is not below the scalar field modulus r") && message.len() < 300, "{message}");
        let padded = format!("{}{}", "0".repeat(5000), 5);
        assert_eq!(parse_fr(&padded, "v").unwrap(), Fr::from(5u64));
        // q is fine in Fq only below it; r ≤ x < q is a valid coordinate.
        assert!(parse_fq(R, "x").is_ok());
        assert_eq!(message_of_fq(Q), "bases[0][0]: \"".to_string() + Q + "\" is not below the base field modulus q");
    }

    fn message_of_fq(text: &str) -> String {
        invalid(parse_fq(text, "bases[0][0]"))
    }

    #[test]
    fn points_are_checked_on_the_curve() {
        let g = G1Affine::generator();
        let p = (g * Fr::from(5u64)).into_affine();
        assert_eq!(parse_g1(&g1_to_strings(&p), "bases[0]").unwrap(), p);
        assert_eq!(parse_g1(&["1".into(), "2".into()], "bases[0]").unwrap(), g);
        assert_eq!(parse_g1(&["0".into(), "0x0".into()], "bases[0]").unwrap(), G1Affine::identity());
        assert_eq!(g1_to_strings(&G1Affine::identity()), ["0", "0"]);
        let message = invalid(parse_g1(&["1".into(), "3".into()], "bases[7]"));
        assert_eq!(message, "bases[7]: (1, 3) is not on the BN254 G1 curve");
        let message = invalid(parse_g1(&["1".into(), "x".into()], "bases[7]"));
        assert!(message.starts_with("bases[7][1]: "), "{message}");
    }
}
