//! The CUDA MSM pipeline (kernels/cuda/msm.cu driven by src/msm/) run on the host emulator
//! and compared with the CPU reference: sizes, edge cases, huge buckets, resident bases with
//! precomputed copies, and chunking under a small device memory.

use std::sync::Arc;

use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ec::{AffineRepr, CurveGroup, PrimeGroup};
use ark_ff::{UniformRand, Zero};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use zkaccel_backends::cpu::reference;
use zkaccel_cuda::emulated::EmulatedDevice;
use zkaccel_cuda::msm::{MsmEngine, MsmOptions};

fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

fn random_points(n: usize, seed: u64) -> Vec<G1Affine> {
    let mut rng = rng(seed);
    let g = G1Projective::generator();
    let points: Vec<G1Projective> = (0..n).map(|_| g * Fr::rand(&mut rng)).collect();
    G1Projective::normalize_batch(&points)
}

fn random_scalars(n: usize, seed: u64) -> Vec<Fr> {
    let mut rng = rng(seed);
    (0..n).map(|_| Fr::rand(&mut rng)).collect()
}

fn engine() -> MsmEngine {
    MsmEngine::new(Arc::new(EmulatedDevice::new()))
}

fn check(engine: &MsmEngine, bases: &[G1Affine], scalars: &[Fr], what: &str) {
    let expected = reference::msm::msm(bases, scalars);
    let got = engine.msm_g1(bases, scalars).unwrap_or_else(|e| panic!("{what}: {e}"));
    assert_eq!(got.into_affine(), expected.into_affine(), "{what}");
}

#[test]
fn sizes_zero_to_4096_match_the_reference() {
    let engine = engine();
    let bases = random_points(4096, 1);
    let scalars = random_scalars(4096, 2);
    for n in [0usize, 1, 2, 3, 7, 31, 100, 255, 256, 257, 1000, 1023, 4096] {
        check(&engine, &bases[..n], &scalars[..n], &format!("n = {n}"));
    }
}

#[test]
fn edge_scalars_and_identity_points() {
    let engine = engine();
    let n = 300;
    let mut bases = random_points(n, 3);
    let mut scalars = random_scalars(n, 4);
    let minus_one = -Fr::from(1u64);
    for i in (0..n).step_by(7) {
        scalars[i] = Fr::zero();
    }
    for i in (1..n).step_by(11) {
        scalars[i] = minus_one;
    }
    for i in (2..n).step_by(13) {
        scalars[i] = Fr::from(1u64);
    }
    for i in (3..n).step_by(5) {
        bases[i] = G1Affine::zero();
    }
    check(&engine, &bases, &scalars, "mixed edge values");
    check(&engine, &bases, &vec![Fr::zero(); n], "all zero scalars");
    check(&engine, &vec![G1Affine::zero(); n], &scalars, "all identity points");
    check(&engine, &bases[..1], &[minus_one], "one point times r−1");
}

#[test]
fn equal_points_and_opposites_cancel_inside_buckets() {
    let engine = engine();
    let g = G1Affine::generator();
    let p = random_points(1, 5)[0];
    // Equal points in one bucket take the doubling path; P and −P cancel to the identity.
    let bases = vec![g, g, g, p, -p, p, -p, g];
    let scalars = vec![Fr::from(5u64); 8];
    check(&engine, &bases, &scalars, "repeated and opposite points");
    check(&engine, &[p, -p], &[Fr::from(3u64), Fr::from(3u64)], "P·3 + (−P)·3");
}

#[test]
fn one_huge_bucket_is_split_over_many_segments() {
    // Every scalar equal: every window puts all points into one bucket, which the segmented
    // accumulation must spread over several levels.
    let engine = engine();
    let n = 2500;
    let bases = random_points(n, 6);
    check(&engine, &bases, &vec![Fr::from(3u64); n], "all scalars 3");
    check(&engine, &bases, &vec![-Fr::from(2u64); n], "all scalars r−2");
    let small: Vec<Fr> = (0..n).map(|i| Fr::from((i % 4) as u64)).collect();
    check(&engine, &bases, &small, "small scalars");
}

#[test]
fn resident_bases_with_ranges_and_precomputed_copies() {
    let bases: Arc<[G1Affine]> = random_points(700, 7).into();
    let scalars = random_scalars(700, 8);
    for factor in [1, 2, 3, 8] {
        let engine = MsmEngine::with_options(Arc::new(EmulatedDevice::new()), MsmOptions { precompute_factor: factor });
        let id = engine.load_bases(bases.clone()).unwrap();
        for range in [0..700, 0..0, 5..6, 100..613] {
            let s = &scalars[range.clone()];
            let expected = reference::msm::msm(&bases[range.clone()], s);
            let got = engine.msm_resident(id, range.clone(), s).unwrap();
            assert_eq!(got.into_affine(), expected.into_affine(), "factor {factor}, range {range:?}");
        }
        engine.unload_bases(id).unwrap();
        assert!(engine.unload_bases(id).is_err(), "a handle unloads once");
        assert!(engine.msm_resident(id, 0..1, &scalars[..1]).is_err(), "an unloaded handle is gone");
    }
}

#[test]
fn small_device_memory_splits_into_chunks() {
    // 4 MiB: far less than one 3000-point chunk needs, so the MSM runs in several chunks.
    let device = Arc::new(EmulatedDevice::with_memory_limit(4 << 20));
    let engine = MsmEngine::new(device);
    let bases = random_points(3000, 9);
    let scalars = random_scalars(3000, 10);
    check(&engine, &bases, &scalars, "chunked");
}

#[test]
fn a_device_too_small_for_one_point_is_a_typed_error() {
    let device = Arc::new(EmulatedDevice::with_memory_limit(64 << 10));
    let engine = MsmEngine::new(device);
    let bases = random_points(300, 11);
    let scalars = random_scalars(300, 12);
    match engine.msm_g1(&bases, &scalars) {
        Err(zkaccel_backends::BackendError::OutOfMemory { .. }) => {}
        other => panic!("expected OutOfMemory, got {other:?}"),
    }
}
