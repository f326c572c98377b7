//! The zkaccel Backend trait, its shared types and errors, and the CPU backend.
//!
//! Every device zkaccel drives — CPU, CUDA, WebGPU, FPGA — implements one object-safe trait,
//! [`Backend`], over arkworks 0.6 BN254 types. The host holds `Arc<dyn Backend>` and never
//! needs to know which kind of device it talks to.
//!
//! The [`cpu`] module is both the fallback device and the reference: [`cpu::reference`] holds
//! plain, obviously correct implementations that every backend's tests compare against, and
//! [`cpu::CpuBackend`] holds the fast rayon-parallel paths. With the `conformance` feature, the
//! [`conformance`] module provides the one correctness suite every backend runs.
//!
//! ```
//! use std::sync::Arc;
//! use ark_bn254::{Fr, G1Affine};
//! use ark_ec::AffineRepr;
//! use zkaccel_backends::{Backend, cpu::CpuBackend};
//!
//! let cpu: Arc<dyn Backend> = Arc::new(CpuBackend::new());
//! let g = G1Affine::generator();
//! let sum = cpu.msm_g1(&[g, g], &[Fr::from(2u64), Fr::from(3u64)]).unwrap();
//! assert_eq!(sum, g * Fr::from(5u64));
//! ```

pub mod accelerator;
mod backend;
pub mod device_layout;
mod error;
pub mod field_input;
mod types;
pub mod validate;

pub mod cpu;

#[cfg(feature = "conformance")]
pub mod conformance;

pub use backend::Backend;
pub use error::{BackendError, Result};
pub use types::{
    BasesGroup, BasesHandle, Coset, DeviceInfo, DeviceKind, MerkleOutput, MerkleTree, NttConfig, NttDirection, Op,
    OpLimit,
};

/// Re-exports of the arkworks types used at the API boundary.
pub mod ark {
    pub use ark_bn254::{Fq, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
}
