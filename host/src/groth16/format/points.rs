//! G1/G2 points as snarkjs stores them: affine coordinates in Montgomery form, all-zero bytes
//! for the identity, G2 as x.c0, x.c1, y.c0, y.c1. Decoding checks canonical coordinates and the
//! curve equation; the G2 subgroup check is separate ([`g2_in_subgroup`]) so it can be skipped
//! for a key already validated.

use ark_bn254::{Fq2, G1Affine, G2Affine};
use ark_ec::AffineRepr;

use super::error::{FormatError, Section};
use super::field_bytes::{fq_from_montgomery, fq_to_montgomery};

/// Bytes of a G1 point on disk.
pub const G1_BYTES: usize = 64;
/// Bytes of a G2 point on disk.
pub const G2_BYTES: usize = 128;

/// Why a point failed to decode (the caller adds section and index).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PointError {
    /// A coordinate is not below q.
    NonCanonical(&'static str),
    /// The curve equation does not hold.
    NotOnCurve,
}

impl PointError {
    /// The [`FormatError`] for point `index` of `section`.
    pub fn at(self, section: Section, index: u64, group: &'static str) -> FormatError {
        match self {
            PointError::NonCanonical(coordinate) => FormatError::NonCanonical {
                kind: super::error::FileKind::Zkey,
                section,
                item: "point",
                index,
                coordinate,
                field: "Fq",
            },
            PointError::NotOnCurve => FormatError::NotOnCurve { section, index, group },
        }
    }
}

/// Decodes one G1 point from 64 bytes and checks it is on the curve (G1 has cofactor 1, so this
/// also puts it in the group).
pub(crate) fn decode_g1(bytes: &[u8]) -> Result<G1Affine, PointError> {
    if bytes.iter().all(|&b| b == 0) {
        return Ok(G1Affine::identity());
    }
    let (xb, yb) = bytes.split_at(bytes.len().min(32));
    let x = fq_from_montgomery(xb).ok_or(PointError::NonCanonical("x"))?;
    let y = fq_from_montgomery(yb).ok_or(PointError::NonCanonical("y"))?;
    let p = G1Affine::new_unchecked(x, y);
    if p.is_on_curve() {
        Ok(p)
    } else {
        Err(PointError::NotOnCurve)
    }
}

/// Decodes one G2 point from 128 bytes and checks it is on the twist curve (not the subgroup).
pub(crate) fn decode_g2(bytes: &[u8]) -> Result<G2Affine, PointError> {
    if bytes.iter().all(|&b| b == 0) {
        return Ok(G2Affine::identity());
    }
    let part = |i: usize, name: &'static str| {
        bytes.get(i * 32..(i + 1) * 32).and_then(fq_from_montgomery).ok_or(PointError::NonCanonical(name))
    };
    let x = Fq2::new(part(0, "x.c0")?, part(1, "x.c1")?);
    let y = Fq2::new(part(2, "y.c0")?, part(3, "y.c1")?);
    let p = G2Affine::new_unchecked(x, y);
    if p.is_on_curve() {
        Ok(p)
    } else {
        Err(PointError::NotOnCurve)
    }
}

/// Whether an on-curve G2 point lies in the prime-order subgroup (arkworks' endomorphism test).
pub(crate) fn g2_in_subgroup(p: &G2Affine) -> bool {
    p.is_in_correct_subgroup_assuming_on_curve()
}

/// The 64-byte encoding of a G1 point.
pub fn encode_g1(p: &G1Affine) -> [u8; G1_BYTES] {
    let mut out = [0u8; G1_BYTES];
    if let Some((x, y)) = p.xy() {
        out[..32].copy_from_slice(&fq_to_montgomery(&x));
        out[32..].copy_from_slice(&fq_to_montgomery(&y));
    }
    out
}

/// The 128-byte encoding of a G2 point.
pub fn encode_g2(p: &G2Affine) -> [u8; G2_BYTES] {
    let mut out = [0u8; G2_BYTES];
    if let Some((x, y)) = p.xy() {
        for (i, c) in [x.c0, x.c1, y.c0, y.c1].iter().enumerate() {
            out[i * 32..(i + 1) * 32].copy_from_slice(&fq_to_montgomery(c));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::{G1Projective, G2Projective};
    use ark_ec::CurveGroup;
    use ark_std::UniformRand;

    #[test]
    fn round_trip_including_identity() {
        let mut rng = ark_std::test_rng();
        for _ in 0..20 {
            let p = G1Projective::rand(&mut rng).into_affine();
            assert_eq!(decode_g1(&encode_g1(&p)), Ok(p));
            let q = G2Projective::rand(&mut rng).into_affine();
            assert_eq!(decode_g2(&encode_g2(&q)), Ok(q));
            assert!(g2_in_subgroup(&q));
        }
        assert_eq!(decode_g1(&[0; 64]), Ok(G1Affine::identity()));
        assert_eq!(decode_g2(&[0; 128]), Ok(G2Affine::identity()));
        assert_eq!(encode_g1(&G1Affine::identity()), [0; 64]);
    }

    #[test]
    fn rejects_off_curve_and_non_canonical() {
        let mut rng = ark_std::test_rng();
        let mut b = encode_g1(&G1Projective::rand(&mut rng).into_affine());
        b[40] ^= 1;
        assert_eq!(decode_g1(&b), Err(PointError::NotOnCurve));
        let mut b = [0xffu8; 64];
        b[..32].copy_from_slice(&[0; 32]);
        b[0] = 1;
        assert_eq!(decode_g1(&b), Err(PointError::NonCanonical("y")));
        let mut b = encode_g2(&G2Projective::rand(&mut rng).into_affine());
        b[32..64].copy_from_slice(&[0xff; 32]);
        assert_eq!(decode_g2(&b), Err(PointError::NonCanonical("x.c1")));
    }
}
