//! [`NttEngine`]: radix-2 NTTs over BN254's Fr on the device, single polynomials and batches.
//!
//! A group of whole polynomials that fits one binding runs as one command buffer
//! (`gpu::transform_group`): bit reversal inside each polynomial (multiplying by the coset
//! powers s^i first for a forward coset transform), the first min(log n, 10) stages in
//! workgroup memory on tiles of 1024 points (512 where a workgroup has only 16 KiB), one
//! dispatch per remaining stage, and for an inverse the factors n⁻¹·s^-i. Twiddle and factor
//! tables are computed on the host and kept on the device (`tables`). Batches above the
//! binding limit are split into groups of whole polynomials; a single polynomial above it runs
//! the four-step decomposition (`four_step`) with device batches of its sub-transforms.

mod four_step;
mod gpu;
mod plan;
mod tables;

use std::sync::Arc;

use ark_bn254::Fr;
use zkaccel_backends::{BackendError, NttConfig, Op, Result};

use crate::context::GpuContext;
use plan::{max_points, polys_per_group, Tile};
use tables::TableCache;

/// Largest log2 length: BN254's Fr has 2-adicity 28.
const MAX_LOG_N: u32 = 28;

/// Runs NTTs on one device and caches their twiddle and coset tables there. Thread-safe.
#[derive(Debug)]
pub struct NttEngine {
    ctx: Arc<GpuContext>,
    tables: TableCache,
    tile: Tile,
}

impl NttEngine {
    /// An engine on `ctx` with empty table caches.
    pub fn new(ctx: Arc<GpuContext>) -> Self {
        let tile = Tile::for_device(ctx.limits().workgroup_storage_bytes);
        NttEngine { ctx, tables: TableCache::default(), tile }
    }

    /// An engine whose workgroup-memory kernel uses at most `workgroup_bytes` (and at most the
    /// device's limit); tests use it to reach the 16 KiB kernel on devices with more.
    pub fn with_workgroup_bytes(ctx: Arc<GpuContext>, workgroup_bytes: u32) -> Self {
        let tile = Tile::for_device(ctx.limits().workgroup_storage_bytes.min(workgroup_bytes));
        NttEngine { ctx, tables: TableCache::default(), tile }
    }

    /// Points per workgroup of the workgroup-memory kernel this engine runs (512 or 1024).
    pub fn tile_points(&self) -> u64 {
        self.tile.points()
    }

    /// In-place NTT of `data` (a power-of-two length, natural order in and out) with the
    /// semantics of [`NttConfig`], the same as the CPU backend's.
    pub fn ntt(&self, data: &mut [Fr], config: NttConfig) -> Result<()> {
        self.ntt_batch(data, data.len(), config)
    }

    /// In-place NTTs of the `data.len() / ntt_len` consecutive polynomials of `ntt_len`
    /// points in `data`, all of them in one dispatch sequence per device-sized group.
    pub fn ntt_batch(&self, data: &mut [Fr], ntt_len: usize, config: NttConfig) -> Result<()> {
        if data.is_empty() {
            return Ok(());
        }
        if !ntt_len.is_power_of_two() {
            return Err(BackendError::NotPowerOfTwo { what: "NTT length", size: ntt_len });
        }
        if !data.len().is_multiple_of(ntt_len) {
            return Err(BackendError::InvalidInput(format!(
                "an NTT batch of {} points is not a whole number of polynomials of {ntt_len}",
                data.len()
            )));
        }
        let log_n = ntt_len.trailing_zeros();
        if log_n > MAX_LOG_N {
            return Err(BackendError::SizeAboveLimit {
                op: Op::Ntt,
                size: ntt_len,
                limit: 1 << MAX_LOG_N,
                device: self.ctx.id().to_string(),
            });
        }
        if log_n == 0 {
            // One point: every transform is the identity (n⁻¹ = s^0 = 1).
            return Ok(());
        }
        self.batch_inner(data, ntt_len, config)
    }

    /// [`NttEngine::ntt_batch`] on validated input.
    fn batch_inner(&self, data: &mut [Fr], ntt_len: usize, config: NttConfig) -> Result<()> {
        let log_n = ntt_len.trailing_zeros();
        let max = max_points(self.ctx.limits().max_binding_bytes);
        if max < 2 {
            return Err(BackendError::Unsupported {
                op: Op::Ntt,
                device: self.ctx.id().to_string(),
                reason: format!(
                    "a binding limit of {} bytes holds fewer than two points",
                    self.ctx.limits().max_binding_bytes
                ),
            });
        }
        match polys_per_group(ntt_len, max) {
            Some(per) => {
                // Uploading the tables inside a scope turns a failed allocation into an error.
                let tables = self.ctx.scoped(Op::Ntt, TableCache::bytes(log_n), || {
                    self.tables.get(&self.ctx, log_n, config.coset, config.direction)
                })?;
                for group in data.chunks_mut(per.saturating_mul(ntt_len)) {
                    gpu::transform_group(&self.ctx, &tables, self.tile, group, log_n)?;
                }
                Ok(())
            }
            None => {
                for poly in data.chunks_mut(ntt_len) {
                    four_step::four_step(poly, log_n, config, |d, len, c| self.batch_inner(d, len, c))?;
                }
                Ok(())
            }
        }
    }
}
