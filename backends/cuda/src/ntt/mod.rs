//! NTT orchestration: validation, memory budgeting, the table cache and the launch sequence of
//! `kernels/cuda/ntt.cu` (bit reversal fused with the forward coset shift, then shared-memory
//! DIT passes, the last one fused with the inverse's n⁻¹ and coset unshift).

mod cache;
mod plan;
mod tables;

use std::sync::Arc;

use ark_bn254::Fr;
use zkaccel_backends::{BackendError, NttConfig, NttDirection, Op, Result};

use crate::device::{DeviceBuffer, GpuDevice, KernelArg, Program};
use crate::layout::{fr_from_bytes_into, fr_write, FIELD_BYTES};
use cache::TableCache;
use tables::ScaleMode;

/// Largest transform, as log2 of its length: Fr's 2-adicity.
pub const MAX_LOG_NTT: u32 = 28;

/// Runs NTTs on one device and keeps twiddle and coset tables per domain on it.
pub struct NttEngine {
    device: Arc<dyn GpuDevice>,
    tables: TableCache,
}

/// The device tables one transform size and configuration uses.
struct Domain {
    log_n: u32,
    direction: NttDirection,
    twiddles: Arc<DeviceBuffer>,
    scale_mode: ScaleMode,
    scale: Option<Arc<DeviceBuffer>>,
}

impl NttEngine {
    /// An engine on `device`.
    pub fn new(device: Arc<dyn GpuDevice>) -> Self {
        NttEngine { device, tables: TableCache::default() }
    }

    /// In-place NTT of `data` (length a power of two, 1 ..= 2^28).
    pub fn ntt(&self, data: &mut [Fr], config: NttConfig) -> Result<()> {
        self.ntt_batch(data, data.len(), config)
    }

    /// In-place NTTs of consecutive `ntt_len` chunks of `data`. A batch larger than device
    /// memory runs as several launches of whole transforms; a single transform that does not
    /// fit is `BackendError::OutOfMemory`.
    pub fn ntt_batch(&self, data: &mut [Fr], ntt_len: usize, config: NttConfig) -> Result<()> {
        if data.is_empty() {
            return Ok(());
        }
        if !ntt_len.is_power_of_two() {
            return Err(BackendError::NotPowerOfTwo { what: "NTT length", size: ntt_len });
        }
        if !data.len().is_multiple_of(ntt_len) {
            return Err(BackendError::LengthMismatch {
                what: "NTT batch (a whole number of transforms)",
                expected: data.len().next_multiple_of(ntt_len),
                got: data.len(),
            });
        }
        let log_n = ntt_len.trailing_zeros();
        if log_n > MAX_LOG_NTT {
            return Err(BackendError::SizeAboveLimit {
                op: Op::Ntt,
                size: ntt_len,
                limit: 1 << MAX_LOG_NTT,
                device: "cuda".into(),
            });
        }
        // Checks the odd coset's 2n-th root even where the transform is the identity.
        tables::coset_shift(log_n, config.coset)?;
        if log_n == 0 {
            // One point: the shift's zeroth power and n⁻¹ are both 1.
            return Ok(());
        }

        let per_ntt = (ntt_len * FIELD_BYTES) as u64;
        let missing = self.tables.missing_bytes(log_n, config.coset, config.direction);
        let free = self.device.free_memory()?;
        if missing + per_ntt > free {
            return Err(out_of_memory(missing + per_ntt, free));
        }
        let domain = self.domain(log_n, config)?;
        let free = self.device.free_memory()?;
        let per_launch = (free / per_ntt) as usize;
        if per_launch == 0 {
            return Err(out_of_memory(per_ntt, free));
        }
        for chunk in data.chunks_mut(per_launch.saturating_mul(ntt_len)) {
            self.run(chunk, &domain)?;
        }
        Ok(())
    }

    /// Tables uploaded to the device so far; repeated transforms of a domain add none.
    pub fn tables_uploaded(&self) -> u64 {
        self.tables.uploads()
    }

    fn domain(&self, log_n: u32, config: NttConfig) -> Result<Domain> {
        let device = self.device.as_ref();
        let twiddles = self.tables.twiddles(device, log_n, config.direction)?;
        let (scale_mode, scale) = self.tables.scale(device, log_n, config.coset, config.direction)?;
        Ok(Domain { log_n, direction: config.direction, twiddles, scale_mode, scale })
    }

    /// Transforms `chunk` (whole transforms) in one upload, launch sequence and download.
    fn run(&self, chunk: &mut [Fr], domain: &Domain) -> Result<()> {
        let device = self.device.as_ref();
        // Written straight into the device's staging memory (pinned on a GPU): no host copy.
        let len = chunk.len() * FIELD_BYTES;
        let buf = device.alloc(len)?;
        let upload = device.upload_async(&buf, 0, len, &mut |out| fr_write(chunk, out))?;
        device.wait(upload)?;

        let total = chunk.len() as u64;
        let units = device.compute_units();
        let no_scale = (KernelArg::Ptr(domain.twiddles.ptr()), KernelArg::U32(ScaleMode::None as u32));
        let scale = match &domain.scale {
            Some(table) => (table.arg(), KernelArg::U32(domain.scale_mode as u32)),
            None => no_scale,
        };
        let (before, after) = match domain.direction {
            NttDirection::Forward => (scale, no_scale),
            NttDirection::Inverse => (no_scale, scale),
        };

        device.launch(
            Program::Ntt,
            "ntt_bitrev",
            plan::bitrev_shape(total, units),
            &[buf.arg(), KernelArg::U32(domain.log_n), KernelArg::U64(total), before.0, before.1],
        )?;
        let passes = plan::passes(domain.log_n);
        for (i, pass) in passes.iter().enumerate() {
            let (scale_ptr, scale_mode) = if i + 1 == passes.len() { after } else { no_scale };
            device.launch(
                Program::Ntt,
                "ntt_dit_pass",
                pass.shape(total, units),
                &[
                    buf.arg(),
                    domain.twiddles.arg(),
                    KernelArg::U32(domain.log_n),
                    KernelArg::U32(pass.first_stage),
                    KernelArg::U32(pass.stages),
                    KernelArg::U32(pass.log_cols),
                    KernelArg::U64(pass.tiles(total)),
                    scale_ptr,
                    scale_mode,
                ],
            )?;
        }

        let mut out = vec![0u8; chunk.len() * FIELD_BYTES];
        device.download(&buf, 0, &mut out)?;
        fr_from_bytes_into(&out, chunk);
        Ok(())
    }
}

fn out_of_memory(needed_bytes: u64, available_bytes: u64) -> BackendError {
    BackendError::OutOfMemory { device: "cuda".into(), op: Op::Ntt, needed_bytes, available_bytes }
}
