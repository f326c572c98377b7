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
    /// The vector path's buffers (G1 on AVX-512 IFMA only).
    #[cfg(target_arch = "x86_64")]
    vector: VectorState<P>,
}

/// Buffers of [`PairBatch::add_vector`].
#[cfg(target_arch = "x86_64")]
struct VectorState<P: SWCurveConfig> {
    /// Indices of the chord additions (both points finite, distinct x), in scratch order.
    adds: Vec<usize>,
    /// Indices of the other additions, and copies of their points for the scalar pass.
    rest: Vec<usize>,
    rest_accs: Vec<Affine<P>>,
    rest_addends: Vec<Affine<P>>,
    scratch: super::affine_simd::Scratch,
}

impl<P: SWCurveConfig> Default for PairBatch<P> {
    fn default() -> Self {
        PairBatch {
            prefix: Vec::new(),
            dens: Vec::new(),
            kinds: Vec::new(),
            #[cfg(target_arch = "x86_64")]
            vector: VectorState {
                adds: Vec::new(),
                rest: Vec::new(),
                rest_accs: Vec::new(),
                rest_addends: Vec::new(),
                scratch: Default::default(),
            },
        }
    }
}

impl<P: SWCurveConfig> PairBatch<P> {
    /// `accs[k] += addends[k]` for every `k` (the slices have equal length).
    pub fn add_assign(&mut self, accs: &mut [Affine<P>], addends: &[Affine<P>]) {
        #[cfg(target_arch = "x86_64")]
        if accs.len().min(addends.len()) >= super::affine_simd::VECTOR_MIN && super::affine_simd::vector_path::<P>() {
            self.add_vector(accs, addends);
            return;
        }
        self.add_scalar(accs, addends);
    }

    /// [`Self::add_assign`] for G1 with AVX-512 IFMA: the chord additions run 8 lanes at a time
    /// ([`super::affine_simd`], bit-identical results), the rest (identity, doubling, opposite
    /// points) on the scalar path with its own inversion.
    #[cfg(target_arch = "x86_64")]
    fn add_vector(&mut self, accs: &mut [Affine<P>], addends: &[Affine<P>]) {
        use super::affine_simd::{add_batch, fq_words, set_fq_words, Scratch};
        let len = accs.len().min(addends.len());
        let v = &mut self.vector;
        v.adds.clear();
        v.rest.clear();
        v.rest_accs.clear();
        v.rest_addends.clear();
        v.scratch.resize(len);
        for (k, (a, q)) in accs.iter().zip(addends).enumerate() {
            if q.is_zero() {
                continue;
            }
            if a.is_zero() || a.x == q.x {
                v.rest.push(k);
                v.rest_accs.push(*a);
                v.rest_addends.push(*q);
                continue;
            }
            let i = v.adds.len();
            v.adds.push(k);
            Scratch::set(&mut v.scratch.x1, i, fq_words(&a.x));
            Scratch::set(&mut v.scratch.y1, i, fq_words(&a.y));
            Scratch::set(&mut v.scratch.x2, i, fq_words(&q.x));
            Scratch::set(&mut v.scratch.y2, i, fq_words(&q.y));
        }
        let n = v.adds.len();
        v.scratch.resize(n);
        add_batch(&mut v.scratch, n);
        for (i, &k) in v.adds.iter().enumerate() {
            set_fq_words(&mut accs[k].x, Scratch::get(&v.scratch.x1, i));
            set_fq_words(&mut accs[k].y, Scratch::get(&v.scratch.y1, i));
        }
        if v.rest.is_empty() {
            return;
        }
        let (mut rest_accs, rest_addends) = (std::mem::take(&mut v.rest_accs), std::mem::take(&mut v.rest_addends));
        self.add_scalar(&mut rest_accs, &rest_addends);
        let v = &mut self.vector;
        for (&k, a) in v.rest.iter().zip(&rest_accs) {
            accs[k] = *a;
        }
        v.rest_accs = rest_accs;
        v.rest_addends = rest_addends;
    }

    /// [`Self::add_assign`] with arkworks' scalar field arithmetic.
    fn add_scalar(&mut self, accs: &mut [Affine<P>], addends: &[Affine<P>]) {
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

    /// Long batches (the vector path for G1 where the CPU has IFMA) with every case mixed in.
    #[test]
    fn long_mixed_batches_match_projective_addition() {
        let g = G1Projective::generator();
        let pts: Vec<G1Affine> =
            G1Projective::normalize_batch(&(1..=64u64).map(|k| g * Fr::from(k * 7919 + 1)).collect::<Vec<_>>());
        let id = G1Affine::identity();
        for len in [16usize, 17, 40, 257] {
            let mut accs = Vec::new();
            let mut adds = Vec::new();
            for k in 0..len {
                let (p, q) = (pts[k % 64], pts[(k * 5 + 3) % 64]);
                let (a, b) = match k % 11 {
                    0 => (p, p),
                    1 => (p, -p),
                    2 => (id, q),
                    3 => (p, id),
                    _ => (p, q),
                };
                accs.push(a);
                adds.push(b);
            }
            let mut got = accs.clone();
            PairBatch::default().add_assign(&mut got, &adds);
            for k in 0..len {
                assert_eq!(got[k], (accs[k] + adds[k]).into_affine(), "len {len} case {k}");
            }
        }
    }
}
