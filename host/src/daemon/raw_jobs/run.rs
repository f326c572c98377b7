//! Running a checked raw job on a backend and rendering its result as the API's JSON.

use ark_bn254::G1Affine;
use ark_ec::{AffineRepr, CurveGroup};
use serde_json::{json, Value};
use zkaccel_backends::{Backend, MerkleOutput, NttConfig};

use super::field::g1_to_strings;
use super::{PreparedRawJob, RawJobError};
use crate::groth16::decimal::to_decimal;

impl PreparedRawJob {
    /// Runs the job on `backend` (a device, or the scheduler over several) and returns the
    /// result as documented in docs/DAEMON.md, with decimal strings: `{"point": ["x", "y"]}`
    /// (the identity as `["0", "0"]`), `{"values": […]}`, `{"hashes": […]}` or `{"root": "…"}`.
    /// A device failure is [`RawJobError::Device`] with the backend's message.
    pub fn run(self, backend: &dyn Backend) -> Result<Value, RawJobError> {
        match self {
            PreparedRawJob::Msm { bases, scalars } => {
                // The trait gives the identity for an empty MSM; not every device needs to see one.
                let point =
                    if bases.is_empty() { G1Affine::zero() } else { backend.msm_g1(&bases, &scalars)?.into_affine() };
                Ok(json!({ "point": g1_to_strings(&point) }))
            }
            PreparedRawJob::Ntt { mut values, inverse } => {
                backend.ntt(&mut values, if inverse { NttConfig::INVERSE } else { NttConfig::FORWARD })?;
                Ok(json!({ "values": decimals(&values) }))
            }
            PreparedRawJob::Poseidon { arity, inputs } => {
                let hashes =
                    if inputs.is_empty() { Vec::new() } else { backend.poseidon_hash_batch(&inputs, arity)? };
                Ok(json!({ "hashes": decimals(&hashes) }))
            }
            PreparedRawJob::Merkle { leaves } => {
                let tree = backend.merkle_tree(&leaves, MerkleOutput::RootOnly)?;
                Ok(json!({ "root": to_decimal(tree.root) }))
            }
        }
    }
}

fn decimals(values: &[ark_bn254::Fr]) -> Vec<String> {
    values.iter().map(|v| to_decimal(*v)).collect()
}
