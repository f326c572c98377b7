//! The kernel model (`zk_top` + `fpga/sim/zk_sim.cpp`) as a [`Transport`]: register access
//! through the AXI4-Lite port, device memory answering the AXI4 master with a fixed latency, and
//! a clock that runs until the kernel's interrupt. Cycle counts are exact for the RTL.

use std::os::raw::c_void;

use zkaccel_backends::{BackendError, Result};

use super::build::{model_library, Model};
use super::{load, symbol, SimError};
use crate::transport::{AddressSpace, DeviceBuffer, Transport};

/// Device memory the simulator offers (backed by host memory as it is written).
pub const SIM_MEMORY_BYTES: u64 = 4 << 30;

type RegWriteFn = unsafe extern "C" fn(*mut c_void, u32, u32) -> i32;
type RegReadFn = unsafe extern "C" fn(*mut c_void, u32, *mut u32) -> i32;
type MemWriteFn = unsafe extern "C" fn(*mut c_void, u64, *const u8, usize) -> i32;
type MemReadFn = unsafe extern "C" fn(*mut c_void, u64, *mut u8, usize) -> i32;
type RunFn = unsafe extern "C" fn(*mut c_void, u64) -> i64;
type CyclesFn = unsafe extern "C" fn(*mut c_void) -> u64;

/// One simulated card.
pub struct KernelSim {
    handle: *mut c_void,
    free_fn: unsafe extern "C" fn(*mut c_void),
    reg_write: RegWriteFn,
    reg_read: RegReadFn,
    mem_write: MemWriteFn,
    mem_read: MemReadFn,
    run: RunFn,
    cycles: CyclesFn,
    space: AddressSpace,
    _lib: libloading::Library,
}

// SAFETY: the model is only used through `&mut self` (one thread at a time); its Verilator
// context has no thread affinity.
unsafe impl Send for KernelSim {}

fn lost(reason: impl Into<String>) -> BackendError {
    BackendError::DeviceLost { device: String::new(), reason: reason.into() }
}

impl KernelSim {
    /// Builds (or reuses) the kernel model and starts a simulated card with interrupts on.
    pub fn new() -> Result<Self, SimError> {
        Self::of(Model::Kernel)
    }

    /// A simulated card of the kernel built with the Poseidon core alone.
    pub fn poseidon_only() -> Result<Self, SimError> {
        Self::of(Model::KernelPoseidonOnly)
    }

    fn of(model: Model) -> Result<Self, SimError> {
        let path = model_library(model)?;
        let lib = load(&path, b"zkf_abi_version", 1)?;
        let new: unsafe extern "C" fn() -> *mut c_void = symbol(&lib, b"zkf_new")?;
        let mut sim = KernelSim {
            free_fn: symbol(&lib, b"zkf_free")?,
            reg_write: symbol(&lib, b"zkf_reg_write")?,
            reg_read: symbol(&lib, b"zkf_reg_read")?,
            mem_write: symbol(&lib, b"zkf_mem_write")?,
            mem_read: symbol(&lib, b"zkf_mem_read")?,
            run: symbol(&lib, b"zkf_run")?,
            cycles: symbol(&lib, b"zkf_cycles")?,
            // SAFETY: `zkf_new` takes nothing and returns a fresh model (reset applied), freed in Drop.
            handle: unsafe { new() },
            space: AddressSpace::new(SIM_MEMORY_BYTES),
            _lib: lib,
        };
        sim.write_reg(crate::regs::IER, 1).map_err(|e| SimError::Load(format!("the model does not answer: {e}")))?;
        Ok(sim)
    }

    /// Cycles simulated since the model started (register accesses included).
    pub fn total_cycles(&self) -> u64 {
        // SAFETY: `handle` is live for `self`'s lifetime.
        unsafe { (self.cycles)(self.handle) }
    }

    fn check(&self, buffer: &DeviceBuffer, offset: usize, len: usize) -> Result<u64> {
        match offset.checked_add(len) {
            Some(end) if end <= buffer.len => Ok(buffer.addr + offset as u64),
            _ => Err(BackendError::InvalidInput(format!(
                "access of {len} bytes at offset {offset} is outside a {}-byte device buffer",
                buffer.len
            ))),
        }
    }
}

impl Transport for KernelSim {
    fn describe(&self) -> String {
        "Verilator simulation of zk_top".into()
    }

    fn memory_bytes(&self) -> u64 {
        SIM_MEMORY_BYTES
    }

    fn alloc(&mut self, len: usize) -> Result<DeviceBuffer> {
        self.space.alloc(len).ok_or(BackendError::OutOfMemory {
            device: String::new(),
            op: zkaccel_backends::Op::MsmG1,
            needed_bytes: len as u64,
            available_bytes: SIM_MEMORY_BYTES - self.space.in_use(),
        })
    }

    fn free(&mut self, buffer: DeviceBuffer) {
        self.space.free(&buffer);
    }

    fn write(&mut self, buffer: &DeviceBuffer, offset: usize, data: &[u8]) -> Result<()> {
        let addr = self.check(buffer, offset, data.len())?;
        // SAFETY: `data` is valid for `data.len()` bytes; the C side copies them.
        match unsafe { (self.mem_write)(self.handle, addr, data.as_ptr(), data.len()) } {
            0 => Ok(()),
            _ => Err(lost(format!("simulated memory write at {addr:#x} failed"))),
        }
    }

    fn read(&mut self, buffer: &DeviceBuffer, offset: usize, out: &mut [u8]) -> Result<()> {
        let addr = self.check(buffer, offset, out.len())?;
        // SAFETY: `out` is valid for `out.len()` bytes; the C side fills them.
        match unsafe { (self.mem_read)(self.handle, addr, out.as_mut_ptr(), out.len()) } {
            0 => Ok(()),
            _ => Err(lost(format!("simulated memory read at {addr:#x} failed"))),
        }
    }

    fn write_reg(&mut self, offset: u32, value: u32) -> Result<()> {
        // SAFETY: `handle` is live; the call drives the model's AXI4-Lite port.
        match unsafe { (self.reg_write)(self.handle, offset, value) } {
            0 => Ok(()),
            _ => Err(lost(format!("register write at {offset:#x} got no response"))),
        }
    }

    fn read_reg(&mut self, offset: u32) -> Result<u32> {
        let mut value = 0u32;
        // SAFETY: `handle` is live and `value` is a valid u32 to write into.
        match unsafe { (self.reg_read)(self.handle, offset, &mut value) } {
            0 => Ok(value),
            _ => Err(lost(format!("register read at {offset:#x} got no response"))),
        }
    }

    fn wait(&mut self, max_cycles: u64) -> Result<()> {
        // SAFETY: `handle` is live; the call runs the clock.
        match unsafe { (self.run)(self.handle, max_cycles) } {
            n if n >= 0 => Ok(()),
            _ => Err(lost(format!("the kernel did not finish within {max_cycles} cycles"))),
        }
    }
}

impl Drop for KernelSim {
    fn drop(&mut self) {
        // SAFETY: `handle` came from zkf_new and is freed exactly once, before the library unloads.
        unsafe { (self.free_fn)(self.handle) }
    }
}
