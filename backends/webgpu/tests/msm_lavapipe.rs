//! The WebGPU G1 MSM against the CPU backend's MSM on the test adapter: random inputs of
//! several sizes, the special scalars and bases (zero, ±1, identity bases, one huge bucket,
//! cancelling points, duplicates), chunking under a tiny binding limit, and resident bases.

use std::sync::Arc;

use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{UniformRand, Zero};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use zkaccel_backends::conformance::report_skip;
use zkaccel_backends::cpu::msm::msm as cpu_msm;
use zkaccel_webgpu::msm::MsmEngine;
use zkaccel_webgpu::testing::{open_test_context, shared_test_context};
use zkaccel_webgpu::{ContextOptions, GpuContext};

fn random_bases(n: usize, seed: u64) -> Vec<G1Affine> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    // A few random points and their small multiples: cheap to make, all distinct.
    let seeds: Vec<G1Projective> = (0..8).map(|_| G1Projective::rand(&mut rng)).collect();
    let mut points = Vec::with_capacity(n);
    let mut acc = seeds.clone();
    for i in 0..n {
        let k = i % seeds.len();
        points.push(acc[k]);
        acc[k] += seeds[(k + 3) % seeds.len()];
    }
    G1Projective::normalize_batch(&points)
}

fn random_scalars(n: usize, seed: u64) -> Vec<Fr> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n).map(|_| Fr::rand(&mut rng)).collect()
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

fn check(engine: &MsmEngine, bases: &[G1Affine], scalars: &[Fr], what: &str) {
    let got = engine.msm_g1(bases, scalars).unwrap();
    assert_eq!(got.into_affine(), cpu_msm(bases, scalars).into_affine(), "{what}");
}

#[test]
fn random_inputs_of_several_sizes() {
    let Some(ctx) = context("random_inputs_of_several_sizes") else { return };
    let engine = MsmEngine::new(ctx);
    for (i, n) in [1usize, 2, 3, 100, 1000, 4096].into_iter().enumerate() {
        let bases = random_bases(n, 10 + i as u64);
        let scalars = random_scalars(n, 20 + i as u64);
        check(&engine, &bases, &scalars, &format!("{n} random points"));
    }
}

#[test]
fn special_scalars_and_bases() {
    let Some(ctx) = context("special_scalars_and_bases") else { return };
    let engine = MsmEngine::new(ctx);
    let n = 300;
    let mut bases = random_bases(n, 1);
    let mut scalars = random_scalars(n, 2);
    // Zero scalars, ±1, identity bases, P and −P with equal scalars, duplicate bases.
    for i in (0..n).step_by(7) {
        scalars[i] = Fr::zero();
    }
    for i in (1..n).step_by(11) {
        scalars[i] = -Fr::from(1u64);
    }
    for i in (2..n).step_by(13) {
        scalars[i] = Fr::from(1u64);
    }
    for i in (3..n).step_by(17) {
        bases[i] = G1Affine::zero();
    }
    bases[5] = -bases[4];
    scalars[5] = scalars[4];
    for i in 200..260 {
        bases[i] = bases[100];
    }
    check(&engine, &bases, &scalars, "mixed special cases");

    // Only cancelling pairs: the sum is the identity.
    let base = random_bases(3, 9);
    let cancel = [base[0], -base[0], base[1], -base[1], base[2], -base[2]];
    let s = random_scalars(3, 8);
    let scalars = [s[0], s[0], s[1], s[1], s[2], s[2]];
    assert!(engine.msm_g1(&cancel, &scalars).unwrap().is_zero(), "P and −P cancel");
    check(&engine, &cancel, &scalars, "cancelling pairs");

    // All scalars −1, 1 or zero; identity-only bases.
    let bases = random_bases(50, 3);
    check(&engine, &bases, &vec![-Fr::from(1u64); 50], "all scalars r − 1");
    check(&engine, &bases, &vec![Fr::from(1u64); 50], "all scalars 1");
    assert!(engine.msm_g1(&bases, &vec![Fr::zero(); 50]).unwrap().is_zero(), "all scalars zero");
    assert!(engine.msm_g1(&[G1Affine::zero(); 4], &random_scalars(4, 4)).unwrap().is_zero(), "identity bases");
}

#[test]
fn all_scalars_equal_fill_one_huge_bucket() {
    let Some(ctx) = context("all_scalars_equal_fill_one_huge_bucket") else { return };
    let engine = MsmEngine::new(ctx);
    let n = 3000;
    let bases = random_bases(n, 5);
    let scalar = random_scalars(1, 6)[0];
    check(&engine, &bases, &vec![scalar; n], "equal random scalars");
    // Same base and same scalar everywhere: every bucket sum is a multiple of one point.
    check(&engine, &vec![bases[0]; n], &vec![Fr::from(3u64); n], "one point, scalar 3");
}

#[test]
fn chunks_under_a_small_binding_limit() {
    let ctx = match open_test_context(ContextOptions { max_binding_bytes: Some(16 << 10), ..Default::default() }) {
        Ok(ctx) => ctx,
        Err(reason) => return report_skip("chunks_under_a_small_binding_limit", &reason),
    };
    let engine = MsmEngine::new(ctx);
    let n = 2000;
    let bases = random_bases(n, 7);
    let scalars = random_scalars(n, 8);
    check(&engine, &bases, &scalars, "2000 points in 16 KiB buffers");

    // 256 points per base buffer: ranges crossing buffer boundaries.
    let resident = engine.load_bases(&bases).unwrap();
    assert_eq!(resident.len(), n);
    for range in [0..n, 200..600, 255..257, 511..1500, 1999..2000, 1024..2000] {
        let got = engine.msm_resident(&resident, range.clone(), &scalars[range.clone()]).unwrap();
        let want = cpu_msm(&bases[range.clone()], &scalars[range.clone()]);
        assert_eq!(got.into_affine(), want.into_affine(), "resident range {range:?}");
    }
}

#[test]
fn resident_bases_serve_several_ranges() {
    let Some(ctx) = context("resident_bases_serve_several_ranges") else { return };
    let engine = MsmEngine::new(ctx);
    let n = 1200;
    let bases = random_bases(n, 30);
    let scalars = random_scalars(n, 31);
    let resident = engine.load_bases(&bases).unwrap();
    assert_eq!(resident.len(), n);
    for range in [0..300, 400..900, 1000..1200, 0..1, 600..601, 1199..1200, 0..n] {
        let got = engine.msm_resident(&resident, range.clone(), &scalars[range.clone()]).unwrap();
        let want = cpu_msm(&bases[range.clone()], &scalars[range.clone()]);
        assert_eq!(got.into_affine(), want.into_affine(), "resident range {range:?}");
    }
    // Bad ranges and lengths are errors, not panics.
    assert!(engine.msm_resident(&resident, 1100..1300, &scalars[..200]).is_err());
    assert!(engine.msm_resident(&resident, 0..10, &scalars[..9]).is_err());
    assert!(engine.msm_g1(&bases[..3], &scalars[..2]).is_err());
}

#[test]
fn engine_and_resident_bases_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<MsmEngine>();
    assert_send_sync::<zkaccel_webgpu::msm::ResidentBases>();
}

/// Above one chunk: 2^16 random points (16 chunks of 4096 on a software adapter, whose loop
/// budget per invocation longer reductions would pass) and 2^14 equal scalars.
#[test]
fn large_msms_run_in_chunks_the_adapter_can_run() {
    let Some(ctx) = context("large_msms_run_in_chunks_the_adapter_can_run") else { return };
    if ctx.adapter_info().device_type == wgpu::DeviceType::Cpu {
        assert_eq!(ctx.limits().max_msm_chunk_points, Some(zkaccel_webgpu::context::SOFTWARE_MSM_CHUNK));
    }
    let engine = MsmEngine::new(ctx);
    let n = 1 << 16;
    let bases = random_bases(n, 40);
    check(&engine, &bases, &random_scalars(n, 41), "2^16 random points");
    let scalar = random_scalars(1, 42)[0];
    check(&engine, &bases[..1 << 14], &vec![scalar; 1 << 14], "2^14 equal scalars");
}
