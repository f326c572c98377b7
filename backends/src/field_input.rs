//! Field elements from outside (bytes, decimal or hex strings), checked to be below r.
//!
//! Reducing an out-of-range value modulo r silently would hash or prove a different value
//! than the caller meant, so these reject it instead.

use ark_bn254::Fr;
use ark_ff::{BigInteger, PrimeField};
use num_bigint::BigUint;

use crate::error::{BackendError, Result};

fn from_biguint(value: BigUint, shown: &dyn Fn() -> String) -> Result<Fr> {
    let modulus: BigUint = Fr::MODULUS.into();
    if value >= modulus {
        return Err(BackendError::InvalidInput(format!(
            "{} is not below the BN254 scalar field modulus r = {modulus}",
            shown()
        )));
    }
    Ok(Fr::from(value))
}

/// Parses 32 big-endian bytes as a canonical element of Fr (rejects values ≥ r).
pub fn fr_from_be_bytes(bytes: &[u8]) -> Result<Fr> {
    if bytes.len() != 32 {
        return Err(BackendError::InvalidInput(format!("a field element is 32 bytes, got {}", bytes.len())));
    }
    from_biguint(BigUint::from_bytes_be(bytes), &|| format!("0x{}", hex_of(bytes)))
}

/// Parses 32 little-endian bytes as a canonical element of Fr (rejects values ≥ r).
pub fn fr_from_le_bytes(bytes: &[u8]) -> Result<Fr> {
    if bytes.len() != 32 {
        return Err(BackendError::InvalidInput(format!("a field element is 32 bytes, got {}", bytes.len())));
    }
    let mut be = bytes.to_vec();
    be.reverse();
    fr_from_be_bytes(&be)
}

/// Parses a decimal string or a `0x`-prefixed hex string (rejects values ≥ r and non-digits).
pub fn fr_from_str(text: &str) -> Result<Fr> {
    let trimmed = text.trim();
    let parsed = if let Some(hex) = trimmed.strip_prefix("0x").or_else(|| trimmed.strip_prefix("0X")) {
        BigUint::parse_bytes(hex.as_bytes(), 16)
    } else {
        BigUint::parse_bytes(trimmed.as_bytes(), 10)
    };
    let value =
        parsed.ok_or_else(|| BackendError::InvalidInput(format!("{text:?} is not a decimal or 0x-hex integer")))?;
    from_biguint(value, &|| trimmed.to_string())
}

/// The canonical big-endian bytes of an element (the inverse of [`fr_from_be_bytes`]).
pub fn fr_to_be_bytes(value: &Fr) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(&value.into_bigint().to_bytes_be());
    out
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::{One, Zero};

    const R_DEC: &str = "21888242871839275222246405745257275088548364400416034343698204186575808495617";

    #[test]
    fn accepts_values_below_r_and_round_trips() {
        let r_minus_one =
            fr_from_str(&format!("{}", BigUint::parse_bytes(R_DEC.as_bytes(), 10).unwrap() - 1u32)).unwrap();
        assert_eq!(r_minus_one, -Fr::one());
        assert_eq!(fr_from_be_bytes(&fr_to_be_bytes(&r_minus_one)).unwrap(), r_minus_one);
        let mut le = fr_to_be_bytes(&r_minus_one);
        le.reverse();
        assert_eq!(fr_from_le_bytes(&le).unwrap(), r_minus_one);
        assert_eq!(fr_from_str("0").unwrap(), Fr::zero());
        assert_eq!(fr_from_str("0x10").unwrap(), Fr::from(16u64));
    }

    #[test]
    fn rejects_r_and_above_instead_of_reducing() {
        for text in [
            R_DEC.to_string(),
            format!("{R_DEC}0"),
            "0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff".into(),
        ] {
            let err = fr_from_str(&text).unwrap_err();
            assert!(matches!(err, BackendError::InvalidInput(ref m) if m.contains("not below")), "{err}");
        }
        let r_bytes = BigUint::parse_bytes(R_DEC.as_bytes(), 10).unwrap().to_bytes_be();
        assert!(matches!(fr_from_be_bytes(&r_bytes), Err(BackendError::InvalidInput(_))));
        assert!(matches!(fr_from_be_bytes(&[0u8; 31]), Err(BackendError::InvalidInput(_))));
        assert!(matches!(fr_from_str("12a"), Err(BackendError::InvalidInput(_))));
        assert!(matches!(fr_from_str(""), Err(BackendError::InvalidInput(_))));
    }
}
