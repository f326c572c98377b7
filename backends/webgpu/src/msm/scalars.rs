//! Scalars as the MSM kernels read them: standard (non-Montgomery) form, eight little-endian
//! u32 words each.

use ark_bn254::Fr;
use ark_ff::PrimeField;
use rayon::prelude::*;
use zkaccel_backends::device_layout::FIELD_BYTES;

/// Scalars converted per rayon task.
const PARALLEL_CHUNK: usize = 1 << 14;

/// `scalars` in standard form as device bytes (32 per scalar).
pub fn standard_bytes(scalars: &[Fr]) -> Vec<u8> {
    let mut out = vec![0u8; scalars.len() * FIELD_BYTES];
    out.par_chunks_mut(FIELD_BYTES * PARALLEL_CHUNK).zip(scalars.par_chunks(PARALLEL_CHUNK)).for_each(
        |(out, scalars)| {
            for (s, chunk) in scalars.iter().zip(out.chunks_exact_mut(FIELD_BYTES)) {
                for (limb, bytes) in s.into_bigint().0.iter().zip(chunk.chunks_exact_mut(8)) {
                    bytes.copy_from_slice(&limb.to_le_bytes());
                }
            }
        },
    );
    out
}
