//! The dispatch sequence for one chunk: per group of windows, decompose → scan → scatter →
//! accumulate → combine tree passes → combine → reduce → finish (see `kernels/wgsl/msm.wgsl`), all in one command
//! buffer, then the window sums are read back.

use std::sync::Arc;

use ark_bn254::{Fr, G1Projective};
use zkaccel_backends::device_layout::XYZZ_BYTES;
use zkaccel_backends::Result;

use super::horner::combine_windows;
use super::plan::{Plan, SLICE_LEN};
use super::scalars::standard_bytes;
use crate::context::GpuContext;
use crate::shaders::Program;

/// The MSM kernels, compiled once per engine.
pub struct Kernels {
    decompose: Arc<wgpu::ComputePipeline>,
    scan: Arc<wgpu::ComputePipeline>,
    scatter: Arc<wgpu::ComputePipeline>,
    accumulate: Arc<wgpu::ComputePipeline>,
    combine_tree: Arc<wgpu::ComputePipeline>,
    combine: Arc<wgpu::ComputePipeline>,
    reduce: Arc<wgpu::ComputePipeline>,
    finish: Arc<wgpu::ComputePipeline>,
}

impl Kernels {
    /// Compiles (or fetches from the context's cache) every MSM kernel.
    pub fn load(ctx: &GpuContext) -> Result<Kernels> {
        Ok(Kernels {
            decompose: ctx.pipeline(Program::Msm, "msm_decompose")?,
            scan: ctx.pipeline(Program::Msm, "msm_scan")?,
            scatter: ctx.pipeline(Program::Msm, "msm_scatter")?,
            accumulate: ctx.pipeline(Program::Msm, "msm_accumulate")?,
            combine_tree: ctx.pipeline(Program::Msm, "msm_combine_tree")?,
            combine: ctx.pipeline(Program::Msm, "msm_combine")?,
            reduce: ctx.pipeline(Program::Msm, "msm_reduce")?,
            finish: ctx.pipeline(Program::Msm, "msm_finish")?,
        })
    }
}

/// Σ scalars[i]·bases[base_offset + i] for one chunk whose bases lie in `bases` (affine device
/// points). `plan` must be `Plan::new(scalars.len(), ..)`.
pub fn run_chunk(
    ctx: &GpuContext,
    kernels: &Kernels,
    plan: &Plan,
    bases: &wgpu::Buffer,
    base_offset: u32,
    scalars: &[Fr],
) -> Result<G1Projective> {
    let n = plan.n as u64;
    let group = plan.group as u64;
    let entries = n * group;
    let bucket_count = group * plan.buckets as u64;
    let slices = entries.div_ceil(SLICE_LEN as u64);
    let xyzz = XYZZ_BYTES as u64;

    let scalar_buf = ctx.storage_from("msm scalars", &standard_bytes(scalars));
    let keys = ctx.storage_zeroed("msm keys", entries * 4);
    let vals = ctx.storage_zeroed("msm vals", entries * 4);
    let sorted_keys = ctx.storage_zeroed("msm sorted keys", entries * 4);
    let sorted_vals = ctx.storage_zeroed("msm sorted vals", entries * 4);
    let counts = ctx.storage_zeroed("msm counts", bucket_count * 4);
    let starts = ctx.storage_zeroed("msm starts", bucket_count * 4);
    let buckets = ctx.storage_zeroed("msm buckets", bucket_count * xyzz);
    let partials = ctx.storage_zeroed("msm partials", 2 * slices * xyzz);
    let segments = ctx.storage_zeroed("msm segments", 2 * group * plan.segs as u64 * xyzz);
    let window_sums = ctx.storage_zeroed("msm window sums", plan.windows as u64 * xyzz);

    let mut encoder = ctx.encoder("msm");
    let mut w0 = 0u32;
    while w0 < plan.windows {
        let wg = plan.group.min(plan.windows - w0);
        let total = plan.n * wg;
        let params = [
            plan.n,
            base_offset,
            plan.c,
            plan.buckets,
            w0,
            wg,
            SLICE_LEN,
            plan.seg_len,
            plan.segs,
            total,
            plan.seg_len.trailing_zeros(),
            0,
        ];
        encoder.clear_buffer(&counts, 0, None);
        encoder.clear_buffer(&sorted_keys, 0, None);
        ctx.dispatch(&mut encoder, &kernels.decompose, &params, &[&scalar_buf, &keys, &vals, &counts], n);
        ctx.dispatch_groups(&mut encoder, &kernels.scan, &params, &[&counts, &starts], wg as u64);
        ctx.dispatch(
            &mut encoder,
            &kernels.scatter,
            &params,
            &[&keys, &vals, &counts, &sorted_keys, &sorted_vals],
            total as u64,
        );
        ctx.dispatch(
            &mut encoder,
            &kernels.accumulate,
            &params,
            &[&sorted_keys, &sorted_vals, &starts, &counts, bases, &buckets, &partials],
            (total as u64).div_ceil(SLICE_LEN as u64),
        );
        // Pairwise sums of the partials of buckets that span slices: a bucket spans at most
        // every slice of the group, so ⌈log2(slices)⌉ passes reduce any bucket.
        let group_slices = (total as u64).div_ceil(SLICE_LEN as u64);
        for pass in 0..tree_passes(group_slices) {
            let mut tree_params = params;
            tree_params[11] = pass;
            ctx.dispatch(
                &mut encoder,
                &kernels.combine_tree,
                &tree_params,
                &[&sorted_keys, &starts, &counts, &partials],
                group_slices,
            );
        }
        ctx.dispatch(
            &mut encoder,
            &kernels.combine,
            &params,
            &[&starts, &counts, &partials, &buckets],
            wg as u64 * plan.buckets as u64,
        );
        ctx.dispatch(&mut encoder, &kernels.reduce, &params, &[&buckets, &segments], wg as u64 * plan.segs as u64);
        ctx.dispatch(&mut encoder, &kernels.finish, &params, &[&segments, &window_sums], wg as u64);
        w0 += wg;
    }
    let bytes = ctx.read_after(encoder, &window_sums, 0, plan.windows as u64 * xyzz)?;
    Ok(combine_windows(&bytes, plan.c))
}

/// Passes of `msm_combine_tree` that reduce a bucket spanning up to `slices` slices: its
/// continuation slices (at most `slices − 1`) halve each pass.
fn tree_passes(slices: u64) -> u32 {
    let continuations = slices.saturating_sub(1);
    if continuations <= 1 {
        0
    } else {
        u64::BITS - (continuations - 1).leading_zeros()
    }
}

#[cfg(test)]
mod tests {
    use super::tree_passes;

    #[test]
    fn tree_passes_cover_every_continuation() {
        // k continuations need ⌈log2 k⌉ pairwise passes.
        for (slices, passes) in [(0, 0), (1, 0), (2, 0), (3, 1), (4, 2), (5, 2), (6, 3), (9, 3), (10, 4), (1 << 20, 20)]
        {
            assert_eq!(tree_passes(slices), passes, "{slices} slices");
        }
    }
}
