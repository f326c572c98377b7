//! The shared conformance suite on the CUDA backend, its kernels run by the host emulator:
//! every kernel and the whole orchestration, checked against the CPU reference without a GPU.

use std::sync::Arc;

use zkaccel_backends::conformance::{Availability, SuiteSizes};
use zkaccel_cuda::emulated::EmulatedDevice;
use zkaccel_cuda::{CudaBackend, CudaConfig};

fn emulated_cuda() -> Availability {
    let backend = CudaBackend::new(Arc::new(EmulatedDevice::new()), "cuda-emu:0".into(), CudaConfig::default())
        .expect("the emulated CUDA backend starts (self-test included)");
    Availability::Ready(Arc::new(backend))
}

// One OS thread per CUDA thread: sizes are kept to what the emulator runs in seconds. The GPU
// suite (tests/gpu_conformance.rs) runs the full sizes on real hardware.
zkaccel_backends::conformance_suite!(
    emulated_cuda,
    SuiteSizes { max_log_msm: 12, max_log_msm_g2: 4, max_log_ntt: 12, poseidon_batch: 24, max_log_merkle: 7 }
);

mod precomputed_bases {
    use super::*;

    fn emulated_cuda_precompute() -> Availability {
        let config = CudaConfig { msm_precompute_factor: 4, ..CudaConfig::default() };
        let backend = CudaBackend::new(Arc::new(EmulatedDevice::new()), "cuda-emu:1".into(), config)
            .expect("the emulated CUDA backend starts");
        Availability::Ready(Arc::new(backend))
    }

    #[test]
    fn resident_bases_with_precompute_factor_4() {
        zkaccel_backends::conformance::run(
            "resident_bases_with_precompute_factor_4",
            emulated_cuda_precompute,
            SuiteSizes { max_log_msm: 10, max_log_msm_g2: 4, max_log_ntt: 10, poseidon_batch: 8, max_log_merkle: 4 },
            zkaccel_backends::conformance::msm::resident_bases,
        );
    }
}
