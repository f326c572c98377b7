//! Independent affine additions `accs[k] += addends[k]` sharing one field inversion (Montgomery's
//! trick), with every special case handled: identity on either side, equal points (doubling),
//! opposite points (the sum is the identity).

use ark_ec::short_weierstrass::{Affine, SWCurveConfig};
use ark_ec::AffineRepr;
use ark_ff::{AdditiveGroup, Field, One, Zero};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Keep,
    Copy,
    Add,
    Double,
    Clear,
}

/// Scratch space for batches of independent affine additions.
pub struct PairBatch<P: SWCurveConfig> {
    prefix: Vec<P::BaseField>,
    dens: Vec<P::BaseField>,
    kinds: Vec<Kind>,
}

impl<P: SWCurveConfig> Default for PairBatch<P> {
    fn default() -> Self {
        PairBatch { prefix: Vec::new(), dens: Vec::new(), kinds: Vec::new() }
    }
}

impl<P: SWCurveConfig> PairBatch<P> {
    /// `accs[k] += addends[k]` for every `k` (the slices have equal length).
    pub fn add_assign(&mut self, accs: &mut [Affine<P>], addends: &[Affine<P>]) {
        let len = accs.len().min(addends.len());
        self.prefix.resize(len, P::BaseField::zero());
        self.dens.resize(len, P::BaseField::zero());
        self.kinds.resize(len, Kind::Keep);
        let mut acc = P::BaseField::one();
        for ((((a, q), pre), den), kind) in
            accs.iter().zip(addends).zip(self.prefix.iter_mut()).zip(self.dens.iter_mut()).zip(self.kinds.iter_mut())
        {
            *kind = if q.is_zero() {
                Kind::Keep
            } else if a.is_zero() {
                Kind::Copy
            } else if a.x != q.x {
                *den = q.x - a.x;
                Kind::Add
            } else if a.y == q.y && !a.y.is_zero() {
                *den = a.y.double();
                Kind::Double
            } else {
                Kind::Clear
            };
            *pre = acc;
            if matches!(*kind, Kind::Add | Kind::Double) {
                acc *= &*den;
            }
        }
        let mut inv = acc.inverse().unwrap_or_else(P::BaseField::one);
        for ((((a, q), pre), den), kind) in
            accs.iter_mut().zip(addends).zip(self.prefix.iter()).zip(self.dens.iter()).zip(self.kinds.iter()).rev()
        {
            let lambda = match kind {
                Kind::Keep => continue,
                Kind::Copy => {
                    *a = *q;
                    continue;
                }
                Kind::Clear => {
                    *a = Affine::identity();
                    continue;
                }
                Kind::Add => {
                    let den_inv = inv * pre;
                    inv *= den;
                    (q.y - a.y) * den_inv
                }
                Kind::Double => {
                    let den_inv = inv * pre;
                    inv *= den;
                    let xx = a.x.square();
                    (xx.double() + xx + P::COEFF_A) * den_inv
                }
            };
            let x3 = lambda.square() - a.x - q.x;
            a.y = lambda * (a.x - x3) - a.y;
            a.x = x3;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::{Fr, G1Affine, G1Projective};
    use ark_ec::{CurveGroup, PrimeGroup};

    #[test]
    fn every_case_matches_projective_addition() {
        let g = G1Projective::generator();
        let p: G1Affine = (g * Fr::from(5u64)).into_affine();
        let q: G1Affine = (g * Fr::from(11u64)).into_affine();
        let id = G1Affine::identity();
        let accs = vec![p, p, p, id, id, p, q];
        let adds = vec![q, p, -p, q, id, id, p];
        let mut got = accs.clone();
        PairBatch::default().add_assign(&mut got, &adds);
        for k in 0..accs.len() {
            assert_eq!(got[k], (accs[k] + adds[k]).into_affine(), "case {k}");
        }
    }
}
