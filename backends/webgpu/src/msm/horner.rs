//! The host's share of the MSM: the window sums, read back as XYZZ points, combined by Horner's
//! rule (c doublings between windows).

use ark_bn254::G1Projective;
use ark_ec::AdditiveGroup;
use ark_ff::Zero;
use zkaccel_backends::device_layout::{g1_from_xyzz_bytes, XYZZ_BYTES};

/// Σ_w 2^(w·c)·S_w for the window sums S_w in `bytes` (window 0 first).
pub fn combine_windows(bytes: &[u8], c: u32) -> G1Projective {
    let mut acc = G1Projective::zero();
    for window in bytes.chunks_exact(XYZZ_BYTES).rev() {
        for _ in 0..c {
            acc.double_in_place();
        }
        acc += g1_from_xyzz_bytes(window);
    }
    acc
}
