//! Reference MSM: plain double-and-add per point, summed. Slow on purpose; for tests only.

use ark_bn254::Fr;
use ark_ec::short_weierstrass::{Affine, Projective, SWCurveConfig};
use ark_ff::{AdditiveGroup, BigInteger, PrimeField, Zero};

/// Σ scalars[i]·bases[i] by MSB-first double-and-add on each point (pairs past the shorter
/// slice are ignored).
pub fn msm<P: SWCurveConfig<ScalarField = Fr>>(bases: &[Affine<P>], scalars: &[Fr]) -> Projective<P> {
    let mut total = Projective::<P>::zero();
    for (base, scalar) in bases.iter().zip(scalars) {
        let bits = scalar.into_bigint();
        let mut acc = Projective::<P>::zero();
        for i in (0..bits.num_bits() as usize).rev() {
            acc.double_in_place();
            if bits.get_bit(i) {
                acc += base;
            }
        }
        total += acc;
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::{G1Affine, G1Projective, G2Affine, G2Projective};
    use ark_ec::{AffineRepr, PrimeGroup};
    use ark_ff::One;

    #[test]
    fn matches_scalar_multiplication() {
        let g = G1Affine::generator();
        let h = (G1Projective::generator() * Fr::from(5u64)).into();
        let s = [Fr::from(7u64), -Fr::one()];
        assert_eq!(msm(&[g, h], &s), G1Projective::generator() * (Fr::from(7u64) - Fr::from(5u64)));
        assert!(msm::<ark_bn254::g1::Config>(&[], &[]).is_zero());
        assert!(msm(&[G1Affine::identity()], &[Fr::from(3u64)]).is_zero());
        assert!(msm(&[g], &[Fr::zero()]).is_zero());
        let g2 = G2Affine::generator();
        assert_eq!(msm(&[g2], &[Fr::from(9u64)]), G2Projective::generator() * Fr::from(9u64));
    }
}
