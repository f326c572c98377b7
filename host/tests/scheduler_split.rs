//! Splitting gives the same answers as one device: two CPU backends against one, share
//! boundaries (0, 1, uneven, more devices than elements) as property tests, chunking by
//! memory, G2 beside a device without it, the registry constructor, and concurrent callers.

#[path = "common/scheduler_support.rs"]
mod support;

use std::sync::atomic::Ordering;
use std::sync::Arc;

use ark_bn254::{Fr, G1Projective, G2Projective};
use ark_ec::{CurveGroup, VariableBaseMSM};
use proptest::prelude::*;
use support::{Behavior, FaultyBackend};
use zkaccel::registry::{DeviceEntry, DeviceStatus, Registry};
use zkaccel::scheduler::plan::{self, Candidate};
use zkaccel::scheduler::{CostModel, Scheduler, SchedulerConfig};
use zkaccel_backends::cpu::CpuBackend;
use zkaccel_backends::{Backend, Coset, DeviceKind, MerkleOutput, NttConfig, Op};

#[test]
fn two_cpus_give_the_same_results_as_one() {
    let one = CpuBackend::new();
    let pool = support::even_pool(vec![support::cpu("cpu-a"), support::cpu("cpu-b")]);
    let (bases, scalars, expected) = support::msm_case(3000, 11);
    assert_eq!(pool.msm_g1(&bases, &scalars).unwrap().into_affine(), expected);
    let stats = pool.stats();
    assert!(stats.iter().all(|s| s.shares == 1 && s.elements > 1000), "both devices took a share: {stats:?}");

    let data = zkaccel::bench::workload::scalars(1 << 12, 12);
    for config in [NttConfig::FORWARD, NttConfig::inverse_on(Coset::OddPowersOf2n)] {
        let (mut a, mut b) = (data.clone(), data.clone());
        pool.ntt_batch(&mut a, 1 << 7, config).unwrap();
        one.ntt_batch(&mut b, 1 << 7, config).unwrap();
        assert!(a == b, "NTT batch {config:?}");
        let (mut a, mut b) = (data.clone(), data.clone());
        pool.ntt(&mut a, config).unwrap();
        one.ntt(&mut b, config).unwrap();
        assert!(a == b, "single NTT {config:?}");
    }
    for arity in [1usize, 2, 5, 16] {
        let inputs = &data[..arity * 100];
        assert!(pool.poseidon_hash_batch(inputs, arity).unwrap() == one.poseidon_hash_batch(inputs, arity).unwrap());
    }
    for output in [MerkleOutput::RootOnly, MerkleOutput::AllLevels] {
        assert!(pool.merkle_tree(&data[..1024], output).unwrap() == one.merkle_tree(&data[..1024], output).unwrap());
    }
}

fn uneven_pool(devices: usize, speeds: &[f64]) -> Scheduler {
    let backends: Vec<Arc<dyn zkaccel_backends::Backend>> =
        (0..devices).map(|i| support::cpu(&format!("cpu-{i}"))).collect();
    let models: Vec<_> = backends.iter().zip(speeds.iter().cycle()).map(|(b, s)| (b, 1e-7, *s)).collect();
    Scheduler::new(backends.clone(), support::config(support::calibration(&models))).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn msm_poseidon_and_ntt_share_boundaries(n in prop_oneof![Just(0usize), Just(1), Just(2), 0usize..70],
                                         devices in 1usize..=5,
                                         speeds in proptest::collection::vec(1e-7f64..1e-5, 1..5)) {
        let pool = uneven_pool(devices, &speeds);
        let (bases, scalars, expected) = support::msm_case(n, n as u64);
        prop_assert_eq!(pool.msm_g1(&bases, &scalars).unwrap().into_affine(), expected);
        let inputs = zkaccel::bench::workload::scalars(2 * n, 3);
        let want: Vec<Fr> = inputs.chunks(2).map(zkaccel_backends::cpu::reference::poseidon::hash).collect();
        prop_assert_eq!(pool.poseidon_hash_batch(&inputs, 2).unwrap(), want);
        let mut batch = inputs.clone();
        pool.ntt_batch(&mut batch, 2, NttConfig::FORWARD).unwrap();
        let mut want = inputs.clone();
        CpuBackend::new().ntt_batch(&mut want, 2, NttConfig::FORWARD).unwrap();
        prop_assert_eq!(batch, want);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn plans_cover_every_unit_once(total in 0usize..100_000,
                                   costs in proptest::collection::vec((0.0f64..1e-3, 1e-9f64..1e-5, 1u64..200_000), 1..8),
                                   min_share in 1usize..5000) {
        let models: Vec<CostModel> = costs.iter().map(|(f, p, _)| CostModel::affine(*f, *p)).collect();
        let candidates: Vec<Candidate> = models.iter().zip(&costs).enumerate()
            .map(|(i, (m, c))| Candidate { device: i, model: m, backlog: 0.0, cap: c.2 })
            .collect();
        match plan::split(total, &candidates, min_share) {
            None => prop_assert!(costs.iter().map(|c| c.2).sum::<u64>() < total as u64, "a plan exists"),
            Some(shares) => {
                let mut next = 0;
                for share in &shares {
                    prop_assert_eq!(share.range.start, next);
                    prop_assert!(!share.range.is_empty());
                    prop_assert!(share.range.len() as u64 <= costs[share.device].2);
                    next = share.range.end;
                }
                prop_assert_eq!(next, total);
                let mut devices: Vec<usize> = shares.iter().map(|s| s.device).collect();
                devices.dedup();
                prop_assert_eq!(devices.len(), shares.len(), "one share per device");
            }
        }
    }
}

#[test]
fn shares_above_device_memory_are_chunked() {
    // Memory for about 100 points per call (160 bytes each, 75% usable).
    let small = Arc::new(FaultyBackend::new("fpga:0", Behavior::Ok).with_memory(160 * 134));
    let accel: Arc<dyn Backend> = small.clone();
    let pool =
        Scheduler::new(vec![accel.clone()], support::config(support::calibration(&[(&accel, 1e-6, 1e-7)]))).unwrap();
    let (bases, scalars, expected) = support::msm_case(1000, 13);
    assert_eq!(pool.msm_g1(&bases, &scalars).unwrap().into_affine(), expected);
    assert_eq!(small.calls.load(Ordering::Relaxed), 10, "1000 points in calls of 100");
    let stats = &pool.stats()[0];
    assert_eq!((stats.shares, stats.ops, stats.elements), (1, 10, 1000));
}

#[test]
fn g2_runs_on_the_cpu_beside_a_device_without_it() {
    let gpu = Arc::new(FaultyBackend::new("cuda:0", Behavior::Ok).without(Op::MsmG2));
    let accel: Arc<dyn Backend> = gpu.clone();
    let cpu = support::cpu("cpu");
    let models = [(&accel, 1e-3, 1e-8), (&cpu, 1e-6, 1e-5)];
    let pool =
        Scheduler::with_fallback(vec![accel.clone()], cpu.clone(), support::config(support::calibration(&models)))
            .unwrap();
    assert!(pool.info().supports(Op::MsmG2), "the pool offers G2 through its CPU");
    let (bases, scalars, expected) = support::msm_case(1 << 12, 14);
    let g2 = zkaccel::bench::workload::g2_points(64, 15);
    let g2_scalars = zkaccel::bench::workload::scalars(64, 16);
    let (g1, g2_sum) = std::thread::scope(|s| {
        let g1 = s.spawn(|| pool.msm_g1(&bases, &scalars).unwrap());
        let g2_sum = pool.msm_g2(&g2, &g2_scalars).unwrap();
        (g1.join().unwrap(), g2_sum)
    });
    assert_eq!(g1.into_affine(), expected);
    assert_eq!(g2_sum.into_affine(), G2Projective::msm(&g2, &g2_scalars).unwrap().into_affine());
    let stats = pool.stats();
    assert_eq!(stats[0].elements, 1 << 12, "all G1 work on the GPU (the CPU is fallback-only)");
    assert_eq!((stats[1].role, stats[1].elements), ("fallback", 64), "G2 on the CPU");
}

#[test]
fn from_registry_narrows_and_keeps_the_cpu_fallback() {
    let accel: Arc<dyn Backend> = Arc::new(FaultyBackend::new("fpga:0", Behavior::Ok));
    let registry = Registry::from_entries(vec![
        DeviceEntry { id: "cpu".into(), kind: DeviceKind::Cpu, status: DeviceStatus::Available(support::cpu("cpu")) },
        DeviceEntry { id: "fpga:0".into(), kind: DeviceKind::Fpga, status: DeviceStatus::Available(accel.clone()) },
    ]);
    let narrowed = SchedulerConfig { devices: Some("fpga:0".parse().unwrap()), ..support::config(Default::default()) };
    let pool = Scheduler::from_registry(&registry, narrowed).unwrap();
    let roles: Vec<(String, &str)> = pool.stats().into_iter().map(|s| (s.id, s.role)).collect();
    assert_eq!(roles, vec![("fpga:0".to_string(), "worker"), ("cpu".to_string(), "fallback")]);
    let no_fallback = SchedulerConfig {
        devices: Some("fpga".parse().unwrap()),
        cpu_fallback: false,
        ..support::config(Default::default())
    };
    assert_eq!(Scheduler::from_registry(&registry, no_fallback).unwrap().device_ids(), ["fpga:0"]);
    let all = Scheduler::from_registry(&registry, support::config(Default::default())).unwrap();
    assert_eq!(all.device_ids(), ["cpu", "fpga:0"]);
    assert!(all.notes().iter().any(|n| n.contains("conservative defaults")), "{:?}", all.notes());
}

#[test]
fn concurrent_callers_get_correct_results() {
    let flaky = Arc::new(FaultyBackend::new("fpga:0", Behavior::Ok));
    let accel: Arc<dyn Backend> = flaky.clone();
    let (a, b) = (support::cpu("cpu-a"), support::cpu("cpu-b"));
    let models = [(&accel, 1e-6, 1e-6), (&a, 1e-6, 1e-6), (&b, 1e-6, 1e-6)];
    let config = support::config(support::calibration(&models));
    let pool = Scheduler::new(vec![accel.clone(), a.clone(), b.clone()], config).unwrap();
    // Faults at some calls along the way: every caller still gets its own right answer.
    flaky.script(&[Behavior::Ok, Behavior::Lost, Behavior::Ok, Behavior::OutOfMemory]);
    let one = CpuBackend::new();
    std::thread::scope(|s| {
        for t in 0..8u64 {
            let (pool, one) = (&pool, &one);
            s.spawn(move || {
                for round in 0..3u64 {
                    let seed = t * 10 + round;
                    let (bases, scalars, expected) = support::msm_case(700 + seed as usize, seed);
                    assert_eq!(pool.msm_g1(&bases, &scalars).unwrap().into_affine(), expected, "thread {t}");
                    let data = zkaccel::bench::workload::scalars(1 << 10, seed);
                    let mut got = data.clone();
                    pool.ntt_batch(&mut got, 64, NttConfig::FORWARD).unwrap();
                    let mut want = data.clone();
                    one.ntt_batch(&mut want, 64, NttConfig::FORWARD).unwrap();
                    assert!(got == want, "thread {t} NTT");
                    assert!(pool.poseidon_hash_batch(&data, 4).unwrap() == one.poseidon_hash_batch(&data, 4).unwrap());
                }
            });
        }
    });
    let total: u64 = pool.stats().iter().map(|s| s.shares).sum();
    assert!(total >= 8 * 3 * 3, "{total}");
    let _ = G1Projective::msm(&[], &[]);
}
