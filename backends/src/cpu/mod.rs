//! The CPU backend: the reference every other backend is tested against, and the fallback
//! device the scheduler always has.
//!
//! - [`reference`]: plain, obviously correct code (double-and-add MSM, textbook radix-2 NTT,
//!   textbook Poseidon rounds). Slow on purpose; tests only.
//! - [`msm`], [`ntt`], [`poseidon`]: the fast rayon-parallel paths the backend runs.
//! - [`CpuBackend`]: the [`crate::Backend`] implementation over them, with its own thread pool.

mod backend;
pub mod msm;
pub mod ntt;
pub mod poseidon;
pub mod reference;

pub use backend::{CpuBackend, CpuConfig};
