//! The IFMA four-step pass against the scalar pass and ark-poly. Without avx512ifma each test
//! prints `SKIPPED <test>: CPU lacks avx512ifma` and returns.

use std::io::Write;
use std::sync::{Arc, Mutex};

use ark_bn254::Fr;
use ark_ff::{FftField, One, UniformRand, Zero};
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::domain::{Scale, Twiddles};
use super::{simd, transform, NttEngine, Pass};
use crate::cpu::simd::available;
use crate::cpu::simd::field52::{elements_to_words, p_times, words_to_elements, Fe8, LANES};
use crate::types::{Coset, NttConfig, NttDirection};

const COSETS: [Coset; 3] = [Coset::None, Coset::Generator, Coset::OddPowersOf2n];
const DIRECTIONS: [NttDirection; 2] = [NttDirection::Forward, NttDirection::Inverse];

/// Whether the IFMA tests can run here; prints the skip line otherwise.
fn ifma(test: &str) -> bool {
    if !available() {
        let _ = writeln!(std::io::stderr(), "SKIPPED {test}: CPU lacks avx512ifma");
    }
    available()
}

fn random(n: usize, seed: u64) -> Vec<Fr> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n).map(|_| Fr::rand(&mut rng)).collect()
}

fn configs() -> impl Iterator<Item = NttConfig> {
    DIRECTIONS.into_iter().flat_map(|direction| COSETS.into_iter().map(move |coset| NttConfig { direction, coset }))
}

/// The scalar path (blocked pass and bit reversal), whatever the CPU.
fn scalar(data: &[Fr], log_n: u32, config: NttConfig) -> Vec<Fr> {
    let tw = Twiddles::extended(&Twiddles::empty(), log_n);
    let scale = Scale::new(log_n, config.coset, config.direction);
    let mut v = data.to_vec();
    transform(&mut v, config.direction, &Pass::Scalar(tw.table()), &scale);
    v
}

/// The vector path forced, also below the engine's threshold (log_n ≥ 6).
fn vector(data: &[Fr], log_n: u32, config: NttConfig) -> Vec<Fr> {
    let tw = Twiddles::extended(&Twiddles::empty(), log_n);
    let scale = Scale::new(log_n, config.coset, config.direction);
    let scratch = Mutex::new(Vec::new());
    let pass = Pass::Vector { tables: Arc::new(simd::Tables::new(log_n, tw.table())), scratch: &scratch };
    let mut v = data.to_vec();
    transform(&mut v, config.direction, &pass, &scale);
    v
}

fn ark(data: &[Fr], log_n: u32, config: NttConfig) -> Vec<Fr> {
    let mut domain = Radix2EvaluationDomain::<Fr>::new(1 << log_n).unwrap();
    let shift = match config.coset {
        Coset::None => Fr::one(),
        Coset::Generator => Fr::GENERATOR,
        Coset::OddPowersOf2n => Fr::get_root_of_unity(2u64 << log_n).unwrap(),
    };
    if config.coset != Coset::None {
        domain = domain.get_coset(shift).unwrap();
    }
    let mut v = data.to_vec();
    match config.direction {
        NttDirection::Forward => domain.fft_in_place(&mut v),
        NttDirection::Inverse => domain.ifft_in_place(&mut v),
    }
    v
}

#[track_caller]
fn assert_same(got: &[Fr], expected: &[Fr], case: &str) {
    assert_eq!(got.len(), expected.len(), "{case}: lengths differ");
    if let Some(i) = got.iter().zip(expected).position(|(g, e)| g != e) {
        panic!("{case}: first difference at index {i} of {}: {} vs {}", got.len(), got[i], expected[i]);
    }
}

#[test]
fn ntt_simd_matches_scalar_and_ark_poly_up_to_2_16() {
    if !ifma("ntt_simd_matches_scalar_and_ark_poly_up_to_2_16") {
        return;
    }
    let engine = NttEngine::new();
    for log_n in 0..=16 {
        let data = random(1 << log_n, 100 + u64::from(log_n));
        for config in configs() {
            let case = format!("2^{log_n} {config:?}");
            let expected = ark(&data, log_n, config);
            assert_same(&scalar(&data, log_n, config), &expected, &format!("scalar {case}"));
            let mut got = data.clone();
            engine.ntt(&mut got, log_n, config);
            assert_same(&got, &expected, &format!("engine {case}"));
            if log_n >= 6 {
                assert_same(&vector(&data, log_n, config), &expected, &format!("vector {case}"));
            }
        }
    }
}

#[test]
fn ntt_simd_matches_scalar_at_2_18() {
    if !ifma("ntt_simd_matches_scalar_at_2_18") {
        return;
    }
    let log_n = 18;
    let data = random(1 << log_n, 18);
    for config in [NttConfig::FORWARD, NttConfig::inverse_on(Coset::Generator)] {
        assert_same(&vector(&data, log_n, config), &scalar(&data, log_n, config), &format!("2^18 {config:?}"));
    }
}

#[test]
fn ntt_simd_edge_inputs() {
    if !ifma("ntt_simd_edge_inputs") {
        return;
    }
    for log_n in [6, 7, 10, 11] {
        let n = 1usize << log_n;
        let mut inputs = vec![vec![Fr::zero(); n], vec![-Fr::one(); n], vec![Fr::one(); n]];
        for hot in [0, 1, 7, 8, n / 2 - 1, n / 2, n - 1] {
            let mut v = vec![Fr::zero(); n];
            v[hot] = -Fr::one();
            inputs.push(v);
        }
        for (i, data) in inputs.iter().enumerate() {
            for config in configs() {
                let case = format!("input {i} at 2^{log_n} {config:?}");
                assert_same(&vector(data, log_n, config), &scalar(data, log_n, config), &case);
            }
        }
    }
}

#[test]
fn ntt_simd_batches_equal_one_by_one() {
    if !ifma("ntt_simd_batches_equal_one_by_one") {
        return;
    }
    let engine = NttEngine::new();
    for (log_n, count) in [(10, 5), (12, 3), (13, 2)] {
        let n = 1usize << log_n;
        let data = random(n * count, 5 + u64::from(log_n));
        for config in configs() {
            let mut batch = data.clone();
            engine.ntt_batch(&mut batch, log_n, config);
            for (k, (got, input)) in batch.chunks(n).zip(data.chunks(n)).enumerate() {
                assert_same(got, &scalar(input, log_n, config), &format!("poly {k} of 2^{log_n} {config:?}"));
            }
        }
    }
}

/// Canonical words of `x` (arkworks' Montgomery representation).
fn words(x: &Fr) -> [u64; 4] {
    x.0 .0
}

#[test]
fn ntt_simd_conversions_round_trip() {
    if !ifma("ntt_simd_conversions_round_trip") {
        return;
    }
    let mut values = vec![Fr::zero(), Fr::one(), -Fr::one(), -Fr::from(2u64), Fr::from(2u64)];
    values.extend(random(19, 3));
    assert_eq!(values.len() % LANES, 0);
    for chunk in values.chunks(LANES) {
        let mut raw = [0u64; 4 * LANES];
        for (l, x) in chunk.iter().enumerate() {
            raw[4 * l..4 * l + 4].copy_from_slice(&words(x));
        }
        // SAFETY: the test checked avx512ifma above; `raw` is 256 readable and writable bytes and
        // the unaligned loads and stores need no alignment.
        let back = unsafe { round_trip(&raw) };
        assert_eq!(back, raw, "words → radix 2^52 → words");
        // r − 1 and friends survive the canonicalisation unchanged; adding r then subtracting
        // it again (sub_if_ge) gives the same words.
        // SAFETY: as above.
        let shifted = unsafe { add_r_then_reduce(&raw) };
        assert_eq!(shifted, raw, "x + r reduced again");
    }
}

#[target_feature(enable = "avx512f,avx512ifma")]
unsafe fn load(raw: &[u64; 4 * LANES]) -> Fe8 {
    let p = raw.as_ptr().cast::<core::arch::x86_64::__m512i>();
    use core::arch::x86_64::_mm512_loadu_si512 as ld;
    // SAFETY: `raw` is 256 readable bytes.
    let v = unsafe { [ld(p), ld(p.add(1)), ld(p.add(2)), ld(p.add(3))] };
    Fe8::from_words(elements_to_words(v))
}

#[target_feature(enable = "avx512f,avx512ifma")]
unsafe fn store(x: Fe8) -> [u64; 4 * LANES] {
    let mut out = [0u64; 4 * LANES];
    let v = words_to_elements(x.to_words());
    let p = out.as_mut_ptr().cast::<core::arch::x86_64::__m512i>();
    for (i, v) in v.into_iter().enumerate() {
        // SAFETY: `out` is 256 writable bytes.
        unsafe { core::arch::x86_64::_mm512_storeu_si512(p.add(i), v) };
    }
    out
}

#[target_feature(enable = "avx512f,avx512ifma")]
unsafe fn round_trip(raw: &[u64; 4 * LANES]) -> [u64; 4 * LANES] {
    // SAFETY: same contract as this function's.
    unsafe { store(load(raw)) }
}

#[target_feature(enable = "avx512f,avx512ifma")]
unsafe fn add_r_then_reduce(raw: &[u64; 4 * LANES]) -> [u64; 4 * LANES] {
    // SAFETY: same contract as this function's.
    let x = unsafe { load(raw) };
    let r = Fe8::splat(&p_times(1));
    let three_r = x.add(&r).add(&Fe8::splat(&p_times(2)));
    // x + 3r < 4r: one subtraction of 2r and one of r bring it back to x.
    // SAFETY: as above.
    unsafe { store(three_r.sub_if_ge(&Fe8::splat(&p_times(2))).sub_if_ge(&r)) }
}

/// The engine keeps the vector path's scratch for sizes up to its cap and frees larger ones.
#[test]
fn large_scratch_is_not_kept() {
    if !ifma("large_scratch_is_not_kept") {
        return;
    }
    let engine = super::NttEngine::new();
    let mut small = vec![Fr::from(3u64); 1 << 12];
    engine.ntt(&mut small, 12, NttConfig::FORWARD);
    assert_eq!(engine.scratch.lock().unwrap().len(), 1 << 12, "a small scratch is kept");
    let log = super::MAX_KEPT_SCRATCH.trailing_zeros() + 1;
    let mut large = vec![Fr::from(3u64); 1 << log];
    engine.ntt(&mut large, log, NttConfig::FORWARD);
    assert_eq!(large[0], Fr::from(3u64 << log), "DC term of a constant polynomial");
    assert!(large[1..].iter().all(|v| *v == Fr::from(0u64)));
    assert_eq!(engine.scratch.lock().unwrap().capacity(), 0, "a scratch above the cap is freed");
}
