//! Finding the machine's WebGPU adapters and starting a [`WebGpuBackend`] on each.
//!
//! Hardware adapters get ids `webgpu:0`, `webgpu:1`, ... (discrete GPUs first). The CPU
//! software adapter (lavapipe) is only started when asked for, as `webgpu:cpu`. The probe never
//! panics: no Vulkan loader, no adapter, or a device that fails its self-test all come back as
//! `Err` with a sentence saying why, which `zkaccel devices` prints.

use crate::adapter::{self, AdapterClass};
use crate::{WebGpuBackend, WebGpuConfig};

/// The id of the software adapter's backend.
pub const SOFTWARE_ID: &str = "webgpu:cpu";

/// Starts a backend on every usable adapter of `class` (for `Software`, only the best one).
pub fn probe(class: AdapterClass, config: &WebGpuConfig) -> Result<Vec<WebGpuBackend>, String> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| probe_inner(class, config))) {
        Ok(outcome) => outcome,
        Err(panic) => {
            let what = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "unknown panic".to_string());
            Err(format!("WebGPU probe failed: {what}"))
        }
    }
}

fn probe_inner(class: AdapterClass, config: &WebGpuConfig) -> Result<Vec<WebGpuBackend>, String> {
    let instance = adapter::instance();
    let mut adapters = adapter::adapters(&instance, class);
    if adapters.is_empty() {
        return Err(match class {
            AdapterClass::Hardware => format!(
                "no WebGPU GPU adapter (no Vulkan, Metal or DX12 driver for a GPU was found; software adapters are \
                 used only as `webgpu:cpu` or with {}=cpu)",
                adapter::ADAPTER_ENV
            ),
            AdapterClass::Software => {
                "no WebGPU software adapter (install Mesa's lavapipe, e.g. Debian's mesa-vulkan-drivers)".to_string()
            }
        });
    }
    if class == AdapterClass::Software {
        adapters.truncate(1);
    }
    let mut backends = Vec::new();
    let mut failures = Vec::new();
    for (i, found) in adapters.iter().enumerate() {
        let id = match class {
            AdapterClass::Hardware => format!("webgpu:{i}"),
            AdapterClass::Software => SOFTWARE_ID.to_string(),
        };
        match WebGpuBackend::open(found, id.clone(), config.clone()) {
            Ok(backend) => backends.push(backend),
            Err(e) => {
                tracing::warn!("{id} ({}) is not used: {e}", adapter::describe(&found.get_info()));
                failures.push(format!("{id}: {e}"));
            }
        }
    }
    if backends.is_empty() {
        return Err(format!("no usable WebGPU adapter: {}", failures.join("; ")));
    }
    Ok(backends)
}
