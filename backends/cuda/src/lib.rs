//! zkaccel's CUDA backend: BN254 MSM, NTT and Poseidon on NVIDIA GPUs.
//!
//! The kernels live in `kernels/cuda/` and are compiled at first use by NVRTC for the GPU's own
//! architecture; the driver and NVRTC are loaded at run time (cudarc's dynamic loading), so this
//! crate builds and runs on machines without CUDA and reports the device absent there.
//! See docs/CUDA.md for the kernel ABI and data layout.

#![allow(unsafe_code)]

mod backend;
pub mod device;
pub mod driver;
#[cfg(feature = "emulator")]
pub mod emulated;
/// Host ↔ device data layout; shared with the WebGPU backend.
pub use zkaccel_backends::device_layout as layout;
pub mod msm;
pub mod ntt;
pub mod poseidon;
pub mod probe;
pub mod selftest;
pub mod sources;

pub use backend::{CudaBackend, CudaConfig};
