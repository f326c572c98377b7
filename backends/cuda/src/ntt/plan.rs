//! The launch plan of one transform size: how the log n butterfly stages split into
//! shared-memory passes of `ntt_dit_pass`, and the launch shapes.

use crate::device::LaunchShape;
use crate::layout::FIELD_BYTES;

/// Largest tile, as log2 of its elements: 2^10 × 32 bytes = 32 KiB of shared memory.
pub const MAX_LOG_TILE: u32 = 10;
/// Most consecutive columns (log2) a tile of a later pass keeps once the stages are placed:
/// at least 2^3 consecutive elements (256 bytes) per run of a load or store.
const MIN_LOG_COLS: u32 = 3;
/// Threads per block.
pub const BLOCK_THREADS: u32 = 256;
/// Blocks per compute unit a grid-stride launch asks for.
const BLOCKS_PER_UNIT: u32 = 16;

/// One launch of `ntt_dit_pass`: stages `first_stage .. first_stage + stages` on tiles of
/// `2^log_cols` columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pass {
    /// The first butterfly stage (half-span 2^first_stage).
    pub first_stage: u32,
    /// How many consecutive stages the pass does.
    pub stages: u32,
    /// log2 of the consecutive columns in one tile.
    pub log_cols: u32,
}

impl Pass {
    /// Elements in one tile.
    pub fn tile_len(&self) -> u64 {
        1u64 << (self.stages + self.log_cols)
    }

    /// Tiles over `total` elements (a whole batch).
    pub fn tiles(&self, total: u64) -> u64 {
        total / self.tile_len()
    }

    /// The launch: at most [`BLOCK_THREADS`] threads (half a tile when smaller), blocks
    /// striding over the tiles, the tile in dynamic shared memory.
    pub fn shape(&self, total: u64, compute_units: u32) -> LaunchShape {
        let threads = (self.tile_len() / 2).clamp(1, BLOCK_THREADS as u64) as u32;
        let blocks = self.tiles(total).clamp(1, max_blocks(compute_units));
        LaunchShape {
            grid: [blocks as u32, 1, 1],
            block: threads,
            shared_bytes: (self.tile_len() as usize * FIELD_BYTES) as u32,
        }
    }
}

/// The passes of a `2^log_n` transform, covering stages 0 .. log_n in order. The first pass
/// works on contiguous tiles (one column); later ones keep at least 2^3 columns.
pub fn passes(log_n: u32) -> Vec<Pass> {
    let mut out = Vec::new();
    let mut first_stage = 0;
    while first_stage < log_n {
        let stages = (log_n - first_stage).min(MAX_LOG_TILE - first_stage.min(MIN_LOG_COLS));
        let log_cols = first_stage.min(MAX_LOG_TILE - stages);
        out.push(Pass { first_stage, stages, log_cols });
        first_stage += stages;
    }
    out
}

/// The grid-stride launch of `ntt_bitrev` over `total` elements.
pub fn bitrev_shape(total: u64, compute_units: u32) -> LaunchShape {
    let blocks = total.div_ceil(BLOCK_THREADS as u64).clamp(1, max_blocks(compute_units));
    LaunchShape { grid: [blocks as u32, 1, 1], block: BLOCK_THREADS, shared_bytes: 0 }
}

fn max_blocks(compute_units: u32) -> u64 {
    compute_units.max(1) as u64 * BLOCKS_PER_UNIT as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passes_cover_every_stage_once_within_the_tile_limit() {
        for log_n in 0..=28 {
            let ps = passes(log_n);
            let mut next = 0;
            for p in &ps {
                assert_eq!(p.first_stage, next);
                assert!(p.stages >= 1 && p.log_cols <= p.first_stage);
                assert!(p.stages + p.log_cols <= MAX_LOG_TILE);
                assert!(p.log_cols >= p.first_stage.min(MIN_LOG_COLS));
                next += p.stages;
            }
            assert_eq!(next, log_n);
        }
        assert_eq!(passes(28).len(), 4);
        assert_eq!(passes(10), vec![Pass { first_stage: 0, stages: 10, log_cols: 0 }]);
    }

    #[test]
    fn shapes_stay_within_limits() {
        for p in passes(20) {
            let s = p.shape(1 << 20, 132);
            assert!(s.block <= BLOCK_THREADS && s.shared_bytes <= 32 * 1024);
            assert!(s.grid[0] as u64 <= 132 * BLOCKS_PER_UNIT as u64);
        }
        assert_eq!(passes(1)[0].shape(2, 1).block, 1);
        assert_eq!(bitrev_shape(1, 1).grid, [1, 1, 1]);
    }
}
