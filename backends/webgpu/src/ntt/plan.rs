//! How a transform is cut into dispatches and a batch into device-sized groups.

use zkaccel_backends::device_layout::FIELD_BYTES;

/// The workgroup-memory kernel: how many points one workgroup holds and its entry point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tile {
    /// log2 of the points per workgroup.
    pub log: u32,
    /// The `ntt.wgsl` entry point.
    pub entry: &'static str,
}

impl Tile {
    /// The largest tile `workgroup_storage_bytes` holds (32-byte points): 1024 points with
    /// 32 KiB, else 512 (16 KiB, WebGPU's minimum).
    pub fn for_device(workgroup_storage_bytes: u32) -> Tile {
        if workgroup_storage_bytes >= (1024 * FIELD_BYTES) as u32 {
            Tile { log: 10, entry: "ntt_tile_1024" }
        } else {
            Tile { log: 9, entry: "ntt_tile_512" }
        }
    }

    /// Points per workgroup.
    pub fn points(self) -> u64 {
        1 << self.log
    }
}

/// Most points in one device buffer, whatever the binding limit: keeps every index of the
/// kernels (and tile bases past the end of a 2-D dispatch) inside a u32.
const MAX_POINTS_LOG: u32 = 27;

/// The dispatches of one transform of 2^log_n points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StagePlan {
    /// Stages run by `ntt_tile` in workgroup memory (the first ones).
    pub tile_stages: u32,
    /// log2 of the polynomial length; stages `tile_stages..log_n` run one dispatch each.
    pub log_n: u32,
}

impl StagePlan {
    /// The plan for polynomials of 2^log_n points with `tile`.
    pub fn new(log_n: u32, tile: Tile) -> Self {
        StagePlan { tile_stages: log_n.min(tile.log), log_n }
    }

    /// The stages that run in global memory, one dispatch each.
    pub fn global_stages(&self) -> std::ops::Range<u32> {
        self.tile_stages..self.log_n
    }
}

/// The most points one buffer may hold under a binding limit of `max_binding_bytes`: a power
/// of two (0 when not even one point fits).
pub fn max_points(max_binding_bytes: u64) -> u64 {
    let points = (max_binding_bytes / FIELD_BYTES as u64).min(1 << MAX_POINTS_LOG);
    if points == 0 {
        0
    } else {
        1 << points.ilog2()
    }
}

/// Whole polynomials of `ntt_len` points per device group, or `None` when one polynomial
/// does not fit (four-step).
pub fn polys_per_group(ntt_len: usize, max_points: u64) -> Option<usize> {
    let per = max_points / ntt_len as u64;
    (per > 0).then(|| usize::try_from(per).unwrap_or(usize::MAX))
}

/// The four-step split of 2^log_n points: rows of 2^l1 and 2^l2 points, l1 + l2 = log_n.
pub fn four_step_split(log_n: u32) -> (u32, u32) {
    let l1 = log_n / 2;
    (l1, log_n - l1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_round_down_to_powers_of_two() {
        assert_eq!(max_points(16 << 10), 512);
        assert_eq!(max_points(16 << 10 | 31), 512);
        assert_eq!(max_points(100), 2);
        assert_eq!(max_points(31), 0);
        assert_eq!(max_points(u64::MAX), 1 << 27);
        assert_eq!(polys_per_group(1024, 512), None);
        assert_eq!(polys_per_group(16, 512), Some(32));
    }

    #[test]
    fn stages_split_between_tile_and_global() {
        let small = Tile::for_device(16 << 10);
        let large = Tile::for_device(32 << 10);
        assert_eq!((small.log, large.log), (9, 10));
        assert_eq!(StagePlan::new(3, small).global_stages(), 3..3);
        assert_eq!(StagePlan::new(14, small).global_stages(), 9..14);
        assert_eq!(StagePlan::new(14, large).global_stages(), 10..14);
        assert_eq!(four_step_split(12), (6, 6));
        assert_eq!(four_step_split(13), (6, 7));
    }
}
