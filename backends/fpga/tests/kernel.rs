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
        let got = msm::msm(&device, &mut session, points.addr, &identity, &scalars, Some(c)).expect("msm");
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
        let err = msm::msm(&device, &mut session, 0, &identity, &scalars, Some(c)).expect_err("bad window");
        assert!(matches!(err, BackendError::InvalidInput(_)), "window of {c} bits: {err:?}");
    }
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
