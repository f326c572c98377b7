//! Roots of unity, the cached twiddle table and the coset scaling tables.

use ark_bn254::Fr;
use ark_ff::{FftField, Field, One, Zero};
use rayon::prelude::*;

use crate::types::{Coset, NttDirection};

/// The primitive 2^log-th root of unity arkworks uses: `Fr::get_root_of_unity(2^log)`.
///
/// Every root is a power of the same 2^28-th root, so `root_of_unity(k + 1)^2 == root_of_unity(k)`.
pub fn root_of_unity(log: u32) -> Fr {
    Fr::get_root_of_unity(1u64 << log).expect("BN254 Fr has 2-adicity 28")
}

/// The shift s of the coset an NTT of 2^log_n points evaluates on.
pub fn coset_shift(log_n: u32, coset: Coset) -> Fr {
    match coset {
        Coset::None => Fr::one(),
        Coset::Generator => Fr::GENERATOR,
        Coset::OddPowersOf2n => root_of_unity(log_n + 1),
    }
}

/// Twiddles of the natural-to-bit-reversed Cooley–Tukey pass, in bit-reversed order.
///
/// `table[b] = ω_{2^{ℓ+1}}^{rev_ℓ(b)}` for every ℓ with `b < 2^ℓ` (`rev_ℓ` reverses ℓ bits);
/// that value does not depend on ℓ, so block `b` of any level uses `table[b]`, and the table
/// built for 2^L points serves every smaller size through its prefix. It holds 2^(L-1) entries.
#[derive(Debug, Clone)]
pub struct Twiddles {
    table: Vec<Fr>,
    log_n: u32,
}

impl Twiddles {
    /// The table for transforms of up to 2^log_n points, reusing `prefix` (a smaller table).
    pub fn extended(prefix: &Twiddles, log_n: u32) -> Twiddles {
        if log_n <= prefix.log_n {
            return prefix.clone();
        }
        let len = 1usize << (log_n - 1);
        let mut table = Vec::with_capacity(len);
        table.extend_from_slice(&prefix.table);
        if table.is_empty() {
            table.push(Fr::one());
        }
        table.resize(len, Fr::zero());
        // table[2^ℓ + b] = table[b] · ω_{2^{ℓ+2}}: the top bit of an (ℓ+1)-bit index reverses
        // to the lowest bit of the exponent.
        let mut filled = prefix.table.len().max(1);
        while filled < len {
            let step = root_of_unity(filled.trailing_zeros() + 2);
            let (lo, hi) = table[..2 * filled].split_at_mut(filled);
            hi.par_iter_mut().zip(lo.par_iter()).with_min_len(1 << 12).for_each(|(h, l)| *h = *l * step);
            filled *= 2;
        }
        Twiddles { table, log_n }
    }

    /// An empty table (transforms of one point need no twiddles).
    pub fn empty() -> Twiddles {
        Twiddles { table: Vec::new(), log_n: 0 }
    }

    /// log2 of the largest transform this table serves.
    pub fn log_n(&self) -> u32 {
        self.log_n
    }

    /// The twiddles, `table[b]` for block `b`.
    pub fn table(&self) -> &[Fr] {
        &self.table
    }
}

/// The per-index factors `c_j` a transform multiplies by (coset powers, n⁻¹).
#[derive(Debug, Clone)]
pub enum Scale {
    /// Every factor is 1.
    One,
    /// Every factor is the same constant.
    Constant(Fr),
    /// `c_j = hi[j >> lo_log] · lo[j & (2^lo_log - 1)]`: two tables of about √n entries.
    Powers {
        /// `lo[i] = r^i` for i < 2^lo_log.
        lo: Vec<Fr>,
        /// `hi[k] = c · r^{k·2^lo_log}`.
        hi: Vec<Fr>,
        /// log2 of `lo.len()`.
        lo_log: u32,
    },
}

impl Scale {
    /// The factors of a transform of 2^log_n points: `s^j` before a forward transform,
    /// `n⁻¹ · s^{-j}` after an inverse one.
    pub fn new(log_n: u32, coset: Coset, direction: NttDirection) -> Scale {
        let n_inv = || Fr::from(1u64 << log_n).inverse().expect("n is invertible");
        let shift = coset_shift(log_n, coset);
        match (direction, coset) {
            (NttDirection::Forward, Coset::None) => Scale::One,
            (NttDirection::Inverse, Coset::None) if log_n == 0 => Scale::One,
            (NttDirection::Inverse, Coset::None) => Scale::Constant(n_inv()),
            (NttDirection::Forward, _) => Scale::powers(log_n, shift, Fr::one()),
            (NttDirection::Inverse, _) => {
                Scale::powers(log_n, shift.inverse().expect("the shift is non-zero"), n_inv())
            }
        }
    }

    fn powers(log_n: u32, ratio: Fr, constant: Fr) -> Scale {
        let lo_log = log_n.div_ceil(2);
        let mut lo = Vec::with_capacity(1 << lo_log);
        let mut p = Fr::one();
        for _ in 0..1usize << lo_log {
            lo.push(p);
            p *= ratio;
        }
        // p = ratio^{2^lo_log} now.
        let mut hi = Vec::with_capacity(1 << (log_n - lo_log));
        let mut q = constant;
        for _ in 0..1usize << (log_n - lo_log) {
            hi.push(q);
            q *= p;
        }
        Scale::Powers { lo, hi, lo_log }
    }

    /// The factor of index j.
    #[inline]
    pub fn factor(&self, j: usize) -> Fr {
        match self {
            Scale::One => Fr::one(),
            Scale::Constant(c) => *c,
            Scale::Powers { lo, hi, lo_log } => hi[j >> lo_log] * lo[j & ((1 << lo_log) - 1)],
        }
    }
}
