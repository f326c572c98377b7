//! Fast multi-scalar multiplication: Pippenger with signed digits, batch-affine buckets for large
//! windows, a cost model for the window width, and rayon tasks over (window, point chunk) pairs.
//!
//! Steps: [`digits::scan`] finds every scalar's bit length; [`window::groups`] plans one run, or two
//! (small and full-size scalars) when the mix favours it; each run recodes its scalars into an
//! `i16` digit table, accumulates every (window, chunk) task into its own buckets
//! ([`batch_affine`] or [`projective_buckets`]), reduces them ([`reduce`]) and combines windows.

mod affine_pairs;
#[cfg(target_arch = "x86_64")]
mod affine_simd;
mod batch_affine;
mod digits;
mod projective_buckets;
mod reduce;
mod window;

use ark_bn254::Fr;
use ark_ec::short_weierstrass::{Affine, Projective, SWCurveConfig};
use ark_ff::Zero;
use rayon::prelude::*;

use batch_affine::AffineBuckets;
use digits::Members;
use window::{CurveCosts, Mode, Plan};

/// Whether G1's batched affine additions use the AVX-512 IFMA path where the CPU has it
/// ([`crate::cpu::simd::available`]); on by default.
static VECTOR_AFFINE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(true);

/// Turns the vectorised G1 affine additions on or off for this process (results are identical
/// either way), e.g. to time both paths in one run. Other vector paths are unaffected.
pub fn set_vector_affine(on: bool) {
    VECTOR_AFFINE.store(on, std::sync::atomic::Ordering::Relaxed);
}

/// Whether the vectorised G1 affine additions are switched on (see [`set_vector_affine`]).
fn vector_affine_on() -> bool {
    VECTOR_AFFINE.load(std::sync::atomic::Ordering::Relaxed)
}

/// Inputs longer than this are split into pieces (point indices are stored as `u32`).
const MAX_PIECE: usize = 1 << 31;

/// Σ scalars[i]·bases[i] on the current rayon pool. Extra elements of the longer slice, if the
/// lengths differ, are ignored (the caller checks lengths); no input panics.
pub fn msm<P: SWCurveConfig<ScalarField = Fr>>(bases: &[Affine<P>], scalars: &[Fr]) -> Projective<P> {
    let n = bases.len().min(scalars.len());
    if n == 0 {
        return Projective::zero();
    }
    if n > MAX_PIECE {
        return bases[..n].chunks(MAX_PIECE).zip(scalars[..n].chunks(MAX_PIECE)).map(|(b, s)| msm(b, s)).sum();
    }
    let (bases, scalars) = (&bases[..n], &scalars[..n]);
    let scan = digits::scan(bases, scalars);
    let threads = rayon::current_num_threads();
    let mut acc = Projective::<P>::zero();
    for group in window::groups(&scan.hist, threads, &curve_costs::<P>()) {
        // Scan every point when the group is (nearly) all of them; list its members otherwise.
        let list: Vec<u32>;
        let members = if group.len + scan.hist[0] == n && scan.hist[0] <= n / 8 {
            Members::All(n)
        } else {
            let (lo, hi) = (group.lo as u8, group.hi.min(255) as u8);
            list = scan
                .bit_lens
                .par_iter()
                .enumerate()
                .filter(|(_, &b)| (lo..=hi).contains(&b))
                .map(|(i, _)| i as u32)
                .collect();
            Members::List(&list)
        };
        acc += run(bases, scalars, members, &group.plan);
    }
    acc
}

/// Cost-model inputs for curve `P`.
fn curve_costs<P: SWCurveConfig>() -> CurveCosts {
    let field_bytes = std::mem::size_of::<P::BaseField>();
    // G1's batched affine additions run 8 lanes at a time with AVX-512 IFMA where available.
    #[cfg(target_arch = "x86_64")]
    let vector = affine_simd::vector_path::<P>();
    #[cfg(not(target_arch = "x86_64"))]
    let vector = false;
    CurveCosts {
        affine_bytes: std::mem::size_of::<Affine<P>>(),
        projective_bytes: std::mem::size_of::<Projective<P>>(),
        // Measured: an Fq inversion costs about 230 Fq multiplications; an Fq2 inversion (one Fq
        // inversion plus a few products) about 60 Fq2 multiplications.
        inversion: if field_bytes <= 32 { 230.0 } else { 60.0 },
        affine_add: if vector { window::VECTOR_AFFINE_ADD } else { window::AFFINE_ADD },
        reduce_affine: if vector { window::VECTOR_REDUCE_AFFINE } else { window::REDUCE_AFFINE },
    }
}

/// One Pippenger run over `members` with `plan`.
fn run<P: SWCurveConfig<ScalarField = Fr>>(
    bases: &[Affine<P>],
    scalars: &[Fr],
    members: Members<'_>,
    plan: &Plan,
) -> Projective<P> {
    let m = members.len();
    let windows = plan.windows();
    let table = digits::table(bases, scalars, members, plan.c, windows as u32);
    let chunk = m.div_ceil(plan.chunks.max(1)).max(1);
    let tasks: Vec<(usize, usize)> =
        (0..windows).flat_map(|w| (0..m.div_ceil(chunk)).map(move |k| (w, k * chunk))).collect();
    let partial: Vec<(usize, Projective<P>)> = tasks
        .into_par_iter()
        .with_max_len(1)
        .map(|(w, start)| {
            let end = (start + chunk).min(m);
            let digits = &table[w * m + start..w * m + end];
            let bucket_count = plan.buckets[w];
            let sum = match plan.modes[w] {
                Mode::BatchAffine { batch } => {
                    let mut acc = AffineBuckets::new(bases, bucket_count, batch);
                    acc.accumulate(digits, members, start);
                    reduce::affine_buckets(&acc.buckets, acc.spill.as_deref())
                }
                Mode::Projective => reduce::projective_buckets(&projective_buckets::accumulate(
                    bases,
                    digits,
                    members,
                    start,
                    bucket_count,
                )),
            };
            (w, sum)
        })
        .collect();
    let mut window_sums = vec![Projective::<P>::zero(); windows];
    for (w, s) in partial {
        window_sums[w] += s;
    }
    reduce::combine_windows(&window_sums, plan.c)
}

/// Upper estimate of the extra memory [`msm`] allocates for `n` G1 points, in bytes: the digit
/// table, bit lengths and a member list, plus each worker's buckets (affine, spill) and batch.
pub fn working_memory_bytes(n: usize) -> u64 {
    let n = n as u64;
    let digits = (window::DIGIT_BYTES_PER_POINT as u64 * n).max(window::SMALL_TABLE_BYTES as u64);
    let lists = n + 4 * n;
    let threads = rayon::current_num_threads().max(std::thread::available_parallelism().map_or(1, |t| t.get())) as u64;
    let max_buckets = 1u64 << (digits::MAX_WINDOW_BITS - 1);
    let affine = std::mem::size_of::<Affine<ark_bn254::g1::Config>>() as u64;
    let projective = std::mem::size_of::<Projective<ark_bn254::g1::Config>>() as u64;
    let per_task = max_buckets * (affine + projective) + max_buckets / 8 + 1024 * 80;
    if n == 0 {
        return 0;
    }
    digits + lists + threads * per_task
}

#[cfg(test)]
mod tests;
