//! `curve.wgsl` against arkworks on the test adapter: mixed XYZZ + affine addition, XYZZ
//! addition and doubling on random points (with random Z, so the inputs are not normalised)
//! and on the special cases: identity on either side, P + P, P + (−P), doubling the identity.

use ark_bn254::{Fq, G1Affine, G1Projective};
use ark_ec::{AdditiveGroup, AffineRepr, CurveGroup};
use ark_ff::UniformRand;
use rand::SeedableRng;
use zkaccel_backends::conformance::report_skip;
use zkaccel_backends::device_layout::{g1_affine_to_bytes, g1_from_xyzz_bytes, XYZZ_BYTES};
use zkaccel_webgpu::shaders::Program;
use zkaccel_webgpu::testing::shared_test_context;
use zkaccel_webgpu::GpuContext;

fn fq_bytes(x: Fq) -> Vec<u8> {
    x.0 .0.iter().flat_map(|l| l.to_le_bytes()).collect()
}

/// `p` as XYZZ device bytes with the scaling factor `z` (X = x·z², Y = y·z³).
fn xyzz_bytes(p: G1Affine, z: Fq) -> Vec<u8> {
    if p.is_zero() {
        return vec![0u8; XYZZ_BYTES];
    }
    let (zz, zzz) = (z * z, z * z * z);
    [p.x * zz, p.y * zzz, zz, zzz].into_iter().flat_map(fq_bytes).collect()
}

fn run(ctx: &GpuContext, entry: &'static str, inputs: &[Vec<u8>], n: usize) -> Vec<G1Projective> {
    let pipeline = ctx.pipeline(Program::CurveTest, entry).unwrap();
    let buffers: Vec<wgpu::Buffer> = inputs.iter().map(|b| ctx.storage_from("in", b)).collect();
    let out = ctx.storage_zeroed("out", (n * XYZZ_BYTES) as u64);
    let mut bind: Vec<&wgpu::Buffer> = buffers.iter().collect();
    bind.push(&out);
    let mut encoder = ctx.encoder(entry);
    ctx.dispatch(&mut encoder, &pipeline, &[n as u32], &bind, n as u64);
    let bytes = ctx.read_after(encoder, &out, 0, (n * XYZZ_BYTES) as u64).unwrap();
    bytes.chunks_exact(XYZZ_BYTES).map(g1_from_xyzz_bytes).collect()
}

/// Pairs (a, b) covering random points and every special case.
fn cases() -> Vec<(G1Affine, G1Affine)> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let g = G1Affine::generator();
    let p = G1Projective::rand(&mut rng).into_affine();
    let o = G1Affine::zero();
    let mut cases = vec![(o, o), (o, g), (g, o), (g, g), (p, p), (p, -p), (-g, g), (g, -g), (p, g), (g, p)];
    cases.extend(
        (0..60).map(|_| (G1Projective::rand(&mut rng).into_affine(), G1Projective::rand(&mut rng).into_affine())),
    );
    cases
}

fn random_zs(n: usize, seed: u64) -> Vec<Fq> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    (0..n).map(|_| Fq::rand(&mut rng)).collect()
}

#[test]
fn mixed_addition_matches_arkworks() {
    let ctx = match shared_test_context() {
        Ok(ctx) => ctx,
        Err(reason) => return report_skip("mixed_addition_matches_arkworks", &reason),
    };
    let cases = cases();
    let zs = random_zs(cases.len(), 1);
    let a: Vec<u8> = cases.iter().zip(&zs).flat_map(|((a, _), z)| xyzz_bytes(*a, *z)).collect();
    let b: Vec<G1Affine> = cases.iter().map(|(_, b)| *b).collect();
    let got = run(&ctx, "curve_add_affine", &[a, g1_affine_to_bytes(&b)], cases.len());
    for (i, (a, b)) in cases.iter().enumerate() {
        assert_eq!(got[i], *a + *b, "case {i}: {a} + {b}");
    }
}

#[test]
fn xyzz_addition_matches_arkworks() {
    let ctx = match shared_test_context() {
        Ok(ctx) => ctx,
        Err(reason) => return report_skip("xyzz_addition_matches_arkworks", &reason),
    };
    let cases = cases();
    let za = random_zs(cases.len(), 2);
    let zb = random_zs(cases.len(), 3);
    let a: Vec<u8> = cases.iter().zip(&za).flat_map(|((a, _), z)| xyzz_bytes(*a, *z)).collect();
    let b: Vec<u8> = cases.iter().zip(&zb).flat_map(|((_, b), z)| xyzz_bytes(*b, *z)).collect();
    let got = run(&ctx, "curve_add", &[a, b], cases.len());
    for (i, (a, b)) in cases.iter().enumerate() {
        assert_eq!(got[i], *a + *b, "case {i}: {a} + {b}");
    }
}

#[test]
fn doubling_matches_arkworks() {
    let ctx = match shared_test_context() {
        Ok(ctx) => ctx,
        Err(reason) => return report_skip("doubling_matches_arkworks", &reason),
    };
    let points: Vec<G1Affine> = cases().iter().map(|(a, _)| *a).collect();
    let zs = random_zs(points.len(), 4);
    let a: Vec<u8> = points.iter().zip(&zs).flat_map(|(p, z)| xyzz_bytes(*p, *z)).collect();
    let got = run(&ctx, "curve_double", &[a], points.len());
    for (i, p) in points.iter().enumerate() {
        assert_eq!(got[i], p.into_group().double(), "case {i}: 2·{p}");
    }
}
