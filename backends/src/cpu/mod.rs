//! The CPU backend: the reference every other backend is tested against, and the fallback
//! device the scheduler always has.
//!
//! - [`reference`]: plain, obviously correct code (double-and-add MSM, textbook radix-2 NTT,
//!   textbook Poseidon rounds). Slow on purpose; tests only.
//! - [`msm`], [`ntt`], [`poseidon`]: the fast rayon-parallel paths the backend runs.
//! - [`simd`]: AVX-512 IFMA arithmetic (8 field elements per vector) behind the NTT and Poseidon
//!   batch paths, chosen at run time; the scalar paths stay for other CPUs.
//! - [`CpuBackend`]: the [`crate::Backend`] implementation over them, with its own thread pool.

mod backend;
pub mod msm;
pub mod ntt;
pub mod poseidon;
pub mod reference;
pub mod simd;

pub use backend::{CpuBackend, CpuConfig};
