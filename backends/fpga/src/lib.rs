//! zkaccel's FPGA backend.
//!
//! The hardware design lives in `fpga/` (RTL in `fpga/rtl`, Verilator drivers in `fpga/sim`,
//! synthesis in `fpga/synth`); fpga/README.md documents it and its register map. This crate
//! drives it behind the one [`zkaccel_backends::Backend`] trait through a [`Transport`]:
//! - `fpga:sim`: the cycle-accurate Verilator model ([`sim::kernel::KernelSim`]), built on
//!   first use and cached under `target/`; never picked unless named;
//! - `fpga:xrt`: a card through XRT ([`xrt::XrtCard`]), libxrt loaded at run time.
//!
//! The kernel accumulates MSM buckets one window at a time, runs NTT butterflies stage by stage
//! and the Poseidon t = 3 permutation; the host computes signed digits, reduces buckets, handles
//! NTT cosets and scaling, and hashes other Poseidon arities on the CPU.

pub mod regs;
pub mod rtl_constants;
pub mod sim;
pub mod testing;
pub mod transport;

pub use transport::{DeviceBuffer, Transport};
pub mod backend;
pub mod device;
pub mod engines;

pub use backend::FpgaBackend;
pub mod probe;
pub mod projection;
pub mod xrt;
