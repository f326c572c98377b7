//! Groth16 proofs compatible with circom and snarkjs: `.zkey` + `.wtns` in, a `proof.json`
//! that `snarkjs groth16 verify` accepts out.
//!
//! ```text
//! format::read_zkey ──► ProvingKey ──► Prover::new(key, backend)   bases made resident once
//! format::read_wtns ──► witness   ──► Prover::prove(&witness)      H on the odd coset (NTTs),
//!                                                                   5 MSMs, pairing check
//!                                      └─► ProofOutput { proof, public, timings }
//! ```
//!
//! The prover computes exactly what snarkjs and rapidsnark compute (see [`quotient`] for the
//! odd-coset H), so keys from `snarkjs groth16 setup` work unchanged. The backend is any
//! `Arc<dyn Backend>`: one device, or the host scheduler over several. Every proof is
//! verified before it is returned; one that fails is recomputed on the CPU and the device is
//! reported, so a faulty accelerator can slow a proof down but never make a bad one.
//!
//! The main trade-off: verifying each proof costs a pairing check (a few milliseconds) on
//! every proof, which buys the guarantee that no wrong proof leaves the prover.

pub mod constraint_rows;
pub mod decimal;
mod error;
pub mod format;
pub mod insecure_setup;
pub mod key;
pub mod proof;
pub mod prover;
pub mod query;
pub mod quotient;
pub mod verifier;

pub use error::{Groth16Error, Result};
pub use key::{ProvingKey, VerifyingKey};
pub use proof::Proof;
pub use prover::{FaultReporter, ProofOutput, ProofTimings, Prover};
pub use verifier::Verifier;

#[cfg(test)]
mod prover_tests;
