//! The fast NTT over BN254's Fr: cached twiddles, cache-blocked radix-2 passes on rayon.
//!
//! A forward transform multiplies by the coset powers s^j ([`scale`]), runs the Cooley–Tukey
//! pass that takes natural order to bit-reversed order ([`blocked`], [`kernels`]), and
//! permutes back ([`bit_reverse`]). An inverse transform runs the same forward pass on the
//! evaluations, which yields the wanted sums at negated indices, and then reverses the indices
//! while multiplying by n⁻¹·s^{-j} in one pass. Twiddles live in one table in bit-reversed
//! order ([`domain::Twiddles`]): every size uses a prefix of it, so the engine keeps the
//! largest one built so far. Coset factors are two √n-long tables per (size, coset, direction).
//!
//! On x86-64 CPUs with AVX-512 IFMA, transforms of at least 2^`simd::MIN_LOG` points run the
//! vectorised four-step pass of `simd` instead (8 sub-transforms per vector, factors fused into
//! its passes, natural order out); everything else, and every other CPU, runs the scalar path
//! above. Both give the same canonical values, bit for bit.

mod arith;
mod bit_reverse;
mod blocked;
mod domain;
mod kernels;
mod scale;
#[cfg(target_arch = "x86_64")]
mod simd;
#[cfg(all(test, target_arch = "x86_64"))]
mod simd_tests;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
#[cfg(target_arch = "x86_64")]
use std::sync::Mutex;
use std::sync::{Arc, RwLock};

use ark_bn254::Fr;
use rayon::prelude::*;

use crate::types::{Coset, NttConfig, NttDirection};
use domain::{Scale, Twiddles};

/// The vector path keeps its scratch (one word quadruple per point) for the next transform only
/// up to this many points (2^22: 128 MiB); larger transforms free it when they finish.
#[cfg(target_arch = "x86_64")]
const MAX_KEPT_SCRATCH: usize = 1 << 22;

/// Polynomials of at most 2^SMALL_LOG points are transformed one per thread in a batch;
/// larger ones one after another, each in parallel.
const SMALL_LOG: u32 = blocked::SPLIT.row_log;

/// Runs NTTs and caches what they need: the twiddle table (grown to the largest size seen)
/// and the coset factor tables per (size, coset, direction). Thread-safe.
pub struct NttEngine {
    twiddles: RwLock<Arc<Twiddles>>,
    scales: RwLock<HashMap<(u32, Coset, NttDirection), Arc<Scale>>>,
    /// The vector path's tables per size (x86-64 with avx512ifma only).
    #[cfg(target_arch = "x86_64")]
    vector_tables: RwLock<HashMap<u32, Arc<simd::Tables>>>,
    /// The vector path's scratch matrix, kept for the next transform; a transform that finds it
    /// taken (a concurrent one) allocates its own.
    #[cfg(target_arch = "x86_64")]
    scratch: Mutex<Vec<[u64; 4]>>,
}

impl std::fmt::Debug for NttEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let log_n = self.twiddles.read().unwrap_or_else(|e| e.into_inner()).log_n();
        f.debug_struct("NttEngine").field("twiddles_log_n", &log_n).finish_non_exhaustive()
    }
}

impl Default for NttEngine {
    fn default() -> Self {
        Self::new()
    }
}

impl NttEngine {
    /// A new engine with empty caches.
    pub fn new() -> Self {
        NttEngine {
            twiddles: RwLock::new(Arc::new(Twiddles::empty())),
            scales: RwLock::new(HashMap::new()),
            #[cfg(target_arch = "x86_64")]
            vector_tables: RwLock::new(HashMap::new()),
            #[cfg(target_arch = "x86_64")]
            scratch: Mutex::new(Vec::new()),
        }
    }

    /// In-place NTT of `data` (length 2^log_n, checked by the caller), natural order in and
    /// out, on the current rayon pool. See [`NttConfig`] for the semantics.
    pub fn ntt(&self, data: &mut [Fr], log_n: u32, config: NttConfig) {
        assert_eq!(data.len(), 1usize << log_n, "NTT data length must be 2^log_n");
        let twiddles = self.twiddles(log_n);
        let scale = self.scale(log_n, config);
        let pass = self.pass(log_n, &twiddles);
        transform(data, config.direction, &pass, &scale);
    }

    /// In-place NTTs of consecutive 2^log_n-point polynomials in `data`: small ones in
    /// parallel across polynomials, large ones one at a time, each in parallel.
    pub fn ntt_batch(&self, data: &mut [Fr], log_n: u32, config: NttConfig) {
        let n = 1usize << log_n;
        assert_eq!(data.len() % n, 0, "NTT batch data length must be a multiple of 2^log_n");
        if data.is_empty() {
            return;
        }
        let twiddles = self.twiddles(log_n);
        let scale = self.scale(log_n, config);
        let pass = self.pass(log_n, &twiddles);
        if log_n <= SMALL_LOG {
            data.par_chunks_mut(n).for_each(|poly| transform(poly, config.direction, &pass, &scale));
        } else {
            for poly in data.chunks_mut(n) {
                transform(poly, config.direction, &pass, &scale);
            }
        }
    }

    /// The twiddle table, grown to at least 2^log_n points. Built outside the lock: a rayon
    /// worker holding a lock while it steals work could deadlock on the same lock.
    fn twiddles(&self, log_n: u32) -> Arc<Twiddles> {
        let current = self.twiddles.read().unwrap_or_else(|e| e.into_inner()).clone();
        if current.log_n() >= log_n {
            return current;
        }
        let grown = Arc::new(Twiddles::extended(&current, log_n));
        let mut slot = self.twiddles.write().unwrap_or_else(|e| e.into_inner());
        if slot.log_n() < grown.log_n() {
            *slot = grown.clone();
        }
        grown
    }

    /// How transforms of 2^log_n points run (natural order in and out): with IFMA vectors when
    /// the CPU has them and the size is large enough, else the scalar blocked pass.
    fn pass<'a>(&'a self, log_n: u32, twiddles: &'a Twiddles) -> Pass<'a> {
        #[cfg(target_arch = "x86_64")]
        if log_n >= simd::MIN_LOG && crate::cpu::simd::available() {
            let cached = self.vector_tables.read().unwrap_or_else(|e| e.into_inner()).get(&log_n).cloned();
            let tables = cached.unwrap_or_else(|| {
                let built = Arc::new(simd::Tables::new(log_n, twiddles.table()));
                self.vector_tables.write().unwrap_or_else(|e| e.into_inner()).entry(log_n).or_insert(built).clone()
            });
            return Pass::Vector { tables, scratch: &self.scratch };
        }
        let _ = log_n;
        Pass::Scalar(twiddles.table())
    }

    /// The coset / n⁻¹ factors of one configuration, cached.
    fn scale(&self, log_n: u32, config: NttConfig) -> Arc<Scale> {
        let key = (log_n, config.coset, config.direction);
        if let Some(s) = self.scales.read().unwrap_or_else(|e| e.into_inner()).get(&key) {
            return s.clone();
        }
        let built = Arc::new(Scale::new(log_n, config.coset, config.direction));
        self.scales.write().unwrap_or_else(|e| e.into_inner()).entry(key).or_insert(built).clone()
    }
}

/// The forward pass (natural order in and out, no scaling) of one size, with what it needs.
enum Pass<'a> {
    /// The scalar blocked Cooley–Tukey pass and bit reversal, with the twiddle table.
    Scalar(&'a [Fr]),
    /// The IFMA four-step pass ([`simd`]), with its tables and the engine's scratch.
    #[cfg(target_arch = "x86_64")]
    Vector { tables: Arc<simd::Tables>, scratch: &'a Mutex<Vec<[u64; 4]>> },
}

impl Pass<'_> {
    /// `data ← DFT(c ⊙ data)` (forward) or `data ← c ⊙ DFT⁻¹(data)` (inverse, without n⁻¹
    /// unless `factors` hold it), natural order in and out, with the factors `c_j` of `factors`.
    fn run(&self, data: &mut [Fr], direction: NttDirection, factors: &Scale) {
        match self {
            Pass::Scalar(twiddles) => match direction {
                NttDirection::Forward => {
                    scale::scale(data, factors);
                    blocked::ct(data, 0, twiddles);
                    bit_reverse::bit_reverse(data);
                }
                NttDirection::Inverse => {
                    blocked::ct(data, 0, twiddles);
                    bit_reverse::bit_reverse(data);
                    scale::reverse_and_scale(data, factors);
                }
            },
            #[cfg(target_arch = "x86_64")]
            Pass::Vector { tables, scratch } => {
                let mut run = |s: &mut Vec<[u64; 4]>| {
                    s.resize(data.len(), [0; 4]);
                    simd::transform(data, tables, &mut s[..data.len()], direction, factors);
                    if s.len() > MAX_KEPT_SCRATCH {
                        // Keeping gigabytes for the next call would pin them for the process's life.
                        *s = Vec::new();
                    }
                };
                match scratch.try_lock() {
                    Ok(mut s) => run(&mut s),
                    // Any contents will do: the pass overwrites the scratch before reading it.
                    Err(std::sync::TryLockError::Poisoned(p)) => run(&mut p.into_inner()),
                    Err(std::sync::TryLockError::WouldBlock) => run(&mut Vec::new()),
                }
            }
        }
    }
}

/// One transform with tables at hand; parallel inside when the size calls for it.
fn transform(data: &mut [Fr], direction: NttDirection, pass: &Pass<'_>, factors: &Scale) {
    pass.run(data, direction, factors);
}

/// Estimated extra memory of one NTT of `n` points, in bytes: the cached twiddle table
/// (n/2 points), the coset factor tables (about 2·√n points per configuration), and the row
/// pointers of the column pass. With avx512ifma, transforms of at least 2^9 points also keep a
/// scratch copy (n points, reused) and radix-2^52 tables (about 1.5·√n entries of 40 bytes).
pub fn working_memory_bytes(n: usize) -> u64 {
    let point = std::mem::size_of::<Fr>() as u64;
    let n = n as u64;
    let sqrt = 1u64 << (n.max(1).trailing_zeros().div_ceil(2));
    let twiddles = n / 2 * point;
    let factors = 2 * 2 * sqrt * point;
    let row_pointers = 16 * 4096 * 2 * std::mem::size_of::<usize>() as u64;
    twiddles + factors + row_pointers + vector_bytes(n)
}

/// The vector path's scratch and tables for `n` points, or 0 where it does not run.
fn vector_bytes(n: u64) -> u64 {
    #[cfg(target_arch = "x86_64")]
    {
        let log_n = n.max(1).trailing_zeros();
        if log_n >= simd::MIN_LOG && crate::cpu::simd::available() {
            return n * std::mem::size_of::<Fr>() as u64 + simd::Tables::bytes(log_n);
        }
    }
    let _ = n;
    0
}
