//! Test support: writers that build valid `.zkey` / `.r1cs` files from in-memory values, section by
//! section, so tests can also assemble malformed ones (a section dropped, resized, repeated), and
//! random keys and points. Not a stable API; hidden from the docs.

use ark_bn254::{g2::Config as G2Config, Fq2, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{short_weierstrass::SWCurveConfig, CurveGroup};
use ark_ff::Field;
use ark_std::rand::Rng;
use ark_std::UniformRand;

use super::field_bytes::{bn254_q_bytes, bn254_r_bytes, fr_to_standard};
use super::points::{encode_g1, encode_g2};
use super::r1cs::{LinearCombination, R1cs};
use super::zkey_writer::{coefficient_record, header_section};
use crate::groth16::key::{Coefficient, Matrix, ProvingKey};

/// A container file from its parts: magic, version, then `(id, body)` sections in the given order.
pub fn assemble(magic: &[u8; 4], version: u32, sections: &[(u32, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(magic);
    out.extend_from_slice(&version.to_le_bytes());
    out.extend_from_slice(&(sections.len() as u32).to_le_bytes());
    for (id, body) in sections {
        out.extend_from_slice(&id.to_le_bytes());
        out.extend_from_slice(&(body.len() as u64).to_le_bytes());
        out.extend_from_slice(body);
    }
    out
}

/// Section 2 of a zkey for `key`, with the given primes (BN254's for a valid file).
pub fn zkey_header(key: &ProvingKey, q: &[u8], r: &[u8]) -> Vec<u8> {
    header_section(key, q, r)
}

fn g1s(points: &[G1Affine]) -> Vec<u8> {
    points.iter().flat_map(encode_g1).collect()
}

/// Section 4 of a zkey: count, then (matrix, constraint, signal, c·R² mod r) records.
pub fn zkey_coefficients(coefficients: &[Coefficient]) -> Vec<u8> {
    let mut s = (coefficients.len() as u32).to_le_bytes().to_vec();
    coefficients.iter().for_each(|c| s.extend_from_slice(&coefficient_record(c)));
    s
}

/// The sections of a valid zkey for `key`, ids 1–10 in order (10: a short dummy transcript).
pub fn zkey_sections(key: &ProvingKey) -> Vec<(u32, Vec<u8>)> {
    vec![
        (1, 1u32.to_le_bytes().to_vec()),
        (2, zkey_header(key, &bn254_q_bytes(), &bn254_r_bytes())),
        (3, g1s(&key.ic)),
        (4, zkey_coefficients(&key.coefficients)),
        (5, g1s(&key.a_query)),
        (6, g1s(&key.b1_query)),
        (7, key.b2_query.iter().flat_map(encode_g2).collect()),
        (8, g1s(&key.c_query)),
        (9, g1s(&key.h_query)),
        (10, vec![0u8; 68]),
    ]
}

/// A valid `.zkey` for `key`.
pub fn zkey_bytes(key: &ProvingKey) -> Vec<u8> {
    assemble(b"zkey", 1, &zkey_sections(key))
}

/// `n` random G1 points, cheaply (a random start plus multiples of a random step, normalised
/// in one batch), so tests can build large keys quickly.
pub fn random_g1_points<R: Rng>(rng: &mut R, n: usize) -> Vec<G1Affine> {
    let step = G1Projective::rand(rng);
    let mut acc = G1Projective::rand(rng);
    let proj: Vec<G1Projective> = (0..n)
        .map(|_| {
            acc += step;
            acc
        })
        .collect();
    G1Projective::normalize_batch(&proj)
}

/// `n` random G2 points (see [`random_g1_points`]).
pub fn random_g2_points<R: Rng>(rng: &mut R, n: usize) -> Vec<G2Affine> {
    let step = G2Projective::rand(rng);
    let mut acc = G2Projective::rand(rng);
    let proj: Vec<G2Projective> = (0..n)
        .map(|_| {
            acc += step;
            acc
        })
        .collect();
    G2Projective::normalize_batch(&proj)
}

/// Replaces about a quarter of `points` by the identity, as in real A/B queries.
fn sparsify<R: Rng, T: Copy>(rng: &mut R, mut points: Vec<T>, identity: T) -> Vec<T> {
    for p in points.iter_mut() {
        if rng.gen_range(0..4) == 0 {
            *p = identity;
        }
    }
    points
}

/// A random (not sound, just well-formed) proving key; about a quarter of the A/B query points
/// are the identity, as in real keys. Needs `n_vars > n_public` and `domain_size > 0`.
pub fn random_proving_key<R: Rng>(
    rng: &mut R,
    n_vars: usize,
    n_public: usize,
    domain_size: usize,
    n_coefficients: usize,
) -> ProvingKey {
    let coefficients = (0..n_coefficients)
        .map(|_| Coefficient {
            matrix: if rng.gen() { Matrix::A } else { Matrix::B },
            constraint: rng.gen_range(0..domain_size as u32),
            signal: rng.gen_range(0..n_vars as u32),
            value: Fr::rand(rng),
        })
        .collect();
    let header_g1 = random_g1_points(rng, 3);
    let header_g2 = random_g2_points(rng, 3);
    let a = random_g1_points(rng, n_vars);
    let b1 = random_g1_points(rng, n_vars);
    let b2 = random_g2_points(rng, n_vars);
    ProvingKey {
        n_vars,
        n_public,
        domain_size,
        alpha1: header_g1[0],
        beta1: header_g1[1],
        beta2: header_g2[0],
        gamma2: header_g2[1],
        delta1: header_g1[2],
        delta2: header_g2[2],
        ic: random_g1_points(rng, n_public + 1),
        coefficients,
        a_query: sparsify(rng, a, G1Affine::identity()).into(),
        b1_query: sparsify(rng, b1, G1Affine::identity()).into(),
        b2_query: sparsify(rng, b2, G2Affine::identity()).into(),
        c_query: random_g1_points(rng, n_vars - n_public - 1).into(),
        h_query: random_g1_points(rng, domain_size).into(),
    }
}

/// A point on the BN254 twist curve that is not in the prime-order subgroup (x chosen at random,
/// y solved from y² = x³ + b', no cofactor clearing).
pub fn g2_outside_subgroup<R: Rng>(rng: &mut R) -> G2Affine {
    loop {
        let x = Fq2::rand(rng);
        let rhs = x * x * x + G2Config::COEFF_B;
        if let Some(y) = rhs.sqrt() {
            let p = G2Affine::new_unchecked(x, y);
            if p.is_on_curve() && !p.is_in_correct_subgroup_assuming_on_curve() {
                return p;
            }
        }
    }
}

fn lc_bytes(lc: &LinearCombination) -> Vec<u8> {
    let mut s = (lc.len() as u32).to_le_bytes().to_vec();
    for (w, c) in lc {
        s.extend_from_slice(&w.to_le_bytes());
        s.extend_from_slice(&fr_to_standard(c));
    }
    s
}

/// The sections of a valid `.r1cs` (ids 1, 2, 3) for `r1cs`.
pub fn r1cs_sections(r1cs: &R1cs) -> Vec<(u32, Vec<u8>)> {
    let mut h = 32u32.to_le_bytes().to_vec();
    h.extend_from_slice(&bn254_r_bytes());
    for n in [r1cs.n_wires, r1cs.n_pub_out, r1cs.n_pub_in, r1cs.n_prv_in] {
        h.extend_from_slice(&n.to_le_bytes());
    }
    h.extend_from_slice(&r1cs.n_labels.to_le_bytes());
    h.extend_from_slice(&(r1cs.constraints.len() as u32).to_le_bytes());
    let body =
        r1cs.constraints.iter().flat_map(|k| [lc_bytes(&k.a), lc_bytes(&k.b), lc_bytes(&k.c)].concat()).collect();
    let labels = (0..u64::from(r1cs.n_wires)).flat_map(u64::to_le_bytes).collect();
    vec![(1, h), (2, body), (3, labels)]
}

/// A valid `.r1cs` for `r1cs`.
pub fn r1cs_bytes(r1cs: &R1cs) -> Vec<u8> {
    assemble(b"r1cs", 1, &r1cs_sections(r1cs))
}
