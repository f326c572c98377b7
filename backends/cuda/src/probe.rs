//! Finding the machine's NVIDIA GPUs and starting a [`CudaBackend`] on each.
//!
//! The probe never panics: a missing driver, no device, a missing NVRTC or a GPU that fails
//! the self-test all come back as `Err` with a sentence saying why (and what to do), which
//! `zkaccel devices` prints.

use std::sync::Arc;

use crate::driver::{self, nvrtc, CudaDevice};
use crate::{CudaBackend, CudaConfig};

/// Why the driver library is needed, for the "no CUDA driver" message.
const DRIVER_HELP: &str = "install the NVIDIA driver; its libcuda.so.1 must be on the loader path";

/// Starts a backend on every usable GPU. `Err` says why there is none: no driver
/// ("no CUDA driver: ..."), no device ("no CUDA device: ..."), no NVRTC, or every GPU failed
/// to start (for example its self-test).
pub fn probe(config: &CudaConfig) -> Result<Vec<CudaBackend>, String> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| probe_inner(config))) {
        Ok(outcome) => outcome,
        Err(panic) => {
            let what = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "unknown panic".to_string());
            Err(format!("CUDA probe failed: {what}"))
        }
    }
}

fn probe_inner(config: &CudaConfig) -> Result<Vec<CudaBackend>, String> {
    if !driver::driver_available() {
        return Err(format!("no CUDA driver: libcuda.so not found ({DRIVER_HELP})"));
    }
    let count = driver::device_count().map_err(|e| format!("no CUDA device: the driver failed to start ({e})"))?;
    if count == 0 {
        return Err("no CUDA device: the driver reports 0 GPUs".to_string());
    }
    if !nvrtc::is_available() {
        return Err(format!("CUDA GPU found but NVRTC is missing: {}", nvrtc::NVRTC_HELP));
    }
    let mut backends = Vec::new();
    let mut failures = Vec::new();
    for ordinal in 0..count {
        let id = format!("cuda:{ordinal}");
        let started = CudaDevice::open(ordinal).and_then(|device| {
            CudaBackend::new(Arc::new(device), id.clone(), config.clone()).map_err(|e| e.to_string())
        });
        match started {
            Ok(backend) => backends.push(backend),
            Err(reason) => {
                tracing::warn!("{id} is not used: {reason}");
                failures.push(format!("{id}: {reason}"));
            }
        }
    }
    if backends.is_empty() {
        return Err(format!("no usable CUDA device: {}", failures.join("; ")));
    }
    Ok(backends)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probe_never_panics_and_explains_absence() {
        match probe(&CudaConfig::default()) {
            Ok(backends) => {
                assert!(!backends.is_empty());
                for (i, backend) in backends.iter().enumerate() {
                    use zkaccel_backends::Backend;
                    assert_eq!(backend.info().id, format!("cuda:{i}"));
                }
            }
            Err(reason) => {
                assert!(!reason.is_empty());
                if !driver::driver_available() {
                    assert!(reason.starts_with("no CUDA driver: libcuda.so not found"), "{reason}");
                }
            }
        }
    }
}
