//! The shared conformance suite on the CPU backend (default and single-threaded).

use std::sync::Arc;

use zkaccel_backends::conformance::Availability;
use zkaccel_backends::cpu::{CpuBackend, CpuConfig};

fn cpu() -> Availability {
    Availability::Ready(Arc::new(CpuBackend::new()))
}

zkaccel_backends::conformance_suite!(cpu);

mod single_thread {
    use super::*;

    fn cpu_one_thread() -> Availability {
        let config = CpuConfig { threads: Some(1), id: "cpu-1t".into(), ..CpuConfig::default() };
        Availability::Ready(Arc::new(CpuBackend::with_config(config).expect("one-thread pool")))
    }

    zkaccel_backends::conformance_suite!(
        cpu_one_thread,
        zkaccel_backends::conformance::SuiteSizes {
            max_log_msm: 12,
            max_log_msm_g2: 6,
            max_log_ntt: 12,
            poseidon_batch: 8,
            max_log_merkle: 6
        }
    );
}
