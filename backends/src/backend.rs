//! The one trait every device implements.

use std::ops::Range;
use std::sync::Arc;

use ark_bn254::{Fr, G1Affine, G1Projective, G2Affine, G2Projective};

use crate::error::Result;
use crate::types::{BasesHandle, DeviceInfo, MerkleOutput, MerkleTree, NttConfig};

/// A device that runs zkaccel's workloads: MSM, NTT and Poseidon over BN254.
///
/// The trait is object-safe; the host holds backends as `Arc<dyn Backend>`. All methods take
/// `&self` and may be called from several threads at once. Inputs and outputs are arkworks
/// 0.6 types, so arkworks users pass their data without conversion.
///
/// Every method validates its input and returns a [`crate::BackendError`] instead of
/// panicking: a length mismatch, a size that is not a power of two or is above the device's
/// limit, an operation the device lacks (`Unsupported`), an unknown handle, or a device fault.
pub trait Backend: Send + Sync {
    /// What this device is and what it can run.
    fn info(&self) -> &DeviceInfo;

    /// Σ scalars[i]·bases[i] over G1. `bases.len()` must equal `scalars.len()`; an empty
    /// input gives the identity. Identity bases and zero scalars are allowed anywhere.
    fn msm_g1(&self, bases: &[G1Affine], scalars: &[Fr]) -> Result<G1Projective>;

    /// Σ scalars[i]·bases[i] over G2. A backend may answer `Unsupported`.
    fn msm_g2(&self, bases: &[G2Affine], scalars: &[Fr]) -> Result<G2Projective>;

    /// Loads G1 bases once for many MSMs (kept in device memory on a GPU).
    fn load_bases_g1(&self, bases: Arc<[G1Affine]>) -> Result<BasesHandle>;

    /// Loads G2 bases once for many MSMs. A backend without G2 MSM answers `Unsupported`.
    fn load_bases_g2(&self, bases: Arc<[G2Affine]>) -> Result<BasesHandle>;

    /// Frees the bases behind `handle`. Unknown handles answer `UnknownHandle`.
    fn unload_bases(&self, handle: BasesHandle) -> Result<()>;

    /// Σ scalars[i]·bases[range.start + i] over resident G1 bases. `range` selects the points
    /// (so a scheduler can give each device a share) and `scalars.len()` must equal its length.
    fn msm_g1_resident(&self, handle: BasesHandle, range: Range<usize>, scalars: &[Fr]) -> Result<G1Projective>;

    /// Σ scalars[i]·bases[range.start + i] over resident G2 bases.
    fn msm_g2_resident(&self, handle: BasesHandle, range: Range<usize>, scalars: &[Fr]) -> Result<G2Projective>;

    /// In-place NTT of `data` (length a power of two), natural order in and out.
    fn ntt(&self, data: &mut [Fr], config: NttConfig) -> Result<()>;

    /// In-place NTTs of `data.len() / ntt_len` consecutive polynomials of `ntt_len` elements
    /// each (`ntt_len` a power of two; `data.len()` a multiple of it).
    fn ntt_batch(&self, data: &mut [Fr], ntt_len: usize, config: NttConfig) -> Result<()>;

    /// Circomlib Poseidon of a batch: `inputs` holds `inputs.len() / arity` consecutive
    /// messages of `arity` elements (1 ≤ arity ≤ 16); returns one hash per message.
    fn poseidon_hash_batch(&self, inputs: &[Fr], arity: usize) -> Result<Vec<Fr>>;

    /// A binary Merkle tree over `leaves` (a power of two, at least one) with
    /// node = Poseidon([left, right]).
    fn merkle_tree(&self, leaves: &[Fr], output: MerkleOutput) -> Result<MerkleTree>;
}
