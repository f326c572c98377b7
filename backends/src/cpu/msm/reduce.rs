//! Bucket reduction (Σ_j (j+1)·bucket_j by running sums) and window combination (Horner's rule
//! with doublings).

use ark_ec::short_weierstrass::{Affine, Projective, SWCurveConfig};
use ark_ec::AffineRepr;
use ark_ff::{AdditiveGroup, Zero};

use super::affine_pairs::PairBatch;

/// Segments below this many buckets are reduced with plain projective running sums.
const MIN_SEGMENTED: usize = 256;
/// Most segments reduced side by side (one batch of affine additions per step).
const MAX_SEGMENTS: usize = 256;

/// Σ_j (j+1)·(buckets[j] + spill[j]) for affine buckets with optional projective spill buckets.
pub fn affine_buckets<P: SWCurveConfig>(buckets: &[Affine<P>], spill: Option<&[Projective<P>]>) -> Projective<P> {
    let mut top = buckets.len();
    while top > 0 && buckets[top - 1].is_zero() && spill.is_none_or(|s| s[top - 1].is_zero()) {
        top -= 1;
    }
    if spill.is_none() && top >= MIN_SEGMENTED {
        return segmented(&buckets[..top]);
    }
    let mut running = Projective::<P>::zero();
    let mut total = Projective::<P>::zero();
    for j in (0..top).rev() {
        let b = &buckets[j];
        if !b.is_zero() {
            running += b;
        }
        if let Some(s) = spill {
            running += &s[j];
        }
        total += &running;
    }
    total
}

/// Σ_j (j+1)·buckets[j] with the buckets cut into `S` segments of `L` consecutive buckets whose
/// running sums advance side by side, so each step is one batch of `S` affine additions sharing an
/// inversion. With `R_s` (sum) and `T_s` (segment-local weighted sum) of segment `s`, the result is
/// `Σ_s T_s + L·Σ_s s·R_s`; the last sum is a short projective running sum over segments.
fn segmented<P: SWCurveConfig>(buckets: &[Affine<P>]) -> Projective<P> {
    let n = buckets.len();
    let segments = (n / 16).clamp(1, MAX_SEGMENTS);
    let len = n.div_ceil(segments);
    let mut running = vec![Affine::<P>::identity(); segments];
    let mut totals = vec![Affine::<P>::identity(); segments];
    let mut column = vec![Affine::<P>::identity(); segments];
    let mut batch = PairBatch::<P>::default();
    for t in (0..len).rev() {
        for (s, c) in column.iter_mut().enumerate() {
            *c = buckets.get(s * len + t).copied().unwrap_or_else(Affine::identity);
        }
        batch.add_assign(&mut running, &column);
        batch.add_assign(&mut totals, &running);
    }
    let mut weighted = Projective::<P>::zero();
    let mut run = Projective::<P>::zero();
    for r in running.iter().skip(1).rev() {
        run += r;
        weighted += &run;
    }
    if len.is_power_of_two() {
        for _ in 0..len.trailing_zeros() {
            weighted.double_in_place();
        }
    } else {
        weighted *= P::ScalarField::from(len as u64);
    }
    totals.iter().fold(weighted, |acc, t| acc + t)
}

/// Σ_j (j+1)·buckets[j] for projective buckets.
pub fn projective_buckets<P: SWCurveConfig>(buckets: &[Projective<P>]) -> Projective<P> {
    let mut running = Projective::<P>::zero();
    let mut total = Projective::<P>::zero();
    for b in buckets.iter().rev() {
        running += b;
        total += &running;
    }
    total
}

/// Σ_w 2^(c·w)·window_sums[w].
pub fn combine_windows<P: SWCurveConfig>(window_sums: &[Projective<P>], c: u32) -> Projective<P> {
    let mut acc = Projective::<P>::zero();
    for (i, s) in window_sums.iter().enumerate().rev() {
        acc += s;
        if i > 0 {
            for _ in 0..c {
                acc.double_in_place();
            }
        }
    }
    acc
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::{Fr, G1Affine, G1Projective};
    use ark_ec::{CurveGroup, PrimeGroup};

    #[test]
    fn reductions_weight_buckets_by_index() {
        let g = G1Projective::generator();
        let pts: Vec<G1Projective> = (1..=5u64).map(|k| g * Fr::from(k * k + 1)).collect();
        let want: G1Projective = pts.iter().enumerate().map(|(j, p)| *p * Fr::from(j as u64 + 1)).sum();
        assert_eq!(projective_buckets(&pts), want);
        let mut aff = G1Projective::normalize_batch(&pts);
        assert_eq!(affine_buckets(&aff, None), want);
        // Move bucket 2 into the spill array and leave an empty affine bucket behind.
        let mut spill = vec![G1Projective::zero(); 5];
        spill[2] = pts[2];
        aff[2] = G1Affine::identity();
        assert_eq!(affine_buckets(&aff, Some(&spill)), want);
        assert!(affine_buckets::<ark_bn254::g1::Config>(&[G1Affine::identity(); 3], None).is_zero());
    }

    #[test]
    fn segmented_reduction_matches_plain() {
        let g = G1Projective::generator();
        for n in [256usize, 1000, 4096, 5000] {
            let pts: Vec<G1Projective> = (0..n as u64).map(|k| g * Fr::from(k % 7 + 1)).collect();
            let mut aff = G1Projective::normalize_batch(&pts);
            // Empty buckets, equal neighbours and a cancelling pair.
            aff[3] = G1Affine::identity();
            aff[n - 2] = G1Affine::identity();
            aff[20] = -aff[10];
            let want: G1Projective = aff.iter().enumerate().map(|(j, p)| *p * Fr::from(j as u64 + 1)).sum();
            assert_eq!(segmented(&aff), want, "n = {n}");
            assert_eq!(affine_buckets(&aff, None), want, "n = {n}");
        }
    }

    #[test]
    fn windows_combine_with_doublings() {
        let g = G1Projective::generator();
        let sums = [g, g * Fr::from(3u64), g * Fr::from(5u64)];
        let want = g * Fr::from(1u64 + 3 * (1 << 7) + 5 * (1 << 14));
        assert_eq!(combine_windows(&sums, 7), want);
        assert!(combine_windows::<ark_bn254::g1::Config>(&[], 7).is_zero());
        assert_eq!(G1Affine::generator(), combine_windows(&sums[..1], 7).into_affine());
    }
}
