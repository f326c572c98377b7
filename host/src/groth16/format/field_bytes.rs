//! 32-byte little-endian field elements ↔ `Fr`/`Fq`: Montgomery-form decoding (zkey points),
//! the R²-scaled coefficients of zkey section 4, standard form (.wtns, .r1cs), and canonical range
//! checks (a value at or above the modulus is rejected, never reduced).

use ark_bn254::{Fq, Fr};
use ark_ff::{BigInt, BigInteger, PrimeField};

/// Bytes of one field element on disk.
pub const FIELD_BYTES: usize = 32;

/// The four little-endian limbs of a 32-byte little-endian integer (callers pass 32 bytes; a
/// shorter slice reads as zero-padded).
fn limbs(bytes: &[u8]) -> BigInt<4> {
    let mut out = [0u64; 4];
    for (limb, chunk) in out.iter_mut().zip(bytes.chunks(8)) {
        let mut a = [0u8; 8];
        for (dst, src) in a.iter_mut().zip(chunk) {
            *dst = *src;
        }
        *limb = u64::from_le_bytes(a);
    }
    BigInt(out)
}

/// An `Fq` from its Montgomery form x·R mod q (R = 2^256), or `None` if the integer is not below q.
pub fn fq_from_montgomery(bytes: &[u8]) -> Option<Fq> {
    let b = limbs(bytes);
    // arkworks also keeps Montgomery limbs with R = 2^256: they are the internal representation.
    (b < Fq::MODULUS).then(|| Fq::new_unchecked(b))
}

/// The Montgomery form of an `Fq` (x·R mod q), 32 bytes little-endian.
pub fn fq_to_montgomery(x: &Fq) -> [u8; 32] {
    to_bytes(&x.0)
}

/// An `Fr` in standard form, or `None` if the integer is not below r.
pub fn fr_from_standard(bytes: &[u8]) -> Option<Fr> {
    Fr::from_bigint(limbs(bytes))
}

/// The standard form of an `Fr`, 32 bytes little-endian.
pub fn fr_to_standard(x: &Fr) -> [u8; 32] {
    to_bytes(&x.into_bigint())
}

/// The plain coefficient c from zkey section 4's stored value c·R² mod r, or `None` if the stored
/// integer is not below r.
pub fn fr_from_r2_scaled(bytes: &[u8]) -> Option<Fr> {
    let b = limbs(bytes);
    if b >= Fr::MODULUS {
        return None;
    }
    // `new_unchecked(s)` is the element with Montgomery limbs s, i.e. the value s·R⁻¹ = c·R.
    // Its canonical integer c·R mod r, taken as Montgomery limbs again, is the value c.
    Some(Fr::new_unchecked(Fr::new_unchecked(b).into_bigint()))
}

/// zkey section 4's encoding of a coefficient c: c·R² mod r, 32 bytes little-endian.
pub fn fr_to_r2_scaled(c: &Fr) -> [u8; 32] {
    // The element c·R has Montgomery limbs c·R·R = c·R²; `R2` as limbs is the element R.
    let r = Fr::new_unchecked(Fr::R2);
    to_bytes(&(*c * r).0)
}

/// A 4-limb integer as 32 bytes little-endian.
fn to_bytes(b: &BigInt<4>) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (dst, src) in out.iter_mut().zip(b.to_bytes_le()) {
        *dst = src;
    }
    out
}

/// BN254's base-field prime q, 32 bytes little-endian.
pub fn bn254_q_bytes() -> [u8; 32] {
    to_bytes(&Fq::MODULUS)
}

/// BN254's scalar-field prime r, 32 bytes little-endian.
pub fn bn254_r_bytes() -> [u8; 32] {
    to_bytes(&Fr::MODULUS)
}

/// The decimal string of a little-endian unsigned integer of any width (for error messages).
pub fn decimal(le_bytes: &[u8]) -> String {
    // Base-10^9 digits, least significant first; schoolbook multiply-add, byte by byte from the top.
    let mut digits: Vec<u32> = vec![0];
    for &byte in le_bytes.iter().rev() {
        let mut carry = u64::from(byte);
        for d in digits.iter_mut() {
            let v = u64::from(*d) * 256 + carry;
            *d = (v % 1_000_000_000) as u32;
            carry = v / 1_000_000_000;
        }
        while carry > 0 {
            digits.push((carry % 1_000_000_000) as u32);
            carry /= 1_000_000_000;
        }
    }
    let mut s = String::new();
    for (i, d) in digits.iter().rev().enumerate() {
        if i == 0 {
            s.push_str(&d.to_string());
        } else {
            s.push_str(&format!("{d:09}"));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::{Field, UniformRand};

    #[test]
    fn montgomery_round_trip_and_range_check() {
        let mut rng = ark_std::test_rng();
        for _ in 0..100 {
            let x = Fq::rand(&mut rng);
            assert_eq!(fq_from_montgomery(&fq_to_montgomery(&x)), Some(x));
        }
        assert_eq!(fq_from_montgomery(&bn254_q_bytes()), None);
        assert_eq!(fq_from_montgomery(&[0xff; 32]), None);
        // The Montgomery form of 1 is R mod q.
        let one = fq_to_montgomery(&Fq::ONE);
        assert_eq!(fr_from_standard(&one).map(|_| ()), Some(()));
        assert_ne!(one, {
            let mut b = [0u8; 32];
            b[0] = 1;
            b
        });
    }

    #[test]
    fn r2_scaled_coefficients_round_trip() {
        let mut rng = ark_std::test_rng();
        for _ in 0..100 {
            let c = Fr::rand(&mut rng);
            assert_eq!(fr_from_r2_scaled(&fr_to_r2_scaled(&c)), Some(c));
        }
        // 1 is stored as R² mod r, i.e. arkworks' R2 constant.
        let mut r2 = [0u8; 32];
        r2.copy_from_slice(&Fr::R2.to_bytes_le());
        assert_eq!(fr_from_r2_scaled(&r2), Some(Fr::ONE));
        assert_eq!(fr_to_r2_scaled(&Fr::ONE), r2);
        assert_eq!(fr_from_r2_scaled(&bn254_r_bytes()), None);
    }

    #[test]
    fn standard_form_and_decimal() {
        let mut b = [0u8; 32];
        b[0] = 5;
        assert_eq!(fr_from_standard(&b), Some(Fr::from(5u64)));
        assert_eq!(fr_from_standard(&bn254_r_bytes()), None);
        assert_eq!(
            decimal(&bn254_r_bytes()),
            "21888242871839275222246405745257275088548364400416034343698204186575808495617"
        );
        assert_eq!(
            decimal(&bn254_q_bytes()),
            "21888242871839275222246405745257275088696311157297823662689037894645226208583"
        );
        assert_eq!(decimal(&[]), "0");
        assert_eq!(decimal(&[0, 0, 0, 0, 1]), "4294967296");
    }
}
