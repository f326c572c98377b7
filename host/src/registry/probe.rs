//! One probe per device kind. A probe returns the backends it started, or why there are none.
//!
//! A new backend plugs in by replacing its kind's probe body (behind its cargo feature) with
//! code that enumerates devices and starts a backend for each.

use std::sync::Arc;

use zkaccel_backends::cpu::{CpuBackend, CpuConfig};
use zkaccel_backends::{Backend, DeviceKind};
use zkaccel_webgpu::AdapterClass;

use super::DeviceSelection;

/// The outcome of a probe: the backends found, or the reason the kind is absent.
pub type ProbeOutcome = Result<Vec<Arc<dyn Backend>>, String>;

/// A device kind and the function that looks for it.
#[derive(Debug, Clone, Copy)]
pub struct Probe {
    /// The kind this probe finds.
    pub kind: DeviceKind,
    /// Looks for the selected devices of that kind and starts their backends.
    pub run: fn(&DeviceSelection) -> ProbeOutcome,
}

/// Every probe, in the order devices are listed (CPU first).
pub const PROBES: [Probe; 4] = [
    Probe { kind: DeviceKind::Cpu, run: cpu },
    Probe { kind: DeviceKind::Cuda, run: cuda },
    Probe { kind: DeviceKind::WebGpu, run: webgpu },
    Probe { kind: DeviceKind::Fpga, run: fpga },
];

/// The CPU backend on every core, with the machine's currently available memory as its budget.
pub fn cpu(_: &DeviceSelection) -> ProbeOutcome {
    let mut config = CpuConfig::default();
    if let Some(available) = available_memory_bytes() {
        config.memory_budget_bytes = available;
    }
    let backend = CpuBackend::with_config(config).map_err(|e| e.to_string())?;
    Ok(vec![Arc::new(backend)])
}

/// CUDA GPUs: one backend per GPU that starts and passes its self-test; absent (with the
/// reason) where there is no driver, no GPU or no NVRTC.
pub fn cuda(_: &DeviceSelection) -> ProbeOutcome {
    let backends = zkaccel_cuda::probe::probe(&Default::default())?;
    Ok(backends.into_iter().map(|b| Arc::new(b) as Arc<dyn Backend>).collect())
}

/// WebGPU adapters: every hardware GPU (`webgpu:N`, discrete first), and the CPU software
/// adapter (`webgpu:cpu`) only when the selection names it or `ZKACCEL_WEBGPU_ADAPTER=cpu`.
pub fn webgpu(selection: &DeviceSelection) -> ProbeOutcome {
    let env_software = AdapterClass::from_env()? == Some(AdapterClass::Software);
    let mut classes = Vec::new();
    if selection.asks_hardware(DeviceKind::WebGpu) {
        classes.push(if env_software { AdapterClass::Software } else { AdapterClass::Hardware });
    }
    if selection.asks_software(DeviceKind::WebGpu) && !classes.contains(&AdapterClass::Software) {
        classes.push(AdapterClass::Software);
    }
    let mut backends: Vec<Arc<dyn Backend>> = Vec::new();
    let mut reasons = Vec::new();
    for class in classes {
        match zkaccel_webgpu::probe::probe(class, &Default::default()) {
            Ok(found) => backends.extend(found.into_iter().map(|b| Arc::new(b) as Arc<dyn Backend>)),
            Err(reason) => reasons.push(reason),
        }
    }
    if backends.is_empty() {
        return Err(reasons.join("; "));
    }
    Ok(backends)
}

/// FPGAs: a card through XRT (`fpga:xrt`) where libxrt, an xclbin and a card are present, and
/// the Verilator-simulated card (`fpga:sim`) only when the selection names it (it is far slower
/// than the CPU and is used for testing and cycle-count projections).
pub fn fpga(selection: &DeviceSelection) -> ProbeOutcome {
    let mut backends: Vec<Arc<dyn Backend>> = Vec::new();
    let mut reasons = Vec::new();
    if selection.asks_hardware(DeviceKind::Fpga) {
        match zkaccel_fpga::probe::xrt() {
            Ok(card) => backends.push(Arc::new(card)),
            Err(reason) => reasons.push(reason),
        }
    }
    if selection.asks_software(DeviceKind::Fpga) {
        match zkaccel_fpga::probe::sim() {
            Ok(sim) => backends.push(Arc::new(sim)),
            Err(reason) => reasons.push(reason),
        }
    }
    if backends.is_empty() {
        return Err(reasons.join("; "));
    }
    Ok(backends)
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
        let backends = cpu(&DeviceSelection::All).unwrap();
        assert_eq!(backends.len(), 1);
        assert_eq!(backends[0].info().id, "cpu");
    }

    #[test]
    fn absent_kinds_say_why() {
        // By default only XRT cards are looked for, never the simulator; where absent, the
        // reason says what is missing.
        match fpga(&DeviceSelection::All) {
            Ok(backends) => assert!(backends.iter().all(|b| b.info().id == "fpga:xrt"), "only XRT cards by default"),
            Err(reason) => assert!(reason.starts_with("fpga:xrt:") && !reason.contains("fpga:sim"), "{reason}"),
        }
        // CUDA and WebGPU are compiled in: where absent, the reason names what is missing.
        match cuda(&DeviceSelection::All) {
            Ok(backends) => assert!(backends.iter().all(|b| b.info().kind == DeviceKind::Cuda)),
            Err(reason) => assert!(!reason.starts_with("not compiled in") && reason.contains("CUDA"), "{reason}"),
        }
        // By default only hardware adapters are used, never the CPU software one.
        match webgpu(&DeviceSelection::All) {
            Ok(backends) => assert!(backends.iter().all(|b| b.info().id != "webgpu:cpu")),
            Err(reason) => assert!(reason.contains("WebGPU"), "{reason}"),
        }
    }
}
