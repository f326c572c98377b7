//! G1 MSM on the kernel: the host splits scalars into signed c-bit digits, the kernel's bucket
//! engine accumulates one window at a time (points streamed from device memory, buckets on
//! chip), and the host reduces each window's buckets with running sums, on a thread of its own
//! while the kernel runs the next window, and combines the windows.
//! The kernel's adder has no doubling datapath: an addition whose point equals its bucket comes
//! back as a deferred doubling (bucket, point) that the host adds in; if a window had more than
//! the kernel records, the host recomputes that window from its own copy of the points.

use ark_bn254::{Fq, Fr, G1Affine, G1Projective};
use ark_ec::AdditiveGroup;
use ark_ff::{BigInteger, Field, PrimeField, Zero};
use rayon::prelude::*;
use zkaccel_backends::device_layout::{fq_from_bytes, XYZZ_BYTES};
use zkaccel_backends::{BackendError, Result};

use crate::device::{Device, Session};
use crate::regs::Command;

/// Digits per 64-byte beat of the digit stream.
const DIGITS_PER_BEAT: usize = 32;
/// Doublings the kernel records per window (`msm_bucket.sv`, XQ_DEPTH).
pub const DOUBLING_SLOTS: usize = 30;
/// Bytes after the buckets: the doublings' header beat and one beat per slot.
pub const DOUBLING_BYTES: usize = 64 * (1 + DOUBLING_SLOTS);

/// Adder latency (4·MUL_LAT + 3 = 71, `g1_madd.sv`) plus the bucket read: the fewest cycles
/// between two additions to one bucket.
const BUCKET_TURNAROUND: u64 = 73;
/// Cycles per window besides the stream and read-back: registers, memory latency, drain.
const WINDOW_OVERHEAD: u64 = 300;

/// The window (bits) that minimises the kernel's cycles for `n` points. Per window: n pairs plus
/// a digit beat per 32 — or, with fewer buckets than the adder's latency, one addition per
/// bucket per turnaround — two beats per bucket read back, and a fixed overhead.
pub fn window_bits(n: usize, cmax: u32) -> u32 {
    let cost = |c: u32| {
        let nb = 1u64 << (c - 1);
        let stream = (n as u64 * 33 / 32).max(n as u64 * BUCKET_TURNAROUND / nb);
        256u64.div_ceil(u64::from(c)) * (stream + 2 * nb + WINDOW_OVERHEAD)
    };
    (2..=cmax).min_by_key(|&c| cost(c)).unwrap_or(cmax)
}

/// Windows needed for signed c-bit digits of scalars below r < 2^254 with no carry left over.
pub fn windows(c: u32) -> usize {
    256usize.div_ceil(c as usize)
}

/// Signed digits in [−2^(c−1), 2^(c−1)): `out[w][i]` is scalar i's digit in window w; zero for
/// the points in `skip` (identities).
pub fn signed_digits(scalars: &[Fr], skip: &[bool], c: u32) -> Vec<Vec<i16>> {
    let nw = windows(c);
    let mut out = vec![vec![0i16; scalars.len()]; nw];
    let per_scalar: Vec<Vec<i16>> = scalars
        .par_iter()
        .zip(skip.par_iter())
        .map(|(s, &skip)| {
            let mut digits = vec![0i16; nw];
            if skip {
                return digits;
            }
            let bits = s.into_bigint().to_bits_le();
            let mut carry = 0i32;
            for (w, d) in digits.iter_mut().enumerate() {
                let mut raw = 0i32;
                for b in 0..c as usize {
                    if bits.get(w * c as usize + b).copied().unwrap_or(false) {
                        raw |= 1 << b;
                    }
                }
                let v = raw + carry;
                let half = 1i32 << (c - 1);
                if v >= half {
                    *d = (v - (1 << c)) as i16;
                    carry = 1;
                } else {
                    *d = v as i16;
                    carry = 0;
                }
            }
            debug_assert_eq!(carry, 0, "256 bits of windows leave no carry for scalars below 2^254");
            digits
        })
        .collect();
    for (i, digits) in per_scalar.into_iter().enumerate() {
        for (w, d) in digits.into_iter().enumerate() {
            out[w][i] = d;
        }
    }
    out
}

/// An XYZZ bucket from the kernel as a Jacobian point, without an inversion:
/// Z = ZZ·ZZZ, X = X₁·ZZZ·Z, Y = Y₁·ZZ·Z².
pub fn bucket_point(bytes: &[u8]) -> G1Projective {
    let zz = fq_from_bytes(&bytes[64..96]);
    if zz.is_zero() {
        return G1Projective::zero();
    }
    let (x, y, zzz): (Fq, Fq, Fq) =
        (fq_from_bytes(&bytes[0..32]), fq_from_bytes(&bytes[32..64]), fq_from_bytes(&bytes[96..128]));
    let z = zz * zzz;
    G1Projective::new_unchecked(x * zzz * z, y * zz * z.square(), z)
}

/// The doublings a window left to the host, as (bucket, point) pairs, from the area after its
/// buckets; `None` if more happened than the kernel records (the window must be recomputed).
pub fn deferred_doublings(area: &[u8], buckets: usize) -> Result<Option<Vec<(usize, G1Affine)>>> {
    let count = usize::from(u16::from_le_bytes([area[0], area[1]]));
    if area[2] & 1 != 0 {
        return Ok(None);
    }
    if count > DOUBLING_SLOTS {
        return Err(BackendError::DeviceLost {
            device: String::new(),
            reason: format!("the kernel reported {count} recorded doublings, more than its {DOUBLING_SLOTS} slots"),
        });
    }
    (0..count)
        .map(|j| {
            let bucket = usize::from(u16::from_le_bytes([area[4 + 2 * j], area[5 + 2 * j]]));
            if bucket >= buckets {
                return Err(BackendError::DeviceLost {
                    device: String::new(),
                    reason: format!("the kernel reported a doubling in bucket {bucket} of {buckets}"),
                });
            }
            let beat = &area[64 * (1 + j)..64 * (2 + j)];
            Ok((bucket, G1Affine::new_unchecked(fq_from_bytes(&beat[0..32]), fq_from_bytes(&beat[32..64]))))
        })
        .collect::<Result<Vec<_>>>()
        .map(Some)
}

/// Σ digits[i]·points[i] for one window on the host, by buckets: the fallback for a window with
/// more doublings than the kernel records.
pub fn host_window_sum(points: &[G1Affine], digits: &[i16], buckets: usize) -> G1Projective {
    let mut bucket = vec![G1Projective::zero(); buckets];
    for (p, &d) in points.iter().zip(digits) {
        match d {
            0 => {}
            d if d > 0 => bucket[d as usize - 1] += p,
            d => bucket[d.unsigned_abs() as usize - 1] -= p,
        }
    }
    let mut running = G1Projective::zero();
    let mut sum = G1Projective::zero();
    for b in bucket.iter().rev() {
        running += b;
        sum += running;
    }
    sum
}

/// One window's sum from what the kernel wrote: the buckets, then the deferred doublings
/// (`None` when they overflowed).
fn window_total(out: &[u8], nb: usize, host_points: &[G1Affine], digits: &[i16]) -> Result<G1Projective> {
    let (buckets, area) = out.split_at(nb * XYZZ_BYTES);
    Ok(match deferred_doublings(area, nb)? {
        Some(doublings) => {
            let mut sum = window_sum(buckets);
            for (bucket, point) in doublings {
                sum += G1Projective::from(point) * Fr::from(bucket as u64 + 1);
            }
            sum
        }
        None => host_window_sum(host_points, digits, nb),
    })
}

/// Σ (i+1)·bucket_i by running sums, from the top bucket down.
pub fn window_sum(buckets: &[u8]) -> G1Projective {
    let mut running = G1Projective::zero();
    let mut sum = G1Projective::zero();
    for bucket in buckets.chunks_exact(XYZZ_BYTES).rev() {
        running += bucket_point(bucket);
        sum += running;
    }
    sum
}

/// Σ scalars[i]·P_i for the points stored at device address `points` (64 bytes each, the
/// identity as zeros), `host_points` being the same points on the host (for a window the kernel
/// cannot finish) and `identity[i]` marking identity points. `c` forces the window width.
pub fn msm(
    device: &Device,
    session: &mut Session<'_>,
    points: u64,
    host_points: &[G1Affine],
    identity: &[bool],
    scalars: &[Fr],
    c: Option<u32>,
) -> Result<G1Projective> {
    let n = scalars.len();
    let cmax = device.caps().cmax;
    let c = c.unwrap_or_else(|| window_bits(n, cmax));
    if !(2..=cmax).contains(&c) {
        // Signed digits in [−2^(c−1), 2^(c−1)) need c ≥ 2; the kernel holds 2^(cmax−1) buckets.
        return Err(BackendError::InvalidInput(format!("MSM window of {c} bits is outside 2..={cmax}")));
    }
    if host_points.len() != n {
        return Err(BackendError::LengthMismatch {
            what: "MSM host points vs scalars",
            expected: n,
            got: host_points.len(),
        });
    }
    if identity.len() != n {
        return Err(BackendError::LengthMismatch {
            what: "MSM identity mask vs scalars",
            expected: n,
            got: identity.len(),
        });
    }
    let digits = signed_digits(scalars, identity, c);
    let nb = 1usize << (c - 1);
    let digit_bytes = n.div_ceil(DIGITS_PER_BEAT) * 64;
    let digit_buf = session.alloc(digit_bytes)?;
    let out_bytes = nb * XYZZ_BYTES + DOUBLING_BYTES;
    let bucket_buf = match session.alloc(out_bytes) {
        Ok(b) => b,
        Err(e) => {
            session.free(digit_buf);
            return Err(e);
        }
    };
    // The host reduces each window on its own thread as soon as the kernel has written it, while
    // the kernel accumulates the next one: the reduction overlaps the card instead of following
    // it. Plain threads, not the rayon pool: the caller may itself be a rayon worker, and a pool
    // whose workers all wait here would never run the reductions.
    let (result, reduced) = std::thread::scope(|scope| {
        let digits = &digits;
        let mut reducers = Vec::with_capacity(digits.len());
        let result = (|| {
            let mut bytes = vec![0u8; digit_bytes];
            for (w, window) in digits.iter().enumerate() {
                for (chunk, d) in bytes.chunks_exact_mut(2).zip(window) {
                    chunk.copy_from_slice(&d.to_le_bytes());
                }
                session.write(&digit_buf, 0, &bytes)?;
                // Worst case every pair hits one bucket: one addition per turnaround.
                let budget = (BUCKET_TURNAROUND + 8) * n as u64 + 8 * nb as u64 + 100_000;
                session.run(
                    Command::MsmWindow,
                    n as u32,
                    c,
                    [points, digit_buf.addr, bucket_buf.addr],
                    n as u64,
                    budget,
                )?;
                let mut out = vec![0u8; out_bytes];
                session.read(&bucket_buf, 0, &mut out)?;
                reducers.push(scope.spawn(move || window_total(&out, nb, host_points, &digits[w])));
            }
            Ok(())
        })();
        let reduced: Result<Vec<G1Projective>> =
            reducers.into_iter().map(|r| r.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))).collect();
        (result, reduced)
    });
    session.free(digit_buf);
    session.free(bucket_buf);
    result?;
    let sums = reduced?;
    let mut acc = G1Projective::zero();
    for sum in sums.iter().rev() {
        for _ in 0..c {
            acc.double_in_place();
        }
        acc += sum;
    }
    Ok(acc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::{One, UniformRand};

    fn recompose(digits: &[Vec<i16>], i: usize, c: u32) -> Fr {
        digits.iter().rev().fold(Fr::zero(), |acc, w| {
            acc * Fr::from(1u64 << c) + if w[i] < 0 { -Fr::from(-(w[i] as i64) as u64) } else { Fr::from(w[i] as u64) }
        })
    }

    #[test]
    fn signed_digits_recompose_to_the_scalar() {
        let mut rng = ark_std::test_rng();
        let scalars: Vec<Fr> = (0..50).map(|_| Fr::rand(&mut rng)).chain([Fr::zero(), -Fr::one(), Fr::one()]).collect();
        for c in [2u32, 3, 7, 10, 13, 16] {
            let digits = signed_digits(&scalars, &vec![false; scalars.len()], c);
            assert_eq!(digits.len(), windows(c));
            for (i, s) in scalars.iter().enumerate() {
                assert_eq!(recompose(&digits, i, c), *s, "c = {c}, scalar {i}");
                let half = 1i32 << (c - 1);
                assert!(digits.iter().all(|w| (-half..half).contains(&(w[i] as i32))), "digit range, c = {c}");
            }
        }
    }

    #[test]
    fn window_choice_grows_with_n() {
        assert!(window_bits(1, 16) <= 8);
        assert!(window_bits(1 << 10, 16) < window_bits(1 << 20, 16));
        assert_eq!(window_bits(1 << 24, 16), 16);
    }
}
