//! Host ↔ GPU data layout shared by the CUDA and WebGPU backends (docs/CUDA.md, "Data layout"):
//! field elements as eight little-endian u32 Montgomery limbs, G1 affine points as x‖y with (0,0) for the identity,
//! XYZZ points as X‖Y‖ZZ‖ZZZ.

use ark_bn254::{Fq, Fr, G1Affine, G1Projective};
use ark_ec::AffineRepr;
use ark_ff::{BigInt, Field, Zero};
use rayon::prelude::*;

/// Bytes in one field element on the device.
pub const FIELD_BYTES: usize = 32;
/// Bytes in one affine G1 point on the device.
pub const AFFINE_BYTES: usize = 64;
/// Bytes in one XYZZ G1 point on the device.
pub const XYZZ_BYTES: usize = 128;

/// Elements converted per rayon task: small inputs stay on the calling thread.
const PARALLEL_CHUNK: usize = 1 << 14;

fn write_limbs(out: &mut [u8], limbs: &[u64; 4]) {
    for (chunk, limb) in out.chunks_exact_mut(8).zip(limbs) {
        chunk.copy_from_slice(&limb.to_le_bytes());
    }
}

fn read_limbs(bytes: &[u8]) -> [u64; 4] {
    let mut limbs = [0u64; 4];
    for (limb, chunk) in limbs.iter_mut().zip(bytes.chunks_exact(8)) {
        *limb = u64::from_le_bytes(chunk.try_into().expect("8-byte chunk"));
    }
    limbs
}

/// Writes `values` as device bytes (Montgomery limbs) into `out`, in parallel for large inputs
/// (e.g. straight into pinned staging memory). `out.len()` must be `values.len() * 32`.
pub fn fr_write(values: &[Fr], out: &mut [u8]) {
    assert_eq!(out.len(), values.len() * FIELD_BYTES, "fr_write: output length");
    out.par_chunks_mut(FIELD_BYTES * PARALLEL_CHUNK).zip(values.par_chunks(PARALLEL_CHUNK)).for_each(
        |(out, values)| {
            for (v, chunk) in values.iter().zip(out.chunks_exact_mut(FIELD_BYTES)) {
                write_limbs(chunk, &v.0 .0);
            }
        },
    );
}

/// Writes `points` as device bytes into `out` (64 bytes per point, the identity as (0, 0)), in
/// parallel for large inputs. `out.len()` must be `points.len() * 64`.
pub fn g1_affine_write(points: &[G1Affine], out: &mut [u8]) {
    assert_eq!(out.len(), points.len() * AFFINE_BYTES, "g1_affine_write: output length");
    out.par_chunks_mut(AFFINE_BYTES * PARALLEL_CHUNK).zip(points.par_chunks(PARALLEL_CHUNK)).for_each(
        |(out, points)| {
            for (p, chunk) in points.iter().zip(out.chunks_exact_mut(AFFINE_BYTES)) {
                if p.is_zero() {
                    chunk.fill(0);
                } else {
                    let (x, y) = chunk.split_at_mut(FIELD_BYTES);
                    write_limbs(x, &p.x.0 .0);
                    write_limbs(y, &p.y.0 .0);
                }
            }
        },
    );
}

/// Fr elements as device bytes (Montgomery limbs).
pub fn fr_to_bytes(values: &[Fr]) -> Vec<u8> {
    let mut out = vec![0u8; values.len() * FIELD_BYTES];
    fr_write(values, &mut out);
    out
}

/// Device bytes back to Fr elements. `bytes.len()` must be a multiple of 32; the limbs must be
/// reduced (every kernel keeps them below the modulus).
pub fn fr_from_bytes(bytes: &[u8]) -> Vec<Fr> {
    let mut out = vec![Fr::zero(); bytes.len() / FIELD_BYTES];
    fr_from_bytes_into(bytes, &mut out);
    out
}

/// Writes device bytes back into `out` (same length rule as [`fr_from_bytes`]), in parallel for
/// large inputs.
pub fn fr_from_bytes_into(bytes: &[u8], out: &mut [Fr]) {
    out.par_chunks_mut(PARALLEL_CHUNK).zip(bytes.par_chunks(FIELD_BYTES * PARALLEL_CHUNK)).for_each(|(out, bytes)| {
        for (o, c) in out.iter_mut().zip(bytes.chunks_exact(FIELD_BYTES)) {
            *o = Fr::new_unchecked(BigInt(read_limbs(c)));
        }
    });
}

/// One Fq element from device bytes (Montgomery limbs).
pub fn fq_from_bytes(bytes: &[u8]) -> Fq {
    Fq::new_unchecked(BigInt(read_limbs(bytes)))
}

/// G1 affine points as device bytes; the identity becomes (0, 0).
pub fn g1_affine_to_bytes(points: &[G1Affine]) -> Vec<u8> {
    let mut out = vec![0u8; points.len() * AFFINE_BYTES];
    g1_affine_write(points, &mut out);
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
        let mut out = vec![0u8; FIELD_BYTES];
        write_limbs(&mut out, &Fq::from(1u64).0 .0);
        out
    }

    #[test]
    fn large_inputs_convert_in_parallel_chunks_identically() {
        let mut rng = ark_std::test_rng();
        let n = 2 * PARALLEL_CHUNK + 3;
        let values: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
        let bytes = fr_to_bytes(&values);
        for (i, v) in values.iter().enumerate().step_by(997) {
            assert_eq!(&bytes[i * FIELD_BYTES..(i + 1) * FIELD_BYTES], &fr_to_bytes(std::slice::from_ref(v))[..]);
        }
        assert_eq!(fr_from_bytes(&bytes), values);
    }
}
