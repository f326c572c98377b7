//! Bucket accumulation in projective coordinates (mixed additions): the path for small windows
//! and small inputs, where batching affine additions would not pay for its inversions.

use ark_ec::short_weierstrass::{Affine, Projective, SWCurveConfig};
use ark_ff::Zero;

use super::digits::Members;

/// Buckets `0..bucket_count` where bucket `j` holds the sum of the points whose digit is `±(j+1)`
/// (negated for negative digits); `digits[i]` belongs to point `members[first + i]`.
pub fn accumulate<P: SWCurveConfig>(
    bases: &[Affine<P>],
    digits: &[i16],
    members: Members<'_>,
    first: usize,
    bucket_count: usize,
) -> Vec<Projective<P>> {
    let mut buckets = vec![Projective::<P>::zero(); bucket_count];
    for (i, &d) in digits.iter().enumerate() {
        if d == 0 {
            continue;
        }
        let p = &bases[members.index(first + i)];
        if d > 0 {
            buckets[d as usize - 1] += p;
        } else {
            buckets[(-(d as i32)) as usize - 1] -= p;
        }
    }
    buckets
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::{Fr, G1Affine, G1Projective};
    use ark_ec::{AffineRepr, PrimeGroup};

    #[test]
    fn buckets_hold_signed_sums() {
        let g = G1Affine::generator();
        let bases = vec![g, g, G1Affine::identity(), g];
        let digits = [2i16, -1, 1, 2];
        let b = accumulate(&bases, &digits, Members::All(4), 0, 2);
        assert_eq!(b[0], G1Projective::zero() - g + G1Affine::identity());
        assert_eq!(b[1], G1Projective::generator() * Fr::from(2u64));
        let list = [3u32, 1];
        let b = accumulate(&bases, &[0i16, -2], Members::List(&list), 0, 2);
        assert!(b[0].is_zero());
        assert_eq!(b[1], -G1Projective::generator());
    }
}
