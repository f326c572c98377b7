//! The CPU backend's configurable limits and memory budget give typed errors, not panics.

use std::sync::Arc;

use ark_bn254::{Fr, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use zkaccel_backends::cpu::{CpuBackend, CpuConfig};
use zkaccel_backends::{Backend, BackendError, Coset, MerkleOutput, NttConfig, Op};

fn small_limits() -> CpuBackend {
    CpuBackend::with_config(CpuConfig {
        max_msm_len: 8,
        max_log_ntt: 4,
        max_hashes: 4,
        id: "cpu-small".into(),
        ..CpuConfig::default()
    })
    .expect("backend")
}

fn assert_above_limit<T: std::fmt::Debug>(result: Result<T, BackendError>, op: Op, size: usize, limit: usize) {
    match result {
        Err(BackendError::SizeAboveLimit { op: o, size: s, limit: l, device }) => {
            assert_eq!((o, s, l, device.as_str()), (op, size, limit, "cpu-small"));
        }
        other => panic!("expected SizeAboveLimit for {op}, got {other:?}"),
    }
}

#[test]
fn sizes_above_the_configured_limits_are_refused() {
    let cpu = small_limits();
    let g1 = vec![G1Affine::generator(); 9];
    let g2 = vec![G2Affine::generator(); 9];
    let s = vec![Fr::from(1u64); 9];
    assert_above_limit(cpu.msm_g1(&g1, &s), Op::MsmG1, 9, 8);
    assert_above_limit(cpu.msm_g2(&g2, &s), Op::MsmG2, 9, 8);
    assert_above_limit(cpu.load_bases_g1(Arc::from(g1.clone())), Op::ResidentBases, 9, 8);
    assert_above_limit(cpu.ntt(&mut [Fr::from(1u64); 32], NttConfig::FORWARD), Op::Ntt, 32, 16);
    assert_above_limit(cpu.ntt_batch(&mut [Fr::from(1u64); 64], 32, NttConfig::INVERSE), Op::Ntt, 32, 16);
    assert_above_limit(cpu.poseidon_hash_batch(&[Fr::from(1u64); 10], 2), Op::Poseidon, 5, 4);
    assert_above_limit(cpu.merkle_tree(&[Fr::from(1u64); 8], MerkleOutput::RootOnly), Op::MerkleTree, 8, 4);

    // At the limit everything still runs.
    assert!(cpu.msm_g1(&g1[..8], &s[..8]).is_ok());
    assert!(cpu.ntt(&mut [Fr::from(1u64); 16], NttConfig::forward_on(Coset::OddPowersOf2n)).is_ok());
    assert_eq!(cpu.poseidon_hash_batch(&[Fr::from(1u64); 8], 2).map(|h| h.len()), Ok(4));
    assert!(cpu.merkle_tree(&[Fr::from(1u64); 4], MerkleOutput::AllLevels).is_ok());
}

#[test]
fn ntt_above_the_fields_two_adicity_is_refused_before_allocating() {
    // The length check runs on the slice length alone, so the limits are tested with the
    // backend's field maximum, not with a 2^29-element buffer: validate directly.
    let cpu = CpuBackend::new();
    let info = cpu.info();
    let err = zkaccel_backends::validate::ntt_len(info, 1 << 29, Coset::None).unwrap_err();
    assert!(matches!(err, BackendError::SizeAboveLimit { limit, .. } if limit == 1 << 28), "{err}");
    let err = zkaccel_backends::validate::ntt_len(info, 1 << 28, Coset::OddPowersOf2n).unwrap_err();
    assert!(matches!(err, BackendError::SizeAboveLimit { limit, .. } if limit == 1 << 27), "{err}");
    assert_eq!(zkaccel_backends::validate::ntt_len(info, 1 << 28, Coset::Generator), Ok(28));
}

#[test]
fn work_above_the_memory_budget_is_out_of_memory() {
    use zkaccel_backends::cpu::{msm, ntt};
    let with_budget = |budget: u64| {
        CpuBackend::with_config(CpuConfig { memory_budget_bytes: budget, ..CpuConfig::default() }).expect("backend")
    };
    let (small, large) = (4usize, 1usize << 16);

    let budget = msm::working_memory_bytes(small);
    assert!(msm::working_memory_bytes(large) > budget, "the estimate grows with the input");
    let cpu = with_budget(budget);
    let bases = vec![G1Affine::generator(); large];
    let scalars = vec![Fr::from(3u64); large];
    match cpu.msm_g1(&bases, &scalars) {
        Err(BackendError::OutOfMemory { op: Op::MsmG1, needed_bytes, available_bytes, .. }) => {
            assert_eq!((needed_bytes, available_bytes), (msm::working_memory_bytes(large), budget));
        }
        other => panic!("expected OutOfMemory, got {other:?}"),
    }
    assert_eq!(cpu.msm_g1(&bases[..small], &scalars[..small]).ok(), Some(G1Affine::generator() * Fr::from(12u64)));

    let budget = ntt::working_memory_bytes(small);
    assert!(ntt::working_memory_bytes(large) > budget, "the estimate grows with the input");
    let cpu = with_budget(budget);
    let err = cpu.ntt(&mut vec![Fr::from(1u64); large], NttConfig::FORWARD).unwrap_err();
    assert!(matches!(err, BackendError::OutOfMemory { op: Op::Ntt, .. }), "{err}");
    assert!(cpu.ntt(&mut vec![Fr::from(1u64); small], NttConfig::FORWARD).is_ok(), "small work fits the budget");
}

#[test]
fn zero_threads_is_a_clear_error() {
    let err = CpuBackend::with_config(CpuConfig { threads: Some(0), ..CpuConfig::default() }).unwrap_err();
    assert!(matches!(err, BackendError::InvalidInput(ref m) if m.contains("thread")), "{err}");
}

#[test]
fn info_describes_the_cpu() {
    let cpu = CpuBackend::with_config(CpuConfig { threads: Some(2), ..CpuConfig::default() }).expect("backend");
    let info = cpu.info();
    assert_eq!(info.id, "cpu");
    assert_eq!(info.compute_units, 2);
    assert!(info.memory_bytes > 0, "memory read from /proc/meminfo");
    for op in Op::ALL {
        assert!(info.supports(op), "the CPU backend supports {op}");
    }
    assert_eq!(info.limit(Op::Ntt), Some(1 << 28));
}
