//! Host-computed tables the NTT kernels read, uploaded once and cached on the device: the
//! twiddles ω^i (i < n/2) per (log n, direction) and the coset / n⁻¹ factors per
//! (log n, coset, direction).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use ark_bn254::Fr;
use ark_ff::{FftField, Field, One};
use rayon::prelude::*;
use zkaccel_backends::device_layout::{fr_to_bytes, FIELD_BYTES};
use zkaccel_backends::{BackendError, Coset, NttDirection, Result};

use crate::context::GpuContext;

/// Powers computed per rayon task.
const POWERS_CHUNK: usize = 1 << 12;

/// The primitive 2^log-th root of unity arkworks uses (`Fr::get_root_of_unity`).
pub fn root_of_unity(log: u32) -> Result<Fr> {
    Fr::get_root_of_unity(1u64 << log.min(63))
        .filter(|_| log <= 28)
        .ok_or_else(|| BackendError::InvalidInput(format!("BN254 Fr has no root of unity of order 2^{log}")))
}

/// The shift s of `coset` for transforms of 2^log_n points (1, 5 or ω_{2n}).
pub fn coset_shift(log_n: u32, coset: Coset) -> Result<Fr> {
    match coset {
        Coset::None => Ok(Fr::one()),
        Coset::Generator => Ok(Fr::GENERATOR),
        Coset::OddPowersOf2n => root_of_unity(log_n + 1),
    }
}

/// The root the transform of 2^log_n points uses: ω, or ω⁻¹ for the inverse.
pub fn direction_root(log_n: u32, direction: NttDirection) -> Result<Fr> {
    let w = root_of_unity(log_n)?;
    Ok(match direction {
        NttDirection::Forward => w,
        NttDirection::Inverse => w.inverse().unwrap_or(w),
    })
}

/// `c · r^i` for i < count, in parallel for long tables.
pub fn powers(r: Fr, c: Fr, count: usize) -> Vec<Fr> {
    let mut out = vec![Fr::one(); count];
    out.par_chunks_mut(POWERS_CHUNK).enumerate().for_each(|(k, chunk)| {
        let mut p = c * r.pow([(k * POWERS_CHUNK) as u64]);
        for x in chunk {
            *x = p;
            p *= r;
        }
    });
    out
}

/// The per-point factors of one transform: `table[local & mask]` multiplies point `local`.
#[derive(Debug)]
pub struct Factors {
    /// The factors on the device.
    pub buffer: wgpu::Buffer,
    /// `n - 1` for a full table, 0 for a single constant.
    pub mask: u32,
}

/// What one transform of 2^log_n points needs besides its data.
#[derive(Debug, Clone)]
pub struct TransformTables {
    /// ω^i (or ω^-i), i < n/2.
    pub twiddles: Arc<wgpu::Buffer>,
    /// Factors applied before a forward transform (s^i), if any.
    pub before: Option<Arc<Factors>>,
    /// Factors applied after an inverse transform (n⁻¹·s^-i), if any.
    pub after: Option<Arc<Factors>>,
}

type FactorKey = (u32, Coset, NttDirection);

/// The device tables built so far. Thread-safe; two threads may build the same table once
/// each, and the later one is kept.
#[derive(Debug, Default)]
pub struct TableCache {
    twiddles: Mutex<HashMap<(u32, NttDirection), Arc<wgpu::Buffer>>>,
    factors: Mutex<HashMap<FactorKey, Arc<Factors>>>,
}

impl TableCache {
    /// The tables of a transform of 2^log_n points with `coset` in `direction`.
    pub fn get(&self, ctx: &GpuContext, log_n: u32, coset: Coset, direction: NttDirection) -> Result<TransformTables> {
        let twiddles = self.twiddles(ctx, log_n, direction)?;
        let factors = self.factors(ctx, log_n, coset, direction)?;
        Ok(match direction {
            NttDirection::Forward => TransformTables { twiddles, before: factors, after: None },
            NttDirection::Inverse => TransformTables { twiddles, before: None, after: factors },
        })
    }

    /// Device bytes of the tables of 2^log_n points (for memory estimates).
    pub fn bytes(log_n: u32) -> u64 {
        (3u64 << log_n) / 2 * FIELD_BYTES as u64
    }

    fn twiddles(&self, ctx: &GpuContext, log_n: u32, direction: NttDirection) -> Result<Arc<wgpu::Buffer>> {
        let key = (log_n, direction);
        if let Some(b) = self.twiddles.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
            return Ok(b.clone());
        }
        let w = direction_root(log_n, direction)?;
        let table = powers(w, Fr::one(), (1usize << log_n) / 2);
        let buffer = Arc::new(ctx.storage_from("ntt twiddles", &fr_to_bytes(&table)));
        self.twiddles.lock().unwrap_or_else(|e| e.into_inner()).insert(key, buffer.clone());
        Ok(buffer)
    }

    fn factors(
        &self,
        ctx: &GpuContext,
        log_n: u32,
        coset: Coset,
        direction: NttDirection,
    ) -> Result<Option<Arc<Factors>>> {
        if direction == NttDirection::Forward && coset == Coset::None {
            return Ok(None);
        }
        let key = (log_n, coset, direction);
        if let Some(f) = self.factors.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
            return Ok(Some(f.clone()));
        }
        let n = 1usize << log_n;
        let shift = coset_shift(log_n, coset)?;
        let (table, mask) = match direction {
            NttDirection::Forward => (powers(shift, Fr::one(), n), (n - 1) as u32),
            NttDirection::Inverse => {
                let n_inv = Fr::from(n as u64).inverse().unwrap_or_default();
                if coset == Coset::None {
                    (vec![n_inv], 0)
                } else {
                    (powers(shift.inverse().unwrap_or_default(), n_inv, n), (n - 1) as u32)
                }
            }
        };
        let factors = Arc::new(Factors { buffer: ctx.storage_from("ntt factors", &fr_to_bytes(&table)), mask });
        self.factors.lock().unwrap_or_else(|e| e.into_inner()).insert(key, factors.clone());
        Ok(Some(factors))
    }
}
