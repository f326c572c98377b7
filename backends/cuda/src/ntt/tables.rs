//! Host-side NTT tables, computed with arkworks in parallel and laid out as device bytes:
//! twiddles per (log n, direction) and the coset / n⁻¹ scale factors per (log n, coset,
//! direction), with exactly the roots and shifts of the reference NTT.

use ark_bn254::Fr;
use ark_ff::{FftField, Field, One};
use rayon::prelude::*;
use zkaccel_backends::{BackendError, Coset, NttDirection, Op, Result};

use crate::layout::FIELD_BYTES;

/// Elements per parallel work item; each starts from one exponentiation.
const CHUNK: usize = 1 << 12;

/// How the kernels apply a scale table (`scale_mode` in `kernels/cuda/ntt.cu`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScaleMode {
    /// No scaling.
    None = 0,
    /// Every element times the table's single entry.
    Constant = 1,
    /// Element i of each transform times entry i.
    PerElement = 2,
}

/// The primitive `2^log_n`-th root of unity the reference uses, or a typed error above 2^28.
pub fn root_of_unity(log_n: u32) -> Result<Fr> {
    1u64.checked_shl(log_n).and_then(Fr::get_root_of_unity).ok_or_else(|| {
        BackendError::InvalidInput(format!("Fr has no root of unity of order 2^{log_n} (2-adicity is 28)"))
    })
}

/// The domain's shift s: 1, the generator 5, or ω_{2n}.
pub fn coset_shift(log_n: u32, coset: Coset) -> Result<Fr> {
    match coset {
        Coset::None => Ok(Fr::one()),
        Coset::Generator => Ok(Fr::GENERATOR),
        Coset::OddPowersOf2n => root_of_unity(log_n + 1).map_err(|_| BackendError::SizeAboveLimit {
            op: Op::Ntt,
            size: 1usize << log_n,
            limit: 1 << 27,
            device: "cuda".into(),
        }),
    }
}

/// Bytes of the twiddle table of a `2^log_n` transform (n/2 entries).
pub fn twiddle_bytes(log_n: u32) -> u64 {
    (1u64 << log_n) / 2 * FIELD_BYTES as u64
}

/// Twiddles w^t for t in [0, n/2), w = ω for the forward transform and ω⁻¹ for the inverse.
pub fn twiddles(log_n: u32, direction: NttDirection) -> Result<Vec<u8>> {
    let omega = root_of_unity(log_n)?;
    let w = match direction {
        NttDirection::Forward => omega,
        NttDirection::Inverse => omega.inverse().expect("roots of unity are non-zero"),
    };
    Ok(powers_bytes(w, Fr::one(), (1usize << log_n) / 2))
}

/// The scale mode a transform needs and its table's length in elements (0 for none).
pub fn scale_shape(log_n: u32, coset: Coset, direction: NttDirection) -> (ScaleMode, usize) {
    match (direction, coset) {
        (NttDirection::Forward, Coset::None) => (ScaleMode::None, 0),
        (NttDirection::Inverse, Coset::None) => (ScaleMode::Constant, 1),
        _ => (ScaleMode::PerElement, 1usize << log_n),
    }
}

/// The scale table: s^j (forward, applied before the butterflies) or n⁻¹·s^{-j} (inverse,
/// applied after them); just n⁻¹ for the plain inverse; empty for the plain forward.
pub fn scale_table(log_n: u32, coset: Coset, direction: NttDirection) -> Result<Vec<u8>> {
    let shift = coset_shift(log_n, coset)?;
    let (_, len) = scale_shape(log_n, coset, direction);
    Ok(match direction {
        NttDirection::Forward => powers_bytes(shift, Fr::one(), len),
        NttDirection::Inverse => {
            let n_inv = Fr::from(1u64 << log_n).inverse().expect("n is invertible");
            powers_bytes(shift.inverse().expect("shifts are non-zero"), n_inv, len)
        }
    })
}

/// `c · base^i` for i in [0, count), as device bytes.
pub fn powers_bytes(base: Fr, c: Fr, count: usize) -> Vec<u8> {
    let mut out = vec![0u8; count * FIELD_BYTES];
    out.par_chunks_mut(CHUNK * FIELD_BYTES).enumerate().for_each(|(k, chunk)| {
        let mut p = c * base.pow([(k * CHUNK) as u64]);
        for dst in chunk.chunks_exact_mut(FIELD_BYTES) {
            for (bytes, limb) in dst.chunks_exact_mut(8).zip(p.0 .0.iter()) {
                bytes.copy_from_slice(&limb.to_le_bytes());
            }
            p *= base;
        }
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::fr_from_bytes;

    #[test]
    fn powers_cross_chunk_boundaries() {
        let base = Fr::from(7u64);
        let c = Fr::from(3u64);
        let got = fr_from_bytes(&powers_bytes(base, c, CHUNK + 5));
        let mut p = c;
        for (i, g) in got.iter().enumerate() {
            assert_eq!(*g, p, "entry {i}");
            p *= base;
        }
    }

    #[test]
    fn inverse_twiddles_undo_forward_ones() {
        let f = fr_from_bytes(&twiddles(4, NttDirection::Forward).unwrap());
        let i = fr_from_bytes(&twiddles(4, NttDirection::Inverse).unwrap());
        assert_eq!(f.len(), 8);
        for (a, b) in f.iter().zip(&i) {
            assert_eq!(*a * b, Fr::one());
        }
    }

    #[test]
    fn odd_coset_needs_a_root_of_twice_the_order() {
        assert!(coset_shift(27, Coset::OddPowersOf2n).is_ok());
        assert!(matches!(coset_shift(28, Coset::OddPowersOf2n), Err(BackendError::SizeAboveLimit { .. })));
        assert!(root_of_unity(29).is_err());
    }
}
