//! zkaccel's WebGPU backend: BN254 MSM, NTT and Poseidon written in WGSL and run through wgpu
//! on any GPU with a Vulkan, Metal or DX12 driver (AMD, Intel, Apple, NVIDIA), and on Mesa's
//! lavapipe software Vulkan device in CI.
//!
//! The kernels live in `kernels/wgsl/` and are embedded in the binary. See docs/WEBGPU.md for
//! the field representation, the kernel ABI and how inputs are chunked to WebGPU's limits.

pub mod adapter;
mod backend;
pub mod context;
pub mod msm;
pub mod ntt;
pub mod poseidon;
pub mod probe;
pub mod selftest;
pub mod shaders;
pub mod testing;

pub use adapter::{AdapterClass, ADAPTER_ENV};
pub use backend::{WebGpuBackend, WebGpuConfig};
pub use context::{ContextOptions, GpuContext, KernelLimits};
