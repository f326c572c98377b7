//! Shared set-up of the criterion benchmarks in `benches/`: which sizes and which devices.
//!
//! The sizes and inputs are the ones `zkaccel bench` uses: [`suite_sizes`] takes them from the
//! suite definitions (`zkaccel::bench::suite`) and the inputs come from
//! `zkaccel::bench::workload` with the default seed, so a regression shows in both.

use std::sync::Arc;

use zkaccel::bench::config::DEFAULT_SEED;
use zkaccel::bench::workload::Workload;
use zkaccel::bench::{BenchOp, Suite};
use zkaccel::registry::{DeviceSelection, Registry};
use zkaccel_backends::Backend;

/// Environment variable naming the devices to benchmark, in `--devices` form
/// (`cpu,cuda:0,webgpu:cpu`); default `all`: the CPU and every hardware GPU found.
pub const DEVICES_ENV: &str = "ZKACCEL_BENCH_DEVICES";

/// log2 sizes to run: `default`, plus `large` when ZKACCEL_BENCH_LARGE is set (and not 0).
pub fn sizes(default: &[u32], large: &[u32]) -> Vec<u32> {
    let mut sizes = default.to_vec();
    if std::env::var_os("ZKACCEL_BENCH_LARGE").is_some_and(|v| v != "0") {
        sizes.extend_from_slice(large);
    }
    sizes
}

/// log2 sizes of `op`: those of `zkaccel bench --suite quick`, plus those of `--suite standard`
/// when ZKACCEL_BENCH_LARGE is set (and not 0).
pub fn suite_sizes(op: BenchOp) -> Vec<u32> {
    let large = std::env::var_os("ZKACCEL_BENCH_LARGE").is_some_and(|v| v != "0");
    let mut sizes = Suite::Quick.log_ns(op).to_vec();
    if large {
        sizes.extend_from_slice(Suite::Standard.log_ns(op));
    }
    sizes.sort_unstable();
    sizes.dedup();
    sizes
}

/// The inputs of `op` at 2^`log_n`, exactly as `zkaccel bench` generates them (default seed).
pub fn workload(op: BenchOp, log_n: u32) -> Workload {
    Workload::generate(op, log_n, DEFAULT_SEED)
}

/// The backends [`DEVICES_ENV`] selects. With `all`, whatever is available; a device named
/// explicitly that is absent stops the run with the reason.
pub fn backends() -> Vec<Arc<dyn Backend>> {
    let spec = std::env::var(DEVICES_ENV).unwrap_or_else(|_| "all".to_string());
    let selection: DeviceSelection = spec.parse().unwrap_or_else(|e| panic!("{DEVICES_ENV}={spec}: {e}"));
    let registry = Registry::detect(&selection).unwrap_or_else(|e| panic!("{e}"));
    if selection != DeviceSelection::All {
        for entry in registry.entries() {
            registry.require(&entry.id).unwrap_or_else(|e| panic!("{e}"));
        }
    }
    registry.backends()
}

/// The criterion id of a backend's runs: `zkaccel-cpu`, `zkaccel-cuda:0`, `zkaccel-webgpu:0`.
pub fn bench_name(backend: &dyn Backend) -> String {
    format!("zkaccel-{}", backend.info().id)
}
