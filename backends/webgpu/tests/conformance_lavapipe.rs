//! The shared conformance suite on the WebGPU backend, run on the test adapter (Mesa's
//! lavapipe in CI): MSM up to 2^12 points with every edge case, NTT up to 2^14 on every coset,
//! Poseidon arities 1..16, Merkle trees and the typed errors. Once more with a 16 KiB binding
//! limit, so every workload is chunked, and with 2-D dispatches everywhere.

use std::sync::{Arc, OnceLock};

use zkaccel_backends::conformance::{Availability, SuiteSizes};
use zkaccel_webgpu::testing::{open_test_context, shared_test_context};
use zkaccel_webgpu::{ContextOptions, WebGpuBackend, WebGpuConfig};

/// One backend for the whole file: lavapipe compiles each pipeline once.
fn webgpu() -> Availability {
    static BACKEND: OnceLock<Result<Arc<WebGpuBackend>, String>> = OnceLock::new();
    let backend = BACKEND.get_or_init(|| {
        let ctx = shared_test_context()?;
        Ok(Arc::new(WebGpuBackend::new(ctx, WebGpuConfig::default()).expect("the WebGPU backend starts")))
    });
    match backend {
        Ok(backend) => Availability::Ready(backend.clone()),
        Err(reason) => Availability::Skip(reason.clone()),
    }
}

zkaccel_backends::conformance_suite!(
    webgpu,
    SuiteSizes { max_log_msm: 12, max_log_msm_g2: 4, max_log_ntt: 14, poseidon_batch: 16, max_log_merkle: 10 }
);

/// The same suite with every storage binding capped at 16 KiB (512 field elements).
mod chunked {
    use super::*;

    const LIMIT: u64 = 16 << 10;

    fn webgpu_chunked() -> Availability {
        static BACKEND: OnceLock<Result<Arc<WebGpuBackend>, String>> = OnceLock::new();
        let backend = BACKEND.get_or_init(|| {
            let ctx = open_test_context(ContextOptions { max_binding_bytes: Some(LIMIT), ..Default::default() })?;
            assert_eq!(ctx.limits().max_binding_bytes, LIMIT);
            let config = WebGpuConfig { self_test: false, ..WebGpuConfig::default() };
            Ok(Arc::new(WebGpuBackend::new(ctx, config).expect("the WebGPU backend starts")))
        });
        match backend {
            Ok(backend) => Availability::Ready(backend.clone()),
            Err(reason) => Availability::Skip(reason.clone()),
        }
    }

    zkaccel_backends::conformance_suite!(
        webgpu_chunked,
        SuiteSizes { max_log_msm: 11, max_log_msm_g2: 4, max_log_ntt: 12, poseidon_batch: 8, max_log_merkle: 10 }
    );
}

/// The suite with at most 3 workgroups per dispatch dimension, so every kernel runs on 2-D
/// dispatches and recovers its index from x and y, as large inputs do on real GPUs (65535
/// workgroups per dimension).
mod two_dimensional_dispatch {
    use super::*;

    fn webgpu_2d() -> Availability {
        static BACKEND: OnceLock<Result<Arc<WebGpuBackend>, String>> = OnceLock::new();
        let backend = BACKEND.get_or_init(|| {
            let options = ContextOptions { max_workgroups_per_dim: Some(3), ..Default::default() };
            let ctx = open_test_context(options)?;
            assert_eq!(ctx.limits().max_workgroups_per_dim, 3);
            let config = WebGpuConfig { self_test: true, ..WebGpuConfig::default() };
            Ok(Arc::new(WebGpuBackend::new(ctx, config).expect("the WebGPU backend starts")))
        });
        match backend {
            Ok(backend) => Availability::Ready(backend.clone()),
            Err(reason) => Availability::Skip(reason.clone()),
        }
    }

    zkaccel_backends::conformance_suite!(
        webgpu_2d,
        SuiteSizes { max_log_msm: 11, max_log_msm_g2: 4, max_log_ntt: 13, poseidon_batch: 8, max_log_merkle: 10 }
    );
}
