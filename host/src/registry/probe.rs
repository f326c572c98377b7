//! One probe per device kind. A probe returns the backends it started, or why there are none.
//!
//! A new backend plugs in by replacing its kind's probe body (behind its cargo feature) with
//! code that enumerates devices and starts a backend for each.

use std::sync::Arc;

use zkaccel_backends::cpu::{CpuBackend, CpuConfig};
use zkaccel_backends::{Backend, DeviceKind};

/// The outcome of a probe: the backends found, or the reason the kind is absent.
pub type ProbeOutcome = Result<Vec<Arc<dyn Backend>>, String>;

/// A device kind and the function that looks for it.
#[derive(Debug, Clone, Copy)]
pub struct Probe {
    /// The kind this probe finds.
    pub kind: DeviceKind,
    /// Looks for devices of that kind and starts their backends.
    pub run: fn() -> ProbeOutcome,
}

/// Every probe, in the order devices are listed (CPU first).
pub const PROBES: [Probe; 4] = [
    Probe { kind: DeviceKind::Cpu, run: cpu },
    Probe { kind: DeviceKind::Cuda, run: cuda },
    Probe { kind: DeviceKind::WebGpu, run: webgpu },
    Probe { kind: DeviceKind::Fpga, run: fpga },
];

/// The CPU backend on every core, with the machine's currently available memory as its budget.
pub fn cpu() -> ProbeOutcome {
    let mut config = CpuConfig::default();
    if let Some(available) = available_memory_bytes() {
        config.memory_budget_bytes = available;
    }
    let backend = CpuBackend::with_config(config).map_err(|e| e.to_string())?;
    Ok(vec![Arc::new(backend)])
}

/// CUDA GPUs: one backend per GPU that starts and passes its self-test; absent (with the
/// reason) where there is no driver, no GPU or no NVRTC.
pub fn cuda() -> ProbeOutcome {
    let backends = zkaccel_cuda::probe::probe(&Default::default())?;
    Ok(backends.into_iter().map(|b| Arc::new(b) as Arc<dyn Backend>).collect())
}

/// WebGPU adapters. Not compiled in yet.
pub fn webgpu() -> ProbeOutcome {
    Err(not_compiled_in("WebGPU", "webgpu"))
}

/// FPGA cards (or their simulation). Not compiled in yet.
pub fn fpga() -> ProbeOutcome {
    Err(not_compiled_in("FPGA", "fpga"))
}

fn not_compiled_in(name: &str, feature: &str) -> String {
    format!("not compiled in: this build has no {name} backend (feature `{feature}`); later issues add it")
}

/// Memory the OS reports as available now, in bytes; `None` where it cannot tell.
fn available_memory_bytes() -> Option<u64> {
    use sysinfo::{MemoryRefreshKind, RefreshKind, System};
    let system = System::new_with_specifics(RefreshKind::nothing().with_memory(MemoryRefreshKind::everything()));
    Some(system.available_memory()).filter(|&bytes| bytes > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_probe_budgets_available_memory() {
        let backends = cpu().unwrap();
        assert_eq!(backends.len(), 1);
        assert_eq!(backends[0].info().id, "cpu");
    }

    #[test]
    fn absent_kinds_say_why() {
        for (probe, feature) in [(webgpu as fn() -> ProbeOutcome, "`webgpu`"), (fpga, "`fpga`")] {
            let reason = probe().err().expect("absent in this build");
            assert!(reason.starts_with("not compiled in") && reason.contains(feature), "{reason}");
        }
        // CUDA is compiled in: where it is absent, the reason names what is missing.
        match cuda() {
            Ok(backends) => assert!(backends.iter().all(|b| b.info().kind == DeviceKind::Cuda)),
            Err(reason) => assert!(!reason.starts_with("not compiled in") && reason.contains("CUDA"), "{reason}"),
        }
    }
}
