//! End-to-end tests of the fast MSM against the plain reference and arkworks.

use super::*;
use crate::cpu::reference::msm as reference;
use ark_bn254::{G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{AffineRepr, CurveGroup, PrimeGroup, VariableBaseMSM};
use ark_ff::{One, PrimeField, UniformRand};
use proptest::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// `n` distinct pseudo-random points, cheaply: a random start and a random step.
fn points<P: SWCurveConfig<ScalarField = Fr>>(n: usize, rng: &mut ChaCha8Rng) -> Vec<Affine<P>> {
    let step = Projective::<P>::generator() * Fr::rand(rng);
    let mut p = Projective::<P>::generator() * Fr::rand(rng);
    let v: Vec<Projective<P>> = (0..n)
        .map(|_| {
            p += step;
            p
        })
        .collect();
    Projective::<P>::normalize_batch(&v)
}

fn scalars(n: usize, rng: &mut ChaCha8Rng) -> Vec<Fr> {
    (0..n).map(|_| Fr::rand(rng)).collect()
}

fn arkworks<P: SWCurveConfig<ScalarField = Fr>>(bases: &[Affine<P>], scalars: &[Fr]) -> Projective<P> {
    Projective::<P>::msm(bases, scalars).expect("equal lengths")
}

#[test]
fn empty_input_is_identity() {
    assert!(msm::<ark_bn254::g1::Config>(&[], &[]).is_zero());
    assert!(msm::<ark_bn254::g2::Config>(&[], &[]).is_zero());
}

#[test]
fn small_sizes_match_reference() {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    for n in [1usize, 2, 3, 5, 17, 100, 1000] {
        let b = points::<ark_bn254::g1::Config>(n, &mut rng);
        let s = scalars(n, &mut rng);
        assert_eq!(msm(&b, &s), reference::msm(&b, &s), "n = {n}");
    }
}

#[test]
fn larger_sizes_match_arkworks() {
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    for n in [3001usize, 1 << 12, (1 << 14) + 7, 1 << 16] {
        let b = points::<ark_bn254::g1::Config>(n, &mut rng);
        let s = scalars(n, &mut rng);
        assert_eq!(msm(&b, &s), arkworks(&b, &s), "n = {n}");
    }
}

#[test]
fn edge_scalars_and_identity_bases() {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let n = 3001;
    let mut b = points::<ark_bn254::g1::Config>(n, &mut rng);
    let mut s = scalars(n, &mut rng);
    for i in 0..n {
        match i % 7 {
            0 => s[i] = Fr::zero(),
            1 => s[i] = -Fr::one(),
            2 => s[i] = Fr::one(),
            3 => s[i] = Fr::from(2u64),
            4 => b[i] = G1Affine::identity(),
            _ => {}
        }
    }
    let want = arkworks(&b, &s);
    assert_eq!(msm(&b, &s), want);
    assert_eq!(reference::msm(&b[..500], &s[..500]), arkworks(&b[..500], &s[..500]));
    // Only zero scalars, only identity bases.
    assert!(msm(&b, &vec![Fr::zero(); n]).is_zero());
    assert!(msm(&vec![G1Affine::identity(); n], &s).is_zero());
}

#[test]
fn all_equal_bases_exercise_doubling() {
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    let p = points::<ark_bn254::g1::Config>(1, &mut rng)[0];
    let n = 1 << 14;
    let b = vec![p; n];
    let s = scalars(n, &mut rng);
    let total: Fr = s.iter().sum();
    assert_eq!(msm(&b, &s), p * total);
    // Same base and the same scalar everywhere: every addition hits one bucket per window.
    let same = vec![Fr::from(0xdead_beefu64); n];
    assert_eq!(msm(&b, &same), p * (Fr::from(0xdead_beefu64) * Fr::from(n as u64)));
    let big = vec![-Fr::from(3u64); n];
    assert_eq!(msm(&b, &big), p * (-Fr::from(3u64) * Fr::from(n as u64)));
}

#[test]
fn opposite_pairs_cancel() {
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let half = 1 << 13;
    let mut b = points::<ark_bn254::g1::Config>(half, &mut rng);
    let neg: Vec<G1Affine> = b.iter().map(|p| -*p).collect();
    b.extend(neg);
    let mut s = scalars(half, &mut rng);
    s.extend_from_within(..);
    assert!(msm(&b, &s).is_zero());
    // Break one pair: the result is that point's difference.
    s[0] += Fr::one();
    assert_eq!(msm(&b, &s), b[0].into_group());
}

#[test]
fn small_scalars_and_witness_like_mixes() {
    let mut rng = ChaCha8Rng::seed_from_u64(6);
    let n = 1 << 15;
    let b = points::<ark_bn254::g1::Config>(n, &mut rng);
    let bits: Vec<Fr> = (0..n).map(|_| Fr::from(rng.gen_range(0u64..2))).collect();
    assert_eq!(msm(&b, &bits), arkworks(&b, &bits));
    let small: Vec<Fr> = (0..n).map(|_| Fr::from(rng.gen_range(0u64..1000))).collect();
    assert_eq!(msm(&b, &small), arkworks(&b, &small));
    let mixed: Vec<Fr> = (0..n)
        .map(|i| match i % 10 {
            0 => Fr::rand(&mut rng),
            1..=3 => Fr::zero(),
            _ => Fr::from(rng.gen_range(0u64..2)),
        })
        .collect();
    assert_eq!(msm(&b, &mixed), arkworks(&b, &mixed));
}

#[test]
fn g2_matches_reference_and_arkworks() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    for n in [1usize, 2, 3, 50] {
        let b = points::<ark_bn254::g2::Config>(n, &mut rng);
        let s = scalars(n, &mut rng);
        assert_eq!(msm(&b, &s), reference::msm(&b, &s), "n = {n}");
    }
    let n = 3001;
    let mut b: Vec<G2Affine> = points(n, &mut rng);
    let mut s = scalars(n, &mut rng);
    b[10] = G2Affine::identity();
    s[11] = Fr::zero();
    b[12] = b[13];
    b[14] = -b[15];
    s[14] = s[15];
    let got: G2Projective = msm(&b, &s);
    assert_eq!(got, arkworks(&b, &s));
}

/// Every window width and both accumulation modes, forced, on the same input.
#[test]
fn every_forced_plan_matches() {
    let mut rng = ChaCha8Rng::seed_from_u64(8);
    let n = 1500;
    let mut b = points::<ark_bn254::g1::Config>(n, &mut rng);
    let mut s = scalars(n, &mut rng);
    s[0] = -Fr::one();
    b[1] = G1Affine::identity();
    b[2] = b[3];
    let want = arkworks(&b, &s);
    for c in digits::MIN_WINDOW_BITS..=digits::MAX_WINDOW_BITS {
        let mut modes = vec![Mode::Projective];
        if c >= 4 {
            modes.push(Mode::BatchAffine { batch: window::batch_size(1 << (c - 1)) });
            modes.push(Mode::BatchAffine { batch: 3 });
        }
        for mode in modes {
            for chunks in [1, 3] {
                let plan = Plan::uniform(c, Fr::MODULUS_BIT_SIZE, chunks, mode);
                assert_eq!(run(&b, &s, Members::All(n), &plan), want, "{plan:?}");
            }
        }
    }
    // Mixed modes across windows.
    let mut plan = Plan::uniform(11, 254, 2, Mode::Projective);
    for (w, m) in plan.modes.iter_mut().enumerate() {
        if w % 2 == 0 {
            *m = Mode::BatchAffine { batch: 100 };
        }
    }
    assert_eq!(run(&b, &s, Members::All(n), &plan), want);
    let list: Vec<u32> = (0..n as u32).filter(|i| i % 3 != 0).collect();
    let (bl, sl): (Vec<G1Affine>, Vec<Fr>) = list.iter().map(|&i| (b[i as usize], s[i as usize])).unzip();
    let plan = Plan::uniform(9, 254, 2, Mode::BatchAffine { batch: 16 });
    assert_eq!(run(&b, &s, Members::List(&list), &plan), arkworks(&bl, &sl));
}

#[test]
fn working_memory_is_bounded() {
    assert_eq!(working_memory_bytes(0), 0);
    let m = working_memory_bytes(1 << 20);
    assert!((32 << 20..=80 << 20).contains(&m), "{m}");
    assert!(working_memory_bytes(1 << 10) < working_memory_bytes(1 << 22));
}

#[test]
fn single_threaded_pool_gives_the_same_answer() {
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    let n = 5000;
    let b = points::<ark_bn254::g1::Config>(n, &mut rng);
    let s = scalars(n, &mut rng);
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("pool");
    assert_eq!(pool.install(|| msm(&b, &s)), arkworks(&b, &s));
}

fn edge_scalar() -> impl Strategy<Value = Fr> {
    prop_oneof![
        Just(Fr::zero()),
        Just(Fr::one()),
        Just(Fr::from(2u64)),
        Just(-Fr::one()),
        any::<u64>().prop_map(Fr::from),
        any::<[u64; 4]>()
            .prop_map(|l| Fr::from_le_bytes_mod_order(&l.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<_>>())),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn random_small_inputs_match_reference(
        picks in prop::collection::vec((0usize..6, edge_scalar()), 0..40),
        c in 2u32..=12,
        batch in 1usize..6,
        affine in any::<bool>(),
    ) {
        let mut rng = ChaCha8Rng::seed_from_u64(picks.len() as u64);
        let pool = points::<ark_bn254::g1::Config>(4, &mut rng);
        let b: Vec<G1Affine> = picks.iter().map(|(k, _)| match k {
            0..=3 => pool[*k],
            4 => -pool[0],
            _ => G1Affine::identity(),
        }).collect();
        let s: Vec<Fr> = picks.iter().map(|(_, s)| *s).collect();
        let want = reference::msm(&b, &s);
        prop_assert_eq!(msm(&b, &s), want);
        if !b.is_empty() {
            let mode = if affine { Mode::BatchAffine { batch } } else { Mode::Projective };
            let plan = Plan::uniform(c, 254, 2, mode);
            prop_assert_eq!(run(&b, &s, Members::All(b.len()), &plan), want);
        }
    }
}

#[test]
fn g1_generator_times_one_is_generator() {
    let g = G1Affine::generator();
    assert_eq!(msm(&[g], &[Fr::one()]), G1Projective::generator());
    let g2 = G2Affine::generator();
    assert_eq!(msm(&[g2, g2], &[Fr::one(), -Fr::one()]), G2Projective::zero());
}

/// Cost-model calibration (not a test): `cargo test --release -p zkaccel-backends --lib
/// cpu::msm::tests::calibrate -- --ignored --nocapture`. Prints per-operation costs in units of
/// one Fq multiplication, measured in the same process.
#[test]
#[ignore]
fn calibrate() {
    use std::time::Instant;
    let mut rng = ChaCha8Rng::seed_from_u64(10);
    let mul_ns = {
        let mut a = ark_bn254::Fq::rand(&mut rng);
        let b = ark_bn254::Fq::rand(&mut rng);
        let t = Instant::now();
        for _ in 0..20_000_000 {
            a *= b;
        }
        assert!(!a.is_zero());
        t.elapsed().as_nanos() as f64 / 2e7
    };
    println!("fq mul {mul_ns:.1} ns");
    let n = 1 << 18;
    let b = points::<ark_bn254::g1::Config>(n, &mut rng);
    for c in [8u32, 10, 11, 12, 13, 14, 15] {
        let half = 1i32 << (c - 1);
        let d: Vec<i16> = (0..n).map(|_| rng.gen_range(-half..=half) as i16).collect();
        let buckets = 1usize << (c - 1);
        for batch in [window::batch_size(1 << (c - 1)), 256, 512, 1024] {
            let t = Instant::now();
            let mut acc = AffineBuckets::new(&b, buckets, batch);
            acc.accumulate(&d, Members::All(n), 0);
            let add = t.elapsed().as_nanos() as f64 / n as f64 / mul_ns;
            let t = Instant::now();
            let s = reduce::affine_buckets(&acc.buckets, acc.spill.as_deref());
            let red = t.elapsed().as_nanos() as f64 / buckets as f64 / mul_ns;
            println!("c {c:2} batch {batch:4}: affine add {add:5.2} M, reduce {red:5.2} M/bucket {}", s.is_zero());
        }
        let t = Instant::now();
        let pb = projective_buckets::accumulate(&b, &d, Members::All(n), 0, buckets);
        let add = t.elapsed().as_nanos() as f64 / n as f64 / mul_ns;
        let t = Instant::now();
        let s = reduce::projective_buckets(&pb);
        let red = t.elapsed().as_nanos() as f64 / buckets as f64 / mul_ns;
        println!("c {c:2}: projective add {add:5.2} M, reduce {red:5.2} M/bucket {}", s.is_zero());
    }
}
