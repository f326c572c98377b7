//! Readers for the circom/snarkjs files a Groth16 proof needs: the proving key (`.zkey`), the
//! witness (`.wtns`) and the constraint system (`.r1cs`), plus `.wtns` and `.zkey` writers.
//!
//! ```text
//! container   magic, version, section table (seeks; sizes checked against the file length)
//! stream      one sequential pass: reusable buffer → parallel decode into final vectors (+ SHA-256)
//! field_bytes / points   32-byte field elements and G1/G2 encodings, range and curve checks
//! zkey / wtns / r1cs     the three formats; validation_cache remembers keys that passed
//! ```
//!
//! Every malformed input gives a [`FormatError`] naming the file kind, the section and what was
//! expected against what was found; no input panics or triggers an allocation larger than the
//! file (sizes are checked before anything is allocated). The main trade-off: the whole key is
//! decoded into memory (about 1.1× the file, as arkworks affine points carry an infinity flag),
//! rather than memory-mapped and decoded lazily, so the prover works on ready `G1Affine` slices.
//!
//! ```
//! use std::io::Cursor;
//! use ark_bn254::Fr;
//! use zkaccel::groth16::format::{read_wtns_from, write_wtns};
//!
//! let mut bytes = Vec::new();
//! write_wtns(&[Fr::from(1u64), Fr::from(33u64)], &mut bytes).unwrap();
//! assert_eq!(read_wtns_from(Cursor::new(bytes)).unwrap(), vec![Fr::from(1u64), Fr::from(33u64)]);
//! ```

mod container;
pub mod error;
pub mod field_bytes;
pub mod points;
pub mod r1cs;
mod stream;
#[doc(hidden)]
pub mod testing;
pub mod validation_cache;
pub mod wtns;
pub mod zkey;
pub mod zkey_writer;

pub use error::{FileKind, FormatError, Section};
pub use r1cs::{read_r1cs, read_r1cs_from, Constraint, R1cs, UnsatisfiedWitness};
pub use wtns::{check_witness_length, read_wtns, read_wtns_from, write_wtns};
pub use zkey::{read_zkey, read_zkey_from, ZkeyOptions};
pub use zkey_writer::{write_zkey, write_zkey_file};
