//! Four-step decomposition for one polynomial larger than a device binding: n = n1·n2 points
//! as an n1 × n2 matrix (point j = j1·n2 + j2). Transforms of the n2 columns (length n1) and
//! then of the n1 rows (length n2) run as device batches; the transposes, the twiddles
//! ω^(j2·k1) between them and the coset factors run on the host with rayon. Output k =
//! k1 + n1·k2 lands in natural order.

use ark_bn254::Fr;
use ark_ff::{Field, One};
use rayon::prelude::*;
use zkaccel_backends::{Coset, NttConfig, NttDirection, Result};

use super::plan::four_step_split;
use super::tables::{coset_shift, direction_root};

/// Transforms `data` (2^log_n points) with `config`, calling `batch(data, len, config)` for
/// the sub-transforms (batches of plain-domain transforms of `len` points).
pub fn four_step(
    data: &mut [Fr],
    log_n: u32,
    config: NttConfig,
    batch: impl Fn(&mut [Fr], usize, NttConfig) -> Result<()>,
) -> Result<()> {
    let (l1, l2) = four_step_split(log_n);
    let (n1, n2) = (1usize << l1, 1usize << l2);
    let shift = coset_shift(log_n, config.coset)?;
    let scaled = config.coset != Coset::None;
    let sub = NttConfig { direction: config.direction, coset: Coset::None };

    // Columns as rows: m[j2][j1] = a[j1·n2 + j2] (times s^j before a forward transform).
    let mut m = vec![Fr::one(); data.len()];
    let pre = scaled && config.direction == NttDirection::Forward;
    let step = shift.pow([n2 as u64]);
    m.par_chunks_mut(n1).enumerate().for_each(|(j2, row)| {
        let mut p = shift.pow([j2 as u64]);
        for (j1, x) in row.iter_mut().enumerate() {
            *x = data[j1 * n2 + j2];
            if pre {
                *x *= p;
                p *= step;
            }
        }
    });
    batch(&mut m, n1, sub)?;

    // Twiddles and transpose: t[k1][j2] = m[j2][k1] · ω^(j2·k1).
    let w = direction_root(log_n, config.direction)?;
    let mut t = vec![Fr::one(); data.len()];
    t.par_chunks_mut(n2).enumerate().for_each(|(k1, row)| {
        let wk = w.pow([k1 as u64]);
        let mut p = Fr::one();
        for (j2, x) in row.iter_mut().enumerate() {
            *x = m[j2 * n1 + k1] * p;
            p *= wk;
        }
    });
    drop(m);
    batch(&mut t, n2, sub)?;

    // Back to natural order: y[k1 + n1·k2] = t[k1][k2] (times s^-k after an inverse one).
    let post = scaled && config.direction == NttDirection::Inverse;
    let shift_inv = shift.inverse().unwrap_or_default();
    data.par_chunks_mut(n1).enumerate().for_each(|(k2, row)| {
        let mut p = shift_inv.pow([(k2 * n1) as u64]);
        for (k1, x) in row.iter_mut().enumerate() {
            *x = t[k1 * n2 + k2];
            if post {
                *x *= p;
                p *= shift_inv;
            }
        }
    });
    Ok(())
}
