//! A lost device answers every workload with `DeviceLost` naming it, never a panic or a
//! stale result. The device is lost on purpose with `wgpu::Device::destroy`.

use std::sync::Arc;

use ark_bn254::{Fr, G1Affine};
use ark_ec::AffineRepr;
use zkaccel_backends::conformance::report_skip;
use zkaccel_backends::{Backend, BackendError, MerkleOutput, NttConfig};
use zkaccel_webgpu::testing::open_test_context;
use zkaccel_webgpu::{ContextOptions, WebGpuBackend, WebGpuConfig};

fn assert_lost<T: std::fmt::Debug>(what: &str, result: Result<T, BackendError>) {
    match result {
        Err(BackendError::DeviceLost { device, reason }) => {
            assert_eq!(device, "webgpu-test:0", "{what}");
            assert!(!reason.is_empty(), "{what}");
        }
        other => panic!("{what}: expected DeviceLost, got {other:?}"),
    }
}

#[test]
fn every_workload_on_a_lost_device_is_device_lost() {
    // Its own context: destroying the shared one would break the other tests.
    let ctx = match open_test_context(ContextOptions::default()) {
        Ok(ctx) => ctx,
        Err(reason) => return report_skip("every_workload_on_a_lost_device_is_device_lost", &reason),
    };
    let backend = WebGpuBackend::new(Arc::clone(&ctx), WebGpuConfig::default()).unwrap();
    let g = G1Affine::generator();
    // Works before the loss.
    let handle = backend.load_bases_g1(Arc::from(vec![g; 4])).unwrap();
    assert_eq!(backend.msm_g1(&[g], &[Fr::from(2u64)]).unwrap(), g * Fr::from(2u64));

    ctx.device().destroy();

    assert_lost("msm", backend.msm_g1(&[g, g], &[Fr::from(1u64), Fr::from(2u64)]));
    assert_lost("resident msm", backend.msm_g1_resident(handle, 0..2, &[Fr::from(1u64); 2]));
    assert_lost("load bases", backend.load_bases_g1(Arc::from(vec![g; 2])));
    let mut data = vec![Fr::from(3u64); 16];
    assert_lost("ntt", backend.ntt(&mut data, NttConfig::FORWARD));
    assert_lost("poseidon", backend.poseidon_hash_batch(&[Fr::from(1u64), Fr::from(2u64)], 2));
    assert_lost("merkle", backend.merkle_tree(&[Fr::from(1u64); 8], MerkleOutput::RootOnly));
    // Still lost on the next call, and a new backend on the context refuses to start.
    assert_lost("msm again", backend.msm_g1(&[g], &[Fr::from(5u64)]));
    assert_lost("restart", WebGpuBackend::new(ctx, WebGpuConfig::default()));
}
