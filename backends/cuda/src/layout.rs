//! Host ↔ device data layout (docs/CUDA.md, "Data layout"): field elements as eight
//! little-endian u32 Montgomery limbs, G1 affine points as x‖y with (0,0) for the identity,
//! XYZZ points as X‖Y‖ZZ‖ZZZ.

use ark_bn254::{Fq, Fr, G1Affine, G1Projective};
use ark_ec::AffineRepr;
use ark_ff::{BigInt, Field, Zero};

/// Bytes in one field element on the device.
pub const FIELD_BYTES: usize = 32;
/// Bytes in one affine G1 point on the device.
pub const AFFINE_BYTES: usize = 64;
/// Bytes in one XYZZ G1 point on the device.
pub const XYZZ_BYTES: usize = 128;

fn push_limbs(out: &mut Vec<u8>, limbs: &[u64; 4]) {
    for limb in limbs {
        out.extend_from_slice(&limb.to_le_bytes());
    }
}

fn read_limbs(bytes: &[u8]) -> [u64; 4] {
    let mut limbs = [0u64; 4];
    for (limb, chunk) in limbs.iter_mut().zip(bytes.chunks_exact(8)) {
        *limb = u64::from_le_bytes(chunk.try_into().expect("8-byte chunk"));
    }
    limbs
}

/// Fr elements as device bytes (Montgomery limbs).
pub fn fr_to_bytes(values: &[Fr]) -> Vec<u8> {
    let mut out = Vec::with_capacity(values.len() * FIELD_BYTES);
    for v in values {
        push_limbs(&mut out, &v.0 .0);
    }
    out
}

/// Device bytes back to Fr elements. `bytes.len()` must be a multiple of 32; the limbs must be
/// reduced (every kernel keeps them below the modulus).
pub fn fr_from_bytes(bytes: &[u8]) -> Vec<Fr> {
    bytes.chunks_exact(FIELD_BYTES).map(|c| Fr::new_unchecked(BigInt(read_limbs(c)))).collect()
}

/// Writes device bytes back into `out` (same length rule as [`fr_from_bytes`]).
pub fn fr_from_bytes_into(bytes: &[u8], out: &mut [Fr]) {
    for (o, c) in out.iter_mut().zip(bytes.chunks_exact(FIELD_BYTES)) {
        *o = Fr::new_unchecked(BigInt(read_limbs(c)));
    }
}

/// One Fq element from device bytes (Montgomery limbs).
pub fn fq_from_bytes(bytes: &[u8]) -> Fq {
    Fq::new_unchecked(BigInt(read_limbs(bytes)))
}

/// G1 affine points as device bytes; the identity becomes (0, 0).
pub fn g1_affine_to_bytes(points: &[G1Affine]) -> Vec<u8> {
    let mut out = Vec::with_capacity(points.len() * AFFINE_BYTES);
    for p in points {
        if p.is_zero() {
            out.extend_from_slice(&[0u8; AFFINE_BYTES]);
        } else {
            push_limbs(&mut out, &p.x.0 .0);
            push_limbs(&mut out, &p.y.0 .0);
        }
    }
    out
}

/// One XYZZ point from device bytes, as a projective point (identity when ZZ = 0).
pub fn g1_from_xyzz_bytes(bytes: &[u8]) -> G1Projective {
    let x = fq_from_bytes(&bytes[0..32]);
    let y = fq_from_bytes(&bytes[32..64]);
    let zz = fq_from_bytes(&bytes[64..96]);
    let zzz = fq_from_bytes(&bytes[96..128]);
    if zz.is_zero() {
        return G1Projective::zero();
    }
    let ax = x * zz.inverse().expect("ZZ is non-zero");
    let ay = y * zzz.inverse().expect("ZZZ is non-zero when ZZ is");
    G1Affine::new_unchecked(ax, ay).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::CurveGroup;
    use ark_ff::UniformRand;

    #[test]
    fn fr_round_trips_through_device_bytes() {
        let mut rng = ark_std::test_rng();
        let values: Vec<Fr> = (0..17).map(|_| Fr::rand(&mut rng)).chain([Fr::zero(), -Fr::from(1u64)]).collect();
        let bytes = fr_to_bytes(&values);
        assert_eq!(bytes.len(), values.len() * FIELD_BYTES);
        assert_eq!(fr_from_bytes(&bytes), values);
    }

    #[test]
    fn identity_is_all_zero_and_xyzz_with_unit_z_is_affine() {
        let g = G1Affine::generator();
        let bytes = g1_affine_to_bytes(&[G1Affine::zero(), g]);
        assert!(bytes[..AFFINE_BYTES].iter().all(|&b| b == 0));
        let mut xyzz = bytes[AFFINE_BYTES..].to_vec();
        let one = fq_one_bytes();
        xyzz.extend_from_slice(&one);
        xyzz.extend_from_slice(&one);
        assert_eq!(g1_from_xyzz_bytes(&xyzz).into_affine(), g);
        assert!(g1_from_xyzz_bytes(&[0u8; XYZZ_BYTES]).is_zero());
    }

    fn fq_one_bytes() -> Vec<u8> {
        let mut out = Vec::new();
        push_limbs(&mut out, &Fq::from(1u64).0 .0);
        out
    }
}
