//! The kernel on the simulated card beyond the conformance suite: window widths at both ends
//! (two buckets: nearly every addition conflicts; 2^15 buckets), commands the kernel must reject, and
//! the XRT transport's report when no card is present.

use std::sync::Arc;

use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ec::{AffineRepr, CurveGroup, VariableBaseMSM};
use ark_ff::UniformRand;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use zkaccel_backends::device_layout::g1_affine_to_bytes;
use zkaccel_backends::BackendError;
use zkaccel_fpga::device::Device;
use zkaccel_fpga::engines::msm;
use zkaccel_fpga::regs::{self, Command};
use zkaccel_fpga::testing::{kernel_sim, report_skip};
use zkaccel_fpga::xrt::XrtCard;
use zkaccel_fpga::FpgaBackend;

fn device(name: &str) -> Option<Arc<Device>> {
    match kernel_sim() {
        Ok(sim) => Some(Arc::new(Device::open(Box::new(sim)).expect("the simulated kernel answers"))),
        Err(reason) => {
            report_skip(name, &reason);
            None
        }
    }
}

#[test]
fn msm_windows_from_two_buckets_to_the_largest_match_arkworks() {
    let Some(device) = device("msm_windows_from_two_buckets_to_the_largest_match_arkworks") else { return };
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let n = 100;
    let mut bases: Vec<G1Affine> = (0..n).map(|_| (G1Affine::generator() * Fr::rand(&mut rng)).into_affine()).collect();
    bases[7] = G1Affine::zero();
    bases[8] = bases[9];
    let scalars: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
    let expected = G1Projective::msm(&bases, &scalars).expect("equal lengths");
    let identity: Vec<bool> = bases.iter().map(|p| p.is_zero()).collect();
    for c in [2u32, 5, 16] {
        let mut session = device.session();
        let points = session.upload(&g1_affine_to_bytes(&bases)).expect("upload");
        let got = msm::msm(&device, &mut session, points.addr, &bases, &identity, &scalars, Some(c)).expect("msm");
        session.free(points);
        drop(session);
        assert_eq!(got.into_affine(), expected.into_affine(), "window of {c} bits");
        let log = device.take_log();
        if c == 2 {
            // Two buckets: almost every pair waits for an addition to its bucket in flight.
            let conflicts: u32 = log.commands.iter().map(|cmd| cmd.2.conflicts).sum();
            assert!(conflicts > 0, "two buckets must exercise the conflict queue");
        }
    }
    let mut session = device.session();
    for c in [0u32, 1, device.caps().cmax + 1] {
        let err = msm::msm(&device, &mut session, 0, &bases, &identity, &scalars, Some(c)).expect_err("bad window");
        assert!(matches!(err, BackendError::InvalidInput(_)), "window of {c} bits: {err:?}");
    }
}

/// Runs one MSM with window `c` on the kernel; returns the result and the doublings it reported.
fn msm_with_doublings(device: &Device, bases: &[G1Affine], scalars: &[Fr], c: u32) -> (G1Projective, u32) {
    let identity: Vec<bool> = bases.iter().map(|p| p.is_zero()).collect();
    device.take_log();
    let mut session = device.session();
    let points = session.upload(&g1_affine_to_bytes(bases)).expect("upload");
    let got = msm::msm(device, &mut session, points.addr, bases, &identity, scalars, Some(c)).expect("msm");
    session.free(points);
    drop(session);
    let doublings = device.take_log().commands.iter().map(|cmd| cmd.2.doublings).sum();
    (got, doublings)
}

#[test]
fn doublings_the_adder_leaves_out_are_added_by_the_host() {
    let Some(device) = device("doublings_the_adder_leaves_out_are_added_by_the_host") else { return };
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    // Twelve points, each twice with the same small scalar: the second addition to each bucket
    // finds the point already there (a doubling), in window 0 only.
    let distinct: Vec<G1Affine> = (0..12).map(|_| (G1Affine::generator() * Fr::rand(&mut rng)).into_affine()).collect();
    let mut bases = Vec::new();
    let mut scalars = Vec::new();
    for (i, p) in distinct.iter().enumerate() {
        bases.extend([*p, *p]);
        scalars.extend([Fr::from(i as u64 + 1); 2]);
    }
    // Random pairs around them, and a negative digit's doubling: −P twice into one bucket.
    for _ in 0..40 {
        bases.push((G1Affine::generator() * Fr::rand(&mut rng)).into_affine());
        scalars.push(Fr::rand(&mut rng));
    }
    let q = distinct[0];
    bases.extend([q, q]);
    scalars.extend([-Fr::from(1000u64); 2]);
    let expected = G1Projective::msm(&bases, &scalars).expect("equal lengths");
    let (got, doublings) = msm_with_doublings(&device, &bases, &scalars, 16);
    assert_eq!(got.into_affine(), expected.into_affine(), "recorded doublings added on the host");
    assert!((13..=msm::DOUBLING_SLOTS as u32).contains(&doublings), "{doublings} doublings reported");

    // More doublings than the kernel records: 40 equal points with equal scalars put 39 of them
    // into one bucket already holding the point. The host recomputes that window.
    let g = G1Affine::generator();
    let bases = vec![g; 40];
    let scalars = vec![Fr::from(3u64); 40];
    let (got, doublings) = msm_with_doublings(&device, &bases, &scalars, 16);
    assert_eq!(doublings, 39, "every addition after the first is a doubling");
    assert_eq!(got.into_affine(), (g * Fr::from(120u64)).into_affine(), "the overflowing window recomputed");
}

#[test]
fn the_kernel_rejects_bad_commands_with_a_typed_error() {
    let Some(device) = device("the_kernel_rejects_bad_commands_with_a_typed_error") else { return };
    let mut session = device.session();
    // Window of 0 bits, NTT above the on-chip size, stage beyond log n, zero Poseidon messages.
    let logmax = device.caps().ntt_logmax;
    for (cmd, n, arg) in [
        (Command::MsmWindow, 4, 0),
        (Command::NttLoad, 0, logmax + 1),
        (Command::NttStage, 3, 3),
        (Command::Poseidon, 0, 0),
    ] {
        let err = session.run(cmd, n, arg, [0; 3], 0, 10_000).expect_err("must be rejected");
        match err {
            BackendError::DeviceLost { reason, .. } => {
                assert!(reason.contains(&format!("error code {}", regs::ERR_ARG)), "{cmd:?}: {reason}")
            }
            other => panic!("{cmd:?}: expected a rejection, got {other:?}"),
        }
    }
    // A read outside the simulated memory: the AXI master sees SLVERR and the kernel says so.
    let far = 1u64 << 40;
    let err = session.run(Command::Poseidon, 1, 0, [far, 0, 0], 1, 100_000).expect_err("bus error");
    assert!(
        matches!(&err, BackendError::DeviceLost { reason, .. } if reason.contains(&format!("error code {}", regs::ERR_BUS))),
        "{err:?}"
    );
    // The kernel still works afterwards.
    drop(session);
    let backend_ok = device.session().run(Command::NttStage, 0, 1, [0; 3], 1, 10_000);
    assert!(backend_ok.is_ok(), "{backend_ok:?}");
}

#[test]
fn a_build_without_an_engine_offers_only_what_it_carries_and_refuses_the_rest() {
    use zkaccel_backends::{Backend, Op};
    let name = "a_build_without_an_engine_offers_only_what_it_carries_and_refuses_the_rest";
    let sim = match zkaccel_fpga::testing::kernel_sim_poseidon_only() {
        Ok(sim) => sim,
        Err(reason) => return report_skip(name, &reason),
    };
    let backend = FpgaBackend::new("fpga:sim-poseidon", Box::new(sim)).expect("the Poseidon-only kernel answers");
    let caps = backend.device().caps();
    assert_eq!(caps.engines, regs::ENGINE_POSEIDON, "{caps:?}");
    let ops: Vec<Op> = backend.info().capabilities.iter().map(|limit| limit.op).collect();
    assert_eq!(ops, vec![Op::Poseidon, Op::MerkleTree], "only the Poseidon core's operations are offered");
    assert!(
        backend.info().name.contains("Poseidon") && !backend.info().name.contains("MSM,"),
        "{}",
        backend.info().name
    );

    // The front refuses the absent engines' work before it reaches the kernel.
    let g = G1Affine::generator();
    let err = backend.msm_g1(&[g], &[Fr::from(2u64)]).expect_err("no MSM engine");
    assert!(matches!(err, BackendError::Unsupported { op: Op::MsmG1, .. }), "{err:?}");
    let mut data = vec![Fr::from(1u64); 8];
    let err = backend.ntt(&mut data, Default::default()).expect_err("no NTT core");
    assert!(matches!(err, BackendError::Unsupported { op: Op::Ntt, .. }), "{err:?}");

    // The kernel itself refuses their commands with ERR = 4.
    let device = backend.device();
    let mut session = device.session();
    for (cmd, n, arg) in [(Command::MsmWindow, 4, 8), (Command::NttLoad, 0, 4), (Command::NttStage, 0, 4)] {
        let err = session.run(cmd, n, arg, [0; 3], 0, 10_000).expect_err("absent engine");
        assert!(
            matches!(&err, BackendError::DeviceLost { reason, .. }
                if reason.contains(&format!("error code {}", regs::ERR_ENGINE)) && reason.contains("not in this build")),
            "{cmd:?}: {err:?}"
        );
    }
    drop(session);

    // What it carries still works, checked against the CPU reference.
    let inputs: Vec<Fr> = (0..20u64).map(Fr::from).collect();
    let got = backend.poseidon_hash_batch(&inputs, 2).expect("Poseidon on the Poseidon-only kernel");
    let want: Vec<Fr> = inputs.chunks(2).map(zkaccel_backends::cpu::reference::poseidon::hash).collect();
    assert_eq!(got, want);
}

#[test]
fn xrt_absence_is_reported_or_the_card_runs_an_msm() {
    match XrtCard::open() {
        Err(reason) => {
            assert!(
                reason.contains("XRT") || reason.contains("xclbin") || reason.contains("card"),
                "the reason must say what is missing: {reason}"
            );
            report_skip("xrt_absence_is_reported_or_the_card_runs_an_msm (card part)", &reason);
        }
        Ok(card) => {
            let backend = FpgaBackend::new("fpga:xrt", Box::new(card)).expect("the card's kernel answers");
            let g = G1Affine::generator();
            let got =
                zkaccel_backends::Backend::msm_g1(&backend, &[g, g], &[Fr::from(2u64), Fr::from(3u64)]).expect("msm");
            assert_eq!(got.into_affine(), (g * Fr::from(5u64)).into_affine());
        }
    }
}
