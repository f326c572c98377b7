//! The WebGPU NTT against arkworks' `Radix2EvaluationDomain` and the CPU backend on the test
//! adapter: every size from 2 to 2^14 in both directions on all three cosets, round trips,
//! zero input, batches, and the chunked paths (groups of polynomials and the four-step
//! decomposition) under a narrowed binding limit.

use std::sync::Arc;

use ark_bn254::Fr;
use ark_ff::{FftField, One, UniformRand, Zero};
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use zkaccel_backends::conformance::report_skip;
use zkaccel_backends::cpu::CpuBackend;
use zkaccel_backends::{Backend, Coset, NttConfig, NttDirection};
use zkaccel_webgpu::ntt::NttEngine;
use zkaccel_webgpu::testing::{open_test_context, shared_test_context};
use zkaccel_webgpu::{ContextOptions, GpuContext};

const COSETS: [Coset; 3] = [Coset::None, Coset::Generator, Coset::OddPowersOf2n];
const DIRECTIONS: [NttDirection; 2] = [NttDirection::Forward, NttDirection::Inverse];

fn configs() -> impl Iterator<Item = NttConfig> {
    COSETS.into_iter().flat_map(|coset| DIRECTIONS.into_iter().map(move |direction| NttConfig { direction, coset }))
}

fn random(n: usize, seed: u64) -> Vec<Fr> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n).map(|_| Fr::rand(&mut rng)).collect()
}

/// arkworks' answer: the (coset) domain's fft or ifft.
fn ark(data: &[Fr], config: NttConfig) -> Vec<Fr> {
    let n = data.len();
    let mut domain = Radix2EvaluationDomain::<Fr>::new(n).unwrap();
    let shift = match config.coset {
        Coset::None => Fr::one(),
        Coset::Generator => Fr::GENERATOR,
        Coset::OddPowersOf2n => Fr::get_root_of_unity(2 * n as u64).unwrap(),
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

/// The CPU backend's batch.
fn cpu_batch(data: &[Fr], ntt_len: usize, config: NttConfig) -> Vec<Fr> {
    let mut v = data.to_vec();
    CpuBackend::new().ntt_batch(&mut v, ntt_len, config).unwrap();
    v
}

/// Panics with the first differing index (not the whole vectors).
#[track_caller]
fn assert_same(got: &[Fr], want: &[Fr], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    if let Some(i) = (0..got.len()).find(|&i| got[i] != want[i]) {
        panic!("{what}: first difference at index {i} of {}: got {}, want {}", got.len(), got[i], want[i]);
    }
}

fn context(name: &str) -> Option<Arc<GpuContext>> {
    match shared_test_context() {
        Ok(ctx) => Some(ctx),
        Err(reason) => {
            report_skip(name, &reason);
            None
        }
    }
}

/// A context whose bindings hold at most `max_binding_bytes`.
fn narrow_context(name: &str, max_binding_bytes: u64) -> Option<Arc<GpuContext>> {
    match open_test_context(ContextOptions { max_binding_bytes: Some(max_binding_bytes), ..Default::default() }) {
        Ok(ctx) => Some(ctx),
        Err(reason) => {
            report_skip(name, &reason);
            None
        }
    }
}

#[test]
fn every_size_direction_and_coset_matches_arkworks() {
    let Some(ctx) = context("every_size_direction_and_coset_matches_arkworks") else { return };
    let engine = NttEngine::new(ctx.clone());
    eprintln!(
        "NTT tiles of {} points ({} bytes of workgroup memory)",
        engine.tile_points(),
        ctx.limits().workgroup_storage_bytes
    );
    for log_n in 1..=14u32 {
        for (c, config) in configs().enumerate() {
            let input = random(1 << log_n, u64::from(log_n) * 16 + c as u64);
            let mut got = input.clone();
            engine.ntt(&mut got, config).unwrap();
            assert_same(&got, &ark(&input, config), &format!("2^{log_n} {config:?}"));
        }
    }
}

#[test]
fn the_16_kib_tile_kernel_matches_arkworks() {
    let Some(ctx) = context("the_16_kib_tile_kernel_matches_arkworks") else { return };
    let engine = NttEngine::with_workgroup_bytes(ctx, 16 << 10);
    assert_eq!(engine.tile_points(), 512);
    for log_n in 1..=14u32 {
        let config = configs().nth(log_n as usize % 6).unwrap();
        let input = random(1 << log_n, 7000 + u64::from(log_n));
        let mut got = input.clone();
        engine.ntt(&mut got, config).unwrap();
        assert_same(&got, &ark(&input, config), &format!("512-point tiles 2^{log_n} {config:?}"));
    }
    // Partial last tile: 3 x 128 points.
    let config = NttConfig::forward_on(Coset::OddPowersOf2n);
    let input = random(3 << 7, 7100);
    let mut got = input.clone();
    engine.ntt_batch(&mut got, 1 << 7, config).unwrap();
    assert_same(&got, &cpu_batch(&input, 1 << 7, config), "512-point tiles 3 x 2^7");
}

#[test]
fn round_trips_and_zero_input() {
    let Some(ctx) = context("round_trips_and_zero_input") else { return };
    let engine = NttEngine::new(ctx);
    for log_n in [1u32, 5, 9, 10, 13] {
        for coset in COSETS {
            let input = random(1 << log_n, 1000 + u64::from(log_n));
            let mut v = input.clone();
            engine.ntt(&mut v, NttConfig::forward_on(coset)).unwrap();
            assert_ne!(v, input, "2^{log_n} {coset:?}: forward changed nothing");
            engine.ntt(&mut v, NttConfig::inverse_on(coset)).unwrap();
            assert_same(&v, &input, &format!("2^{log_n} {coset:?} round trip"));

            for config in [NttConfig::forward_on(coset), NttConfig::inverse_on(coset)] {
                let mut zeros = vec![Fr::zero(); 1 << log_n];
                engine.ntt(&mut zeros, config).unwrap();
                assert!(zeros.iter().all(Fr::is_zero), "2^{log_n} {config:?}: zero input");
            }
        }
    }
}

#[test]
fn batches_match_the_cpu_backend() {
    let Some(ctx) = context("batches_match_the_cpu_backend") else { return };
    let engine = NttEngine::new(ctx);
    // (ntt_len, polynomials): a batch of one, many tiny ones, partial last tiles, tile-sized
    // and larger-than-tile polynomials.
    let cases = [(2usize, 1usize), (2, 333), (4, 1000), (8, 65), (64, 9), (512, 3), (128, 13), (1024, 1), (2048, 5)];
    for (k, &(ntt_len, count)) in cases.iter().enumerate() {
        let config = configs().nth(k % 6).unwrap();
        let input = random(ntt_len * count, 2000 + k as u64);
        let mut got = input.clone();
        engine.ntt_batch(&mut got, ntt_len, config).unwrap();
        assert_same(&got, &cpu_batch(&input, ntt_len, config), &format!("{count} x {ntt_len} {config:?}"));
    }
}

#[test]
fn chunked_batches_and_four_step_match_the_cpu_backend() {
    let name = "chunked_batches_and_four_step_match_the_cpu_backend";
    // 16 KiB bindings: 512 points.
    let Some(ctx) = narrow_context(name, 16 << 10) else { return };
    assert_eq!(ctx.limits().max_binding_bytes, 16 << 10);
    let engine = NttEngine::new(ctx);
    // Batches split into groups of whole polynomials (several groups, a short last one).
    for (k, &(ntt_len, count)) in [(64usize, 41usize), (512, 3), (2, 700)].iter().enumerate() {
        let config = configs().nth(2 * k + 1).unwrap();
        let input = random(ntt_len * count, 3000 + k as u64);
        let mut got = input.clone();
        engine.ntt_batch(&mut got, ntt_len, config).unwrap();
        assert_same(&got, &cpu_batch(&input, ntt_len, config), &format!("chunked {count} x {ntt_len} {config:?}"));
    }
    // Single polynomials above the limit: four-step, in every direction and coset.
    for (c, config) in configs().enumerate() {
        let input = random(1 << 12, 4000 + c as u64);
        let mut got = input.clone();
        engine.ntt(&mut got, config).unwrap();
        assert_same(&got, &ark(&input, config), &format!("four-step 2^12 {config:?}"));
    }
    // An odd split (2^6 x 2^7) and a batch of polynomials that are each above the limit.
    let config = NttConfig::forward_on(Coset::Generator);
    let input = random(1 << 13, 4100);
    let mut got = input.clone();
    engine.ntt(&mut got, config).unwrap();
    assert_same(&got, &ark(&input, config), "four-step 2^13");
    let config = NttConfig::inverse_on(Coset::OddPowersOf2n);
    let input = random(3 << 10, 4101);
    let mut got = input.clone();
    engine.ntt_batch(&mut got, 1 << 10, config).unwrap();
    assert_same(&got, &cpu_batch(&input, 1 << 10, config), "four-step batch 3 x 2^10");
}

#[test]
fn nested_four_step_under_a_tiny_limit() {
    // 256-byte bindings hold 8 points: 2^8 splits into 2^4 x 2^4, and each 2^4 again.
    let Some(ctx) = narrow_context("nested_four_step_under_a_tiny_limit", 256) else { return };
    let engine = NttEngine::new(ctx);
    for config in [NttConfig::forward_on(Coset::Generator), NttConfig::inverse_on(Coset::OddPowersOf2n)] {
        let input = random(1 << 8, 5000);
        let mut got = input.clone();
        engine.ntt(&mut got, config).unwrap();
        assert_same(&got, &ark(&input, config), &format!("nested four-step {config:?}"));
    }
}

#[test]
fn bad_shapes_are_errors_not_panics() {
    let Some(ctx) = context("bad_shapes_are_errors_not_panics") else { return };
    let engine = NttEngine::new(ctx);
    let mut data = random(12, 6000);
    assert!(engine.ntt_batch(&mut data, 3, NttConfig::FORWARD).is_err());
    assert!(engine.ntt_batch(&mut data, 8, NttConfig::FORWARD).is_err());
    assert!(engine.ntt_batch(&mut data, 0, NttConfig::FORWARD).is_err());
    assert!(engine.ntt(&mut data, NttConfig::FORWARD).is_err());
    let before = data.clone();
    engine.ntt_batch(&mut data, 1, NttConfig::inverse_on(Coset::Generator)).unwrap();
    assert_eq!(data, before, "one-point transforms are the identity");
    engine.ntt(&mut [], NttConfig::FORWARD).unwrap();
}
