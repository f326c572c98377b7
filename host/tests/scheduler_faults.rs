//! Every injected fault ends in a correct result or a clear error; the unhealthy device is
//! avoided and later re-admitted; a hung device holds a bounded number of threads.

#[path = "common/scheduler_support.rs"]
mod support;

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ark_bn254::{Fr, G1Affine};
use ark_ec::CurveGroup;
use support::{Behavior, FaultyBackend};
use zkaccel::scheduler::{DeviceStats, DeviceTrace, FaultKind, Scheduler, SchedulerConfig};
use zkaccel_backends::cpu::{reference, CpuBackend, CpuConfig};
use zkaccel_backends::{Backend, MerkleOutput, NttConfig};

/// A pool of a faulty accelerator (planned to take most of the work) and a CPU.
fn pool(faulty: &Arc<FaultyBackend>, spot_check_rate: f64) -> Scheduler {
    pool_with(faulty, |config| SchedulerConfig { spot_check_rate, ..config })
}

fn pool_with(faulty: &Arc<FaultyBackend>, adjust: impl FnOnce(SchedulerConfig) -> SchedulerConfig) -> Scheduler {
    let accel: Arc<dyn Backend> = faulty.clone();
    let cpu = support::cpu("cpu");
    let calibration = support::calibration(&[(&accel, 1e-6, 1e-7), (&cpu, 1e-6, 1e-6)]);
    Scheduler::new(vec![accel, cpu], adjust(support::config(calibration))).unwrap()
}

fn stats_of(scheduler: &Scheduler, id: &str) -> DeviceStats {
    scheduler.stats().into_iter().find(|s| s.id == id).unwrap()
}

fn wait_until(what: &str, mut condition: impl FnMut() -> bool) {
    let start = Instant::now();
    while !condition() {
        assert!(start.elapsed() < Duration::from_secs(10), "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn every_fault_ends_in_a_correct_result() {
    let (bases, scalars, expected) = support::msm_case(1 << 11, 1);
    let cases = [
        (Behavior::Lost, FaultKind::DeviceLost, 0.0),
        (Behavior::OutOfMemory, FaultKind::OutOfMemory, 0.0),
        (Behavior::Hang(Duration::from_millis(1500)), FaultKind::Timeout, 0.0),
        (Behavior::Panic, FaultKind::Panicked, 0.0),
        (Behavior::InvalidPoint, FaultKind::WrongResult, 0.0),
        (Behavior::Wrong, FaultKind::WrongResult, 1.0),
    ];
    for (behavior, kind, spot) in cases {
        let faulty = Arc::new(FaultyBackend::new("fpga:0", behavior));
        // A panic prints its backtrace (slow with debug info) before it unwinds: give it time.
        let floor = Duration::from_millis(if behavior == Behavior::Panic { 20_000 } else { 300 });
        let scheduler =
            pool_with(&faulty, |c| SchedulerConfig { spot_check_rate: spot, share_timeout_floor: floor, ..c });
        let got = scheduler.msm_g1(&bases, &scalars).unwrap_or_else(|e| panic!("{behavior:?}: {e}"));
        assert_eq!(got.into_affine(), expected, "{behavior:?}: wrong MSM");
        let stats = stats_of(&scheduler, "fpga:0");
        assert!(stats.failures_of(kind) >= 1, "{behavior:?}: {stats:?}");
        assert_eq!(stats.health.state, "unhealthy", "{behavior:?}: {stats:?}");
        assert!(stats_of(&scheduler, "cpu").shares >= 2, "the CPU ran its share and the retry");
    }
}

#[test]
fn wrong_ntt_poseidon_and_merkle_results_are_caught() {
    let faulty = Arc::new(FaultyBackend::new("fpga:0", Behavior::Wrong));
    let scheduler = pool(&faulty, 1.0);
    let cpu = CpuBackend::new();
    let input = zkaccel::bench::workload::scalars(1 << 12, 3);
    let mut got = input.clone();
    scheduler.ntt(&mut got, NttConfig::FORWARD).unwrap();
    let mut want = input.clone();
    cpu.ntt(&mut want, NttConfig::FORWARD).unwrap();
    assert!(got == want, "the NTT identity check must catch the wrong element");
    let mut batch = input.clone();
    scheduler.ntt_batch(&mut batch, 256, NttConfig::INVERSE).unwrap();
    let mut want = input.clone();
    cpu.ntt_batch(&mut want, 256, NttConfig::INVERSE).unwrap();
    assert!(batch == want, "NTT batch differs");
    // Re-admit between ops so each op meets the faulty device again.
    for op in ["poseidon", "merkle"] {
        std::thread::sleep(Duration::from_millis(60));
        scheduler.probe_due_devices();
        let probe_ok = stats_of(&scheduler, "fpga:0").health.state;
        assert_eq!(probe_ok, "unhealthy", "a wrong device fails its probe too");
        faulty.set_default(Behavior::Ok);
        std::thread::sleep(Duration::from_millis(450));
        scheduler.probe_due_devices();
        assert_eq!(stats_of(&scheduler, "fpga:0").health.state, "healthy");
        faulty.set_default(Behavior::Wrong);
        match op {
            "poseidon" => {
                let got = scheduler.poseidon_hash_batch(&input, 2).unwrap();
                assert!(got == cpu.poseidon_hash_batch(&input, 2).unwrap(), "Poseidon differs");
            }
            _ => {
                let got = scheduler.merkle_tree(&input, MerkleOutput::AllLevels).unwrap();
                assert!(got == cpu.merkle_tree(&input, MerkleOutput::AllLevels).unwrap(), "Merkle differs");
            }
        }
    }
    assert!(stats_of(&scheduler, "fpga:0").failures_of(FaultKind::WrongResult) >= 3);
}

#[test]
fn the_unhealthy_device_is_avoided_then_readmitted() {
    let faulty = Arc::new(FaultyBackend::new("fpga:0", Behavior::Ok));
    faulty.script(&[Behavior::Lost]);
    let backoff = Duration::from_millis(400);
    let scheduler = pool_with(&faulty, |c| SchedulerConfig { backoff_initial: backoff, backoff_max: backoff, ..c });
    let (bases, scalars, expected) = support::msm_case(1 << 10, 2);
    assert_eq!(scheduler.msm_g1(&bases, &scalars).unwrap().into_affine(), expected);
    let after_fault = faulty.calls.load(Ordering::Relaxed);
    assert_eq!(stats_of(&scheduler, "fpga:0").health.state, "unhealthy");
    // Avoided while unhealthy.
    assert_eq!(scheduler.msm_g1(&bases, &scalars).unwrap().into_affine(), expected);
    assert_eq!(faulty.calls.load(Ordering::Relaxed), after_fault, "no work for an unhealthy device");
    // After the backoff, the next call starts a probe in the background; it passes.
    std::thread::sleep(backoff);
    assert_eq!(scheduler.msm_g1(&bases, &scalars).unwrap().into_affine(), expected);
    wait_until("the probe re-admits fpga:0", || stats_of(&scheduler, "fpga:0").health.state == "healthy");
    let before = stats_of(&scheduler, "fpga:0");
    assert_eq!(before.readmissions, 1);
    assert_eq!(scheduler.msm_g1(&bases, &scalars).unwrap().into_affine(), expected);
    assert_eq!(stats_of(&scheduler, "fpga:0").shares, before.shares + 1, "re-admitted devices take shares again");
}

#[test]
fn failed_probes_back_off() {
    let faulty = Arc::new(FaultyBackend::new("fpga:0", Behavior::Lost));
    let scheduler = pool(&faulty, 0.0);
    let (bases, scalars, expected) = support::msm_case(64, 3);
    assert_eq!(scheduler.msm_g1(&bases, &scalars).unwrap().into_affine(), expected);
    std::thread::sleep(Duration::from_millis(60));
    scheduler.probe_due_devices();
    let stats = stats_of(&scheduler, "fpga:0");
    assert_eq!((stats.health.state, stats.readmissions), ("unhealthy", 0));
    let retry_in = stats.health.retry_in_ms.unwrap();
    assert!((60..=100).contains(&retry_in), "doubled backoff: {retry_in} ms");
}

#[test]
fn when_every_device_fails_the_error_names_each_failure() {
    let lost: Arc<dyn Backend> = Arc::new(FaultyBackend::new("fpga:0", Behavior::Lost));
    let oom: Arc<dyn Backend> = Arc::new(FaultyBackend::new("fpga:1", Behavior::OutOfMemory));
    let tiny = CpuConfig { threads: Some(1), memory_budget_bytes: 1, ..CpuConfig::default() };
    let cpu: Arc<dyn Backend> = Arc::new(CpuBackend::with_config(tiny).unwrap());
    let models = [(&lost, 1e-6, 1e-7), (&oom, 1e-6, 1e-7), (&cpu, 1e-6, 1e-6)];
    let scheduler =
        Scheduler::new(vec![lost.clone(), oom.clone(), cpu.clone()], support::config(support::calibration(&models)))
            .unwrap();
    let (bases, scalars, _) = support::msm_case(256, 4);
    let err = scheduler.msm_g1(&bases, &scalars).unwrap_err().to_string();
    // The error lists the attempts of the share it reports. Shares run concurrently, so a
    // device whose own share failed first is already unhealthy and skipped in that share's
    // retries: which accelerators the list names depends on timing, the CPU (last) never.
    for needle in ["cpu", "out-of-memory", "every device"] {
        assert!(err.contains(needle), "{err}\nshould mention {needle}");
    }
    let lost_named = err.contains("fpga:0") && err.contains("device-lost");
    let oom_named = err.contains("fpga:1: out-of-memory");
    assert!(lost_named || oom_named, "{err}\nshould name an accelerator's failure");
    // Every device is now unhealthy: the next call still reaches the CPU (last resort) and
    // says which devices are out.
    let err = scheduler.msm_g1(&bases, &scalars).unwrap_err().to_string();
    assert!(err.contains("cpu"), "{err}");
}

#[test]
fn a_hung_device_holds_a_bounded_number_of_threads() {
    let faulty = Arc::new(FaultyBackend::new("fpga:0", Behavior::Hang(Duration::from_millis(1200))));
    let accel: Arc<dyn Backend> = faulty.clone();
    let cpu = support::cpu("cpu");
    let calibration = support::calibration(&[(&accel, 1e-6, 1e-7), (&cpu, 1e-6, 1e-6)]);
    let config = SchedulerConfig {
        max_abandoned_per_device: 1,
        backoff_initial: Duration::from_millis(1),
        backoff_max: Duration::from_millis(1),
        ..support::config(calibration)
    };
    let scheduler = Scheduler::new(vec![accel, cpu], config).unwrap();
    let (bases, scalars, expected) = support::msm_case(512, 5);
    let start = Instant::now();
    for _ in 0..4 {
        assert_eq!(scheduler.msm_g1(&bases, &scalars).unwrap().into_affine(), expected);
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(
        start.elapsed() < Duration::from_millis(1100),
        "callers never wait for the hung device: {:?}",
        start.elapsed()
    );
    // Only one call was abandoned; with it still out, no probe or share reached the device.
    assert_eq!(faulty.calls.load(Ordering::Relaxed), 1);
    assert_eq!(stats_of(&scheduler, "fpga:0").failures_of(FaultKind::Timeout), 1);
}

#[test]
fn reported_faults_and_traces() {
    let faulty = Arc::new(FaultyBackend::new("fpga:0", Behavior::Ok));
    let scheduler = pool(&faulty, 0.0);
    let (bases, scalars, expected) = support::msm_case(1 << 10, 6);
    let trace = DeviceTrace::start();
    assert_eq!(scheduler.msm_g1(&bases, &scalars).unwrap().into_affine(), expected);
    let used = trace.devices();
    assert!(used.contains("fpga:0"), "{used:?}");
    // The prover found a bad proof: it reports the devices of the trace (not the CPU).
    for device in used.iter().filter(|d| *d != "cpu") {
        assert!(scheduler.report_fault(device, FaultKind::WrongResult));
    }
    assert!(!scheduler.report_fault("cuda:9", FaultKind::WrongResult));
    let stats = stats_of(&scheduler, "fpga:0");
    assert_eq!((stats.health.state, stats.failures_of(FaultKind::WrongResult)), ("unhealthy", 1));
    let calls = faulty.calls.load(Ordering::Relaxed);
    assert_eq!(scheduler.msm_g1(&bases, &scalars).unwrap().into_affine(), expected);
    assert_eq!(faulty.calls.load(Ordering::Relaxed), calls);
}

#[test]
fn resident_bases_load_once_and_fall_back() {
    let faulty = Arc::new(FaultyBackend::new("fpga:0", Behavior::Ok));
    let scheduler = pool(&faulty, 0.0);
    let (bases, scalars, expected) = support::msm_case(1 << 11, 7);
    let handle = scheduler.load_bases_g1(Arc::from(bases.clone())).unwrap();
    for _ in 0..3 {
        let got = scheduler.msm_g1_resident(handle, 0..bases.len(), &scalars).unwrap();
        assert_eq!(got.into_affine(), expected);
    }
    assert_eq!(faulty.loads.load(Ordering::Relaxed), 1, "loaded once, used by every MSM");
    faulty.script(&[Behavior::Lost]);
    let n = bases.len();
    let got = scheduler.msm_g1_resident(handle, n / 4..n, &scalars[n / 4..]).unwrap();
    let want = reference_msm(&bases[n / 4..], &scalars[n / 4..]);
    assert_eq!(got.into_affine(), want);
    assert_eq!(stats_of(&scheduler, "fpga:0").failures_of(FaultKind::DeviceLost), 1);
    scheduler.unload_bases(handle).unwrap();
    assert!(scheduler.msm_g1_resident(handle, 0..1, &scalars[..1]).is_err());
}

fn reference_msm(bases: &[G1Affine], scalars: &[Fr]) -> G1Affine {
    use ark_ec::VariableBaseMSM;
    let _ = reference::msm::msm::<ark_bn254::g1::Config>;
    ark_bn254::G1Projective::msm(bases, scalars).unwrap().into_affine()
}

#[test]
fn the_prover_reports_a_bad_pool_proof_through_fault_reporter() {
    use zkaccel::groth16::FaultReporter;
    let faulty = Arc::new(FaultyBackend::new("fpga:0", Behavior::Ok));
    let scheduler = pool(&faulty, 0.0);
    let (bases, scalars, expected) = support::msm_case(1 << 10, 8);
    assert_eq!(scheduler.msm_g1(&bases, &scalars).unwrap().into_affine(), expected);
    scheduler.report("scheduler", "the proof's pairing check", "the device's proof did not verify; the CPU's did");
    assert_eq!(stats_of(&scheduler, "fpga:0").health.state, "unhealthy", "the accelerator that took shares");
    assert_eq!(stats_of(&scheduler, "cpu").health.state, "healthy", "the CPU is never a suspect");
    assert!(scheduler.report_pool_fault(FaultKind::WrongResult).is_empty(), "no shares since the last report");
}
