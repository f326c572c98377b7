//! NTT checks: every size, both coset conventions, inverse, batches.

use ark_bn254::Fr;
use ark_ff::{FftField, Field, One, Zero};
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};

use super::inputs::scalars;
use super::SuiteSizes;
use crate::cpu::reference;
use crate::{Backend, Coset, NttConfig, NttDirection};

const COSETS: [Coset; 3] = [Coset::None, Coset::Generator, Coset::OddPowersOf2n];

fn configs() -> impl Iterator<Item = NttConfig> {
    COSETS.into_iter().flat_map(|c| [NttConfig::forward_on(c), NttConfig::inverse_on(c)])
}

fn run(backend: &dyn Backend, input: &[Fr], config: NttConfig) -> Vec<Fr> {
    let mut data = input.to_vec();
    backend.ntt(&mut data, config).unwrap_or_else(|e| panic!("NTT of {} with {config:?}: {e}", input.len()));
    data
}

/// Every size 2^0..2^min(max,10), every direction and coset, against the textbook reference.
pub fn matches_reference_every_size(backend: &dyn Backend, sizes: SuiteSizes) {
    for log in 0..=sizes.max_log_ntt.min(10) {
        let input = scalars(1 << log, 100 + log as u64);
        for config in configs() {
            let mut expected = input.clone();
            reference::ntt::ntt(&mut expected, config);
            assert_eq!(run(backend, &input, config), expected, "NTT 2^{log} {config:?} differs from the reference");
        }
    }
}

/// Plain and generator-coset NTTs up to 2^max_log_ntt against ark-poly, and the odd coset
/// against direct evaluation of the polynomial at sampled points.
pub fn matches_arkworks(backend: &dyn Backend, sizes: SuiteSizes) {
    for log in (0..=sizes.max_log_ntt).filter(|l| *l <= 4 || l % 3 == 0 || *l == sizes.max_log_ntt) {
        let n = 1usize << log;
        let input = scalars(n, 200 + log as u64);
        let domain = Radix2EvaluationDomain::<Fr>::new(n).expect("domain");
        let coset = domain.get_coset(Fr::GENERATOR).expect("coset domain");
        for (config, dom) in [(Coset::None, domain), (Coset::Generator, coset)] {
            let mut expected = input.clone();
            dom.fft_in_place(&mut expected);
            assert_eq!(
                run(backend, &input, NttConfig::forward_on(config)),
                expected,
                "forward 2^{log} {config:?} vs ark-poly"
            );
            let mut expected = input.clone();
            dom.ifft_in_place(&mut expected);
            assert_eq!(
                run(backend, &input, NttConfig::inverse_on(config)),
                expected,
                "inverse 2^{log} {config:?} vs ark-poly"
            );
        }
        let evals = run(backend, &input, NttConfig::forward_on(Coset::OddPowersOf2n));
        let omega = Fr::get_root_of_unity(n as u64).expect("root");
        let shift = Fr::get_root_of_unity(2 * n as u64).expect("2n-th root");
        assert_eq!(shift.square(), omega, "ω_2n² = ω_n");
        for i in [0, n / 3, n - 1] {
            let x = shift * omega.pow([i as u64]);
            let value = input.iter().rev().fold(Fr::zero(), |acc, c| acc * x + c);
            assert_eq!(evals[i], value, "odd-coset NTT 2^{log}: output {i} is not a(ω_2n·ω^{i})");
        }
    }
}

/// INTT(NTT(a)) = a and NTT(INTT(a)) = a on every coset, including sizes 1 and 2.
pub fn round_trips(backend: &dyn Backend, sizes: SuiteSizes) {
    for log in (0..=sizes.max_log_ntt).filter(|l| *l <= 3 || l % 4 == 0 || *l == sizes.max_log_ntt) {
        let input = scalars(1 << log, 300 + log as u64);
        for coset in COSETS {
            let there = run(backend, &input, NttConfig::forward_on(coset));
            assert_eq!(run(backend, &there, NttConfig::inverse_on(coset)), input, "INTT(NTT) 2^{log} {coset:?}");
            let back = run(backend, &input, NttConfig::inverse_on(coset));
            assert_eq!(run(backend, &back, NttConfig::forward_on(coset)), input, "NTT(INTT) 2^{log} {coset:?}");
        }
    }
    let ones = vec![Fr::one(); 8];
    let evals = run(backend, &ones, NttConfig::FORWARD);
    assert_eq!(evals[0], Fr::from(8u64), "NTT of all-ones: first output is n");
    assert!(evals[1..].iter().all(Fr::is_zero), "NTT of all-ones: other outputs are zero");
}

/// A batch equals the same NTTs run one by one, for small and larger polynomials.
pub fn batches(backend: &dyn Backend, sizes: SuiteSizes) {
    for (log, count) in [(0u32, 5usize), (1, 3), (4, 7), (sizes.max_log_ntt.min(12), 3)] {
        let n = 1usize << log;
        let input = scalars(n * count, 400 + log as u64);
        for config in configs() {
            let mut batch = input.clone();
            backend
                .ntt_batch(&mut batch, n, config)
                .unwrap_or_else(|e| panic!("batch {count}×2^{log} {config:?}: {e}"));
            let one_by_one: Vec<Fr> = input.chunks(n).flat_map(|poly| run(backend, poly, config)).collect();
            assert_eq!(batch, one_by_one, "batch of {count}×2^{log} {config:?} differs from single NTTs");
        }
    }
    let mut empty: Vec<Fr> = Vec::new();
    backend
        .ntt_batch(&mut empty, 4, NttConfig { direction: NttDirection::Forward, coset: Coset::None })
        .expect("empty batch");
    assert!(empty.is_empty());
}
