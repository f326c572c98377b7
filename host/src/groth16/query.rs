//! One MSM query of a proving key (A, B1, B2, C or H), without its identity points, and where
//! its MSMs run.
//!
//! Real keys hold many identity points: in a circom circuit every signal that never appears in
//! B has the identity as its B1 and B2 point (a third of them in a Poseidon chain). Those points
//! contribute nothing, so they are dropped once when the prover is built; each proof then runs
//! the MSM over the remaining points and the matching witness values only.

use std::borrow::Cow;
use std::sync::Arc;

use ark_bn254::Fr;
use ark_ec::AffineRepr;
use rayon::prelude::*;
use zkaccel_backends::{Backend, BackendError, BasesHandle};

/// Where a query's MSMs run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// Bases resident on the prover's backend.
    Resident(BasesHandle),
    /// On the CPU fallback, from the prover's own copy of the points (the backend lacks the
    /// group, or refused to load the bases).
    Cpu,
}

/// A query's non-identity points and, when some were dropped, their witness indices.
#[derive(Debug, Clone)]
pub struct Query<G> {
    /// The points that are not the identity, in key order.
    pub points: Arc<[G]>,
    /// `points[i]` is weighed by scalar `kept[i]`; `None` when no point was dropped.
    kept: Option<Vec<u32>>,
    /// Length of the scalar vector the query is applied to (its length in the key).
    scalars_len: usize,
    /// Where its MSMs run.
    pub placement: Placement,
}

impl<G: AffineRepr> Query<G> {
    /// Drops the identity points of `points` (the query's full length in the key). The
    /// placement starts on the CPU; [`Query::place`] moves it to a backend.
    pub fn new(points: Arc<[G]>) -> Query<G> {
        let scalars_len = points.len();
        let identities = points.par_iter().filter(|p| p.is_zero()).count();
        if identities == 0 {
            return Query { points, kept: None, scalars_len, placement: Placement::Cpu };
        }
        let kept: Vec<u32> = (0..points.len() as u32).filter(|&i| !points[i as usize].is_zero()).collect();
        let compact: Arc<[G]> = kept.par_iter().map(|&i| points[i as usize]).collect::<Vec<_>>().into();
        Query { points: compact, kept: Some(kept), scalars_len, placement: Placement::Cpu }
    }

    /// The witness values (or H coefficients) that weigh the kept points. `scalars` must have
    /// the query's full length.
    pub fn scalars<'a>(&self, scalars: &'a [Fr]) -> Cow<'a, [Fr]> {
        debug_assert_eq!(scalars.len(), self.scalars_len);
        match &self.kept {
            None => Cow::Borrowed(scalars),
            Some(kept) => Cow::Owned(kept.par_iter().map(|&i| scalars[i as usize]).collect()),
        }
    }

    /// Number of points dropped because they were the identity.
    pub fn dropped(&self) -> usize {
        self.scalars_len - self.points.len()
    }

    /// Loads the points on `backend` with `load` (its G1 or G2 loader); on failure the query
    /// stays on the CPU, and only an answer other than `Unsupported` is worth a warning.
    pub fn place(
        &mut self,
        backend: &dyn Backend,
        load: impl FnOnce(Arc<[G]>) -> Result<BasesHandle, BackendError>,
        what: &str,
    ) {
        self.placement = match load(self.points.clone()) {
            Ok(handle) => Placement::Resident(handle),
            Err(BackendError::Unsupported { .. }) => Placement::Cpu,
            Err(error) => {
                tracing::warn!(device = %backend.info().id, %error, "{what} stays on the CPU");
                Placement::Cpu
            }
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::G1Affine;

    #[test]
    fn identity_points_and_their_scalars_are_dropped() {
        let g = G1Affine::generator();
        let zero = G1Affine::identity();
        let query = Query::new(Arc::from(vec![zero, g, zero, g, g]));
        assert_eq!(query.points.len(), 3);
        assert_eq!(query.dropped(), 2);
        let scalars: Vec<Fr> = (0..5u64).map(Fr::from).collect();
        assert_eq!(query.scalars(&scalars).into_owned(), vec![Fr::from(1u64), Fr::from(3u64), Fr::from(4u64)]);

        let full = Query::new(Arc::from(vec![g, g]));
        assert_eq!(full.dropped(), 0);
        assert!(matches!(full.scalars(&scalars[..2]), Cow::Borrowed(_)));

        let empty = Query::<G1Affine>::new(Arc::from(vec![zero]));
        assert!(empty.points.is_empty());
        assert!(empty.scalars(&scalars[..1]).is_empty());
    }
}
