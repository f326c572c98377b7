//! One device group: upload whole polynomials, record every dispatch of their transform in
//! one command buffer, read the result back.

use ark_bn254::Fr;
use zkaccel_backends::device_layout::{fr_from_bytes_into, fr_to_bytes, FIELD_BYTES};
use zkaccel_backends::{BackendError, Op, Result};

use super::plan::{StagePlan, Tile};
use super::tables::{TableCache, TransformTables};
use crate::context::GpuContext;
use crate::shaders::Program;

/// Transforms `data` (whole polynomials of 2^log_n points, fitting one binding) in place on
/// the device with `tables`, the first stages in workgroup memory on tiles of `tile_kind`.
pub fn transform_group(
    ctx: &GpuContext,
    tables: &TransformTables,
    tile_kind: Tile,
    data: &mut [Fr],
    log_n: u32,
) -> Result<()> {
    let total = u32::try_from(data.len())
        .map_err(|_| BackendError::InvalidInput(format!("{} points do not fit one NTT dispatch", data.len())))?;
    if total == 0 {
        return Ok(());
    }
    let plan = StagePlan::new(log_n, tile_kind);
    let bit_reverse = match &tables.before {
        Some(_) => ctx.pipeline(Program::Ntt, "ntt_bit_reverse_scale")?,
        None => ctx.pipeline(Program::Ntt, "ntt_bit_reverse")?,
    };
    let tile = ctx.pipeline(Program::Ntt, tile_kind.entry)?;
    let stage = ctx.pipeline(Program::Ntt, "ntt_stage")?;
    let scale = match &tables.after {
        Some(_) => Some(ctx.pipeline(Program::Ntt, "ntt_scale")?),
        None => None,
    };
    let bytes = data.len() as u64 * FIELD_BYTES as u64;
    // The data, its read-back copy and the tables.
    let estimate = 2 * bytes + TableCache::bytes(log_n);
    ctx.scoped(Op::Ntt, estimate, || {
        let buffer = ctx.storage_from("ntt data", &fr_to_bytes(data));
        let mut encoder = ctx.encoder("ntt");
        let n = u64::from(total);
        match &tables.before {
            Some(f) => ctx.dispatch(&mut encoder, &bit_reverse, &[total, log_n, 0, f.mask], &[&buffer, &f.buffer], n),
            None => ctx.dispatch(&mut encoder, &bit_reverse, &[total, log_n, 0, 0], &[&buffer], n),
        }
        let params = [total, log_n, plan.tile_stages, 0];
        ctx.dispatch_groups(&mut encoder, &tile, &params, &[&buffer, &tables.twiddles], n.div_ceil(tile_kind.points()));
        for s in plan.global_stages() {
            ctx.dispatch(&mut encoder, &stage, &[total, log_n, s, 0], &[&buffer, &tables.twiddles], n / 2);
        }
        if let (Some(scale), Some(f)) = (&scale, &tables.after) {
            ctx.dispatch(&mut encoder, scale, &[total, log_n, 0, f.mask], &[&buffer, &f.buffer], n);
        }
        let out = ctx.read_after(encoder, &buffer, 0, bytes)?;
        if out.len() as u64 != bytes {
            return Err(ctx.lost_error("the NTT read-back was short"));
        }
        fr_from_bytes_into(&out, data);
        Ok(())
    })
}
