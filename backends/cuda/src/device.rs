//! The seam between the workload orchestration and the hardware: a GPU as a few primitive
//! operations. [`crate::driver`] implements it on a real NVIDIA GPU through cudarc; the
//! `emulator` feature implements it on host threads so CI can run every kernel without a GPU.

use zkaccel_backends::Result;

/// A device address: a `CUdeviceptr` on a GPU, a host address under the emulator.
pub type DevicePtr = u64;

/// The separately compiled kernel programs (one `.cu` file each under `kernels/cuda/`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Program {
    /// `msm.cu`: scalar decomposition, bucket sort, accumulation and reduction.
    Msm,
    /// `ntt.cu`: bit reversal, butterflies, coset scaling.
    Ntt,
    /// `poseidon.cu`: batched hashing and Merkle levels.
    Poseidon,
    /// `selftest.cu`: field and curve arithmetic checked against the host at start-up.
    SelfTest,
}

impl Program {
    /// Every program, in a stable order.
    pub const ALL: [Program; 4] = [Program::Msm, Program::Ntt, Program::Poseidon, Program::SelfTest];

    /// The program's file stem under `kernels/cuda/` ("msm", "ntt", ...).
    pub fn name(self) -> &'static str {
        match self {
            Program::Msm => "msm",
            Program::Ntt => "ntt",
            Program::Poseidon => "poseidon",
            Program::SelfTest => "selftest",
        }
    }
}

/// One kernel argument. Pointers and integers only (see docs/CUDA.md, "Kernel ABI").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KernelArg {
    /// A device pointer (`T*` in the kernel).
    Ptr(DevicePtr),
    /// A `u32` by value.
    U32(u32),
    /// A `u64` by value.
    U64(u64),
}

/// Grid and block shape of one launch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LaunchShape {
    /// Blocks in x, y, z.
    pub grid: [u32; 3],
    /// Threads per block (x only).
    pub block: u32,
    /// Dynamic shared memory per block, in bytes.
    pub shared_bytes: u32,
}

impl LaunchShape {
    /// Enough blocks of `block` threads to give each of `threads` items its own thread (at least one block).
    pub fn cover(threads: u64, block: u32) -> Self {
        let blocks = threads.div_ceil(block as u64).max(1);
        LaunchShape { grid: [blocks as u32, 1, 1], block, shared_bytes: 0 }
    }
}

/// A device allocation. Freed when dropped.
pub struct DeviceBuffer {
    ptr: DevicePtr,
    bytes: usize,
    release: Option<Box<dyn FnOnce(DevicePtr) + Send + Sync>>,
}

impl DeviceBuffer {
    /// Wraps an allocation of `bytes` at `ptr`; `release` frees it on drop.
    pub fn new(ptr: DevicePtr, bytes: usize, release: Box<dyn FnOnce(DevicePtr) + Send + Sync>) -> Self {
        DeviceBuffer { ptr, bytes, release: Some(release) }
    }

    /// The allocation's device address.
    pub fn ptr(&self) -> DevicePtr {
        self.ptr
    }

    /// The address `offset_bytes` into the allocation, as a kernel argument.
    pub fn arg_at(&self, offset_bytes: usize) -> KernelArg {
        debug_assert!(offset_bytes <= self.bytes);
        KernelArg::Ptr(self.ptr + offset_bytes as u64)
    }

    /// The allocation's start, as a kernel argument.
    pub fn arg(&self) -> KernelArg {
        KernelArg::Ptr(self.ptr)
    }

    /// Size in bytes.
    pub fn len_bytes(&self) -> usize {
        self.bytes
    }
}

impl Drop for DeviceBuffer {
    fn drop(&mut self) {
        if let Some(release) = self.release.take() {
            release(self.ptr);
        }
    }
}

impl std::fmt::Debug for DeviceBuffer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DeviceBuffer({:#x}, {} bytes)", self.ptr, self.bytes)
    }
}

/// A host→device copy started by [`GpuDevice::upload_async`], to be passed to
/// [`GpuDevice::wait`] before anything reads (or writes) the destination range.
///
/// It is only an id the device uses to find its pending copy (its event and staging buffer);
/// [`Transfer::completed`] (id 0) names a copy that has already finished, which is what
/// devices without asynchronous copies return. A transfer dropped without `wait` is safe: the
/// device finishes the copy before its staging buffer is reused, before the destination
/// buffer is freed, and before the device itself is dropped. Waiting twice, or on a transfer of
/// another device, is harmless (at worst it waits for an unrelated copy).
#[must_use = "wait for the transfer before the destination is used"]
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Transfer {
    id: u64,
}

impl Transfer {
    /// A transfer that has already completed: `wait` returns at once.
    pub const fn completed() -> Self {
        Transfer { id: 0 }
    }

    /// A pending transfer known to its device as `id` (0 means completed).
    pub const fn new(id: u64) -> Self {
        Transfer { id }
    }

    /// The device's id for this transfer (0 when completed).
    pub const fn id(&self) -> u64 {
        self.id
    }

    /// Whether the transfer is known to have completed already.
    pub const fn is_completed(&self) -> bool {
        self.id == 0
    }
}

/// A GPU (or its emulation) as the orchestration code sees it.
///
/// Calls are ordered: each one starts after the previous call on the same device finished,
/// as on a single CUDA stream. Implementations serialise callers from several threads.
/// The one exception is [`GpuDevice::upload_async`]: its copy may still run (on a separate
/// copy stream) while later calls run, until [`GpuDevice::wait`] is called on its
/// [`Transfer`]; until then the caller must not launch kernels that read the destination
/// range, nor upload to or download from it.
/// Errors are typed: an allocation that does not fit is `BackendError::OutOfMemory`, a
/// failing driver call is `BackendError::DeviceLost` with the driver's message.
pub trait GpuDevice: Send + Sync {
    /// Human-readable device name.
    fn name(&self) -> String;
    /// Total device memory in bytes.
    fn total_memory(&self) -> u64;
    /// Device memory free now, in bytes.
    fn free_memory(&self) -> Result<u64>;
    /// Streaming multiprocessors (or emulated equivalents).
    fn compute_units(&self) -> u32;
    /// Allocates `bytes` of zeroed device memory (`bytes` may be 0).
    fn alloc(&self, bytes: usize) -> Result<DeviceBuffer>;
    /// Copies `src` into `dst` starting `offset_bytes` in.
    fn upload(&self, dst: &DeviceBuffer, offset_bytes: usize, src: &[u8]) -> Result<()>;
    /// Starts copying `len` bytes into `dst` starting `offset_bytes` in, without waiting for
    /// the copy: `fill` is called once with a `len`-byte slice (staging memory, pinned on a GPU)
    /// and writes the bytes to copy into it. Kernels and other calls may run while the copy is
    /// in flight; [`GpuDevice::wait`] on the returned [`Transfer`] makes its bytes visible to
    /// every later call.
    ///
    /// The default implementation is synchronous: it fills a `Vec`, calls
    /// [`GpuDevice::upload`] and returns [`Transfer::completed`].
    fn upload_async(
        &self,
        dst: &DeviceBuffer,
        offset_bytes: usize,
        len: usize,
        fill: &mut dyn FnMut(&mut [u8]),
    ) -> Result<Transfer> {
        let mut staging = vec![0u8; len];
        fill(&mut staging);
        self.upload(dst, offset_bytes, &staging)?;
        Ok(Transfer::completed())
    }
    /// Waits until `transfer` has reached the device: later calls (kernels included) see its
    /// bytes. The default implementation has nothing to wait for.
    fn wait(&self, transfer: Transfer) -> Result<()> {
        let _ = transfer;
        Ok(())
    }
    /// Copies `dst.len()` bytes out of `src` starting `offset_bytes` in.
    fn download(&self, src: &DeviceBuffer, offset_bytes: usize, dst: &mut [u8]) -> Result<()>;
    /// Writes `bytes` to the start of a `ZK_CONSTANT` symbol of `program`.
    fn write_constant(&self, program: Program, symbol: &str, bytes: &[u8]) -> Result<()>;
    /// Runs `kernel` of `program` and waits for it to finish.
    fn launch(&self, program: Program, kernel: &str, shape: LaunchShape, args: &[KernelArg]) -> Result<()>;
}
