//! Deterministic inputs for the conformance checks: random and adversarial.

use ark_bn254::Fr;
use ark_ec::short_weierstrass::{Affine, Projective, SWCurveConfig};
use ark_ec::{AffineRepr, CurveGroup, PrimeGroup};
use ark_ff::{One, UniformRand};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;

/// A seeded RNG, so every failure reproduces.
pub fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

/// `n` random field elements.
pub fn scalars(n: usize, seed: u64) -> Vec<Fr> {
    let mut rng = rng(seed);
    (0..n).map(|_| Fr::rand(&mut rng)).collect()
}

/// `n` distinct pseudo-random points: a random start and a random stride, so generating
/// 2^16 points costs additions rather than scalar multiplications.
pub fn points<P: SWCurveConfig<ScalarField = Fr>>(n: usize, seed: u64) -> Vec<Affine<P>> {
    let mut rng = rng(seed ^ 0x5eed);
    let g = Projective::<P>::generator();
    let mut current = g * Fr::rand(&mut rng);
    let stride = g * Fr::rand(&mut rng);
    let mut projective = Vec::with_capacity(n);
    for _ in 0..n {
        projective.push(current);
        current += stride;
    }
    Projective::<P>::normalize_batch(&projective)
}

/// Scalars that stress digit recoding and bucket logic: 0, 1, 2, r−1, r−2, 2^k, small
/// values and random ones, in a seeded mix.
pub fn edge_scalars(n: usize, seed: u64) -> Vec<Fr> {
    let mut rng = rng(seed);
    (0..n)
        .map(|i| match i % 8 {
            0 => Fr::from(0u64),
            1 => Fr::one(),
            2 => -Fr::one(),
            3 => -Fr::from(2u64),
            4 => Fr::from(2u64).pow_u64(rng.gen_range(0..254)),
            5 => Fr::from(rng.gen_range(0u64..1 << 16)),
            _ => Fr::rand(&mut rng),
        })
        .collect()
}

/// Powers of a field element, `base^e`, for small exponents.
trait PowU64 {
    fn pow_u64(self, e: u64) -> Self;
}

impl PowU64 for Fr {
    fn pow_u64(self, e: u64) -> Self {
        ark_ff::Field::pow(&self, [e])
    }
}

/// The identity point of the curve.
pub fn identity<P: SWCurveConfig>() -> Affine<P> {
    Affine::<P>::zero()
}
