//! The Cooley–Tukey pass for sizes that do not fit in cache, split into cache-sized pieces.
//!
//! A block of 2^L points is viewed as 2^c rows of 2^r contiguous points (c + r = L). The first
//! c levels only mix points of the same column, so they run as one pass over column groups
//! (a few adjacent columns of every row, sized for L2); the remaining r levels run inside each
//! row (2^r ≤ 2^12 points, 128 KiB). Each pass reads memory once. Blocks above 2^24 points
//! first peel single levels off until the rest fits that scheme.

use ark_bn254::Fr;
use rayon::prelude::*;

use super::kernels::{butterflies, ct_block, twiddle};

/// Where a block is cut into rows and columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Split {
    /// log2 of the longest row (contiguous block) the in-cache kernel handles.
    pub row_log: u32,
    /// log2 of the most rows the column pass handles in one go.
    pub col_log: u32,
}

/// The split used by [`ct`]: rows of up to 2^12 points (128 KiB), up to 2^12 of them.
pub const SPLIT: Split = Split { row_log: 12, col_log: 12 };
/// Target bytes of one column group (all its rows), to stay in L2.
const GROUP_BYTES: usize = 256 << 10;
/// Blocks of more than 2^JOIN_MIN_LOG points hand their halves to rayon.
const JOIN_MIN_LOG: u32 = 10;
/// Points per parallel task in a flat pass over memory.
const FLAT_CHUNK: usize = 1 << 12;

/// Runs every level of the Cooley–Tukey pass on `data` (global block `base`), in parallel.
/// Natural order in, bit-reversed out.
pub fn ct(data: &mut [Fr], base: usize, tw: &[Fr]) {
    ct_with(data, base, tw, SPLIT);
}

/// [`ct`] with an explicit split (tests use tiny ones to reach every branch).
pub fn ct_with(data: &mut [Fr], base: usize, tw: &[Fr], split: Split) {
    let n = data.len();
    let levels = n.trailing_zeros();
    if levels <= split.row_log {
        if levels > JOIN_MIN_LOG {
            // Small enough for one core's cache, but worth both halves on two cores.
            let (lo, hi) = data.split_at_mut(n / 2);
            butterflies(lo, hi, twiddle(tw, base));
            rayon::join(|| ct_with(lo, 2 * base, tw, split), || ct_with(hi, 2 * base + 1, tw, split));
        } else {
            ct_block(data, base, tw);
        }
    } else if levels > split.row_log + split.col_log {
        let (lo, hi) = data.split_at_mut(n / 2);
        let s = twiddle(tw, base);
        lo.par_chunks_mut(FLAT_CHUNK).zip(hi.par_chunks_mut(FLAT_CHUNK)).for_each(|(l, h)| butterflies(l, h, s));
        rayon::join(|| ct_with(lo, 2 * base, tw, split), || ct_with(hi, 2 * base + 1, tw, split));
    } else {
        let col_log = levels - split.row_log;
        column_pass(data, base, col_log, tw);
        let row_len = n >> col_log;
        data.par_chunks_mut(row_len).enumerate().for_each(|(r, row)| ct_block(row, (base << col_log) + r, tw));
    }
}

/// The first `col_log` levels of block `base`, over column groups in parallel.
fn column_pass(data: &mut [Fr], base: usize, col_log: u32, tw: &[Fr]) {
    let rows = 1usize << col_log;
    let row_len = data.len() >> col_log;
    let group_width = (GROUP_BYTES / (rows * std::mem::size_of::<Fr>())).max(4).min(row_len);
    let row_slices: Vec<&mut [Fr]> = data.chunks_exact_mut(row_len).collect();
    split_columns(row_slices, group_width, &|group: &mut [&mut [Fr]]| column_levels(group, base, col_log, tw));
}

/// Splits the rows' column range in halves until at most `width` columns remain, and runs `f`
/// on each group of row pieces, in parallel.
fn split_columns<F: Fn(&mut [&mut [Fr]]) + Sync>(mut rows: Vec<&mut [Fr]>, width: usize, f: &F) {
    let row_len = rows[0].len();
    if row_len <= width {
        f(&mut rows);
        return;
    }
    let mid = row_len / 2;
    let mut right = Vec::with_capacity(rows.len());
    let left: Vec<&mut [Fr]> = rows
        .into_iter()
        .map(|row| {
            let (l, r) = row.split_at_mut(mid);
            right.push(r);
            l
        })
        .collect();
    rayon::join(|| split_columns(left, width, f), || split_columns(right, width, f));
}

/// The first `col_log` levels on one column group: `rows[i]` is a piece of row i.
fn column_levels(rows: &mut [&mut [Fr]], base: usize, col_log: u32, tw: &[Fr]) {
    for t in 0..col_log {
        let half = rows.len() >> (t + 1);
        for (b, block) in rows.chunks_exact_mut(2 * half).enumerate() {
            let s = twiddle(tw, (base << t) + b);
            let (lo, hi) = block.split_at_mut(half);
            for (l, h) in lo.iter_mut().zip(hi.iter_mut()) {
                butterflies(l, h, s);
            }
        }
    }
}
