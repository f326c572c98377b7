//! The NTT with AVX-512 IFMA: a four-step transform whose sub-transforms run 8 at a time, one
//! per lane of [`Fe8`], chosen at run time (see [`crate::cpu::simd::available`]).
//!
//! **Algorithm.** For n = n1·n2, write an input index `j = n2·j1 + j2` and an output index
//! `k = k1 + n1·k2`. Then `X[k] = Σ_{j2} ω_{n2}^{j2·k2} · ω_n^{j2·k1} · Σ_{j1} a[n2·j1 + j2]·ω_{n1}^{j1·k1}`:
//! - *column pass*: for 8 adjacent columns `j2` at a time (element `j1` of those columns is 8
//!   contiguous points), the size-n1 transforms over `j1`, then the factor `ω_n^{j2·k1}` (a
//!   running product per lane); results go to a scratch matrix of the same shape;
//! - *row pass*: for 8 adjacent rows `k1` at a time (gathered from the scratch), the size-n2
//!   transforms over `j2`; output `k1 + n1·k2` of the 8 rows is 8 contiguous points, so the
//!   result lands in natural order with no separate transpose or bit reversal.
//!
//! Inside a pass every lane runs the same transform, so twiddles are broadcast, never gathered.
//! A sub-transform is the scalar path's radix-2 Cooley–Tukey (natural in, bit-reversed out, the
//! same bit-reversed twiddle table), read back at bit-reversed indices.
//!
//! **Representation and bounds.** Points stay in arkworks' Montgomery form: a point `a` is the
//! integer `A = a·2^256 mod r`, read as is into radix 2^52 (no conversion multiply). Twiddles are
//! stored as `w·2^260 mod r` ("W form"), so `reduce(A·W) ≡ a·w·2^256`: the product of a point and a
//! twiddle is again a point. Every value in the local buffers is below 4r (< 2^256):
//! - a product `v = reduce(X·W)` with `X < 4r`, `W < r` is below `4r²/2^260 + r < 1.05r < 2r`;
//! - `lo + v < 6r` and `lo + 2r − v ∈ (0, 6r)`; the untwiddled butterfly (block 0, twiddle 1)
//!   gives `lo + hi < 8r` and `lo + 4r − hi ∈ (0, 8r)`; one conditional subtraction of 4r brings
//!   each back below 4r. All sums are below 2^257, far from the 2^260 the limbs can hold;
//! - the four-step factor `F` (running product, `< 2r`) gives `reduce(Y·F) < 2r`; the scratch
//!   stores such values (below 2^256) as 4 words;
//! - outputs (below 4r) are made canonical by conditional subtractions of 2r and r, so they are
//!   the unique representation arkworks uses: bit-identical to the scalar path.

use core::arch::x86_64::*;

use ark_bn254::Fr;
use ark_ff::{BigInt, Field, One};
use rayon::prelude::*;

use super::bit_reverse::reverse_bits;
use super::domain::{root_of_unity, Scale};
use crate::cpu::simd::available;
use crate::cpu::simd::field52::{elements_to_words, p_times, plain_limbs, words_to_elements, Fe8, Limbs, LANES};
use crate::types::NttDirection;

/// Transforms of at least 2^MIN_LOG points take the vector path (measured: below it, rayon's
/// overhead on a handful of 8-lane groups makes it no faster than the scalar path).
pub const MIN_LOG: u32 = 9;

// The stores and loads below read and write `Fr`s as 4 little-endian words in place: an `Fr` is
// `Fp(BigInt([u64; 4]), PhantomData)`, checked here to be exactly those 32 bytes at offset 0.
const _: () = assert!(std::mem::size_of::<Fr>() == 32);
const _: () = assert!(std::mem::align_of::<Fr>() == 8);
const _: () = assert!(std::mem::offset_of!(Fr, 0) == 0);
const _: () = assert!(std::mem::offset_of!(BigInt<4>, 0) == 0);

/// The tables one transform of 2^log_n points needs, in radix 2^52 and W form.
#[derive(Debug)]
pub struct Tables {
    /// log2 of n1 (column transform size, the rows count) and n2 (row length).
    log_n1: u32,
    log_n2: u32,
    /// The roots of forward transforms (ω) and of inverse ones (ω⁻¹).
    forward: Roots,
    inverse: Roots,
    /// 1 in W form.
    one: Limbs,
    /// 2^260 as a field element: `x·2^260` is `x`'s W form.
    r260: Fr,
}

/// The roots one direction needs, W form.
#[derive(Debug)]
struct Roots {
    /// The scalar path's bit-reversed twiddles (or their inverses), first max(n1, n2)/2 entries.
    twiddles: Vec<Limbs>,
    /// `ω^c` (or `ω^{-c}`) for c < n2, ω = ω_n.
    powers: Vec<Limbs>,
}

impl Tables {
    /// Tables for 2^log_n points (log_n ≥ 6, so both sides hold at least 8 points), from the
    /// scalar path's twiddle table (at least 2^(log_n − 1) entries).
    pub fn new(log_n: u32, twiddles: &[Fr]) -> Tables {
        assert!(log_n >= 6, "the vector path needs 8 lanes on both sides");
        let log_n1 = log_n.div_ceil(2);
        let log_n2 = log_n - log_n1;
        let r260 = Fr::from(2u64).pow([260u64]);
        let w_form = |x: &Fr| plain_limbs(&(*x * r260));
        let half = 1usize << (log_n1.max(log_n2) - 1);
        let powers = |omega: Fr| {
            let mut p = Fr::one();
            (0..1usize << log_n2)
                .map(|_| {
                    let w = w_form(&p);
                    p *= omega;
                    w
                })
                .collect()
        };
        // Replacing every twiddle by its inverse computes the transform with ω⁻¹: Σ y_i ω^{-ij}.
        let mut inverse_twiddles = twiddles[..half].to_vec();
        ark_ff::batch_inversion(&mut inverse_twiddles);
        let omega = root_of_unity(log_n);
        Tables {
            log_n1,
            log_n2,
            forward: Roots { twiddles: twiddles[..half].iter().map(w_form).collect(), powers: powers(omega) },
            inverse: Roots {
                twiddles: inverse_twiddles.iter().map(w_form).collect(),
                powers: powers(omega.inverse().expect("a root of unity is non-zero")),
            },
            one: w_form(&Fr::one()),
            r260,
        }
    }

    /// Bytes these tables hold, for 2^log_n points.
    pub fn bytes(log_n: u32) -> u64 {
        let entries = 2 * ((1u64 << log_n.div_ceil(2).saturating_sub(1)) + (1u64 << (log_n / 2))) + 1;
        entries * std::mem::size_of::<Limbs>() as u64
    }
}

/// A raw pointer that may cross threads; users guarantee disjoint access.
#[derive(Clone, Copy)]
struct SharedPtr<T>(*mut T);

// SAFETY: only dereferenced in `column_group` / `row_group`, whose callers give every call a
// disjoint set of elements to write.
unsafe impl<T> Send for SharedPtr<T> {}
// SAFETY: as above.
unsafe impl<T> Sync for SharedPtr<T> {}

/// Factors `c_j = C·ρ^j` (a [`Scale`]) for a pass whose lanes walk indices with stride
/// `period` between steps, in W form: `starts[i] = c_i` for `i < period` and `step = ρ^period`.
struct Factors {
    starts: Vec<Limbs>,
    step: Limbs,
}

impl Factors {
    /// The factors of `scale`, or `None` when they are all 1.
    fn new(scale: &Scale, t: &Tables, period: usize) -> Option<Factors> {
        let w_form = |x: Fr| plain_limbs(&(x * t.r260));
        match scale {
            Scale::One => None,
            _ => Some(Factors {
                starts: (0..period).map(|i| w_form(scale.factor(i))).collect(),
                step: w_form(scale.factor(period) * scale.factor(0).inverse().expect("factors are non-zero")),
            }),
        }
    }

    /// Lane l's running factor from `starts[first + l]`, and the step, as vectors.
    #[target_feature(enable = "avx512f")]
    fn lanes(&self, first: usize) -> (Fe8, Fe8) {
        (Fe8::from_limbs(&core::array::from_fn(|l| self.starts[first + l])), Fe8::splat(&self.step))
    }
}

/// One whole transform, natural order in and out, of `data` (2^log_n points, for the tables
/// built for that size; `scratch` the same length), factors included:
/// - forward: `X_k = Σ_j c_j·a_j·ω^{jk}` (the scalar path's `scale::scale`, then its pass);
/// - inverse: `x_j = c_j·Σ_k y_k·ω^{-jk}` (the scalar path's pass, then `reverse_and_scale`).
///
/// Panics if the CPU lacks avx512ifma (callers check [`available`] first).
pub fn transform(data: &mut [Fr], tables: &Tables, scratch: &mut [[u64; 4]], direction: NttDirection, scale: &Scale) {
    assert!(available(), "the vector NTT needs avx512f and avx512ifma");
    let n1 = 1usize << tables.log_n1;
    let n2 = 1usize << tables.log_n2;
    assert_eq!(data.len(), n1 * n2);
    assert_eq!(scratch.len(), n1 * n2);
    let groups2 = n2 / LANES;
    let groups1 = n1 / LANES;
    let (roots, pre, post) = match direction {
        NttDirection::Forward => (&tables.forward, Factors::new(scale, tables, n2), None),
        NttDirection::Inverse => (&tables.inverse, None, Factors::new(scale, tables, n1)),
    };
    let (pre, post) = (pre.as_ref(), post.as_ref());
    let out = SharedPtr(scratch.as_mut_ptr());
    let input: &[Fr] = data;
    (0..groups2).into_par_iter().for_each_init(Vec::new, |buf, g| {
        // SAFETY: `available()` was checked above. The call writes only scratch points of
        // columns 8g..8g+8, which no other group writes, and `scratch` is borrowed mutably for
        // the whole pass; `input` is only read.
        unsafe { column_group(input, out, g, tables, roots, pre, buf) };
    });
    let input: &[[u64; 4]] = scratch;
    let out = SharedPtr(data.as_mut_ptr());
    (0..groups1).into_par_iter().for_each_init(Vec::new, |buf, g| {
        // SAFETY: `available()` was checked above. The call writes only the points
        // 8g..8g+8 (mod n1) of `data`, which no other group writes, and `data` is borrowed
        // mutably for the whole pass; the scratch is only read.
        unsafe { row_group(input, out, g, tables, roots, post, buf) };
    });
}

/// The column pass on columns 8g..8g+8: input factors (if any), size-n1 transforms, four-step
/// factors, into `out` (the scratch, n points).
///
/// # Safety
/// The CPU must support avx512f and avx512ifma; `out` must point to `data.len()` writable words
/// quadruples whose columns 8g..8g+8 nothing else accesses during the call.
#[target_feature(enable = "avx512f,avx512ifma")]
unsafe fn column_group(
    data: &[Fr],
    out: SharedPtr<[u64; 4]>,
    g: usize,
    t: &Tables,
    roots: &Roots,
    pre: Option<&Factors>,
    buf: &mut Vec<Fe8>,
) {
    let n1 = 1usize << t.log_n1;
    let n2 = 1usize << t.log_n2;
    let c0 = g * LANES;
    // Lane l's input factor for row j1 is c_{n2·j1 + c0 + l}: a running product from row 0.
    let mut pre = pre.map(|p| p.lanes(c0));
    buf.clear();
    for j1 in 0..n1 {
        let points = &data[n2 * j1 + c0..n2 * j1 + c0 + LANES];
        let p = points.as_ptr().cast::<__m512i>();
        // SAFETY: `points` is 8 `Fr`s, 256 contiguous bytes (layout asserted above); `loadu`
        // needs no alignment.
        let v = unsafe {
            [
                _mm512_loadu_si512(p),
                _mm512_loadu_si512(p.add(1)),
                _mm512_loadu_si512(p.add(2)),
                _mm512_loadu_si512(p.add(3)),
            ]
        };
        let mut x = Fe8::from_words(elements_to_words(v));
        if let Some((factor, step)) = &mut pre {
            // x < r (a valid Fr) and factor < 2r (a product): x·factor reduces below 2r, and so
            // does factor·step (step < r).
            x = x.mul(factor);
            *factor = factor.mul(step);
        }
        buf.push(x);
    }
    sub_transforms(buf, &roots.twiddles);
    // Lane l is column c0 + l, whose output k1 takes the factor ω_n^{(c0+l)·k1}.
    let step = Fe8::from_limbs(&core::array::from_fn(|l| roots.powers[c0 + l]));
    let mut factor = Fe8::splat(&t.one);
    for k1 in 0..n1 {
        let y = buf[reverse_bits(k1, t.log_n1)];
        // y < 4r and the factor < 2r: the product is below 2r (module docs).
        let z = if k1 == 0 { y } else { y.mul(&factor) };
        factor = factor.mul(&step);
        let v = words_to_elements(z.to_words());
        // SAFETY (this and the stores): points n2·k1 + c0 .. + 8 lie in the scratch (c0 + 8 ≤ n2) and in this call's
        // columns, as the caller guarantees; `storeu` needs no alignment.
        unsafe {
            let p = out.0.add(n2 * k1 + c0).cast::<__m512i>();
            _mm512_storeu_si512(p, v[0]);
            _mm512_storeu_si512(p.add(1), v[1]);
            _mm512_storeu_si512(p.add(2), v[2]);
            _mm512_storeu_si512(p.add(3), v[3]);
        }
    }
}

/// The row pass on rows 8g..8g+8 of the scratch: size-n2 transforms, output factors (if any),
/// canonical outputs to `out[8g + l + n1·k2]`.
///
/// # Safety
/// The CPU must support avx512f and avx512ifma; `out` must point to `scratch.len()` writable
/// `Fr`s whose indices ≡ 8g..8g+8 (mod n1) nothing else accesses during the call.
#[target_feature(enable = "avx512f,avx512ifma")]
unsafe fn row_group(
    scratch: &[[u64; 4]],
    out: SharedPtr<Fr>,
    g: usize,
    t: &Tables,
    roots: &Roots,
    post: Option<&Factors>,
    buf: &mut Vec<Fe8>,
) {
    let n1 = 1usize << t.log_n1;
    let n2 = 1usize << t.log_n2;
    let r0 = g * LANES;
    assert!((r0 + LANES) * n2 <= scratch.len());
    let rows = &scratch[r0 * n2..(r0 + LANES) * n2];
    let base = rows.as_ptr().cast::<i64>();
    // Word offsets of the rows' first points: lane l reads row r0 + l.
    let stride = 4 * n2 as i64;
    let row_offsets =
        _mm512_set_epi64(7 * stride, 6 * stride, 5 * stride, 4 * stride, 3 * stride, 2 * stride, stride, 0);
    buf.clear();
    for j2 in 0..n2 {
        let offsets = _mm512_add_epi64(row_offsets, _mm512_set1_epi64(4 * j2 as i64));
        // SAFETY: every lane reads word k of point l·n2 + j2 of `rows` (l < 8, j2 < n2, k < 4),
        // inside the slice; gathers need 8-byte alignment only, which `[u64; 4]` has.
        let w = unsafe {
            [
                _mm512_i64gather_epi64::<8>(offsets, base),
                _mm512_i64gather_epi64::<8>(offsets, base.add(1)),
                _mm512_i64gather_epi64::<8>(offsets, base.add(2)),
                _mm512_i64gather_epi64::<8>(offsets, base.add(3)),
            ]
        };
        buf.push(Fe8::from_words(w));
    }
    sub_transforms(buf, &roots.twiddles);
    // Lane l's output k2 is index r0 + l + n1·k2, whose factor is a running product over k2.
    let mut post = post.map(|p| p.lanes(r0));
    let two_r = Fe8::splat(&p_times(2));
    let r = Fe8::splat(&p_times(1));
    for k2 in 0..n2 {
        let mut z = buf[reverse_bits(k2, t.log_n2)];
        if let Some((factor, step)) = &mut post {
            // z < 4r and factor < 2r: both products reduce below 2r.
            z = z.mul(factor);
            *factor = factor.mul(step);
        }
        // Below 4r: two conditional subtractions make it canonical.
        let z = z.sub_if_ge(&two_r).sub_if_ge(&r);
        let v = words_to_elements(z.to_words());
        // SAFETY (this and the stores): points r0 + n1·k2 .. + 8 lie in `data` (r0 + 8 ≤ n1, k2 < n2) and are this
        // call's, as the caller guarantees; the values are canonical, so valid `Fr`s; `storeu`
        // needs no alignment.
        unsafe {
            let p = out.0.add(r0 + n1 * k2).cast::<__m512i>();
            _mm512_storeu_si512(p, v[0]);
            _mm512_storeu_si512(p.add(1), v[1]);
            _mm512_storeu_si512(p.add(2), v[2]);
            _mm512_storeu_si512(p.add(3), v[3]);
        }
    }
}

/// Radix-2 Cooley–Tukey on every lane of `buf` (a power-of-two length), natural order in,
/// bit-reversed out, with the bit-reversed twiddle table `tw` (W form, ≥ len/2 entries).
/// Inputs below 4r, outputs below 4r (module docs).
#[target_feature(enable = "avx512f,avx512ifma")]
fn sub_transforms(buf: &mut [Fe8], tw: &[Limbs]) {
    let m = buf.len();
    let four_r = Fe8::splat(&p_times(4));
    let two_r = Fe8::splat(&p_times(2));
    let mut half = m / 2;
    while half >= 1 {
        for (b, block) in buf.chunks_exact_mut(2 * half).enumerate() {
            let (lo, hi) = block.split_at_mut(half);
            if b == 0 {
                for (x, y) in lo.iter_mut().zip(hi.iter_mut()) {
                    let (a, c) = (*x, *y);
                    *x = a.add(&c).sub_if_ge(&four_r);
                    *y = a.add_sub(&four_r, &c).sub_if_ge(&four_r);
                }
            } else {
                let w = Fe8::splat(&tw[b]);
                for (x, y) in lo.iter_mut().zip(hi.iter_mut()) {
                    let a = *x;
                    let v = y.mul(&w);
                    *x = a.add(&v).sub_if_ge(&four_r);
                    *y = a.add_sub(&two_r, &v).sub_if_ge(&four_r);
                }
            }
        }
        half /= 2;
    }
}
