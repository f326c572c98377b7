//! G1 multi-scalar multiplication on the GPU: signed-digit bucket windows with a GPU counting
//! sort, load-balanced bucket accumulation and parallel bucket reduction; only the Horner
//! combination of the window sums runs on the host.
//!
//! Bases live in [`ResidentBases`] (several buffers when `max_binding_bytes` requires); an MSM
//! is split into chunks that each lie in one base buffer and fit every intermediate buffer,
//! and the chunk results are added on the host.

mod horner;
mod pipeline;
pub mod plan;
mod scalars;

use std::ops::Range;
use std::sync::Arc;

use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ff::Zero;
use zkaccel_backends::device_layout::{g1_affine_to_bytes, AFFINE_BYTES};
use zkaccel_backends::{BackendError, Op, Result};

use crate::context::GpuContext;
use pipeline::{run_chunk, Kernels};
use plan::{max_chunk_points, Plan};

/// Runs G1 MSMs on one [`GpuContext`].
pub struct MsmEngine {
    ctx: Arc<GpuContext>,
}

/// G1 bases uploaded once and reused by [`MsmEngine::msm_resident`]. Dropping it frees the GPU
/// buffers.
pub struct ResidentBases {
    device: String,
    buffers: Vec<wgpu::Buffer>,
    per_buffer: usize,
    len: usize,
}

impl std::fmt::Debug for ResidentBases {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResidentBases")
            .field("device", &self.device)
            .field("len", &self.len)
            .field("buffers", &self.buffers.len())
            .finish()
    }
}

impl ResidentBases {
    /// Number of bases held.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no bases are held.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl MsmEngine {
    /// An engine on `ctx` (kernels compile on first use).
    pub fn new(ctx: Arc<GpuContext>) -> Self {
        MsmEngine { ctx }
    }

    /// Points per base buffer under the context's binding limit.
    fn points_per_buffer(&self) -> Result<usize> {
        let per = max_chunk_points(self.ctx.limits().max_binding_bytes);
        if per == 0 {
            return Err(BackendError::InvalidInput(format!(
                "buffers of {} bytes cannot hold one G1 point",
                self.ctx.limits().max_binding_bytes
            )));
        }
        Ok(per)
    }

    /// Σ scalars[i]·bases[i] (equal, non-empty lengths; empty inputs give the identity).
    pub fn msm_g1(&self, bases: &[G1Affine], scalars: &[Fr]) -> Result<G1Projective> {
        if bases.len() != scalars.len() {
            return Err(BackendError::LengthMismatch {
                what: "MSM scalars vs bases",
                expected: bases.len(),
                got: scalars.len(),
            });
        }
        let resident = self.load_bases(bases)?;
        self.msm_resident(&resident, 0..bases.len(), scalars)
    }

    /// Uploads `bases` once, in as many buffers as `max_binding_bytes` requires.
    pub fn load_bases(&self, bases: &[G1Affine]) -> Result<ResidentBases> {
        let per_buffer = self.points_per_buffer()?;
        let bytes = (bases.len() * AFFINE_BYTES) as u64;
        let buffers = self.ctx.scoped(Op::MsmG1, bytes, || {
            Ok(bases.chunks(per_buffer).map(|c| self.ctx.storage_from("msm bases", &g1_affine_to_bytes(c))).collect())
        })?;
        Ok(ResidentBases { device: self.ctx.id().to_string(), buffers, per_buffer, len: bases.len() })
    }

    /// Σ scalars[i]·bases[range.start + i] over resident bases (`range` within the set,
    /// `scalars.len() == range.len()`).
    pub fn msm_resident(&self, bases: &ResidentBases, range: Range<usize>, scalars: &[Fr]) -> Result<G1Projective> {
        if bases.device != self.ctx.id() {
            return Err(BackendError::InvalidInput(format!(
                "resident bases of {} used on {}",
                bases.device,
                self.ctx.id()
            )));
        }
        if range.start > range.end || range.end > bases.len {
            return Err(BackendError::InvalidInput(format!(
                "MSM range {range:?} outside the {} resident bases",
                bases.len
            )));
        }
        if scalars.len() != range.len() {
            return Err(BackendError::LengthMismatch {
                what: "MSM scalars vs resident base range",
                expected: range.len(),
                got: scalars.len(),
            });
        }
        if scalars.is_empty() {
            return Ok(G1Projective::zero());
        }
        let max_binding = self.ctx.limits().max_binding_bytes;
        let kernels = Kernels::load(&self.ctx)?;
        let mut total = G1Projective::zero();
        let mut pos = range.start;
        while pos < range.end {
            let buffer = pos / bases.per_buffer;
            let offset = pos % bases.per_buffer;
            let len = (range.end - pos)
                .min(bases.per_buffer - offset)
                .min(max_chunk_points(max_binding))
                .min(self.ctx.limits().max_msm_chunk_points.unwrap_or(usize::MAX));
            let chunk_scalars = &scalars[pos - range.start..pos - range.start + len];
            let plan = Plan::new(len, max_binding)?;
            let base_buf = bases.buffers.get(buffer).ok_or_else(|| {
                BackendError::InvalidInput(format!("resident base buffer {buffer} missing for point {pos}"))
            })?;
            total += self.ctx.scoped(Op::MsmG1, plan.device_bytes(), || {
                run_chunk(&self.ctx, &kernels, &plan, base_buf, offset as u32, chunk_scalars)
            })?;
            pos += len;
        }
        Ok(total)
    }
}
