//! Exclusive prefix sums of u32 arrays on the device (tiles of 256, recursively).

use zkaccel_backends::Result;

use crate::device::{DeviceBuffer, GpuDevice, KernelArg, LaunchShape, Program};

/// Elements per scan tile; `msm_scan_tile` must be launched with exactly this many threads.
const TILE: u32 = 256;

/// Replaces the first `n` u32s of `data` by their exclusive prefix sums.
pub fn exclusive_scan(device: &dyn GpuDevice, data: &DeviceBuffer, n: u32) -> Result<()> {
    if n == 0 {
        return Ok(());
    }
    let tiles = n.div_ceil(TILE);
    let sums = device.alloc(tiles as usize * 4)?;
    let shape = LaunchShape { grid: [tiles, 1, 1], block: TILE, shared_bytes: 0 };
    device.launch(Program::Msm, "msm_scan_tile", shape, &[data.arg(), KernelArg::U32(n), sums.arg()])?;
    if tiles > 1 {
        exclusive_scan(device, &sums, tiles)?;
        device.launch(
            Program::Msm,
            "msm_scan_add",
            LaunchShape::cover(n as u64, TILE),
            &[data.arg(), KernelArg::U32(n), sums.arg()],
        )?;
    }
    Ok(())
}
