//! A real card through Xilinx XRT's native C API (`libxrt_coreutil`, loaded at run time so the
//! backend builds and runs everywhere): the xclbin named by [`XCLBIN_ENV`] is loaded, the
//! `zk_top` kernel opened for exclusive register access, buffers allocated in the bank of its
//! AXI4 master, and commands started and polled through the register map.
//!
//! Built always; exercised only where a card is present. Where libxrt, the xclbin or the card is
//! missing, [`XrtCard::open`] says which.

use std::collections::HashMap;
use std::ffi::{c_char, c_int, c_uint, c_void, CString};
use std::time::{Duration, Instant};

use zkaccel_backends::{BackendError, Op, Result};

use crate::regs;
use crate::transport::{DeviceBuffer, Transport};

/// Environment variable with the path of the xclbin holding the `zk_top` kernel.
pub const XCLBIN_ENV: &str = "ZKACCEL_FPGA_XCLBIN";
/// Environment variable with the XRT device index (default 0).
pub const DEVICE_ENV: &str = "ZKACCEL_FPGA_XRT_DEVICE";
/// The kernel's name in the xclbin.
pub const KERNEL_NAME: &str = "zk_top";
/// The clock the kernel is built for; bounds how long a command may take.
pub const CLOCK_HZ: u64 = 250_000_000;

/// Where libxrt_coreutil is looked for, in order.
pub const LIBRARY_CANDIDATES: [&str; 4] = [
    "libxrt_coreutil.so.2",
    "libxrt_coreutil.so",
    "/opt/xilinx/xrt/lib/libxrt_coreutil.so.2",
    "/opt/xilinx/xrt/lib/libxrt_coreutil.so",
];

type Handle = *mut c_void;
const SYNC_TO_DEVICE: c_int = 0;
const SYNC_FROM_DEVICE: c_int = 1;

#[derive(Clone, Copy)]
struct Api {
    device_open: unsafe extern "C" fn(c_uint) -> Handle,
    device_close: unsafe extern "C" fn(Handle) -> c_int,
    load_xclbin: unsafe extern "C" fn(Handle, *const c_char) -> c_int,
    xclbin_uuid: unsafe extern "C" fn(Handle, *mut u8) -> c_int,
    kernel_open: unsafe extern "C" fn(Handle, *const u8, *const c_char) -> Handle,
    kernel_close: unsafe extern "C" fn(Handle) -> c_int,
    arg_group: unsafe extern "C" fn(Handle, c_int) -> c_int,
    read_reg: unsafe extern "C" fn(Handle, u32, *mut u32) -> c_int,
    write_reg: unsafe extern "C" fn(Handle, u32, u32) -> c_int,
    bo_alloc: unsafe extern "C" fn(Handle, usize, u64, u32) -> Handle,
    bo_free: unsafe extern "C" fn(Handle) -> c_int,
    bo_write: unsafe extern "C" fn(Handle, *const c_void, usize, usize) -> c_int,
    bo_read: unsafe extern "C" fn(Handle, *mut c_void, usize, usize) -> c_int,
    bo_sync: unsafe extern "C" fn(Handle, c_int, usize, usize) -> c_int,
    bo_address: unsafe extern "C" fn(Handle) -> u64,
}

fn load_api() -> std::result::Result<(libloading::Library, Api), String> {
    let mut errors = Vec::new();
    let lib = LIBRARY_CANDIDATES
        .iter()
        .find_map(|name| {
            // SAFETY: loading XRT's core library runs its initialisers, which only set up XRT's
            // own state; the path is one of XRT's documented install locations.
            match unsafe { libloading::Library::new(name) } {
                Ok(lib) => Some(lib),
                Err(e) => {
                    errors.push(format!("{name}: {e}"));
                    None
                }
            }
        })
        .ok_or_else(|| {
            format!(
                "XRT is not installed: libxrt_coreutil was not found ({}); install Xilinx XRT (e.g. /opt/xilinx/xrt) \
                 and source its setup.sh",
                errors.first().map_or("", String::as_str)
            )
        })?;
    macro_rules! sym {
        ($name:literal) => {
            // SAFETY: the symbol is XRT's C API function of that name, declared with the
            // signature of the field it is stored in (xrt_device.h, xrt_kernel.h, xrt_bo.h).
            *unsafe { lib.get($name) }
                .map_err(|e| format!("libxrt_coreutil lacks {}: {e}", String::from_utf8_lossy($name)))?
        };
    }
    let api = Api {
        device_open: sym!(b"xrtDeviceOpen"),
        device_close: sym!(b"xrtDeviceClose"),
        load_xclbin: sym!(b"xrtDeviceLoadXclbinFile"),
        xclbin_uuid: sym!(b"xrtDeviceGetXclbinUUID"),
        kernel_open: sym!(b"xrtPLKernelOpenExclusive"),
        kernel_close: sym!(b"xrtKernelClose"),
        arg_group: sym!(b"xrtKernelArgGroupId"),
        read_reg: sym!(b"xrtKernelReadRegister"),
        write_reg: sym!(b"xrtKernelWriteRegister"),
        bo_alloc: sym!(b"xrtBOAlloc"),
        bo_free: sym!(b"xrtBOFree"),
        bo_write: sym!(b"xrtBOWrite"),
        bo_read: sym!(b"xrtBORead"),
        bo_sync: sym!(b"xrtBOSync"),
        bo_address: sym!(b"xrtBOAddress"),
    };
    Ok((lib, api))
}

/// Whether libxrt_coreutil can be loaded, or why not (for `zkaccel devices`).
pub fn library_available() -> std::result::Result<(), String> {
    load_api().map(|_| ())
}

/// One card with the `zk_top` kernel loaded.
pub struct XrtCard {
    api: Api,
    device: Handle,
    kernel: Handle,
    group: u32,
    buffers: HashMap<u64, Handle>,
    next_id: u64,
    index: u32,
    _lib: libloading::Library,
}

// SAFETY: XRT handles may be used from any thread; `XrtCard` is only used through `&mut self`.
unsafe impl Send for XrtCard {}

fn lost(reason: String) -> BackendError {
    BackendError::DeviceLost { device: String::new(), reason }
}

impl XrtCard {
    /// Opens card [`DEVICE_ENV`] (default 0), loads the xclbin at [`XCLBIN_ENV`] and opens the
    /// kernel. `Err` says what is missing.
    pub fn open() -> std::result::Result<Self, String> {
        let (lib, api) = load_api()?;
        let xclbin = std::env::var(XCLBIN_ENV).map_err(|_| {
            format!("no xclbin: set {XCLBIN_ENV} to the xclbin built from fpga/rtl (kernel `{KERNEL_NAME}`)")
        })?;
        let index: u32 = match std::env::var(DEVICE_ENV) {
            Ok(v) => v.parse().map_err(|_| format!("{DEVICE_ENV}={v:?} is not a device index"))?,
            Err(_) => 0,
        };
        let path = CString::new(xclbin.clone()).map_err(|_| format!("{XCLBIN_ENV} contains a NUL byte"))?;
        let name = CString::new(KERNEL_NAME).map_err(|e| e.to_string())?;
        // SAFETY: plain C calls with valid arguments; every handle is checked before use and
        // closed on the error paths.
        unsafe {
            let device = (api.device_open)(index);
            if device.is_null() {
                return Err(format!("XRT found no card at index {index}"));
            }
            let fail = |msg: String| {
                (api.device_close)(device);
                Err(msg)
            };
            if (api.load_xclbin)(device, path.as_ptr()) != 0 {
                return fail(format!("XRT could not load {xclbin} onto card {index}"));
            }
            let mut uuid = [0u8; 16];
            if (api.xclbin_uuid)(device, uuid.as_mut_ptr()) != 0 {
                return fail(format!("XRT gave no UUID for {xclbin}"));
            }
            let kernel = (api.kernel_open)(device, uuid.as_ptr(), name.as_ptr());
            if kernel.is_null() {
                return fail(format!("{xclbin} has no kernel `{KERNEL_NAME}` free for exclusive use"));
            }
            let group = (api.arg_group)(kernel, 0);
            if group < 0 {
                (api.kernel_close)(kernel);
                return fail(format!("XRT gave no memory bank for `{KERNEL_NAME}`"));
            }
            Ok(XrtCard {
                api,
                device,
                kernel,
                group: group as u32,
                buffers: HashMap::new(),
                next_id: 1,
                index,
                _lib: lib,
            })
        }
    }

    fn handle(&self, buffer: &DeviceBuffer) -> Result<Handle> {
        self.buffers.get(&buffer.id).copied().ok_or(BackendError::InvalidInput("unknown device buffer".into()))
    }
}

impl Transport for XrtCard {
    fn describe(&self) -> String {
        format!("XRT card {}", self.index)
    }

    fn memory_bytes(&self) -> u64 {
        // One DDR bank of an Alveo U250 / AWS F1 card.
        16 << 30
    }

    fn alloc(&mut self, len: usize) -> Result<DeviceBuffer> {
        let size = len.max(1).div_ceil(4096) * 4096;
        // SAFETY: `device` is open; XRT returns null on failure.
        let bo = unsafe { (self.api.bo_alloc)(self.device, size, 0, self.group) };
        if bo.is_null() {
            return Err(BackendError::OutOfMemory {
                device: String::new(),
                op: Op::MsmG1,
                needed_bytes: size as u64,
                available_bytes: 0,
            });
        }
        let id = self.next_id;
        self.next_id += 1;
        self.buffers.insert(id, bo);
        // SAFETY: `bo` is a live buffer.
        let addr = unsafe { (self.api.bo_address)(bo) };
        Ok(DeviceBuffer { id, addr, len })
    }

    fn free(&mut self, buffer: DeviceBuffer) {
        if let Some(bo) = self.buffers.remove(&buffer.id) {
            // SAFETY: `bo` came from xrtBOAlloc and is freed once.
            unsafe { (self.api.bo_free)(bo) };
        }
    }

    fn write(&mut self, buffer: &DeviceBuffer, offset: usize, data: &[u8]) -> Result<()> {
        let bo = self.handle(buffer)?;
        if offset + data.len() > buffer.len {
            return Err(BackendError::InvalidInput("write past the end of a device buffer".into()));
        }
        // SAFETY: `data` is valid for its length and the range lies inside the buffer.
        let ok = unsafe {
            (self.api.bo_write)(bo, data.as_ptr().cast(), data.len(), offset) == 0
                && (self.api.bo_sync)(bo, SYNC_TO_DEVICE, data.len(), offset) == 0
        };
        if ok {
            Ok(())
        } else {
            Err(lost("XRT buffer write failed".into()))
        }
    }

    fn read(&mut self, buffer: &DeviceBuffer, offset: usize, out: &mut [u8]) -> Result<()> {
        let bo = self.handle(buffer)?;
        if offset + out.len() > buffer.len {
            return Err(BackendError::InvalidInput("read past the end of a device buffer".into()));
        }
        // SAFETY: `out` is valid for its length and the range lies inside the buffer.
        let ok = unsafe {
            (self.api.bo_sync)(bo, SYNC_FROM_DEVICE, out.len(), offset) == 0
                && (self.api.bo_read)(bo, out.as_mut_ptr().cast(), out.len(), offset) == 0
        };
        if ok {
            Ok(())
        } else {
            Err(lost("XRT buffer read failed".into()))
        }
    }

    fn write_reg(&mut self, offset: u32, value: u32) -> Result<()> {
        // SAFETY: the kernel is open for exclusive access.
        match unsafe { (self.api.write_reg)(self.kernel, offset, value) } {
            0 => Ok(()),
            e => Err(lost(format!("XRT register write at {offset:#x} failed ({e})"))),
        }
    }

    fn read_reg(&mut self, offset: u32) -> Result<u32> {
        let mut value = 0u32;
        // SAFETY: the kernel is open for exclusive access; `value` is a valid u32.
        match unsafe { (self.api.read_reg)(self.kernel, offset, &mut value) } {
            0 => Ok(value),
            e => Err(lost(format!("XRT register read at {offset:#x} failed ({e})"))),
        }
    }

    fn wait(&mut self, max_cycles: u64) -> Result<()> {
        // The cycle budget at the kernel's clock, with ten times the margin and at least a second.
        let limit =
            Duration::from_nanos(max_cycles.saturating_mul(10_000_000_000 / CLOCK_HZ)).max(Duration::from_secs(1));
        let start = Instant::now();
        loop {
            if self.read_reg(regs::CTRL)? & regs::CTRL_DONE != 0 {
                return Ok(());
            }
            if start.elapsed() > limit {
                return Err(lost(format!("the kernel did not finish within {limit:?}")));
            }
            std::thread::yield_now();
        }
    }
}

impl Drop for XrtCard {
    fn drop(&mut self) {
        // SAFETY: every handle is live and released once, buffers before the kernel and device.
        unsafe {
            for (_, bo) in self.buffers.drain() {
                (self.api.bo_free)(bo);
            }
            (self.api.kernel_close)(self.kernel);
            (self.api.device_close)(self.device);
        }
    }
}
