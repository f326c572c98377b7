//! zkaccel host library: finds the devices of this machine and benchmarks them.
//!
//! # Design
//!
//! ```text
//! CLI (src/main.rs, src/cli/)           parse arguments, print tables/JSON
//!   └─ registry  (zkaccel::registry)    which devices exist: one probe per kind
//!        └─ (later) scheduler            splits work across the registry's devices
//!             └─ Backend trait            zkaccel_backends::Backend, one impl per device
//! ```
//!
//! - [`registry`] probes every device kind (CPU always; CUDA, WebGPU and FPGA are listed as
//!   *absent with a reason* until their backends are compiled in) and hands out
//!   `Arc<dyn Backend>`s. Each kind has its own probe function, so a new backend plugs in by
//!   filling one function.
//! - [`bench`] measures any `&dyn Backend` against the libraries people use today (arkworks,
//!   ark-poly, light-poseidon) on deterministic inputs, and **verifies every result**: a fast
//!   but wrong device fails the run instead of topping the table.
//!
//! The main trade-off: the host only ever talks to `dyn Backend`, never to a concrete device.
//! That costs a virtual call per operation (negligible next to an MSM) and buys one code path
//! for every device, and tests that inject deliberately broken backends.
//!
//! ```
//! use zkaccel::registry::{DeviceSelection, Registry};
//!
//! let registry = Registry::detect(&DeviceSelection::All).unwrap();
//! let cpu = registry.get("cpu").expect("the CPU is always available");
//! assert_eq!(cpu.info().id, "cpu");
//! ```

#![deny(unsafe_code)]

pub mod bench;
pub mod daemon;
pub mod groth16;
pub mod registry;
pub mod scheduler;
