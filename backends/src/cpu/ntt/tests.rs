//! Fast NTT against the textbook reference, ark-poly and direct evaluation.

use ark_bn254::Fr;
use ark_ff::{FftField, Field, One, UniformRand, Zero};
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use proptest::prelude::*;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::bit_reverse::{bit_reverse, reverse_bits};
use super::blocked::{ct, ct_with, Split};
use super::domain::{root_of_unity, Twiddles};
use super::NttEngine;
use crate::cpu::reference;
use crate::types::{Coset, NttConfig, NttDirection};

const COSETS: [Coset; 3] = [Coset::None, Coset::Generator, Coset::OddPowersOf2n];
const DIRECTIONS: [NttDirection; 2] = [NttDirection::Forward, NttDirection::Inverse];

fn random(n: usize, seed: u64) -> Vec<Fr> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n).map(|_| Fr::rand(&mut rng)).collect()
}

fn shift(log_n: u32, coset: Coset) -> Fr {
    match coset {
        Coset::None => Fr::one(),
        Coset::Generator => Fr::from(5u64),
        Coset::OddPowersOf2n => Fr::get_root_of_unity(2u64 << log_n).unwrap(),
    }
}

/// ark-poly's answer: `Radix2EvaluationDomain` (shifted by the coset's s), fft or ifft.
fn ark(data: &[Fr], log_n: u32, config: NttConfig) -> Vec<Fr> {
    let mut domain = Radix2EvaluationDomain::<Fr>::new(1 << log_n).unwrap();
    if config.coset != Coset::None {
        domain = domain.get_coset(shift(log_n, config.coset)).unwrap();
    }
    let mut v = data.to_vec();
    match config.direction {
        NttDirection::Forward => domain.fft_in_place(&mut v),
        NttDirection::Inverse => domain.ifft_in_place(&mut v),
    }
    v
}

fn fast(engine: &NttEngine, data: &[Fr], log_n: u32, config: NttConfig) -> Vec<Fr> {
    let mut v = data.to_vec();
    engine.ntt(&mut v, log_n, config);
    v
}

fn reference(data: &[Fr], config: NttConfig) -> Vec<Fr> {
    let mut v = data.to_vec();
    reference::ntt::ntt(&mut v, config);
    v
}

/// Panics with the first differing index (not the whole vectors) when `got != expected`.
#[track_caller]
fn assert_same(got: &[Fr], expected: &[Fr], case: &str) {
    assert_eq!(got.len(), expected.len(), "{case}: lengths differ");
    if let Some(i) = got.iter().zip(expected).position(|(g, e)| g != e) {
        panic!("{case}: first difference at index {i} of {}: {} vs {}", got.len(), got[i], expected[i]);
    }
}

fn horner(coeffs: &[Fr], x: Fr) -> Fr {
    coeffs.iter().rev().fold(Fr::zero(), |acc, c| acc * x + c)
}

#[test]
fn roots_form_one_chain() {
    for log in 0..28 {
        let w = root_of_unity(log + 1);
        assert_eq!(w.square(), root_of_unity(log), "ω_(2^{})² ≠ ω_(2^{})", log + 1, log);
        assert_ne!(w.pow([1u64 << log]), Fr::one(), "ω_(2^{}) is not primitive", log + 1);
    }
    assert_eq!(Fr::GENERATOR, Fr::from(5u64));
}

#[test]
fn twiddle_table_matches_its_definition_and_grows_consistently() {
    let small = Twiddles::extended(&Twiddles::empty(), 5);
    let big = Twiddles::extended(&small, 11);
    assert_eq!(big.table(), Twiddles::extended(&Twiddles::empty(), 11).table());
    assert_eq!(&big.table()[..small.table().len()], small.table());
    assert_eq!(big.table().len(), 1 << 10);
    for (b, t) in big.table().iter().enumerate() {
        // Smallest ℓ with b < 2^ℓ; the value must not depend on ℓ, check two of them.
        let l = usize::BITS - b.leading_zeros();
        for level in [l, l + 1] {
            let expected = root_of_unity(level + 1).pow([reverse_bits(b, level) as u64]);
            assert_eq!(*t, expected, "twiddle {b} at level {level}");
        }
    }
}

#[test]
fn bit_reverse_is_the_permutation() {
    for log in [0, 1, 2, 5, 8, 9, 10, 13, 14, 15] {
        let n = 1usize << log;
        let mut v: Vec<Fr> = (0..n as u64).map(Fr::from).collect();
        bit_reverse(&mut v);
        for (i, x) in v.iter().enumerate() {
            assert_eq!(*x, Fr::from(reverse_bits(i, log) as u64), "log {log}, index {i}");
        }
    }
}

#[test]
fn every_split_of_the_blocked_pass_agrees() {
    let tw = Twiddles::extended(&Twiddles::empty(), 11);
    for log in [6, 9, 11] {
        let data = random(1 << log, 7 + log as u64);
        let mut expected = data.clone();
        ct(&mut expected, 0, tw.table());
        for (row_log, col_log) in [(1, 1), (2, 2), (2, 3), (3, 1), (4, 5), (11, 0)] {
            let mut got = data.clone();
            ct_with(&mut got, 0, tw.table(), Split { row_log, col_log });
            assert_same(&got, &expected, &format!("log {log}, split rows 2^{row_log}, cols 2^{col_log}"));
        }
    }
}

#[test]
fn matches_reference_up_to_2_10() {
    let engine = NttEngine::new();
    for log_n in 0..=10 {
        let data = random(1 << log_n, log_n as u64);
        for coset in COSETS {
            for direction in DIRECTIONS {
                let config = NttConfig { direction, coset };
                let got = fast(&engine, &data, log_n, config);
                assert_same(&got, &reference(&data, config), &format!("2^{log_n} {config:?}"));
            }
        }
    }
}

#[test]
fn matches_ark_poly_up_to_2_16() {
    let engine = NttEngine::new();
    for log_n in 0..=16 {
        let data = random(1 << log_n, 100 + log_n as u64);
        for coset in COSETS {
            for direction in DIRECTIONS {
                let config = NttConfig { direction, coset };
                let got = fast(&engine, &data, log_n, config);
                assert_same(&got, &ark(&data, log_n, config), &format!("2^{log_n} {config:?}"));
            }
        }
    }
}

#[test]
fn odd_coset_is_evaluation_at_odd_powers() {
    let engine = NttEngine::new();
    for log_n in [0, 1, 3, 8, 13, 16] {
        let n = 1usize << log_n;
        let coeffs = random(n, 200 + log_n as u64);
        let evals = fast(&engine, &coeffs, log_n, NttConfig::forward_on(Coset::OddPowersOf2n));
        let w2n = Fr::get_root_of_unity(2 * n as u64).unwrap();
        for i in [0, 1, n / 2, n - 1, (n * 3) / 7].into_iter().filter(|&i| i < n) {
            // ω_n = ω_{2n}², so s·ω^i = ω_{2n}^{2i+1}.
            let x = w2n.pow([2 * i as u64 + 1]);
            assert_eq!(evals[i], horner(&coeffs, x), "2^{log_n} point {i}");
        }
        assert!(w2n.pow([n as u64]) == -Fr::one(), "ω_2n is not a primitive 2n-th root");
    }
}

#[test]
fn inverse_undoes_forward_on_every_coset() {
    let engine = NttEngine::new();
    for log_n in [0, 1, 2, 7, 12, 13, 15, 17] {
        let data = random(1 << log_n, 300 + log_n as u64);
        for coset in COSETS {
            let mut v = data.clone();
            engine.ntt(&mut v, log_n, NttConfig::forward_on(coset));
            if log_n > 0 {
                assert_ne!(v, data, "2^{log_n} {coset:?}: forward changed nothing");
            }
            engine.ntt(&mut v, log_n, NttConfig::inverse_on(coset));
            assert_same(&v, &data, &format!("2^{log_n} {coset:?}"));
            engine.ntt(&mut v, log_n, NttConfig::inverse_on(coset));
            engine.ntt(&mut v, log_n, NttConfig::forward_on(coset));
            assert_same(&v, &data, &format!("2^{log_n} {coset:?} (inverse first)"));
        }
    }
}

#[test]
fn batch_equals_one_by_one() {
    let engine = NttEngine::new();
    for (log_n, polys) in [(0, 3), (4, 5), (10, 3), (13, 3)] {
        let n = 1usize << log_n;
        let data = random(n * polys, 400 + log_n as u64);
        for coset in COSETS {
            for direction in DIRECTIONS {
                let config = NttConfig { direction, coset };
                let mut batch = data.clone();
                engine.ntt_batch(&mut batch, log_n, config);
                for (p, chunk) in data.chunks(n).enumerate() {
                    let one = fast(&engine, chunk, log_n, config);
                    assert_same(&batch[p * n..(p + 1) * n], &one, &format!("2^{log_n} poly {p} {config:?}"));
                }
            }
        }
    }
    let mut empty: Vec<Fr> = Vec::new();
    engine.ntt_batch(&mut empty, 3, NttConfig::FORWARD);
    assert!(empty.is_empty());
}

#[test]
fn engine_is_shared_safely_across_threads() {
    let engine = NttEngine::new();
    let inputs: Vec<(u32, Vec<Fr>)> =
        [14u32, 5, 11, 15, 8, 13].iter().map(|&l| (l, random(1 << l, l as u64))).collect();
    let expected: Vec<Vec<Fr>> = inputs.iter().map(|(l, d)| ark(d, *l, NttConfig::FORWARD)).collect();
    std::thread::scope(|scope| {
        let handles: Vec<_> = inputs
            .iter()
            .map(|(l, d)| {
                let engine = &engine;
                scope.spawn(move || fast(engine, d, *l, NttConfig::FORWARD))
            })
            .collect();
        for (h, e) in handles.into_iter().zip(&expected) {
            assert_same(&h.join().unwrap(), e, "threaded");
        }
    });
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn random_transforms_match_ark_poly(
        log_n in 0u32..=12,
        coset in prop::sample::select(COSETS.to_vec()),
        inverse in any::<bool>(),
        seed in any::<u64>(),
    ) {
        let engine = NttEngine::new();
        let direction = if inverse { NttDirection::Inverse } else { NttDirection::Forward };
        let config = NttConfig { direction, coset };
        let data = random(1 << log_n, seed);
        prop_assert_eq!(fast(&engine, &data, log_n, config), ark(&data, log_n, config));
    }
}
