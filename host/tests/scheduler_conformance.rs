//! The shared conformance suite against a Scheduler over two CPU backends (every call large
//! enough is split between them), and over a CPU plus a (healthy) injected accelerator, whose
//! shares run on detached threads with deadlines.

#[path = "common/scheduler_support.rs"]
mod support;

use std::sync::Arc;

use zkaccel_backends::conformance::Availability;

fn two_cpus() -> Availability {
    Availability::Ready(Arc::new(support::even_pool(vec![support::cpu("cpu-a"), support::cpu("cpu-b")])))
}

zkaccel_backends::conformance_suite!(two_cpus);

mod with_accelerator {
    use super::*;
    use support::{Behavior, FaultyBackend};

    fn cpu_and_accelerator() -> Availability {
        let accelerator: Arc<dyn zkaccel_backends::Backend> = Arc::new(FaultyBackend::new("fpga:0", Behavior::Ok));
        Availability::Ready(Arc::new(support::even_pool(vec![accelerator, support::cpu("cpu")])))
    }

    zkaccel_backends::conformance_suite!(
        cpu_and_accelerator,
        zkaccel_backends::conformance::SuiteSizes {
            max_log_msm: 12,
            max_log_msm_g2: 6,
            max_log_ntt: 12,
            poseidon_batch: 16,
            max_log_merkle: 8
        }
    );
}
