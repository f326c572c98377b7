//! NTTs on the kernel's on-chip core: the host applies the coset shift (forward) or n^-1 and the
//! inverse shift (inverse), uploads the data and twiddles, and runs load (bit-reversing), one
//! command per radix-2 stage, and store.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use ark_bn254::Fr;
use ark_ff::{FftField, Field, One};
use zkaccel_backends::device_layout::{fr_from_bytes_into, fr_to_bytes};
use zkaccel_backends::{BackendError, Coset, NttConfig, NttDirection, Result};

use crate::device::Device;
use crate::regs::Command;

/// One twiddle table as device bytes, per (log n, inverse).
type Tables = HashMap<(u32, bool), Arc<Vec<u8>>>;

/// Twiddle tables (device bytes) per (log n, inverse).
#[derive(Default)]
pub struct Twiddles {
    tables: Mutex<Tables>,
}

impl Twiddles {
    /// ω^k (or ω^−k) for k < n/2, padded to whole 64-byte beats.
    fn get(&self, log_n: u32, inverse: bool) -> Result<Arc<Vec<u8>>> {
        let mut tables = self.tables.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(t) = tables.get(&(log_n, inverse)) {
            return Ok(t.clone());
        }
        let n = 1u64 << log_n;
        let omega =
            Fr::get_root_of_unity(n).ok_or(BackendError::InvalidInput(format!("no root of unity of order {n}")))?;
        let w = if inverse { omega.inverse().unwrap_or(omega) } else { omega };
        let half = (n / 2) as usize;
        let mut values = Vec::with_capacity(half.max(2));
        let mut p = Fr::one();
        for _ in 0..half {
            values.push(p);
            p *= w;
        }
        values.resize(values.len().div_ceil(2) * 2, Fr::one());
        let table = Arc::new(fr_to_bytes(&values));
        tables.insert((log_n, inverse), table.clone());
        Ok(table)
    }
}

fn shift(coset: Coset, n: usize) -> Result<Fr> {
    Ok(match coset {
        Coset::None => Fr::one(),
        Coset::Generator => Fr::GENERATOR,
        Coset::OddPowersOf2n => Fr::get_root_of_unity(2 * n as u64)
            .ok_or(BackendError::InvalidInput(format!("no root of unity of order {}", 2 * n)))?,
    })
}

fn scale_by_powers(data: &mut [Fr], r: Fr, c: Fr) {
    let mut p = c;
    for x in data.iter_mut() {
        *x *= p;
        p *= r;
    }
}

/// One in-place NTT of `data` (a power of two, 2 ≤ n ≤ 2^ntt_logmax).
pub fn ntt(device: &Device, twiddles: &Twiddles, data: &mut [Fr], config: NttConfig) -> Result<()> {
    let n = data.len();
    let log_n = n.trailing_zeros();
    let s = shift(config.coset, n)?;
    let inverse = config.direction == NttDirection::Inverse;
    if !inverse && config.coset != Coset::None {
        scale_by_powers(data, s, Fr::one());
    }
    let table = twiddles.get(log_n, inverse)?;
    let mut session = device.session();
    let buf = session.upload(&fr_to_bytes(data))?;
    let tw = match session.upload(&table) {
        Ok(t) => t,
        Err(e) => {
            session.free(buf);
            return Err(e);
        }
    };
    let budget = 4 * n as u64 + 10_000;
    let result = (|| {
        session.run(Command::NttLoad, 0, log_n, [buf.addr, 0, 0], n as u64, budget)?;
        session.run(Command::NttTwiddles, 0, log_n, [tw.addr, 0, 0], n as u64 / 2, budget)?;
        for stage in 0..log_n {
            session.run(Command::NttStage, stage, log_n, [0; 3], n as u64 / 2, budget)?;
        }
        session.run(Command::NttStore, 0, log_n, [buf.addr, 0, 0], n as u64, budget)?;
        let mut bytes = vec![0u8; n * 32];
        session.read(&buf, 0, &mut bytes)?;
        fr_from_bytes_into(&bytes, data);
        Ok(())
    })();
    session.free(buf);
    session.free(tw);
    drop(session);
    result?;
    if inverse {
        let n_inv = Fr::from(n as u64).inverse().unwrap_or(Fr::one());
        let s_inv = s.inverse().unwrap_or(Fr::one());
        scale_by_powers(data, s_inv, n_inv);
    }
    Ok(())
}
