//! Fast MSM (placeholder until the Pippenger implementation lands).
use ark_bn254::Fr;
use ark_ec::short_weierstrass::{Affine, Projective, SWCurveConfig};
use ark_ec::VariableBaseMSM;

/// Σ scalars[i]·bases[i]; lengths must be equal (checked by the caller).
pub fn msm<P: SWCurveConfig<ScalarField = Fr>>(bases: &[Affine<P>], scalars: &[Fr]) -> Projective<P> {
    Projective::<P>::msm(bases, scalars).expect("equal lengths")
}

/// Estimated working memory of an MSM over `n` points, in bytes.
pub fn working_memory_bytes(n: usize) -> u64 {
    n as u64 * 40
}
