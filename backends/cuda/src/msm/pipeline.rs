//! The launch sequence for one chunk of an MSM (see the header of kernels/cuda/msm.cu).
//!
//! Host→device copies overlap the kernels: the chunk's scalars and (for a non-resident MSM)
//! bases are started with [`GpuDevice::upload_async`], scalars first; the scalars are waited
//! for before `msm_digits`, the bases only right before `msm_accumulate_bases`, so the bases
//! copy runs under the digit, sort and segment kernels, which do not read them.

use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ff::AdditiveGroup;
use ark_ff::Zero;
use zkaccel_backends::Result;

use super::plan::MsmPlan;
use super::scan::exclusive_scan;
use crate::device::{DeviceBuffer, DevicePtr, GpuDevice, KernelArg, LaunchShape, Program};
use crate::layout::{fr_write, g1_affine_write, g1_from_xyzz_bytes, AFFINE_BYTES, FIELD_BYTES, XYZZ_BYTES};

/// Threads per block for the element-wise MSM kernels.
const BLOCK: u32 = 256;

/// Where the chunk's bases are on the device.
#[derive(Debug, Clone, Copy)]
pub struct BasesOnDevice {
    /// Start of copy 0 of the bases (affine, 64 bytes per point).
    pub ptr: DevicePtr,
    /// Index of the chunk's first point inside each copy.
    pub first_point: u32,
    /// Points per copy (distance between copies, in points).
    pub copy_stride: u32,
}

/// The chunk's bases: already on the device, or to be uploaded by the chunk.
#[derive(Debug, Clone, Copy)]
pub enum ChunkBases<'a> {
    /// Resident bases (with their precomputed copies).
    Resident(BasesOnDevice),
    /// Bases to upload (asynchronously, overlapping the first kernels).
    Upload(&'a [G1Affine]),
}

fn launch(device: &dyn GpuDevice, kernel: &str, threads: u64, args: &[KernelArg]) -> Result<()> {
    device.launch(Program::Msm, kernel, LaunchShape::cover(threads, BLOCK), args)
}

fn download_u32(device: &dyn GpuDevice, buffer: &DeviceBuffer, index: u32) -> Result<u32> {
    let mut bytes = [0u8; 4];
    device.download(buffer, index as usize * 4, &mut bytes)?;
    Ok(u32::from_le_bytes(bytes))
}

/// A copy of the first `n` u32s of `src`.
fn copy_u32(device: &dyn GpuDevice, src: &DeviceBuffer, n: u32) -> Result<DeviceBuffer> {
    let dst = device.alloc(n as usize * 4)?;
    launch(device, "msm_copy", n as u64, &[dst.arg(), src.arg(), KernelArg::U32(n)])?;
    Ok(dst)
}

/// Σ scalars[i]·P_i for one chunk (`bases` has as many points as `scalars` when uploaded).
pub fn msm_chunk(
    device: &dyn GpuDevice,
    plan: &MsmPlan,
    bases: ChunkBases<'_>,
    scalars: &[Fr],
) -> Result<G1Projective> {
    let m = scalars.len() as u32;
    if m == 0 {
        return Ok(G1Projective::zero());
    }
    let windows = plan.windows();
    let total = windows * m;
    let buckets = plan.total_buckets();

    // 0. Start the copies: scalars first (waited for first), then the bases. Both run on the
    // device's copy stream, in this order.
    let scalar_buf = device.alloc(scalars.len() * FIELD_BYTES)?;
    let scalars_copy =
        device.upload_async(&scalar_buf, 0, scalars.len() * FIELD_BYTES, &mut |out| fr_write(scalars, out))?;
    let (bases, _bases_buf, mut bases_copy) = match bases {
        ChunkBases::Resident(on_device) => (on_device, None, None),
        ChunkBases::Upload(points) => {
            assert_eq!(points.len(), scalars.len(), "one base per scalar");
            let bytes = points.len() * AFFINE_BYTES;
            let buffer = device.alloc(bytes)?;
            let copy = device.upload_async(&buffer, 0, bytes, &mut |out| g1_affine_write(points, out))?;
            let on_device = BasesOnDevice { ptr: buffer.ptr(), first_point: 0, copy_stride: m };
            (on_device, Some(buffer), Some(copy))
        }
    };

    // 1. Scalars → signed digits.
    let keys = device.alloc(total as usize * 4)?;
    let values = device.alloc(total as usize * 4)?;
    device.wait(scalars_copy)?;
    launch(
        device,
        "msm_digits",
        m as u64,
        &[
            scalar_buf.arg(),
            KernelArg::U32(m),
            KernelArg::U32(plan.c),
            KernelArg::U32(plan.windows_per_copy),
            KernelArg::U32(plan.copies),
            KernelArg::U32(bases.first_point),
            KernelArg::U32(bases.copy_stride),
            keys.arg(),
            values.arg(),
        ],
    )?;
    // Buffers no longer needed are freed only once the bases copy is done: freeing device
    // memory may synchronise the whole device, copy stream included.
    let mut deferred = vec![scalar_buf];

    // 2–3. Counting sort of the point references by bucket.
    let counts = device.alloc((buckets as usize + 1) * 4)?;
    launch(device, "msm_count", total as u64, &[keys.arg(), KernelArg::U32(total), counts.arg()])?;
    let offsets = copy_u32(device, &counts, buckets + 1)?;
    exclusive_scan(device, &offsets, buckets + 1)?;
    let nonzero = download_u32(device, &offsets, buckets)?;
    let cursors = device.alloc(buckets as usize * 4)?;
    let sorted = device.alloc(nonzero.max(1) as usize * 4)?;
    launch(
        device,
        "msm_scatter",
        total as u64,
        &[keys.arg(), values.arg(), KernelArg::U32(total), offsets.arg(), cursors.arg(), sorted.arg()],
    )?;
    deferred.extend([keys, values, cursors]);

    // 4–5. Segmented bucket accumulation, repeated until each bucket has one partial sum.
    let mut level_counts = counts;
    let mut level_offsets = offsets;
    let mut level_points: Option<DeviceBuffer> = None;
    loop {
        let segments = device.alloc((buckets as usize + 1) * 4)?;
        let max_segments = device.alloc(4)?;
        launch(
            device,
            "msm_segments",
            buckets as u64 + 1,
            &[
                level_counts.arg(),
                KernelArg::U32(buckets),
                KernelArg::U32(plan.segment),
                segments.arg(),
                max_segments.arg(),
            ],
        )?;
        let seg_start = copy_u32(device, &segments, buckets + 1)?;
        exclusive_scan(device, &seg_start, buckets + 1)?;
        let total_segments = download_u32(device, &seg_start, buckets)?;
        let widest = download_u32(device, &max_segments, 0)?;
        let partials = device.alloc(total_segments.max(1) as usize * XYZZ_BYTES)?;
        let common = [
            level_offsets.arg(),
            level_counts.arg(),
            seg_start.arg(),
            KernelArg::U32(buckets),
            KernelArg::U32(plan.segment),
            KernelArg::U32(total_segments),
            partials.arg(),
        ];
        match &level_points {
            None => {
                // The first kernel that reads the bases.
                if let Some(copy) = bases_copy.take() {
                    device.wait(copy)?;
                }
                drop(std::mem::take(&mut deferred));
                let mut args = vec![KernelArg::Ptr(bases.ptr), sorted.arg()];
                args.extend_from_slice(&common);
                launch(device, "msm_accumulate_bases", total_segments as u64, &args)?;
            }
            Some(points) => {
                let mut args = vec![points.arg()];
                args.extend_from_slice(&common);
                launch(device, "msm_accumulate_xyzz", total_segments as u64, &args)?;
            }
        }
        level_counts = segments;
        level_offsets = seg_start;
        level_points = Some(partials);
        if widest <= 1 {
            break;
        }
    }
    drop(sorted);
    let partials = level_points.expect("the loop runs at least once");
    let bucket_sums = device.alloc(buckets as usize * XYZZ_BYTES)?;
    launch(
        device,
        "msm_gather_buckets",
        buckets as u64,
        &[partials.arg(), level_counts.arg(), level_offsets.arg(), KernelArg::U32(buckets), bucket_sums.arg()],
    )?;
    drop((partials, level_counts, level_offsets));

    // 6. Window sums: running sums per chunk of buckets, then a tree over the chunks.
    let chunks = plan.chunks_per_window();
    let windows_summed = plan.windows_per_copy;
    let window_sums = device.alloc((windows_summed * chunks) as usize * XYZZ_BYTES)?;
    launch(
        device,
        "msm_bucket_chunks",
        (windows_summed * chunks) as u64,
        &[
            bucket_sums.arg(),
            KernelArg::U32(windows_summed),
            KernelArg::U32(plan.buckets_per_window()),
            KernelArg::U32(plan.chunk),
            window_sums.arg(),
        ],
    )?;
    let mut half = chunks / 2;
    while half >= 1 {
        launch(
            device,
            "msm_sum_halves",
            (windows_summed * half) as u64,
            &[window_sums.arg(), KernelArg::U32(windows_summed), KernelArg::U32(chunks), KernelArg::U32(half)],
        )?;
        half /= 2;
    }
    let mut sums = Vec::with_capacity(windows_summed as usize);
    let mut bytes = vec![0u8; XYZZ_BYTES];
    for w in 0..windows_summed {
        device.download(&window_sums, (w * chunks) as usize * XYZZ_BYTES, &mut bytes)?;
        sums.push(g1_from_xyzz_bytes(&bytes));
    }
    Ok(combine_windows(&sums, plan.c))
}

/// Σ_w 2^(c·w)·sums[w], by Horner's rule from the top window.
pub fn combine_windows(sums: &[G1Projective], c: u32) -> G1Projective {
    let mut acc = G1Projective::zero();
    for sum in sums.iter().rev() {
        for _ in 0..c {
            acc.double_in_place();
        }
        acc += sum;
    }
    acc
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::G1Projective;
    use ark_ec::PrimeGroup;

    #[test]
    fn windows_combine_with_power_of_two_weights() {
        let g = G1Projective::generator();
        let sums = [g, g * Fr::from(3u64), G1Projective::zero(), g];
        let c = 5;
        let expected = g * Fr::from(1u64 + 3 * 32 + 32u64.pow(3));
        assert_eq!(combine_windows(&sums, c), expected);
        assert!(combine_windows(&[], c).is_zero());
    }
}
