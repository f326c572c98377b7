//! Scalar scanning (bit lengths) and signed-digit recoding into a compact window-major table.
//!
//! A scalar `s` is written as `Σ_w d_w · 2^(c·w)`. Window `w` takes its raw `c` bits plus the
//! incoming carry; below the top window, a value of at least `2^(c-1)` becomes that minus `2^c`
//! and a carry of one moves up, so digits lie in `[-2^(c-1), 2^(c-1))`. The top window is not
//! folded: [`window_count`] makes it wide enough that its raw value is below `2^(c-1)`, so its
//! digit (raw plus carry) lies in `[0, 2^(c-1)]`. Every digit magnitude is at most `2^(c-1)`:
//! `2^(c-1)` buckets per window suffice, and digits fit `i16` for `c ≤ 16`.

use ark_bn254::Fr;
use ark_ec::short_weierstrass::{Affine, SWCurveConfig};
use ark_ec::AffineRepr;
use ark_ff::{BigInteger, PrimeField};
use rayon::prelude::*;

/// Smallest window width: with `c = 1` the folded digit set {-1, 0} cannot carry a scalar up.
pub const MIN_WINDOW_BITS: u32 = 2;
/// Largest window width the table supports: digits are stored as `i16`.
pub const MAX_WINDOW_BITS: u32 = 16;

/// Scalars (or points) handled per parallel job while scanning or recoding.
const JOB_LEN: usize = 1 << 12;

/// Bit length of every scalar, zero where the scalar or its base is zero, and their histogram.
pub struct ScalarScan {
    /// `bit_lens[i]`: bit length of scalar `i`'s canonical integer; 0 if it or base `i` is zero.
    pub bit_lens: Vec<u8>,
    /// `hist[b]`: how many scalars have bit length `b` (index 0 counts the skipped ones).
    pub hist: [usize; 257],
}

/// Which points a group of work covers: the first `n` points, or an explicit index list.
#[derive(Clone, Copy)]
pub enum Members<'a> {
    /// Points `0..n` in order.
    All(usize),
    /// The listed point indices.
    List(&'a [u32]),
}

impl Members<'_> {
    /// Number of points in the group.
    pub fn len(&self) -> usize {
        match self {
            Members::All(n) => *n,
            Members::List(ix) => ix.len(),
        }
    }

    /// Global index of the group's `i`-th point.
    #[inline(always)]
    pub fn index(&self, i: usize) -> usize {
        match self {
            Members::All(_) => i,
            Members::List(ix) => ix[i] as usize,
        }
    }
}

/// Canonical limbs of a scalar.
#[inline(always)]
fn limbs(s: &Fr) -> [u64; 4] {
    s.into_bigint().0
}

/// Computes every scalar's bit length (in parallel) and their histogram. Scalars whose base is
/// the identity count as zero: they contribute nothing.
pub fn scan<P: SWCurveConfig<ScalarField = Fr>>(bases: &[Affine<P>], scalars: &[Fr]) -> ScalarScan {
    let n = bases.len().min(scalars.len());
    let mut bit_lens = vec![0u8; n];
    let hist = bit_lens
        .par_chunks_mut(JOB_LEN)
        .zip(scalars[..n].par_chunks(JOB_LEN))
        .zip(bases[..n].par_chunks(JOB_LEN))
        .map(|((out, ss), bs)| {
            let mut hist = [0usize; 257];
            for ((o, s), b) in out.iter_mut().zip(ss).zip(bs) {
                let bits = if b.is_zero() { 0 } else { s.into_bigint().num_bits() };
                *o = bits as u8;
                hist[bits as usize] += 1;
            }
            hist
        })
        .reduce(
            || [0usize; 257],
            |mut a, b| {
                a.iter_mut().zip(b.iter()).for_each(|(x, y)| *x += y);
                a
            },
        );
    ScalarScan { bit_lens, hist }
}

/// Number of windows of width `c` for scalars of at most `b = max_bits` bits: the fewest with
/// `c·W ≥ b + 1`, so the top window's raw value is below `2^(c-1)` and its digit, carry included,
/// at most `2^(c-1)`. For `c = 16` a top digit of `2^15` would not fit `i16`; when it is possible
/// (`b - 16(W-1) = 15`) one more window takes the carry instead.
pub fn window_count(max_bits: u32, c: u32) -> u32 {
    let w = (max_bits + 1).div_ceil(c).max(1);
    if c == 16 && max_bits + 16 - 16 * w == 15 {
        w + 1
    } else {
        w
    }
}

/// The `c` bits of `limbs` starting at bit `start` (bits past the top read as zero).
#[inline(always)]
fn window_bits(limbs: &[u64; 4], start: u32, c: u32) -> u32 {
    let limb = (start / 64) as usize;
    let off = start % 64;
    if limb >= 4 {
        return 0;
    }
    let mut v = limbs[limb] >> off;
    if off + c > 64 && limb + 1 < 4 {
        v |= limbs[limb + 1] << (64 - off);
    }
    (v & ((1u64 << c) - 1)) as u32
}

/// Writes the `out.len()` signed base-2^c digits of `limbs` into `out` (lowest window first,
/// the last one unfolded). The caller provides [`window_count`] windows.
#[inline]
pub fn recode(limbs: &[u64; 4], c: u32, out: &mut [i16]) {
    debug_assert!((MIN_WINDOW_BITS..=MAX_WINDOW_BITS).contains(&c));
    let half = 1u32 << (c - 1);
    let last = out.len().saturating_sub(1);
    let mut carry = 0u32;
    for (w, d) in out.iter_mut().enumerate() {
        let v = window_bits(limbs, w as u32 * c, c) + carry;
        carry = u32::from(v >= half && w < last);
        *d = (v as i32 - ((carry as i32) << c)) as i16;
    }
}

/// The window-major digit table of a group: entry `w * m + i` is digit `w` of the group's
/// `i`-th scalar (`m` points, `windows` windows of width `c`). Identity bases get zero digits.
pub fn table<P: SWCurveConfig<ScalarField = Fr>>(
    bases: &[Affine<P>],
    scalars: &[Fr],
    members: Members<'_>,
    c: u32,
    windows: u32,
) -> Vec<i16> {
    let m = members.len();
    let windows = windows as usize;
    let mut table = vec![0i16; m * windows];
    if m == 0 {
        return table;
    }
    // One job per run of JOB_LEN points; each job owns its piece of every window's row.
    let mut rows: Vec<_> = table.chunks_mut(m).map(|row| row.chunks_mut(JOB_LEN)).collect();
    let jobs: Vec<Vec<&mut [i16]>> =
        (0..m.div_ceil(JOB_LEN)).map(|_| rows.iter_mut().filter_map(|it| it.next()).collect()).collect();
    jobs.into_par_iter().enumerate().for_each(|(job, mut cols)| {
        let start = job * JOB_LEN;
        let len = cols.first().map_or(0, |c| c.len());
        let mut digits = [0i16; 256];
        let digits = &mut digits[..windows];
        for i in 0..len {
            let g = members.index(start + i);
            if bases[g].is_zero() {
                continue;
            }
            recode(&limbs(&scalars[g]), c, digits);
            for (col, d) in cols.iter_mut().zip(digits.iter()) {
                col[i] = *d;
            }
        }
    });
    table
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::G1Affine;
    use ark_ff::{One, UniformRand, Zero};
    use num_bigint::{BigInt, Sign};
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn to_int(s: &Fr) -> BigInt {
        let bytes: Vec<u8> = s.into_bigint().0.iter().flat_map(|l| l.to_le_bytes()).collect();
        BigInt::from_bytes_le(Sign::Plus, &bytes)
    }

    fn check_round_trip(s: &Fr, c: u32) {
        let bits = s.into_bigint().num_bits();
        let w = window_count(bits, c) as usize;
        let mut digits = vec![0i16; w];
        recode(&limbs(s), c, &mut digits);
        let half = 1i32 << (c - 1);
        let mut acc = BigInt::from(0);
        for (i, d) in digits.iter().enumerate() {
            let range = if i + 1 == w { 0..=half } else { -half..=half - 1 };
            assert!(range.contains(&(*d as i32)), "digit {d} out of range for c = {c}");
            acc += BigInt::from(*d) << (c as usize * i);
        }
        assert_eq!(acc, to_int(s), "round trip failed for c = {c}");
    }

    #[test]
    fn recoding_round_trips_for_every_window_size() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let mut scalars = vec![Fr::zero(), Fr::one(), Fr::from(2u64), -Fr::one(), -Fr::from(2u64)];
        scalars.extend((0..40).map(|_| Fr::rand(&mut rng)));
        scalars.extend((0..64).map(|k| Fr::from((1u128 << k) - 1)));
        scalars.extend((0..64).map(|k| Fr::from(1u128 << k)));
        for c in MIN_WINDOW_BITS..=MAX_WINDOW_BITS {
            for s in &scalars {
                check_round_trip(s, c);
            }
        }
    }

    #[test]
    fn all_ones_in_a_window_carries() {
        // 0xFFFF with c = 16: 17 bits of windows needed? No: b = 16, W = 2; digit -1, carry 1.
        assert_eq!(window_count(16, 16), 2);
        let mut d = [0i16; 2];
        recode(&[0xFFFF, 0, 0, 0], 16, &mut d);
        assert_eq!(d, [-1, 1]);
        // b = 15 with c = 16 would need a top digit of 2^15: one more window.
        assert_eq!(window_count(15, 16), 2);
        recode(&[0x7FFF, 0, 0, 0], 16, &mut d);
        assert_eq!(d, [0x7FFF, 0]);
        // c = 15: window 0 is 0x4000, so -0x4000 and a carry; window 1 is 0x7FFF + 1, folded to 0
        // with a carry; the top window gets the 1.
        let mut d = [0i16; 3];
        recode(&[0x3FFF_C000, 0, 0, 0], 15, &mut d);
        assert_eq!(d, [-0x4000, 0, 1]);
        // The unfolded top window may hold +2^(c-1).
        let mut d = [0i16; 2];
        recode(&[0x3FFF << 15 | 0x4000, 0, 0, 0], 15, &mut d);
        assert_eq!(d, [-0x4000, 0x4000]);
        // Full-size scalars (254 bits): 16 windows of 16 bits, 17 of 15, 20 of 13.
        assert_eq!(window_count(254, 16), 16);
        assert_eq!(window_count(254, 15), 17);
        assert_eq!(window_count(254, 13), 20);
        assert_eq!(window_count(3, 2), 2);
        recode(&[7, 0, 0, 0], 2, &mut d);
        assert_eq!(d, [-1, 2]);
    }

    #[test]
    fn scan_and_table_agree_with_recode() {
        let mut rng = ChaCha8Rng::seed_from_u64(8);
        let n = 5000;
        let mut bases = vec![G1Affine::generator(); n];
        bases[3] = G1Affine::identity();
        let mut scalars: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
        scalars[5] = Fr::zero();
        scalars[6] = Fr::one();
        let scan = scan(&bases, &scalars);
        assert_eq!(scan.bit_lens[3], 0);
        assert_eq!(scan.bit_lens[5], 0);
        assert_eq!(scan.bit_lens[6], 1);
        assert_eq!(scan.hist.iter().sum::<usize>(), n);
        assert_eq!(scan.hist[0], 2);
        let list: Vec<u32> = (0..n as u32).rev().step_by(3).collect();
        for members in [Members::All(n), Members::List(&list)] {
            let c = 13;
            let w = window_count(254, c);
            let t = table(&bases, &scalars, members, c, w);
            let m = members.len();
            for i in 0..m {
                let g = members.index(i);
                let mut want = vec![0i16; w as usize];
                if g != 3 {
                    recode(&limbs(&scalars[g]), c, &mut want);
                }
                let got: Vec<i16> = (0..w as usize).map(|k| t[k * m + i]).collect();
                assert_eq!(got, want, "point {g}");
            }
        }
    }
}
