//! Eight BN254 Fr elements at once, in radix 2^52, for AVX-512 IFMA.
//!
//! The reducing operations also come generic over a [`Modulus`] (`mul_mod`, `square_mod`,
//! `shrink_mod`, `Wide::reduce_mod`), with [`FrMod`] (the plain names, used by Poseidon and the
//! NTT) and [`FqMod`] (G1's base field, used by the MSM's affine additions). Everything below
//! written for r holds for q as well: both are below 2^253.6.
//!
//! **Representation.** An [`Fe8`] holds 5 vectors; vector `j` holds limb `j` (bits `52j..52j+52`)
//! of 8 independent elements, one per 64-bit lane. Elements are in Montgomery form with
//! `R = 2^260` (5 × 52 bits): `x` is stored as some integer `X ≡ x·R (mod r)`, **not necessarily
//! below r**. Every `Fe8` is *normalized*: each limb is below 2^52 (IFMA multiplies only the low 52
//! bits of a lane, so that is a hard precondition of every product), hence `X < 2^260`. The
//! functions state tighter bounds on `X` where correctness needs them; the users (the Poseidon
//! permutation, `cpu::poseidon::simd::permutation`, and the NTT, `cpu::ntt::simd`) prove each
//! call site within them.
//!
//! **Products.** A [`Wide`] is a 10-column accumulator of 64-bit lanes: column `k` has weight
//! `2^(52k)`, and a lane may exceed 52 bits (the carries are propagated once, in
//! [`Wide::reduce`]). A 5×5 product adds at most 10 terms below 2^52 to a column (≤ 5 low halves of
//! `a_i·b_j` with `i + j = k`, ≤ 5 high halves with `i + j = k − 1`), so one product raises a
//! column by < 10·2^52 and up to 17 products, plus one addend below 2^52 (a value times `R`), stay
//! below 171·2^52 < 2^60: no lane overflows. [`Wide::reduce`] adds < 10·2^52 + 2^12 more.
//!
//! **Montgomery reduction.** For an accumulated integer `T`, [`Wide::reduce`] returns
//! `(T + m·r) / R` with `m < R`, congruent to `T·R⁻¹` and below `T/R + r`. With `r < 2^253.6`:
//! factors below 2^257 give a product below 2^254 + r < 2^255, so products need no final
//! subtraction at all, and a dot product of ≤ 17 terms `c·X` (constants `c < r`, `X < 2^257`)
//! reduces to < 17·r/8 + r < 2^255.5.

use core::arch::x86_64::*;

use ark_bn254::Fr;
use ark_ff::{BigInt, BigInteger, Field, PrimeField};

/// Lanes per vector: one element of each of 8 messages.
pub const LANES: usize = 8;
/// Limbs per element.
pub const LIMBS: usize = 5;
/// Bits per limb.
const BITS: u32 = 52;
/// The low 52 bits of a lane.
const MASK: u64 = (1 << BITS) - 1;

/// One element as 5 little-endian radix-2^52 limbs, e.g. a constant broadcast to every lane.
pub type Limbs = [u64; LIMBS];

/// The modulus r.
#[cfg(test)]
const P: Limbs = FrMod::P;
/// −r⁻¹ mod 2^52, the Montgomery reduction's factor.
#[cfg(test)]
const N0: u64 = FrMod::N0;
/// `QP[j][q]`: limb `j` of `q·r`, for `q` = 0..8 (all below 2^52, as 7r < 2^257 is normalized).
const QP: [[u64; LANES]; LIMBS] = FrMod::QP;

/// The constants of a prime modulus `p < 2^254` (so that `7p < 2^257` fits 5 limbs) for the
/// Montgomery arithmetic of this module. Every function that reduces has a `_mod::<M>` form; the
/// plain names use r ([`FrMod`]), so the Fr users are unchanged (monomorphized: same code).
pub trait Modulus {
    /// The modulus in normalized radix-2^52 limbs.
    const P: Limbs;
    /// −p⁻¹ mod 2^52.
    const N0: u64;
    /// `QP[j][q]`: limb `j` of `q·p`, for `q` = 0..8.
    const QP: [[u64; LANES]; LIMBS];
}

/// BN254's scalar field modulus r (the field `Fr`).
pub struct FrMod;

impl Modulus for FrMod {
    const P: Limbs = to_radix52(<Fr as PrimeField>::MODULUS.0);
    const N0: u64 = neg_inv_mod_2_52(Self::P[0]);
    const QP: [[u64; LANES]; LIMBS] = multiples_of_p(Self::P);
}

/// BN254's base field modulus q (the field `Fq` of G1's coordinates; q < 2^253.6 as well).
pub struct FqMod;

impl Modulus for FqMod {
    const P: Limbs = to_radix52(<ark_bn254::Fq as PrimeField>::MODULUS.0);
    const N0: u64 = neg_inv_mod_2_52(Self::P[0]);
    const QP: [[u64; LANES]; LIMBS] = multiples_of_p(Self::P);
}

/// A canonical 4×64-bit integer (below 2^256) as 5 radix-2^52 limbs.
pub const fn to_radix52(a: [u64; 4]) -> Limbs {
    [
        a[0] & MASK,
        ((a[0] >> 52) | (a[1] << 12)) & MASK,
        ((a[1] >> 40) | (a[2] << 24)) & MASK,
        ((a[2] >> 28) | (a[3] << 36)) & MASK,
        a[3] >> 16,
    ]
}

/// Normalized radix-2^52 limbs of an integer below 2^256 as 4×64 bits.
const fn from_radix52(l: Limbs) -> [u64; 4] {
    [l[0] | (l[1] << 52), (l[1] >> 12) | (l[2] << 40), (l[2] >> 24) | (l[3] << 28), (l[3] >> 36) | (l[4] << 16)]
}

/// −p0⁻¹ mod 2^52 for odd `p0`, by Newton's iteration (each step doubles the correct low bits;
/// `p0·p0 ≡ 1 mod 8` gives 3 to start with, so 5 steps give 96 ≥ 64).
const fn neg_inv_mod_2_52(p0: u64) -> u64 {
    let mut inv = p0;
    let mut i = 0;
    while i < 5 {
        inv = inv.wrapping_mul(2u64.wrapping_sub(p0.wrapping_mul(inv)));
        i += 1;
    }
    inv.wrapping_neg() & MASK
}

/// The table [`Modulus::QP`] of `p` (below 2^254).
const fn multiples_of_p(p: Limbs) -> [[u64; LANES]; LIMBS] {
    let mut t = [[0u64; LANES]; LIMBS];
    let mut q = 0;
    while q < LANES {
        let mut carry = 0u64;
        let mut j = 0;
        while j < LIMBS {
            let v = p[j] * q as u64 + carry; // < 2^55 + 2^3
            t[j][q] = v & MASK;
            carry = v >> BITS;
            j += 1;
        }
        assert!(carry == 0, "7p fits 5 limbs");
        q += 1;
    }
    t
}

/// 2^260 mod r, i.e. `R` as a field element.
fn r_mod() -> Fr {
    Fr::from(2u64).pow([u64::from(BITS) * LIMBS as u64])
}

/// The canonical integer of `x` (below r) in radix 2^52: `x` outside the Montgomery form.
pub fn plain_limbs(x: &Fr) -> Limbs {
    to_radix52(x.into_bigint().0)
}

/// `x·R mod r` in radix 2^52: `x` in this module's Montgomery form, fully reduced (below r).
pub fn mont_limbs(x: &Fr) -> Limbs {
    plain_limbs(&(*x * r_mod()))
}

/// `R² mod r`, canonical: multiplying a plain value by it and reducing enters the Montgomery form.
pub fn r_squared() -> Limbs {
    let r = r_mod();
    plain_limbs(&(r * r))
}

/// The field element `X mod r` of an integer `X < 2^256` given in normalized radix-2^52 limbs.
pub fn limbs_to_fr(l: Limbs) -> Fr {
    let modulus = <Fr as PrimeField>::MODULUS;
    let mut a = BigInt(from_radix52(l));
    while a >= modulus {
        a.sub_with_borrow(&modulus);
    }
    Fr::from_bigint(a).expect("reduced below the modulus")
}

/// The 8 lanes of a vector.
#[target_feature(enable = "avx512f")]
#[inline]
pub fn lanes(v: __m512i) -> [u64; LANES] {
    let mut a = [0u64; LANES];
    // SAFETY: `a` is 64 writable bytes and `storeu` has no alignment requirement.
    unsafe { _mm512_storeu_si512(a.as_mut_ptr().cast(), v) };
    a
}

/// A vector from its 8 lanes.
#[target_feature(enable = "avx512f")]
#[inline]
pub fn from_lanes(a: &[u64; LANES]) -> __m512i {
    // SAFETY: `a` is 64 readable bytes and `loadu` has no alignment requirement.
    unsafe { _mm512_loadu_si512(a.as_ptr().cast()) }
}

/// One 64-bit value in every lane.
#[target_feature(enable = "avx512f")]
#[inline]
fn splat(x: u64) -> __m512i {
    _mm512_set1_epi64(x as i64)
}

/// Eight field elements, limb-sliced, normalized (see the module docs).
#[derive(Clone, Copy, Debug)]
pub struct Fe8(pub [__m512i; LIMBS]);

/// A 10-column product accumulator (see the module docs).
#[derive(Clone, Copy, Debug)]
pub struct Wide(pub [__m512i; 2 * LIMBS]);

impl Fe8 {
    /// Zero in every lane.
    #[target_feature(enable = "avx512f")]
    #[inline]
    pub fn zero() -> Self {
        Fe8([_mm512_setzero_si512(); LIMBS])
    }

    /// The same limbs (e.g. a constant) in every lane.
    #[target_feature(enable = "avx512f")]
    #[inline]
    pub fn splat(c: &Limbs) -> Self {
        Fe8([splat(c[0]), splat(c[1]), splat(c[2]), splat(c[3]), splat(c[4])])
    }

    /// Lane `l` holds the integer with limbs `values[l]` (each limb below 2^52).
    #[target_feature(enable = "avx512f")]
    #[inline]
    pub fn from_limbs(values: &[Limbs; LANES]) -> Self {
        let mut v = Self::zero();
        for (j, limb) in v.0.iter_mut().enumerate() {
            *limb = from_lanes(&values.map(|x| x[j]));
        }
        v
    }

    /// The limbs of each lane (the inverse of [`Fe8::from_limbs`]).
    #[target_feature(enable = "avx512f")]
    #[inline]
    pub fn to_limbs(self) -> [Limbs; LANES] {
        let limbs = self.0.map(|v| lanes(v));
        core::array::from_fn(|l| limbs.map(|limb| limb[l]))
    }

    /// Carries each limb's bits above 52 into the next limb. Precondition: the lanes'
    /// integers are below 2^260 and no lane overflows 64 bits on the way (each carry is below
    /// 2^12, so limbs below 2^63 suffice).
    #[target_feature(enable = "avx512f")]
    #[inline]
    fn normalize(mut l: [__m512i; LIMBS]) -> Self {
        let mask = splat(MASK);
        for j in 0..LIMBS - 1 {
            l[j + 1] = _mm512_add_epi64(l[j + 1], _mm512_srli_epi64::<BITS>(l[j]));
            l[j] = _mm512_and_si512(l[j], mask);
        }
        Fe8(l)
    }

    /// `self + other` as integers. Precondition: the sum is below 2^260 (limb sums are below
    /// 2^53, so the carries cannot overflow).
    #[target_feature(enable = "avx512f")]
    #[inline]
    pub fn add(&self, other: &Self) -> Self {
        let mut sum = self.0;
        for (s, o) in sum.iter_mut().zip(&other.0) {
            *s = _mm512_add_epi64(*s, *o);
        }
        Self::normalize(sum)
    }

    /// The same residue, smaller: `X − q·r` with `q = ⌊X / 2^254⌋`. Precondition `X < 2^257`, so
    /// `q ≤ 7` (the table holds 0..8 multiples; a debug assertion checks). Then `q·r ≤ q·2^254 ≤ X`
    /// and `X − q·r < 2^254 + q·(2^254 − r) < 2^254·(1 + 7·0.245) < 2^256`.
    #[target_feature(enable = "avx512f")]
    #[inline]
    pub fn shrink(&self) -> Self {
        self.shrink_mod::<FrMod>()
    }

    /// [`Fe8::shrink`] for the modulus `M`.
    #[target_feature(enable = "avx512f")]
    #[inline]
    pub fn shrink_mod<M: Modulus>(&self) -> Self {
        let q = _mm512_srli_epi64::<{ 254 - 4 * BITS }>(self.0[4]);
        debug_assert_eq!(_mm512_cmpgt_epu64_mask(q, splat(7)), 0, "shrink: input ≥ 2^257");
        // Limb differences lie in (−2^52, 2^52); propagating the borrows with arithmetic shifts
        // leaves each limb in [0, 2^52) and the top limb non-negative, as X − q·r ≥ 0.
        let mut d = self.0;
        for (d, qp) in d.iter_mut().zip(&M::QP) {
            *d = _mm512_sub_epi64(*d, _mm512_permutexvar_epi64(q, from_lanes(qp)));
        }
        let mask = splat(MASK);
        for j in 0..LIMBS - 1 {
            d[j + 1] = _mm512_add_epi64(d[j + 1], _mm512_srai_epi64::<BITS>(d[j]));
            d[j] = _mm512_and_si512(d[j], mask);
        }
        Fe8(d)
    }

    /// Leaves the Montgomery form: the field elements (canonical) of the 8 lanes.
    #[cfg(test)]
    #[target_feature(enable = "avx512f,avx512ifma")]
    #[inline]
    pub fn to_fr(self) -> [Fr; LANES] {
        // (X + m·r)/R < 2^260/2^260 + r: at most r, and r itself only for X ≡ 0 (mapped to 0).
        let mut w = Wide::zero();
        w.0[..LIMBS].copy_from_slice(&self.0);
        w.reduce().plain_to_fr()
    }

    /// The 8 lanes read as plain integers (below 2^256), reduced mod r, outside Montgomery form.
    #[target_feature(enable = "avx512f")]
    #[inline]
    pub fn plain_to_fr(self) -> [Fr; LANES] {
        self.to_limbs().map(limbs_to_fr)
    }
}

/// `q·r` as normalized limbs, for `q` = 0..8.
pub const fn p_times(q: usize) -> Limbs {
    [QP[0][q], QP[1][q], QP[2][q], QP[3][q], QP[4][q]]
}

/// `q·p` as normalized limbs for the modulus `M`, for `q` = 0..8.
pub const fn p_times_mod<M: Modulus>(q: usize) -> Limbs {
    [M::QP[0][q], M::QP[1][q], M::QP[2][q], M::QP[3][q], M::QP[4][q]]
}

/// `a + c − b` limb by limb, then signed carries: normalized limbs of the integer when it is
/// non-negative. Limbwise sums lie in (−2^52, 2^53); each carry (arithmetic shift) is in [−2, 2],
/// so nothing overflows and each limb ends in [0, 2^52) with the sign in the top limb.
#[target_feature(enable = "avx512f")]
#[inline]
fn signed_normalize(mut d: [__m512i; LIMBS]) -> [__m512i; LIMBS] {
    let mask = splat(MASK);
    for j in 0..LIMBS - 1 {
        d[j + 1] = _mm512_add_epi64(d[j + 1], _mm512_srai_epi64::<BITS>(d[j]));
        d[j] = _mm512_and_si512(d[j], mask);
    }
    d
}

impl Fe8 {
    /// `self·b·R⁻¹`, below `self·b/R + r` (see [`Wide::reduce`]); both factors normalized.
    #[target_feature(enable = "avx512f,avx512ifma")]
    #[inline]
    pub fn mul(&self, b: &Self) -> Self {
        self.mul_mod::<FrMod>(b)
    }

    /// [`Fe8::mul`] for the modulus `M`: `self·b·R⁻¹ mod p`, below `self·b/R + p`.
    #[target_feature(enable = "avx512f,avx512ifma")]
    #[inline]
    pub fn mul_mod<M: Modulus>(&self, b: &Self) -> Self {
        let mut w = Wide::zero();
        w.mul_acc(self, b);
        w.reduce_mod::<M>()
    }

    /// `self²·R⁻¹ mod p` (15 limb products), below `self²/R + p`.
    #[target_feature(enable = "avx512f,avx512ifma")]
    #[inline]
    pub fn square_mod<M: Modulus>(&self) -> Self {
        Wide::square(self).reduce_mod::<M>()
    }

    /// `self·2^S` as integers, normalized. Precondition: the result is below 2^260 and `S < 52`.
    #[target_feature(enable = "avx512f")]
    #[inline]
    pub fn shl<const S: u32>(&self) -> Self {
        let mask = splat(MASK);
        let l = &self.0;
        // Limb j of the result: the low 52 − S bits of limb j moved up, the top S bits of limb
        // j − 1 moved in; the top limb's bits above 52 − S are zero by the precondition.
        let hi = |j: usize| {
            let up = _mm512_and_si512(_mm512_sll_epi64(l[j], _mm_cvtsi64_si128(S as i64)), mask);
            if j == 0 {
                up
            } else {
                _mm512_or_si512(up, _mm512_srl_epi64(l[j - 1], _mm_cvtsi64_si128(i64::from(BITS - S))))
            }
        };
        Fe8([hi(0), hi(1), hi(2), hi(3), hi(4)])
    }

    /// `self + c − b` as integers, normalized. Precondition: the result is non-negative and
    /// below 2^260 (e.g. `c` a multiple of r at least `b`).
    #[target_feature(enable = "avx512f")]
    #[inline]
    pub fn add_sub(&self, c: &Self, b: &Self) -> Self {
        let d = core::array::from_fn(|j| _mm512_sub_epi64(_mm512_add_epi64(self.0[j], c.0[j]), b.0[j]));
        Fe8(signed_normalize(d))
    }

    /// `X − c` where `X ≥ c`, else `X` (per lane); `c` normalized. Both normalized, so the
    /// difference's limbs lie in (−2^52, 2^52) and its sign ends in the top limb.
    #[target_feature(enable = "avx512f")]
    #[inline]
    pub fn sub_if_ge(&self, c: &Self) -> Self {
        let d = signed_normalize(core::array::from_fn(|j| _mm512_sub_epi64(self.0[j], c.0[j])));
        let negative = _mm512_cmplt_epi64_mask(d[LIMBS - 1], _mm512_setzero_si512());
        Fe8(core::array::from_fn(|j| _mm512_mask_blend_epi64(negative, d[j], self.0[j])))
    }

    /// Lanes from 4×64-bit words: `w[k]` holds word `k` of each lane's integer (below 2^256).
    #[target_feature(enable = "avx512f")]
    #[inline]
    pub fn from_words(w: [__m512i; 4]) -> Self {
        let mask = splat(MASK);
        let or = |a: __m512i, b: __m512i| _mm512_and_si512(_mm512_or_si512(a, b), mask);
        Fe8([
            _mm512_and_si512(w[0], mask),
            or(_mm512_srli_epi64::<52>(w[0]), _mm512_slli_epi64::<12>(w[1])),
            or(_mm512_srli_epi64::<40>(w[1]), _mm512_slli_epi64::<24>(w[2])),
            or(_mm512_srli_epi64::<28>(w[2]), _mm512_slli_epi64::<36>(w[3])),
            _mm512_srli_epi64::<16>(w[3]),
        ])
    }

    /// The 4×64-bit words of each lane (the inverse of [`Fe8::from_words`]). Precondition: the
    /// integers are below 2^256 (the top limb below 2^48), so nothing is lost.
    #[target_feature(enable = "avx512f")]
    #[inline]
    pub fn to_words(self) -> [__m512i; 4] {
        let l = &self.0;
        [
            _mm512_or_si512(l[0], _mm512_slli_epi64::<52>(l[1])),
            _mm512_or_si512(_mm512_srli_epi64::<12>(l[1]), _mm512_slli_epi64::<40>(l[2])),
            _mm512_or_si512(_mm512_srli_epi64::<24>(l[2]), _mm512_slli_epi64::<28>(l[3])),
            _mm512_or_si512(_mm512_srli_epi64::<36>(l[3]), _mm512_slli_epi64::<16>(l[4])),
        ]
    }
}

/// Lane indices of the 4×8 transposes: `a[i] ↔ a[4i]` interleaving, and 4-lane halves.
#[target_feature(enable = "avx512f")]
#[inline]
fn transpose_indices() -> [__m512i; 4] {
    [
        _mm512_set_epi64(13, 9, 5, 1, 12, 8, 4, 0),
        _mm512_set_epi64(15, 11, 7, 3, 14, 10, 6, 2),
        _mm512_set_epi64(11, 10, 9, 8, 3, 2, 1, 0),
        _mm512_set_epi64(15, 14, 13, 12, 7, 6, 5, 4),
    ]
}

/// 8 elements of 4 words, two per vector (`v[i]` holds elements 2i and 2i+1), to 4 vectors of
/// one word of each of the 8 elements.
#[target_feature(enable = "avx512f")]
#[inline]
pub fn elements_to_words(v: [__m512i; 4]) -> [__m512i; 4] {
    let [ilo, ihi, hlo, hhi] = transpose_indices();
    let p = _mm512_permutex2var_epi64(v[0], ilo, v[1]);
    let q = _mm512_permutex2var_epi64(v[0], ihi, v[1]);
    let r = _mm512_permutex2var_epi64(v[2], ilo, v[3]);
    let s = _mm512_permutex2var_epi64(v[2], ihi, v[3]);
    [
        _mm512_permutex2var_epi64(p, hlo, r),
        _mm512_permutex2var_epi64(p, hhi, r),
        _mm512_permutex2var_epi64(q, hlo, s),
        _mm512_permutex2var_epi64(q, hhi, s),
    ]
}

/// The inverse of [`elements_to_words`].
#[target_feature(enable = "avx512f")]
#[inline]
pub fn words_to_elements(w: [__m512i; 4]) -> [__m512i; 4] {
    let [ilo, ihi, hlo, hhi] = transpose_indices();
    let p = _mm512_permutex2var_epi64(w[0], hlo, w[1]);
    let r = _mm512_permutex2var_epi64(w[0], hhi, w[1]);
    let q = _mm512_permutex2var_epi64(w[2], hlo, w[3]);
    let s = _mm512_permutex2var_epi64(w[2], hhi, w[3]);
    [
        _mm512_permutex2var_epi64(p, ilo, q),
        _mm512_permutex2var_epi64(p, ihi, q),
        _mm512_permutex2var_epi64(r, ilo, s),
        _mm512_permutex2var_epi64(r, ihi, s),
    ]
}

impl Wide {
    /// The empty accumulator.
    #[target_feature(enable = "avx512f")]
    #[inline]
    pub fn zero() -> Self {
        Wide([_mm512_setzero_si512(); 2 * LIMBS])
    }

    /// `self += a·b` (all lanes).
    #[target_feature(enable = "avx512f,avx512ifma")]
    #[inline]
    pub fn mul_acc(&mut self, a: &Fe8, b: &Fe8) {
        for i in 0..LIMBS {
            for j in 0..LIMBS {
                self.0[i + j] = _mm512_madd52lo_epu64(self.0[i + j], a.0[i], b.0[j]);
                self.0[i + j + 1] = _mm512_madd52hi_epu64(self.0[i + j + 1], a.0[i], b.0[j]);
            }
        }
    }

    /// `self += a·c` for a constant `c` (normalized limbs) broadcast to every lane.
    #[target_feature(enable = "avx512f,avx512ifma")]
    #[inline]
    pub fn mul_acc_const(&mut self, a: &Fe8, c: &Limbs) {
        self.mul_acc(a, &Fe8::splat(c));
    }

    /// `a²` with 15 limb products instead of 25: the 10 cross products once, doubled. The
    /// doubled columns equal the corresponding columns of `mul_acc(a, a)`, so the same bounds hold.
    #[target_feature(enable = "avx512f,avx512ifma")]
    #[inline]
    pub fn square(a: &Fe8) -> Self {
        let mut w = Self::zero();
        for i in 0..LIMBS {
            for j in i + 1..LIMBS {
                w.0[i + j] = _mm512_madd52lo_epu64(w.0[i + j], a.0[i], a.0[j]);
                w.0[i + j + 1] = _mm512_madd52hi_epu64(w.0[i + j + 1], a.0[i], a.0[j]);
            }
        }
        for k in 1..2 * LIMBS {
            w.0[k] = _mm512_add_epi64(w.0[k], w.0[k]);
        }
        for i in 0..LIMBS {
            w.0[2 * i] = _mm512_madd52lo_epu64(w.0[2 * i], a.0[i], a.0[i]);
            w.0[2 * i + 1] = _mm512_madd52hi_epu64(w.0[2 * i + 1], a.0[i], a.0[i]);
        }
        w
    }

    /// `self += a·R`: after [`Wide::reduce`], `a` comes out added as is (`(T + a·R)/R = T/R + a`).
    #[target_feature(enable = "avx512f")]
    #[inline]
    pub fn add_high(&mut self, a: &Fe8) {
        for j in 0..LIMBS {
            self.0[LIMBS + j] = _mm512_add_epi64(self.0[LIMBS + j], a.0[j]);
        }
    }

    /// `self += c·R` for a constant `c` broadcast to every lane.
    #[target_feature(enable = "avx512f")]
    #[inline]
    pub fn add_high_const(&mut self, c: &Limbs) {
        self.add_high(&Fe8::splat(c));
    }

    /// Montgomery reduction: `(T + m·r)/R ≡ T·R⁻¹`, normalized, below `T/R + r`. Precondition:
    /// every column below 2^60 (see the module docs) and `T/R + r ≤ 2^260`.
    ///
    /// Step `i` picks `m_i = col_i·(−r⁻¹) mod 2^52`, which makes `col_i + m_i·r` divisible by
    /// 2^52, and moves `col_i`'s remaining bits (below 2^12) into column `i + 1`; after five steps
    /// columns 5..10 hold the quotient. Each step adds < 10·2^52 + 2^12 to a column: below 2^61.
    ///
    /// (Skipping the low half of `m_i·r_0`, whose only effect is a carry of `[col_i mod 2^52 ≠ 0]`,
    /// measured ~5% slower on Zen 4: the mask test and masked add cost more than the multiply-add.)
    #[target_feature(enable = "avx512f,avx512ifma")]
    #[inline]
    pub fn reduce(self) -> Fe8 {
        self.reduce_mod::<FrMod>()
    }

    /// [`Wide::reduce`] for the modulus `M`.
    #[target_feature(enable = "avx512f,avx512ifma")]
    #[inline]
    pub fn reduce_mod<M: Modulus>(self) -> Fe8 {
        let mut t = self.0;
        let n0 = splat(M::N0);
        let p = Fe8::splat(&M::P).0;
        let zero = _mm512_setzero_si512();
        for i in 0..LIMBS {
            // IFMA reads only the low 52 bits of col_i: exactly what m_i depends on.
            let m = _mm512_madd52lo_epu64(zero, t[i], n0);
            for j in 0..LIMBS {
                t[i + j] = _mm512_madd52lo_epu64(t[i + j], m, p[j]);
                t[i + j + 1] = _mm512_madd52hi_epu64(t[i + j + 1], m, p[j]);
            }
            // col_i is now a multiple of 2^52: move it on.
            t[i + 1] = _mm512_add_epi64(t[i + 1], _mm512_srli_epi64::<BITS>(t[i]));
        }
        Fe8::normalize([t[5], t[6], t[7], t[8], t[9]])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poseidon_simd_field52_constants() {
        // r·N0 ≡ −1 mod 2^52, and the radix conversions round-trip the modulus.
        assert_eq!(P[0].wrapping_mul(N0) & MASK, MASK);
        assert_eq!(from_radix52(P), <Fr as PrimeField>::MODULUS.0);
        assert!(P.iter().all(|&l| l <= MASK));
        assert_eq!(QP.map(|l| l[1]), P);
    }
}
