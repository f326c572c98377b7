//! How the host reaches the kernel: control registers (AXI4-Lite), device memory for the data
//! buffers the kernel's AXI4 master reads and writes, and waiting for a command to finish. The
//! simulator ([`crate::sim::kernel::KernelSim`]) and a real card ([`crate::xrt::XrtCard`]) are
//! the two implementations; everything above this trait is shared.

use zkaccel_backends::Result;

/// A buffer in device memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeviceBuffer {
    /// Transport-local id.
    pub id: u64,
    /// The address the kernel sees (64-byte aligned).
    pub addr: u64,
    /// Size in bytes.
    pub len: usize,
}

/// One way to reach the kernel. Errors are `DeviceLost` or `OutOfMemory` with an empty device
/// id; the backend front names the device.
pub trait Transport: Send {
    /// A short description for `zkaccel devices`, e.g. "Verilator simulation of zk_top".
    fn describe(&self) -> String;
    /// Device memory available for buffers, in bytes.
    fn memory_bytes(&self) -> u64;
    /// Allocates `len` bytes (rounded up to whole 64-byte beats), 4 KiB aligned.
    fn alloc(&mut self, len: usize) -> Result<DeviceBuffer>;
    /// Frees a buffer from [`Transport::alloc`].
    fn free(&mut self, buffer: DeviceBuffer);
    /// Copies `data` into the buffer at `offset`.
    fn write(&mut self, buffer: &DeviceBuffer, offset: usize, data: &[u8]) -> Result<()>;
    /// Copies from the buffer at `offset` into `out`.
    fn read(&mut self, buffer: &DeviceBuffer, offset: usize, out: &mut [u8]) -> Result<()>;
    /// Writes a 32-bit control register.
    fn write_reg(&mut self, offset: u32, value: u32) -> Result<()>;
    /// Reads a 32-bit control register.
    fn read_reg(&mut self, offset: u32) -> Result<u32>;
    /// Waits until the running command finishes (the kernel's interrupt, or CTRL.DONE), for at
    /// most `max_cycles` kernel cycles.
    fn wait(&mut self, max_cycles: u64) -> Result<()>;
}

/// A first-fit allocator over a flat device address space, for transports that place buffers
/// themselves (the simulator).
#[derive(Debug, Default)]
pub struct AddressSpace {
    used: Vec<(u64, u64, u64)>, // (addr, len, id), sorted by addr
    next_id: u64,
    limit: u64,
}

impl AddressSpace {
    /// An allocator over `[0, limit)`.
    pub fn new(limit: u64) -> Self {
        AddressSpace { used: Vec::new(), next_id: 1, limit }
    }

    /// Bytes allocated now.
    pub fn in_use(&self) -> u64 {
        self.used.iter().map(|u| u.1).sum()
    }

    /// Places `len` bytes (rounded to 4 KiB) in the first gap; `None` when nothing fits.
    pub fn alloc(&mut self, len: usize) -> Option<DeviceBuffer> {
        let size = (len.max(1) as u64).div_ceil(4096) * 4096;
        let mut at = 0u64;
        let mut slot = self.used.len();
        for (i, &(addr, l, _)) in self.used.iter().enumerate() {
            if addr - at >= size {
                slot = i;
                break;
            }
            at = addr + l;
        }
        if at.checked_add(size)? > self.limit {
            return None;
        }
        let id = self.next_id;
        self.next_id += 1;
        self.used.insert(slot, (at, size, id));
        Some(DeviceBuffer { id, addr: at, len })
    }

    /// Releases a buffer; unknown buffers are ignored.
    pub fn free(&mut self, buffer: &DeviceBuffer) {
        self.used.retain(|u| u.2 != buffer.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_fit_reuses_gaps_and_respects_the_limit() {
        let mut space = AddressSpace::new(1 << 20);
        let a = space.alloc(100).unwrap();
        let b = space.alloc(5000).unwrap();
        assert_eq!((a.addr, b.addr), (0, 4096));
        space.free(&a);
        assert_eq!(space.alloc(4096).unwrap().addr, 0);
        assert!(space.alloc(1 << 20).is_none());
        assert_eq!(space.in_use(), 4096 + 8192);
    }
}
