//! zkaccel host library: finds the devices of this machine, splits work across them, proves
//! Groth16 circuits, runs the proving daemon and benchmarks it all.
//!
//! # Design
//!
//! ```text
//! CLI (src/main.rs, src/cli/) or daemon (daemon)    requests: prove, bench, raw MSM/NTT/Poseidon
//!   └─ groth16::Prover                              zkey + witness → NTTs and five MSMs
//!        └─ scheduler                                splits each workload across healthy devices
//!             └─ registry → Backend trait            zkaccel_backends::Backend: cpu, cuda, webgpu, fpga
//! ```
//!
//! - [`registry`] probes every device kind (CPU always; CUDA, WebGPU and FPGA where present,
//!   listed as *absent with a reason* otherwise) and hands out `Arc<dyn Backend>`s.
//! - [`scheduler`] is itself a `Backend` over the registry's devices, with fault handling.
//! - [`groth16`] reads circom/snarkjs files and proves on any backend; [`daemon`] serves proofs
//!   from a durable queue; [`atomic_file`] writes outputs whole or not at all.
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

pub mod atomic_file;
pub mod bench;
pub mod daemon;
pub mod groth16;
pub mod registry;
pub mod scheduler;
