//! Shared set-up of the criterion benchmarks in `benches/`: which sizes and which devices.

use std::sync::Arc;

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
