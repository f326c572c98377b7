//! Batches of independent BN254 G1 affine chord additions `(x1, y1) + (x2, y2)` with `x1 ≠ x2`,
//! eight lanes at a time with AVX-512 IFMA ([`crate::cpu::simd::field52`] over Fq), sharing one
//! inversion per batch (Montgomery's trick). The special cases (identity, doubling, opposite
//! points) never come here: the caller keeps them on the scalar path.
//!
//! **Layout.** Element `i` of a batch sits in chunk `i / 8`, lane `i % 8`; every chunk holds 4
//! vectors of 64-bit words (word `k` of 8 coordinates). Lane `k` thus runs its own prefix-product
//! chain over elements `k, k + 8, …`; the 8 chain products are inverted with one scalar
//! inversion (arkworks' batch inversion). Unused lanes of the last chunk are padding
//! (`x1 = 0, x2 = 1`: a nonzero denominator) whose results are ignored.
//!
//! **Domains.** The inputs are arkworks' Montgomery representations, `A ≡ a·2^256` (mod q),
//! canonical (below q < 2^253.6). `field52`'s product is `mul(X, Y) ≡ X·Y·2^−260`, so write `e`
//! for the exponent of a value `v` stored as `X ≡ v·2^e`: a product adds the exponents and
//! subtracts 260, a shift left by `s` bits adds `s`, sums keep `e`. No conversion is needed:
//!
//! - `den = x2 + q − x1` (e = 256, in (0, 2q)), `den' = den·2^4` (e = 260, below 2^258.6);
//! - prefix products `pre` of `den'` (e = 260, all below 2^256: `acc·den'/2^260 + q < 2^255.2`
//!   for `acc < 2^256`);
//! - running inverse `inv` (e = 262; starts canonical, then `inv·den'/2^260 + q < 2^256`),
//!   `den⁻¹ = mul(inv, pre)` (e = 262, below `2^252 + q < 2^254`);
//! - `λ = mul(y2 + q − y1, den⁻¹)` (256 + 262 − 260 = 258, below `2^248.6 + q < 2^254`);
//! - `λ² = square(λ)` (e = 256, below `2^248 + q`), `x3 = λ² + 2q − (x1 + x2)` (below 4q);
//! - `y3 = mul(λ, (x1 + q − x3)·2^2) + q − y1` (258 + 258 − 260 = 256, below `2^251 + 2q`);
//! - `x3`, `y3` are made canonical by subtracting 2q, then q, where not negative (inputs below
//!   4q), so the outputs are exactly arkworks' representations (bit-identical to the scalar path).
//!
//! Every `field52` precondition holds: limbs normalized, products' factors below 2^260 with
//! `X·Y/2^260 + q ≤ 2^260`, shifted values below 2^260, words converted below 2^256.

use std::sync::OnceLock;

use ark_bn254::Fq;
use ark_ec::short_weierstrass::SWCurveConfig;
use ark_ff::{BigInt, BigInteger, Field, PrimeField};

use core::arch::x86_64::__m512i;

use crate::cpu::simd::field52::{from_lanes, lanes, p_times_mod, to_radix52, Fe8, FqMod, Limbs, LANES};

/// Batches at least this long take the vector path (shorter ones are not worth the transposes).
pub const VECTOR_MIN: usize = 16;

/// Whether `P` is BN254's G1 and the vector path is on and supported.
pub fn vector_path<P: SWCurveConfig>() -> bool {
    std::any::TypeId::of::<P>() == std::any::TypeId::of::<ark_bn254::g1::Config>()
        && super::vector_affine_on()
        && crate::cpu::simd::available()
}

/// Arkworks' Montgomery representation of an Fq coordinate (`F` is Fq on the vector path).
#[inline(always)]
pub fn fq_words<F: 'static>(f: &F) -> [u64; 4] {
    (f as &dyn std::any::Any).downcast_ref::<ark_bn254::Fq>().expect("vector path: G1 coordinates are Fq").0 .0
}

/// Sets an Fq coordinate from its (canonical) Montgomery representation.
#[inline(always)]
pub fn set_fq_words<F: 'static>(f: &mut F, w: [u64; 4]) {
    (f as &mut dyn std::any::Any).downcast_mut::<ark_bn254::Fq>().expect("vector path: G1 coordinates are Fq").0 .0 = w;
}

/// One chunk of 8 coordinates: `[word][lane]`.
pub type Words8 = [[u64; LANES]; 4];

/// Scratch buffers of a vector batch (reused between batches).
#[derive(Default)]
pub struct Scratch {
    /// First summands' coordinates; the sums overwrite them.
    pub x1: Vec<Words8>,
    /// See `x1`.
    pub y1: Vec<Words8>,
    /// Second summands' coordinates (y already negated where needed).
    pub x2: Vec<Words8>,
    /// See `x2`.
    pub y2: Vec<Words8>,
    /// Prefix products (e = 260) per chunk, as `[limb][lane]`.
    pre: Vec<[[u64; LANES]; 5]>,
}

impl Scratch {
    /// Sizes the buffers for `len` elements (padding lanes of the last chunk set).
    pub fn resize(&mut self, len: usize) {
        let chunks = len.div_ceil(LANES);
        for v in [&mut self.x1, &mut self.y1, &mut self.x2, &mut self.y2] {
            v.resize(chunks, [[0; LANES]; 4]);
        }
        self.pre.resize(chunks, [[0; LANES]; 5]);
        for i in len..chunks * LANES {
            let (c, l) = (i / LANES, i % LANES);
            for k in 0..4 {
                self.x1[c][k][l] = 0;
                self.y1[c][k][l] = 0;
                self.x2[c][k][l] = u64::from(k == 0);
                self.y2[c][k][l] = 0;
            }
        }
    }

    /// Stores the words of element `i`.
    #[inline(always)]
    pub fn set(v: &mut [Words8], i: usize, w: [u64; 4]) {
        let chunk = &mut v[i / LANES];
        for (k, &word) in w.iter().enumerate() {
            chunk[k][i % LANES] = word;
        }
    }

    /// The words of element `i`.
    #[inline(always)]
    pub fn get(v: &[Words8], i: usize) -> [u64; 4] {
        let chunk = &v[i / LANES];
        core::array::from_fn(|k| chunk[k][i % LANES])
    }
}

/// Constants in radix 2^52: q, 2q, and 2^260 mod q (one with e = 260).
struct Consts {
    q: Limbs,
    q2: Limbs,
    one: Limbs,
}

fn consts() -> &'static Consts {
    static C: OnceLock<Consts> = OnceLock::new();
    C.get_or_init(|| Consts {
        q: p_times_mod::<FqMod>(1),
        q2: p_times_mod::<FqMod>(2),
        one: to_radix52(Fq::from(2u64).pow([260u64]).into_bigint().0),
    })
}

/// Adds the batch in place: for every element `i < len`, `(x1, y1)[i] += (x2, y2)[i]`.
/// Precondition: [`Scratch::resize`]`(len)` was called, the coordinates are canonical arkworks
/// representations and `x1[i] ≠ x2[i]` for every `i < len`.
pub fn add_batch(s: &mut Scratch, len: usize) {
    if len == 0 {
        return;
    }
    assert!(crate::cpu::simd::available(), "affine_simd: the caller checks simd::available()");
    let c = consts();
    // SAFETY: the CPU has avx512f and avx512ifma (checked just above).
    unsafe { add_batch_ifma(s, len.div_ceil(LANES), c) }
}

/// A chunk's 4 word vectors from memory.
#[target_feature(enable = "avx512f")]
#[inline]
fn load(w: &Words8) -> Fe8 {
    Fe8::from_words([from_lanes(&w[0]), from_lanes(&w[1]), from_lanes(&w[2]), from_lanes(&w[3])])
}

/// A canonical `Fe8` (below 2^256) to memory as words.
#[target_feature(enable = "avx512f")]
#[inline]
fn store(v: Fe8, w: &mut Words8) {
    let words: [__m512i; 4] = v.to_words();
    for (dst, src) in w.iter_mut().zip(words) {
        *dst = lanes(src);
    }
}

/// `x2 + q − x1`, times 2^4 (e = 260), below 2^258.6.
#[target_feature(enable = "avx512f")]
#[inline]
fn den_shifted(x1: &Fe8, x2: &Fe8, q: &Fe8) -> Fe8 {
    x2.add_sub(q, x1).shl::<4>()
}

/// Reduces an integer below 4q to canonical form.
#[target_feature(enable = "avx512f")]
#[inline]
fn canonical(v: Fe8, q: &Fe8, q2: &Fe8) -> Fe8 {
    v.sub_if_ge(q2).sub_if_ge(q)
}

#[target_feature(enable = "avx512f,avx512ifma")]
fn add_batch_ifma(s: &mut Scratch, chunks: usize, c: &Consts) {
    let q = Fe8::splat(&c.q);
    let q2 = Fe8::splat(&c.q2);
    // Forward: lane-wise prefix products of the denominators.
    let mut acc = Fe8::splat(&c.one);
    for k in 0..chunks {
        s.pre[k] = acc.0.map(|v| lanes(v));
        let den = den_shifted(&load(&s.x1[k]), &load(&s.x2[k]), &q);
        acc = acc.mul_mod::<FqMod>(&den);
    }
    // The 8 lane products: X ≡ A·2^260 with X < 2^256; read as arkworks representations they
    // are a = 16·A. The running inverse wants Y ≡ A⁻¹·2^262, i.e. the arkworks value 1024/a.
    let words = acc.to_words().map(|v| lanes(v));
    let modulus = <Fq as PrimeField>::MODULUS;
    let mut prods: [Fq; LANES] = core::array::from_fn(|l| {
        let mut x = BigInt([words[0][l], words[1][l], words[2][l], words[3][l]]);
        while x >= modulus {
            x.sub_with_borrow(&modulus);
        }
        Fq::new_unchecked(x)
    });
    ark_ff::batch_inversion(&mut prods);
    let scale = Fq::from(1024u64);
    let mut inv_words: Words8 = [[0; LANES]; 4];
    for (l, p) in prods.iter().enumerate() {
        let v = *p * scale;
        for (k, w) in v.0 .0.iter().enumerate() {
            inv_words[k][l] = *w;
        }
    }
    let mut inv = load(&inv_words);
    // Backward: each denominator's inverse, λ and the sum.
    for k in (0..chunks).rev() {
        let x1 = load(&s.x1[k]);
        let x2 = load(&s.x2[k]);
        let y1 = load(&s.y1[k]);
        let y2 = load(&s.y2[k]);
        let den = den_shifted(&x1, &x2, &q);
        let pre = Fe8(s.pre[k].map(|l| from_lanes(&l)));
        let den_inv = inv.mul_mod::<FqMod>(&pre);
        inv = inv.mul_mod::<FqMod>(&den);
        let lambda = y2.add_sub(&q, &y1).mul_mod::<FqMod>(&den_inv);
        let x3 = canonical(lambda.square_mod::<FqMod>().add_sub(&q2, &x1.add(&x2)), &q, &q2);
        let t = x1.add_sub(&q, &x3).shl::<2>();
        let y3 = canonical(lambda.mul_mod::<FqMod>(&t).add_sub(&q, &y1), &q, &q2);
        store(x3, &mut s.x1[k]);
        store(y3, &mut s.y1[k]);
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use ark_bn254::{Fq, G1Affine, G1Projective};
    use ark_ec::{AffineRepr, CurveGroup, PrimeGroup};
    use ark_ff::{BigInt, PrimeField, UniformRand, Zero};
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    use super::*;
    use crate::cpu::simd::field52::{Fe8, FqMod};

    fn skip(name: &str) -> bool {
        if crate::cpu::simd::available() {
            return false;
        }
        let _ = writeln!(std::io::stderr(), "SKIPPED {name}: CPU lacks avx512ifma");
        true
    }

    fn raw(x: &Fq) -> [u64; 4] {
        x.0 .0
    }

    /// field52 over Fq against arkworks: mul, square, add, sub, conversions, incl. 0, 1, q − 1.
    #[test]
    fn field52_fq_matches_arkworks() {
        if skip("field52_fq_matches_arkworks") {
            return;
        }
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let q1 = -Fq::from(1u64);
        let mut vals = vec![Fq::zero(), Fq::from(1u64), q1, q1 - Fq::from(1u64), Fq::from(2u64)];
        vals.extend((0..59).map(|_| Fq::rand(&mut rng)));
        let c = consts();
        for a8 in vals.chunks(8) {
            for b8 in vals.chunks(8) {
                let words = |v: &[Fq]| -> Words8 { core::array::from_fn(|k| core::array::from_fn(|l| raw(&v[l])[k])) };
                let (wa, wb) = (words(a8), words(b8));
                // SAFETY: avx512f and avx512ifma are present (checked by `skip`).
                let (m, sq, sum, diff, back) = unsafe { ops(&wa, &wb, c) };
                for l in 0..8 {
                    let (a, b) = (a8[l], b8[l]);
                    // mul of a (e = 256) with b·2^4 (e = 260) stays at e = 256: arkworks' product.
                    assert_eq!(Scratch::get(core::slice::from_ref(&m), l), raw(&(a * b)), "mul {a} {b}");
                    assert_eq!(Scratch::get(core::slice::from_ref(&sq), l), raw(&a.square()), "square {a}");
                    assert_eq!(Scratch::get(core::slice::from_ref(&sum), l), raw(&(a + b)), "add {a} {b}");
                    assert_eq!(Scratch::get(core::slice::from_ref(&diff), l), raw(&(a - b)), "sub {a} {b}");
                    assert_eq!(Scratch::get(core::slice::from_ref(&back), l), raw(&a), "round trip {a}");
                }
            }
        }
        // The canonical check in the conversion helper: q itself is not a representation.
        assert_eq!(to_radix52(<Fq as PrimeField>::MODULUS.0), c.q);
        assert_eq!(BigInt::<4>::from(1u64).0[0], 1);
    }

    /// `a·b`, `a²`, `a + b`, `a − b` (all canonical arkworks representations) and `a` round-tripped.
    #[target_feature(enable = "avx512f,avx512ifma")]
    fn ops(wa: &Words8, wb: &Words8, c: &Consts) -> (Words8, Words8, Words8, Words8, Words8) {
        let q = Fe8::splat(&c.q);
        let q2 = Fe8::splat(&c.q2);
        let (a, b) = (load(wa), load(wb));
        let out = |v: Fe8| {
            let mut w = [[0; LANES]; 4];
            store(v, &mut w);
            w
        };
        let m = canonical(a.mul_mod::<FqMod>(&b.shl::<4>()), &q, &q2);
        // a² at e = 256 needs 2^2 on both factors.
        let a4 = a.shl::<2>();
        let sq = canonical(a4.square_mod::<FqMod>(), &q, &q2);
        let sum = canonical(a.add(&b), &q, &q2);
        let diff = canonical(a.add_sub(&q, &b), &q, &q2);
        (out(m), out(sq), out(sum), out(diff), out(a))
    }

    fn random_points(n: usize, rng: &mut ChaCha8Rng) -> Vec<G1Affine> {
        let g = G1Projective::generator();
        let v: Vec<G1Projective> = (0..n).map(|_| g * ark_bn254::Fr::rand(rng)).collect();
        G1Projective::normalize_batch(&v)
    }

    #[test]
    fn vector_affine_add_matches_scalar() {
        if skip("vector_affine_add_matches_scalar") {
            return;
        }
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let mut scratch = Scratch::default();
        let mut sizes: Vec<usize> = (1..=40).collect();
        sizes.push(1000);
        for &n in &sizes {
            let a = random_points(n, &mut rng);
            let mut b = random_points(n, &mut rng);
            // Some negated second summands (y near q) as in the bucket path.
            for (i, p) in b.iter_mut().enumerate() {
                if i % 3 == 0 {
                    *p = -*p;
                }
            }
            load_pairs(&mut scratch, &a[..n], &b[..n]);
            add_batch(&mut scratch, n);
            for i in 0..n {
                let want = (a[i] + b[i]).into_affine();
                let got = G1Affine::new_unchecked(
                    Fq::new_unchecked(BigInt(Scratch::get(&scratch.x1, i))),
                    Fq::new_unchecked(BigInt(Scratch::get(&scratch.y1, i))),
                );
                assert_eq!(got, want, "batch {n} element {i}");
                assert!(got.is_on_curve() && !got.is_zero());
            }
        }
    }

    /// Puts the pairs (a[i], b[i]) into the scratch buffers as the bucket path does.
    fn load_pairs(scratch: &mut Scratch, a: &[G1Affine], b: &[G1Affine]) {
        scratch.resize(a.len());
        for (i, (p, q)) in a.iter().zip(b).enumerate() {
            Scratch::set(&mut scratch.x1, i, raw(&p.x));
            Scratch::set(&mut scratch.y1, i, raw(&p.y));
            Scratch::set(&mut scratch.x2, i, raw(&q.x));
            Scratch::set(&mut scratch.y2, i, raw(&q.y));
        }
    }

    /// Coordinates near q: points whose x or y is close to q − 1 (searched from the top).
    #[test]
    fn vector_affine_add_near_modulus() {
        if skip("vector_affine_add_near_modulus") {
            return;
        }
        let mut near = Vec::new();
        let mut x = -Fq::from(1u64);
        while near.len() < 24 {
            if let Some(p) = G1Affine::get_point_from_x_unchecked(x, false) {
                near.push(p);
                near.push(-p);
            }
            x -= Fq::from(1u64);
        }
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let others = random_points(near.len(), &mut rng);
        let n = near.len();
        let mut scratch = Scratch::default();
        for (a, b) in [(&near, &others), (&others, &near)] {
            load_pairs(&mut scratch, &a[..n], &b[..n]);
            add_batch(&mut scratch, n);
            for i in 0..n {
                let want = (a[i] + b[i]).into_affine();
                assert_eq!(Scratch::get(&scratch.x1, i), raw(&want.x), "x {i}");
                assert_eq!(Scratch::get(&scratch.y1, i), raw(&want.y), "y {i}");
            }
        }
    }
}
