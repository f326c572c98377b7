//! The shared conformance suite on the simulated card (`fpga:sim`) at simulation-sized inputs:
//! MSMs up to 2^10 points with every edge case, NTTs up to 2^10 on every coset, Poseidon
//! batches and Merkle trees. One simulated card is shared by all tests (its Verilator model is
//! built once); outside CI a missing Verilator skips, in CI it fails.

use std::sync::{Arc, OnceLock};

use zkaccel_backends::conformance::{Availability, SuiteSizes};
use zkaccel_backends::Backend;
use zkaccel_fpga::FpgaBackend;

fn factory() -> Availability {
    static SHARED: OnceLock<Result<Arc<dyn Backend>, String>> = OnceLock::new();
    let shared = SHARED.get_or_init(|| {
        zkaccel_fpga::testing::kernel_sim().map(|sim| {
            let backend = FpgaBackend::new("fpga:sim", Box::new(sim)).expect("the simulated kernel answers");
            Arc::new(backend) as Arc<dyn Backend>
        })
    });
    match shared {
        Ok(backend) => Availability::Ready(backend.clone()),
        Err(reason) => Availability::Skip(reason.clone()),
    }
}

zkaccel_backends::conformance_suite!(
    factory,
    SuiteSizes { max_log_msm: 10, max_log_msm_g2: 4, max_log_ntt: 10, poseidon_batch: 8, max_log_merkle: 6 }
);
