//! G1 MSM on the device: Pippenger with signed digits, counting-sort bucket assignment,
//! segmented XYZZ bucket accumulation and on-device window sums (kernels/cuda/msm.cu); only
//! the final combination of the window sums runs on the host.
//!
//! Inputs larger than the device's free memory are split into chunks whose results are
//! added; a chunk that still fails to allocate is retried at half the size, and only a
//! single point that does not fit is reported as `OutOfMemory`.

mod pipeline;
mod plan;
mod scan;

use std::collections::HashMap;
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ff::Zero;
use zkaccel_backends::{BackendError, Result};

use crate::device::{DeviceBuffer, GpuDevice, KernelArg, LaunchShape, Program};
use crate::layout::{g1_affine_to_bytes, AFFINE_BYTES};
use pipeline::{msm_chunk, BasesOnDevice, ChunkBases};
pub use plan::MsmPlan;

/// Share of the free device memory one MSM chunk may plan to use.
const MEMORY_SHARE: f64 = 0.8;
/// Largest chunk, in points (keeps every u32 index on the device in range).
const MAX_CHUNK: usize = 1 << 25;

/// Tuning of the MSM engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MsmOptions {
    /// Copies of each resident base, copy j shifted by 2^(c·⌈W/k⌉·j) (ICICLE's precompute
    /// factor): k times the base memory for about k times fewer bucket windows. 1 = off.
    pub precompute_factor: u32,
}

impl Default for MsmOptions {
    fn default() -> Self {
        MsmOptions { precompute_factor: 1 }
    }
}

/// Bases kept on the device behind a handle.
struct Resident {
    buffer: DeviceBuffer,
    len: usize,
    c: u32,
    copies: u32,
}

/// Runs G1 MSMs on one device and keeps resident bases.
pub struct MsmEngine {
    device: Arc<dyn GpuDevice>,
    options: MsmOptions,
    resident: Mutex<HashMap<u64, Arc<Resident>>>,
    next_id: AtomicU64,
}

impl MsmEngine {
    /// An engine on `device` with default options.
    pub fn new(device: Arc<dyn GpuDevice>) -> Self {
        Self::with_options(device, MsmOptions::default())
    }

    /// An engine on `device` with `options`.
    pub fn with_options(device: Arc<dyn GpuDevice>, options: MsmOptions) -> Self {
        MsmEngine { device, options, resident: Mutex::new(HashMap::new()), next_id: AtomicU64::new(1) }
    }

    /// Σ scalars[i]·bases[i] (lengths already validated equal).
    pub fn msm_g1(&self, bases: &[G1Affine], scalars: &[Fr]) -> Result<G1Projective> {
        let device = self.device.as_ref();
        let c = MsmPlan::window_bits(scalars.len());
        let plan = MsmPlan::new(scalars.len(), c, 1, device.compute_units());
        // Chunks run one after another; inside each, the bases copy overlaps the first kernels
        // (see `pipeline`).
        self.chunked(scalars.len(), &plan, true, |range, plan| {
            msm_chunk(device, plan, ChunkBases::Upload(&bases[range.clone()]), &scalars[range])
        })
    }

    /// Uploads bases (and their precomputed shifted copies); returns the resident copy's id.
    pub fn load_bases(&self, bases: Arc<[G1Affine]>) -> Result<u64> {
        let device = self.device.as_ref();
        let len = bases.len();
        if len as u64 * self.options.precompute_factor as u64 >= 1 << 31 {
            return Err(BackendError::InvalidInput(format!(
                "{len} resident bases × precompute factor {} exceeds the device's 2^31 point indices",
                self.options.precompute_factor
            )));
        }
        let c = MsmPlan::window_bits(len);
        let plan = MsmPlan::new(len, c, self.options.precompute_factor, device.compute_units());
        let copy_bytes = len * AFFINE_BYTES;
        let buffer = device.alloc((copy_bytes * plan.copies as usize).max(1))?;
        device.upload(&buffer, 0, &g1_affine_to_bytes(&bases))?;
        for j in 1..plan.copies as usize {
            device.launch(
                Program::Msm,
                "msm_shift_bases",
                LaunchShape::cover(len as u64, 128),
                &[
                    buffer.arg_at((j - 1) * copy_bytes),
                    KernelArg::U32(len as u32),
                    KernelArg::U32(c * plan.windows_per_copy),
                    buffer.arg_at(j * copy_bytes),
                ],
            )?;
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let resident = Resident { buffer, len, c, copies: plan.copies };
        self.resident.lock().expect("resident map").insert(id, Arc::new(resident));
        Ok(id)
    }

    /// Frees resident bases.
    pub fn unload_bases(&self, id: u64) -> Result<()> {
        match self.resident.lock().expect("resident map").remove(&id) {
            Some(_) => Ok(()),
            None => Err(unknown_handle(id)),
        }
    }

    /// MSM over `range` of resident bases `id` (range and lengths already validated).
    pub fn msm_resident(&self, id: u64, range: Range<usize>, scalars: &[Fr]) -> Result<G1Projective> {
        let resident = self.resident.lock().expect("resident map").get(&id).cloned();
        let resident = resident.ok_or_else(|| unknown_handle(id))?;
        let device = self.device.as_ref();
        // Precomputed copies fix the window width they were shifted for; without them the width
        // follows this call's length (a scheduler's share of a large handle may be small).
        let c = if resident.copies > 1 { resident.c } else { MsmPlan::window_bits(scalars.len()) };
        let plan = MsmPlan::new(scalars.len(), c, resident.copies, device.compute_units());
        self.chunked(scalars.len(), &plan, false, |chunk, plan| {
            let on_device = BasesOnDevice {
                ptr: resident.buffer.ptr(),
                first_point: (range.start + chunk.start) as u32,
                copy_stride: resident.len as u32,
            };
            msm_chunk(device, plan, ChunkBases::Resident(on_device), &scalars[chunk])
        })
    }

    /// Runs `run` over chunks of `n` points sized to the device's free memory and adds the
    /// results. A chunk that fails with `OutOfMemory` is retried in halves.
    fn chunked(
        &self,
        n: usize,
        plan: &MsmPlan,
        with_bases: bool,
        run: impl Fn(Range<usize>, &MsmPlan) -> Result<G1Projective>,
    ) -> Result<G1Projective> {
        if n == 0 {
            return Ok(G1Projective::zero());
        }
        let free = self.device.free_memory()?;
        let mut chunk = largest_fitting_chunk(plan, with_bases, free, n).max(1);
        let mut total = G1Projective::zero();
        let mut start = 0;
        while start < n {
            let end = (start + chunk).min(n);
            match run(start..end, plan) {
                Ok(partial) => {
                    total += partial;
                    start = end;
                }
                Err(BackendError::OutOfMemory { .. }) if chunk > 1 => chunk /= 2,
                Err(e) => return Err(e),
            }
        }
        Ok(total)
    }
}

fn unknown_handle(id: u64) -> BackendError {
    BackendError::UnknownHandle { handle: id, device: "cuda".into() }
}

/// The most points (≤ n) whose chunk fits in `MEMORY_SHARE` of `free` bytes; 0 if none.
fn largest_fitting_chunk(plan: &MsmPlan, with_bases: bool, free: u64, n: usize) -> usize {
    let budget = (free as f64 * MEMORY_SHARE) as u64;
    let (mut lo, mut hi) = (0usize, n.min(MAX_CHUNK));
    while lo < hi {
        let mid = lo + (hi - lo).div_ceil(2);
        if plan.device_bytes(mid, with_bases) <= budget {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    lo
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunk_fits_the_budget_and_is_monotone() {
        let plan = MsmPlan::new(1 << 20, 16, 1, 132);
        let free = 512u64 << 20;
        let chunk = largest_fitting_chunk(&plan, true, free, 1 << 20);
        assert!(chunk > 0 && chunk < 1 << 20);
        assert!(plan.device_bytes(chunk, true) <= (free as f64 * MEMORY_SHARE) as u64);
        assert!(plan.device_bytes(chunk + 1, true) > (free as f64 * MEMORY_SHARE) as u64);
        assert_eq!(largest_fitting_chunk(&plan, true, 1 << 40, 1000), 1000);
        assert_eq!(largest_fitting_chunk(&plan, true, 0, 1000), 0);
    }
}
