//! [`GpuDevice`](crate::device::GpuDevice) on a real NVIDIA GPU: the CUDA driver API through
//! cudarc (loaded at run time), kernels compiled by NVRTC ([`nvrtc`]) and kept in an on-disk
//! PTX cache ([`cache`]).
//!
//! cudarc panics when a function of a library it cannot load is called; every entry point
//! here checks for the library first ([`driver_available`], [`nvrtc::is_available`]).

pub mod cache;
mod cuda_device;
pub mod nvrtc;
pub mod ptxas;

use cudarc::driver::{result, sys};

pub use cuda_device::CudaDevice;

/// Whether `libcuda.so` (the NVIDIA driver's user-space library) can be loaded. Never panics.
pub fn driver_available() -> bool {
    // SAFETY: only tries to dlopen the library; the catch_unwind is a second guard.
    std::panic::catch_unwind(|| unsafe { sys::is_culib_present() }).unwrap_or(false)
}

/// Initialises the driver and counts the GPUs it sees. `Err` carries the driver's message
/// (or says the library is missing); a machine whose driver reports no device gives `Ok(0)`.
pub fn device_count() -> Result<usize, String> {
    if !driver_available() {
        return Err("libcuda.so not found".to_string());
    }
    match result::init() {
        Ok(()) => {}
        Err(e) if e.0 == sys::CUresult::CUDA_ERROR_NO_DEVICE => return Ok(0),
        Err(e) => return Err(format!("cuInit failed: {}", driver_message(e))),
    }
    result::device::get_count()
        .map(|n| n.max(0) as usize)
        .map_err(|e| format!("cuDeviceGetCount failed: {}", driver_message(e)))
}

/// "CUDA_ERROR_NAME: description" for a driver error.
pub(crate) fn driver_message(e: result::DriverError) -> String {
    let name = e.error_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|_| format!("{:?}", e.0));
    match e.error_string() {
        Ok(desc) => format!("{name}: {}", desc.to_string_lossy()),
        Err(_) => name,
    }
}
