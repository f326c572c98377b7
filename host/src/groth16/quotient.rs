//! The H polynomial's evaluations on the odd coset, exactly as snarkjs and rapidsnark compute
//! them, so the zkey's H query (built for that form) gives valid proofs.
//!
//! a = A·w, b = B·w, c = a∘b over the constraint domain H of size n; each of a, b, c is
//! interpolated (inverse NTT) and re-evaluated on ω₂ₙ·H (forward NTT on the odd coset); then
//! hᵢ = aᵢ·bᵢ − cᵢ. No division by the vanishing polynomial: on ω₂ₙ·H it is the constant −2,
//! and the key's H query already absorbs it.

use ark_bn254::Fr;
use rayon::prelude::*;
use zkaccel_backends::{Backend, BackendError, Coset, NttConfig};

use super::constraint_rows::SparseRows;

/// The A and B matrices of a key, ready to evaluate.
#[derive(Debug, Clone)]
pub struct QuotientInputs {
    /// Rows of A.
    pub a: SparseRows,
    /// Rows of B.
    pub b: SparseRows,
    /// The domain size n (a power of two).
    pub domain_size: usize,
}

impl QuotientInputs {
    /// The coefficients of H on the odd coset, one per domain point, computed with `backend`'s
    /// NTTs (one batch of three inverse transforms, then one of three coset transforms).
    pub fn evaluate(&self, witness: &[Fr], backend: &dyn Backend) -> Result<Vec<Fr>, BackendError> {
        let n = self.domain_size;
        let mut abc = vec![Fr::from(0u64); 3 * n];
        {
            let (a, rest) = abc.split_at_mut(n);
            let (b, c) = rest.split_at_mut(n);
            rayon::join(|| self.a.evaluate_into(witness, a), || self.b.evaluate_into(witness, b));
            c.par_iter_mut().zip(a.par_iter().zip(b.par_iter())).for_each(|(c, (a, b))| *c = *a * *b);
        }
        backend.ntt_batch(&mut abc, n, NttConfig::INVERSE)?;
        backend.ntt_batch(&mut abc, n, NttConfig::forward_on(Coset::OddPowersOf2n))?;
        let (a, rest) = abc.split_at_mut(n);
        let (b, c) = rest.split_at(n);
        a.par_iter_mut().zip(b.par_iter().zip(c.par_iter())).for_each(|(h, (b, c))| *h = *h * *b - *c);
        abc.truncate(n);
        abc.shrink_to_fit();
        Ok(abc)
    }
}
