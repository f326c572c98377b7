//! [`GpuDevice`] on the CUDA host emulator (feature `emulator`): the kernels of
//! `kernels/cuda/*.cu`, compiled by the host C++ compiler (see `build.rs`), run on CPU threads —
//! one OS thread per CUDA thread, blocks one after another (docs/CUDA.md, "The emulator").
//! Device memory is host memory and device pointers are host addresses. For correctness tests,
//! not speed.
//!
//! Also exposes [`checks`]: the field and curve arithmetic of `field.cuh` / `curve.cuh` called
//! directly, for tests against arkworks.

use std::collections::{BTreeMap, HashMap};
use std::ffi::{c_char, c_void, CStr, CString};
use std::sync::{Arc, Mutex, MutexGuard};

use zkaccel_backends::{BackendError, Op, Result};

use crate::device::{DeviceBuffer, DevicePtr, GpuDevice, KernelArg, LaunchShape, Program};

/// Alignment of every emulated allocation (at least what `cudaMalloc` guarantees for the
/// vector loads kernels do).
const ALIGN: usize = 64;
/// Default memory limit: 4 GiB.
const DEFAULT_LIMIT: u64 = 4 << 30;
/// The device id used in error messages.
const DEVICE_ID: &str = "cuda-emulator";

mod ffi {
    use std::ffi::{c_char, c_int, c_void};

    extern "C" {
        pub fn zk_emu_launch(
            program: *const c_char,
            kernel: *const c_char,
            gx: u32,
            gy: u32,
            gz: u32,
            block: u32,
            shared_bytes: u32,
            args: *const u64,
            kinds: *const u8,
            nargs: u32,
            err: *mut c_char,
            err_len: u64,
        ) -> c_int;
        pub fn zk_emu_constant(
            program: *const c_char,
            symbol: *const c_char,
            ptr: *mut *mut c_void,
            bytes: *mut u64,
            initial: *mut *const c_void,
        ) -> c_int;
        pub fn zk_emu_constants_reset(program: *const c_char) -> c_int;
        pub fn zk_emu_kernel_program(kernel: *const c_char) -> *const c_char;
        pub fn zk_emu_kernel_count() -> u32;
        pub fn zk_emu_kernel_info(
            i: u32,
            name: *mut *const c_char,
            program: *mut *const c_char,
            nargs: *mut u32,
        ) -> c_int;
        pub fn zk_emu_constant_count() -> u32;
        pub fn zk_emu_duplicate_count() -> u32;
        pub fn zk_emu_duplicate(i: u32) -> *const c_char;
        pub fn zk_check_fq(op: c_int, a: *const u32, b: *const u32, out: *mut u32) -> c_int;
        pub fn zk_check_fr(op: c_int, a: *const u32, b: *const u32, out: *mut u32) -> c_int;
        pub fn zk_check_g1(op: c_int, p: *const u32, q: *const u32, out: *mut u32) -> c_int;
    }
}

/// Live allocations of one device: start address → size, and their total.
#[derive(Default)]
struct Memory {
    live: BTreeMap<u64, usize>,
    used: u64,
}

struct Inner {
    limit: u64,
    memory: Mutex<Memory>,
    /// Serialises the device's operations (one stream).
    ops: Mutex<()>,
    /// This device's view of constant memory: (program, symbol) → the object's full contents.
    /// The `ZK_CONSTANT` objects are process-wide statics shared by every emulated device, so a
    /// launch first loads the launching device's contents into them (see [`LAUNCH`]).
    constants: Mutex<HashMap<(String, String), Vec<u8>>>,
}

/// Held across "load this device's constants, run the kernel": the statics behind
/// `ZK_CONSTANT` and `ZK_SHARED` are shared by all devices of the process.
static LAUNCH: Mutex<()> = Mutex::new(());

impl Inner {
    fn memory(&self) -> MutexGuard<'_, Memory> {
        // A panic while holding the lock cannot leave `Memory` inconsistent (updates are single
        // statements), so a poisoned lock is still usable.
        self.memory.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn free(&self, ptr: u64) {
        let mut memory = self.memory();
        if let Some(bytes) = memory.live.remove(&ptr) {
            memory.used -= bytes as u64;
            let layout = std::alloc::Layout::from_size_align(bytes, ALIGN).expect("layout was valid at allocation");
            // SAFETY: `ptr` came from `alloc_zeroed` with this very layout (recorded in `live`,
            // removed just now, so it is freed exactly once).
            unsafe { std::alloc::dealloc(ptr as usize as *mut u8, layout) };
        }
    }

    /// Checks that `buf` is a live allocation of this device and that `offset..offset + len`
    /// lies inside it; returns the host address of the range's start.
    fn check_range(&self, buf: &DeviceBuffer, offset: usize, len: usize, what: &str) -> Result<*mut u8> {
        let end = offset
            .checked_add(len)
            .ok_or_else(|| BackendError::InvalidInput(format!("{what}: offset {offset} + length {len} overflows")))?;
        if end > buf.len_bytes() {
            return Err(BackendError::InvalidInput(format!(
                "{what} of {len} bytes at offset {offset} is outside the {}-byte buffer",
                buf.len_bytes()
            )));
        }
        if buf.len_bytes() == 0 {
            return Ok(std::ptr::null_mut());
        }
        let memory = self.memory();
        match memory.live.get(&buf.ptr()) {
            Some(&bytes) if bytes == buf.len_bytes() => Ok((buf.ptr() as usize + offset) as *mut u8),
            _ => Err(BackendError::InvalidInput(format!(
                "{what}: {buf:?} is not a live allocation of the CUDA host emulator"
            ))),
        }
    }
}

/// The CUDA host emulator as a [`GpuDevice`].
///
/// Allocations are 64-byte aligned, zeroed host memory counted against an artificial memory
/// limit (so tests can make the orchestration split work into chunks). Kernel launches are
/// checked for a registered kernel of the right program, a valid shape and arguments whose kinds
/// match the kernel's parameters; what a kernel then does with its pointers is, as on a GPU, up
/// to the kernel.
pub struct EmulatedDevice {
    inner: Arc<Inner>,
}

impl Default for EmulatedDevice {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for EmulatedDevice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "EmulatedDevice(limit {} bytes)", self.inner.limit)
    }
}

impl EmulatedDevice {
    /// An emulated device with 4 GiB of memory.
    pub fn new() -> Self {
        Self::with_memory_limit(DEFAULT_LIMIT)
    }

    /// An emulated device whose allocations may total at most `bytes`.
    pub fn with_memory_limit(bytes: u64) -> Self {
        EmulatedDevice {
            inner: Arc::new(Inner {
                limit: bytes,
                memory: Mutex::new(Memory::default()),
                ops: Mutex::new(()),
                constants: Mutex::new(HashMap::new()),
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, ()> {
        self.inner.ops.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs a registered kernel by name. `program` (the `.cu` file stem, e.g. "msm") is checked
    /// against the program the kernel was compiled in when given. [`GpuDevice::launch`] calls
    /// this; tests use it for kernels outside [`Program`] (`emulator_test.cu`).
    pub fn launch_raw(
        &self,
        program: Option<&str>,
        kernel: &str,
        shape: LaunchShape,
        args: &[KernelArg],
    ) -> Result<()> {
        let lost = |reason: String| BackendError::DeviceLost { device: DEVICE_ID.into(), reason };
        let kernel_c = CString::new(kernel).map_err(|_| lost(format!("kernel name {kernel:?} contains a NUL byte")))?;
        let program_c = match program {
            Some(p) => Some(CString::new(p).map_err(|_| lost(format!("program name {p:?} contains a NUL byte")))?),
            None => None,
        };
        let nargs = u32::try_from(args.len()).map_err(|_| lost(format!("{} kernel arguments", args.len())))?;
        let mut values = Vec::with_capacity(args.len());
        let mut kinds = Vec::with_capacity(args.len());
        for arg in args {
            let (value, kind) = match *arg {
                KernelArg::Ptr(p) => (p, 0u8),
                KernelArg::U32(v) => (u64::from(v), 1u8),
                KernelArg::U64(v) => (v, 2u8),
            };
            values.push(value);
            kinds.push(kind);
        }
        let mut err = vec![0u8; 1024];
        let _guard = self.lock();
        let _launch = LAUNCH.lock().unwrap_or_else(|e| e.into_inner());
        self.load_constants(program, &kernel_c);
        // SAFETY: the strings are NUL-terminated and outlive the call; `values` and `kinds` hold
        // `nargs` elements; `err` is writable for its length. The launcher checks the kernel's
        // name, program, shape and argument kinds before running it.
        let rc = unsafe {
            ffi::zk_emu_launch(
                program_c.as_ref().map_or(std::ptr::null(), |p| p.as_ptr()),
                kernel_c.as_ptr(),
                shape.grid[0],
                shape.grid[1],
                shape.grid[2],
                shape.block,
                shape.shared_bytes,
                values.as_ptr(),
                kinds.as_ptr(),
                nargs,
                err.as_mut_ptr().cast::<c_char>(),
                err.len() as u64,
            )
        };
        if rc == 0 {
            return Ok(());
        }
        let message = CStr::from_bytes_until_nul(&err)
            .map(|m| m.to_string_lossy().into_owned())
            .unwrap_or_else(|_| format!("launch of `{kernel}` failed with code {rc}"));
        // The driver reports a missing function or a bad launch configuration as a failing
        // driver call; so does the emulator, with the launcher's message.
        Err(lost(message))
    }

    /// Writes `bytes` to the start of the `ZK_CONSTANT` `symbol` registered by the program
    /// `program` (the `.cu` file stem). [`GpuDevice::write_constant`] calls this. The write is
    /// this device's: launches on other emulated devices keep seeing their own contents.
    pub fn write_constant_raw(&self, program: &str, symbol: &str, bytes: &[u8]) -> Result<()> {
        let info = constant(program, symbol).ok_or_else(|| {
            BackendError::InvalidInput(format!(
                "CUDA host emulator: program `{program}` has no registered constant `{symbol}`"
            ))
        })?;
        if !info.writable {
            return Err(BackendError::InvalidInput(format!(
                "constant `{symbol}` of `{program}` is declared const and cannot be written"
            )));
        }
        if bytes.len() > info.initial.len() {
            return Err(BackendError::InvalidInput(format!(
                "constant `{symbol}` of `{program}` holds {} bytes, {} were written",
                info.initial.len(),
                bytes.len()
            )));
        }
        let _guard = self.lock();
        let mut constants = self.inner.constants.lock().unwrap_or_else(|e| e.into_inner());
        let image = constants.entry((program.to_string(), symbol.to_string())).or_insert(info.initial);
        image[..bytes.len()].copy_from_slice(bytes);
        Ok(())
    }

    /// Loads this device's constant contents for the program of `kernel` into the shared
    /// statics (the rest of the program's constants get their start-up contents). Called with
    /// [`LAUNCH`] held.
    fn load_constants(&self, program: Option<&str>, kernel: &CStr) {
        let program = match program {
            Some(p) => p.to_string(),
            None => {
                // SAFETY: `kernel` is NUL-terminated; the result is null or a NUL-terminated
                // string that lives as long as the process.
                let p = unsafe { ffi::zk_emu_kernel_program(kernel.as_ptr()) };
                if p.is_null() {
                    return; // the launch reports the unknown kernel
                }
                // SAFETY: checked non-null; see above.
                unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
            }
        };
        let Ok(program_c) = CString::new(program.as_str()) else { return };
        // SAFETY: NUL-terminated; no launch runs (LAUNCH is held by the caller), so nothing reads
        // the constants while they are restored.
        unsafe { ffi::zk_emu_constants_reset(program_c.as_ptr()) };
        let constants = self.inner.constants.lock().unwrap_or_else(|e| e.into_inner());
        for ((p, symbol), image) in constants.iter() {
            if *p != program {
                continue;
            }
            if let Some(info) = constant(p, symbol) {
                let n = image.len().min(info.initial.len());
                // SAFETY: `info.ptr` is the registered, writable constant object of
                // `info.initial.len()` bytes (a static living as long as the process); `n` does
                // not exceed it; no kernel runs while LAUNCH is held.
                unsafe { std::ptr::copy_nonoverlapping(image.as_ptr(), info.ptr.cast::<u8>(), n) };
            }
        }
    }
}

/// A registered constant: its address, whether it may be written, and its start-up contents
/// (whose length is the object's size).
struct ConstantInfo {
    ptr: *mut c_void,
    writable: bool,
    initial: Vec<u8>,
}

/// Looks up a registered constant.
fn constant(program: &str, symbol: &str) -> Option<ConstantInfo> {
    let program = CString::new(program).ok()?;
    let symbol = CString::new(symbol).ok()?;
    let mut ptr = std::ptr::null_mut();
    let mut bytes = 0u64;
    let mut initial = std::ptr::null();
    // SAFETY: NUL-terminated strings; the out-pointers are valid for one write each.
    let rc = unsafe { ffi::zk_emu_constant(program.as_ptr(), symbol.as_ptr(), &mut ptr, &mut bytes, &mut initial) };
    if (rc != 0 && rc != 2) || initial.is_null() {
        return None;
    }
    let len = usize::try_from(bytes).ok()?;
    // SAFETY: the launcher's start-up snapshot is `bytes` long and lives as long as the process.
    let initial = unsafe { std::slice::from_raw_parts(initial.cast::<u8>(), len) }.to_vec();
    Some(ConstantInfo { ptr, writable: rc == 0, initial })
}

/// One kernel registered with the emulator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisteredKernel {
    /// The kernel's name.
    pub name: String,
    /// The program (`.cu` file stem) it was compiled in.
    pub program: String,
    /// Its number of parameters.
    pub params: u32,
}

/// Every kernel registered with the emulator, in name order.
pub fn registered_kernels() -> Vec<RegisteredKernel> {
    // SAFETY: no arguments.
    let count = unsafe { ffi::zk_emu_kernel_count() };
    (0..count)
        .filter_map(|i| {
            let mut name = std::ptr::null();
            let mut program = std::ptr::null();
            let mut params = 0u32;
            // SAFETY: the out-pointers are valid for one write each; on success the strings are
            // NUL-terminated and live as long as the process.
            let rc = unsafe { ffi::zk_emu_kernel_info(i, &mut name, &mut program, &mut params) };
            if rc != 0 || name.is_null() || program.is_null() {
                return None;
            }
            // SAFETY: checked non-null above; see the call's comment.
            let (name, program) = unsafe { (CStr::from_ptr(name), CStr::from_ptr(program)) };
            Some(RegisteredKernel {
                name: name.to_string_lossy().into_owned(),
                program: program.to_string_lossy().into_owned(),
                params,
            })
        })
        .collect()
}

/// Number of `ZK_CONSTANT` objects registered with the emulator.
pub fn registered_constant_count() -> u32 {
    // SAFETY: no arguments.
    unsafe { ffi::zk_emu_constant_count() }
}

/// Kernels or constants registered twice (a bug in the sources; should be empty).
pub fn duplicate_registrations() -> Vec<String> {
    // SAFETY: no arguments.
    let count = unsafe { ffi::zk_emu_duplicate_count() };
    (0..count)
        .filter_map(|i| {
            // SAFETY: `i` is in range; the string is NUL-terminated and lives as long as the process.
            let p = unsafe { ffi::zk_emu_duplicate(i) };
            // SAFETY: checked non-null first.
            (!p.is_null()).then(|| unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned())
        })
        .collect()
}

impl GpuDevice for EmulatedDevice {
    fn name(&self) -> String {
        "CUDA host emulator".into()
    }

    fn total_memory(&self) -> u64 {
        self.inner.limit
    }

    fn free_memory(&self) -> Result<u64> {
        Ok(self.inner.limit.saturating_sub(self.inner.memory().used))
    }

    fn compute_units(&self) -> u32 {
        2
    }

    fn alloc(&self, bytes: usize) -> Result<DeviceBuffer> {
        if bytes == 0 {
            return Ok(DeviceBuffer::new(0, 0, Box::new(|_| {})));
        }
        let out_of_memory = |available: u64| BackendError::OutOfMemory {
            device: DEVICE_ID.into(),
            // The device does not know which workload allocates; the backend names it.
            op: Op::MsmG1,
            needed_bytes: bytes as u64,
            available_bytes: available,
        };
        let mut memory = self.inner.memory();
        let available = self.inner.limit.saturating_sub(memory.used);
        if bytes as u64 > available {
            return Err(out_of_memory(available));
        }
        let layout = std::alloc::Layout::from_size_align(bytes, ALIGN).map_err(|_| out_of_memory(available))?;
        // SAFETY: `layout` has a non-zero size.
        let ptr = unsafe { std::alloc::alloc_zeroed(layout) };
        if ptr.is_null() {
            return Err(out_of_memory(available));
        }
        let addr = ptr as usize as DevicePtr;
        memory.live.insert(addr, bytes);
        memory.used += bytes as u64;
        drop(memory);
        let owner = Arc::clone(&self.inner);
        Ok(DeviceBuffer::new(addr, bytes, Box::new(move |ptr| owner.free(ptr))))
    }

    fn upload(&self, dst: &DeviceBuffer, offset_bytes: usize, src: &[u8]) -> Result<()> {
        let at = self.inner.check_range(dst, offset_bytes, src.len(), "upload")?;
        if src.is_empty() {
            return Ok(());
        }
        let _guard = self.lock();
        // SAFETY: `at..at + src.len()` lies inside a live allocation of this device (checked
        // above; it stays live while `dst` is borrowed), and `src` is a distinct Rust slice.
        unsafe { std::ptr::copy_nonoverlapping(src.as_ptr(), at, src.len()) };
        Ok(())
    }

    fn download(&self, src: &DeviceBuffer, offset_bytes: usize, dst: &mut [u8]) -> Result<()> {
        let at = self.inner.check_range(src, offset_bytes, dst.len(), "download")?;
        if dst.is_empty() {
            return Ok(());
        }
        let _guard = self.lock();
        // SAFETY: `at..at + dst.len()` lies inside a live allocation of this device (checked
        // above), and `dst` is a distinct, exclusively borrowed Rust slice.
        unsafe { std::ptr::copy_nonoverlapping(at.cast_const(), dst.as_mut_ptr(), dst.len()) };
        Ok(())
    }

    fn write_constant(&self, program: Program, symbol: &str, bytes: &[u8]) -> Result<()> {
        self.write_constant_raw(program.name(), symbol, bytes)
    }

    fn launch(&self, program: Program, kernel: &str, shape: LaunchShape, args: &[KernelArg]) -> Result<()> {
        self.launch_raw(Some(program.name()), kernel, shape, args)
    }
}

/// The field and curve arithmetic of `kernels/cuda/field.cuh` and `curve.cuh`, compiled for
/// the host (their portable paths), over device-layout limbs: field elements as eight u32
/// Montgomery limbs, affine points as 16 (x‖y, identity (0,0)), XYZZ points as 32.
pub mod checks {
    use std::ffi::c_int;

    use super::ffi;

    /// A field operation of `field.cuh`.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum FieldOp {
        /// `fp_add(a, b)`.
        Add = 0,
        /// `fp_sub(a, b)`.
        Sub = 1,
        /// `fp_neg(a)`.
        Neg = 2,
        /// `fp_dbl(a)`.
        Dbl = 3,
        /// `fp_mul(a, b)`.
        Mul = 4,
        /// `fp_sqr(a)`.
        Sqr = 5,
        /// `fp_inv(a)` (zero for zero).
        Inv = 6,
        /// `fp_from_mont(a)`: the canonical integer.
        FromMont = 7,
        /// `fp_to_mont(a)` of a canonical integer.
        ToMont = 8,
        /// `fp_is_zero(a)`: limb 0 is 1 or 0.
        IsZero = 9,
        /// `fp_eq(a, b)`: limb 0 is 1 or 0.
        Eq = 10,
        /// `fp_one()`.
        One = 11,
        /// `fp_zero()`.
        Zero = 12,
    }

    /// Limbs of one field element.
    pub type Limbs = [u32; 8];

    fn field(
        f: unsafe extern "C" fn(c_int, *const u32, *const u32, *mut u32) -> c_int,
        op: FieldOp,
        a: &Limbs,
        b: &Limbs,
    ) -> Limbs {
        let mut out = [0u32; 8];
        // SAFETY: `a` and `b` are 8 limbs each, `out` is writable for 8; the function reads and
        // writes at most that.
        let rc = unsafe { f(op as c_int, a.as_ptr(), b.as_ptr(), out.as_mut_ptr()) };
        assert_eq!(rc, 0, "field op {op:?} rejected");
        out
    }

    /// Applies `op` in Fq (`b` is ignored by unary ops).
    pub fn fq(op: FieldOp, a: &Limbs, b: &Limbs) -> Limbs {
        field(ffi::zk_check_fq, op, a, b)
    }

    /// Applies `op` in Fr (`b` is ignored by unary ops).
    pub fn fr(op: FieldOp, a: &Limbs, b: &Limbs) -> Limbs {
        field(ffi::zk_check_fr, op, a, b)
    }

    /// An affine point's limbs (x‖y; identity all zero).
    pub type Affine = [u32; 16];
    /// An XYZZ point's limbs (X‖Y‖ZZ‖ZZZ; identity iff ZZ = 0).
    pub type Xyzz = [u32; 32];

    fn g1(op: c_int, p: &[u32], q: &[u32]) -> Xyzz {
        let mut out = [0u32; 32];
        // SAFETY: the callers pass `p` and `q` at least as long as the op reads (16 limbs for an
        // affine operand, 32 for an XYZZ one); `out` is writable for 32 limbs.
        let rc = unsafe { ffi::zk_check_g1(op, p.as_ptr(), q.as_ptr(), out.as_mut_ptr()) };
        assert_eq!(rc, 0, "G1 op {op} rejected");
        out
    }

    fn affine_of(out: Xyzz) -> Affine {
        let mut a = [0u32; 16];
        a.copy_from_slice(&out[..16]);
        a
    }

    /// `g1_xyzz_add_affine(p, q)`.
    pub fn g1_add_affine(p: &Xyzz, q: &Affine) -> Xyzz {
        g1(0, p, q)
    }

    /// `g1_xyzz_add(p, q)`.
    pub fn g1_add(p: &Xyzz, q: &Xyzz) -> Xyzz {
        g1(1, p, q)
    }

    /// `g1_xyzz_double(p)`.
    pub fn g1_double(p: &Xyzz) -> Xyzz {
        g1(2, p, p)
    }

    /// `g1_xyzz_neg(p)`.
    pub fn g1_neg(p: &Xyzz) -> Xyzz {
        g1(3, p, p)
    }

    /// `g1_xyzz_from_affine(a)`.
    pub fn g1_from_affine(a: &Affine) -> Xyzz {
        g1(4, a, a)
    }

    /// `g1_affine_neg(a)`.
    pub fn g1_affine_neg(a: &Affine) -> Affine {
        affine_of(g1(5, a, a))
    }

    /// `g1_affine_double(a)` (`a` must not be the identity).
    pub fn g1_affine_double(a: &Affine) -> Xyzz {
        g1(6, a, a)
    }

    /// `g1_xyzz_is_identity(p)`.
    pub fn g1_is_identity(p: &Xyzz) -> bool {
        g1(7, p, p)[0] == 1
    }

    /// `g1_affine_is_identity(a)`.
    pub fn g1_affine_is_identity(a: &Affine) -> bool {
        g1(8, a, a)[0] == 1
    }

    /// `g1_xyzz_identity()`.
    pub fn g1_identity() -> Xyzz {
        let none = [0u32; 32];
        g1(9, &none, &none)
    }
}
