//! ptxas's per-kernel resource report (`--ptxas-options=-v`, see [`nvrtc::ptxas_report`](super::nvrtc::ptxas_report)):
//! registers, spills, stack and shared memory, and the occupancy the register count allows.
//! These are the figures to read before a profiler: a kernel that spills, or whose registers
//! cap it at a few warps per SM, is limited before it touches memory.

/// One kernel's resources as ptxas reports them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KernelResources {
    /// The entry function's name.
    pub name: String,
    /// Registers per thread.
    pub registers: u32,
    /// Bytes of registers spilled to local memory (stores).
    pub spill_store_bytes: u32,
    /// Bytes loaded back from those spills.
    pub spill_load_bytes: u32,
    /// Per-thread stack frame, bytes.
    pub stack_bytes: u32,
    /// Static shared memory per block, bytes.
    pub shared_bytes: u32,
}

/// Registers in each of an SM's four partitions on sm_80 and sm_90 (A100, H100, H200): 64 K per SM.
pub const REGISTERS_PER_PARTITION: u32 = 16_384;
/// Resident threads per SM on sm_80 and sm_90.
pub const MAX_THREADS_PER_SM: u32 = 2_048;

/// The most threads an SM of sm_80/sm_90 can hold of a kernel using `registers` per thread, as
/// NVIDIA's occupancy calculator counts them: a warp takes `registers × 32` rounded up to 256,
/// each of the four SM partitions holds whole warps from its 16 K registers, at most
/// [`MAX_THREADS_PER_SM`] in all. Block size and shared memory can lower it further.
pub fn occupancy_limit(registers: u32) -> u32 {
    let per_warp = (registers.max(1) * 32).div_ceil(256) * 256;
    let warps = (REGISTERS_PER_PARTITION / per_warp) * 4;
    (warps * 32).min(MAX_THREADS_PER_SM)
}

/// The number before `unit` in `line` ("40 registers" → 40), if any.
fn number_before(line: &str, unit: &str) -> Option<u32> {
    let at = line.find(unit)?;
    line[..at].split(|c: char| !c.is_ascii_digit()).rfind(|w| !w.is_empty())?.parse().ok()
}

/// The entry functions of a ptxas `-v` log, in order. Non-entry (device) functions are skipped.
pub fn parse_report(log: &str) -> Vec<KernelResources> {
    let mut kernels: Vec<KernelResources> = Vec::new();
    // The function whose "Function properties" block is being read, if it is an entry.
    let mut properties_of: Option<usize> = None;
    for line in log.lines() {
        if let Some(rest) = line.split("Compiling entry function '").nth(1) {
            let name = rest.split('\'').next().unwrap_or_default().to_string();
            kernels.push(KernelResources { name, ..KernelResources::default() });
            properties_of = None;
        } else if let Some(rest) = line.split("Function properties for ").nth(1) {
            let name = rest.trim();
            properties_of = kernels.iter().rposition(|k| k.name == name);
        } else if line.contains("bytes stack frame") {
            if let Some(k) = properties_of.and_then(|i| kernels.get_mut(i)) {
                k.stack_bytes = number_before(line, "bytes stack frame").unwrap_or(0);
                k.spill_store_bytes = number_before(line, "bytes spill stores").unwrap_or(0);
                k.spill_load_bytes = number_before(line, "bytes spill loads").unwrap_or(0);
            }
            properties_of = None;
        } else if line.contains("registers") {
            if let Some(k) = kernels.last_mut() {
                k.registers = number_before(line, "registers").unwrap_or(0);
                k.shared_bytes = number_before(line, "bytes smem").unwrap_or(0);
            }
        }
    }
    kernels
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOG: &str = "ptxas info    : 0 bytes gmem
ptxas info    : Compiling entry function 'msm_digits' for 'sm_90'
ptxas info    : Function properties for msm_digits
    0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
ptxas info    : Used 40 registers, used 0 barriers, 384 bytes cmem[0]
ptxas info    : Function properties for helper
    16 bytes stack frame, 8 bytes spill stores, 8 bytes spill loads
ptxas info    : Compiling entry function 'msm_accumulate' for 'sm_90'
ptxas info    : Function properties for msm_accumulate
    96 bytes stack frame, 24 bytes spill stores, 32 bytes spill loads
ptxas info    : Used 255 registers, used 1 barriers, 4096 bytes smem, 400 bytes cmem[0]
";

    #[test]
    fn parses_entries_and_skips_device_functions() {
        let kernels = parse_report(LOG);
        assert_eq!(
            kernels,
            vec![
                KernelResources { name: "msm_digits".into(), registers: 40, ..KernelResources::default() },
                KernelResources {
                    name: "msm_accumulate".into(),
                    registers: 255,
                    spill_store_bytes: 24,
                    spill_load_bytes: 32,
                    stack_bytes: 96,
                    shared_bytes: 4096,
                },
            ]
        );
        assert!(parse_report("").is_empty());
        assert!(parse_report("garbage\nptxas info : Used registers").is_empty());
    }

    #[test]
    fn occupancy_follows_the_register_file() {
        assert_eq!(occupancy_limit(32), 2048);
        assert_eq!(occupancy_limit(40), 1536);
        assert_eq!(occupancy_limit(64), 1024);
        assert_eq!(occupancy_limit(128), 512);
        assert_eq!(occupancy_limit(255), 256);
        assert_eq!(occupancy_limit(0), 2048);
    }
}
