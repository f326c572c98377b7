//! [`CudaDevice`]: one GPU through the CUDA driver API (cudarc's thin `result` layer).

use std::collections::HashMap;
use std::ffi::{c_void, CString};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use cudarc::driver::result::{self, DriverError};
use cudarc::driver::sys::{self, CUdevice_attribute};
use zkaccel_backends::{BackendError, Op, Result};

use super::cache::KernelCache;
use super::{driver_available, driver_message, nvrtc};
use crate::device::{DeviceBuffer, DevicePtr, GpuDevice, KernelArg, LaunchShape, Program};

/// Dynamic shared memory a kernel may use without opting in.
const DEFAULT_DYNAMIC_SHARED: u32 = 48 * 1024;

/// A raw driver handle that the driver lets any thread use once the context is current.
#[derive(Clone, Copy)]
struct Handle<T>(T);
// SAFETY: CUDA driver handles (contexts, modules, functions) are process-wide; every use
// below binds the context to the calling thread first and is serialised by `Inner::state`.
unsafe impl<T> Send for Handle<T> {}
unsafe impl<T> Sync for Handle<T> {}

#[derive(Default)]
struct State {
    modules: HashMap<Program, Handle<sys::CUmodule>>,
    functions: HashMap<(Program, String), Handle<sys::CUfunction>>,
}

struct Inner {
    id: String,
    device: sys::CUdevice,
    context: Handle<sys::CUcontext>,
    name: String,
    total_memory: u64,
    sm_count: u32,
    compute_capability: (u32, u32),
    max_shared_optin: u32,
    target: OnceLock<std::result::Result<nvrtc::Target, String>>,
    cache: KernelCache,
    state: Mutex<State>,
}

/// One NVIDIA GPU as a [`GpuDevice`]: its primary context, memory, and the kernel modules
/// compiled for it on first use.
///
/// Every call takes one lock and binds the context to the calling thread, so the device may
/// be shared between threads; calls run one after another as on a single stream.
pub struct CudaDevice {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for CudaDevice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CudaDevice")
            .field("id", &self.inner.id)
            .field("name", &self.inner.name)
            .field("compute_capability", &self.inner.compute_capability)
            .finish()
    }
}

impl CudaDevice {
    /// Opens GPU `ordinal` (retains its primary context). `Err` carries the driver's message.
    pub fn open(ordinal: usize) -> std::result::Result<Self, String> {
        Self::open_with_cache(ordinal, KernelCache::from_env())
    }

    /// Opens GPU `ordinal`, keeping compiled PTX in `cache`.
    pub fn open_with_cache(ordinal: usize, cache: KernelCache) -> std::result::Result<Self, String> {
        if !driver_available() {
            return Err("no CUDA driver: libcuda.so not found".to_string());
        }
        let id = format!("cuda:{ordinal}");
        let fail = |what: &str, e: DriverError| format!("{id}: {what} failed: {}", driver_message(e));
        result::init().map_err(|e| fail("cuInit", e))?;
        let device = result::device::get(ordinal as i32).map_err(|e| fail("cuDeviceGet", e))?;
        let attr = |a: CUdevice_attribute| {
            // SAFETY: `device` came from cuDeviceGet.
            unsafe { result::device::get_attribute(device, a) }.map(|v| v.max(0) as u32)
        };
        let name = result::device::get_name(device).map_err(|e| fail("cuDeviceGetName", e))?;
        // SAFETY: `device` came from cuDeviceGet.
        let total_memory =
            unsafe { result::device::total_mem(device) }.map_err(|e| fail("cuDeviceTotalMem", e))? as u64;
        let sm_count = attr(CUdevice_attribute::CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT)
            .map_err(|e| fail("cuDeviceGetAttribute", e))?;
        let major = attr(CUdevice_attribute::CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR)
            .map_err(|e| fail("cuDeviceGetAttribute", e))?;
        let minor = attr(CUdevice_attribute::CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR)
            .map_err(|e| fail("cuDeviceGetAttribute", e))?;
        let max_shared_optin = attr(CUdevice_attribute::CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN)
            .unwrap_or(DEFAULT_DYNAMIC_SHARED);
        // SAFETY: `device` came from cuDeviceGet; released in `Inner::drop`.
        let context =
            unsafe { result::primary_ctx::retain(device) }.map_err(|e| fail("cuDevicePrimaryCtxRetain", e))?;
        Ok(CudaDevice {
            inner: Arc::new(Inner {
                id,
                device,
                context: Handle(context),
                name,
                total_memory,
                sm_count,
                compute_capability: (major, minor),
                max_shared_optin,
                target: OnceLock::new(),
                cache,
                state: Mutex::new(State::default()),
            }),
        })
    }

    /// The device id, "cuda:N".
    pub fn id(&self) -> &str {
        &self.inner.id
    }

    /// Compute capability (major, minor), e.g. (9, 0) on an H100.
    pub fn compute_capability(&self) -> (u32, u32) {
        self.inner.compute_capability
    }
}

impl Inner {
    /// Locks the device and binds its context to this thread.
    fn lock(&self) -> Result<MutexGuard<'_, State>> {
        let guard = self.state.lock().unwrap_or_else(|e| e.into_inner());
        // SAFETY: the primary context stays retained for as long as `self` lives.
        unsafe { result::ctx::set_current(self.context.0) }.map_err(|e| self.lost("cuCtxSetCurrent", e))?;
        Ok(guard)
    }

    fn lost(&self, call: &str, e: DriverError) -> BackendError {
        BackendError::DeviceLost { device: self.id.clone(), reason: format!("{call} failed: {}", driver_message(e)) }
    }

    fn target(&self) -> Result<nvrtc::Target> {
        self.target
            .get_or_init(|| nvrtc::target(self.compute_capability).map_err(|e| e.to_string()))
            .clone()
            .map_err(|reason| BackendError::DeviceLost { device: self.id.clone(), reason })
    }

    /// The loaded module of `program`, compiling (or reading the kernel cache) on first use.
    fn module(&self, program: Program) -> Result<(MutexGuard<'_, State>, sys::CUmodule)> {
        {
            let guard = self.lock()?;
            if let Some(&Handle(module)) = guard.modules.get(&program) {
                return Ok((guard, module));
            }
        }
        // Compile without holding the lock: it may take seconds and touches no device state.
        let target = self.target()?;
        let image = nvrtc::compile_cached(program, target, &self.cache).map_err(|e| BackendError::DeviceLost {
            device: self.id.clone(),
            reason: format!("cannot build the {} kernels: {e}", program.name()),
        })?;
        let mut guard = self.lock()?;
        if let Some(&Handle(module)) = guard.modules.get(&program) {
            return Ok((guard, module));
        }
        if matches!(target, nvrtc::Target::Ptx(..)) && image.last() != Some(&0) {
            return Err(BackendError::DeviceLost {
                device: self.id.clone(),
                reason: format!("the cached PTX of {} is not NUL-terminated", program.name()),
            });
        }
        // SAFETY: a CUBIN (ELF) image or NUL-terminated PTX that outlives the call; the context
        // is current.
        let module = unsafe { result::module::load_data(image.as_ptr() as *const c_void) }.map_err(|e| {
            let mut err = self.lost("cuModuleLoadData", e);
            if e.0 == sys::CUresult::CUDA_ERROR_UNSUPPORTED_PTX_VERSION {
                if let BackendError::DeviceLost { reason, .. } = &mut err {
                    reason.push_str(
                        " (the NVRTC library is newer than the GPU driver: update the driver or use an NVRTC no newer than it)",
                    );
                }
            }
            err
        })?;
        guard.modules.insert(program, Handle(module));
        Ok((guard, module))
    }

    fn function(&self, program: Program, kernel: &str) -> Result<(MutexGuard<'_, State>, sys::CUfunction)> {
        let (mut guard, module) = self.module(program)?;
        let key = (program, kernel.to_string());
        if let Some(&Handle(f)) = guard.functions.get(&key) {
            return Ok((guard, f));
        }
        let name = CString::new(kernel).map_err(|_| BackendError::InvalidInput(format!("kernel name {kernel:?}")))?;
        // SAFETY: `module` is loaded and stays loaded while `self` lives.
        let f = unsafe { result::module::get_function(module, name) }
            .map_err(|e| self.lost(&format!("cuModuleGetFunction({}::{kernel})", program.name()), e))?;
        guard.functions.insert(key, Handle(f));
        Ok((guard, f))
    }

    fn free(&self, ptr: DevicePtr) {
        let Ok(_guard) = self.lock() else {
            tracing::warn!("{}: cannot bind the context to free device memory at {ptr:#x}", self.id);
            return;
        };
        // SAFETY: `ptr` came from cuMemAlloc on this context and is freed exactly once.
        if let Err(e) = unsafe { result::memory_free(ptr) } {
            tracing::warn!("{}: cuMemFree({ptr:#x}) failed: {}", self.id, driver_message(e));
        }
    }

    fn check_range(&self, buffer: &DeviceBuffer, offset: usize, len: usize, what: &str) -> Result<()> {
        if offset.checked_add(len).is_none_or(|end| end > buffer.len_bytes()) {
            return Err(BackendError::InvalidInput(format!(
                "{what} of {len} bytes at offset {offset} is outside the {}-byte device buffer on {}",
                buffer.len_bytes(),
                self.id
            )));
        }
        Ok(())
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        let state = std::mem::take(self.state.get_mut().unwrap_or_else(|e| e.into_inner()));
        // SAFETY: nothing else can use the context now; every buffer (which holds an `Arc`
        // to `self`) is already freed.
        unsafe {
            if result::ctx::set_current(self.context.0).is_ok() {
                for (_, Handle(module)) in state.modules {
                    let _ = result::module::unload(module);
                }
            }
            let _ = result::primary_ctx::release(self.device);
        }
    }
}

impl GpuDevice for CudaDevice {
    fn name(&self) -> String {
        self.inner.name.clone()
    }

    fn total_memory(&self) -> u64 {
        self.inner.total_memory
    }

    fn free_memory(&self) -> Result<u64> {
        let _guard = self.inner.lock()?;
        result::mem_get_info().map(|(free, _)| free as u64).map_err(|e| self.inner.lost("cuMemGetInfo", e))
    }

    fn compute_units(&self) -> u32 {
        self.inner.sm_count
    }

    fn alloc(&self, bytes: usize) -> Result<DeviceBuffer> {
        if bytes == 0 {
            return Ok(DeviceBuffer::new(0, 0, Box::new(|_| {})));
        }
        let inner = &self.inner;
        let _guard = inner.lock()?;
        // SAFETY: the context is current; the memory is zeroed before anyone reads it.
        let ptr = match unsafe { result::malloc_sync(bytes) } {
            Ok(ptr) => ptr,
            Err(e) if e.0 == sys::CUresult::CUDA_ERROR_OUT_OF_MEMORY => {
                let available = result::mem_get_info().map(|(free, _)| free as u64).unwrap_or(0);
                // The device does not know which workload allocates; the backend names it.
                return Err(BackendError::OutOfMemory {
                    device: inner.id.clone(),
                    op: Op::MsmG1,
                    needed_bytes: bytes as u64,
                    available_bytes: available,
                });
            }
            Err(e) => return Err(inner.lost("cuMemAlloc", e)),
        };
        // SAFETY: `ptr` is a fresh allocation of `bytes`.
        if let Err(e) = unsafe { result::memset_d8_sync(ptr, 0, bytes) } {
            let _ = unsafe { result::memory_free(ptr) };
            return Err(inner.lost("cuMemsetD8", e));
        }
        let owner = Arc::clone(inner);
        Ok(DeviceBuffer::new(ptr, bytes, Box::new(move |ptr| owner.free(ptr))))
    }

    fn upload(&self, dst: &DeviceBuffer, offset_bytes: usize, src: &[u8]) -> Result<()> {
        self.inner.check_range(dst, offset_bytes, src.len(), "upload")?;
        if src.is_empty() {
            return Ok(());
        }
        let _guard = self.inner.lock()?;
        // SAFETY: the range lies inside a live allocation of this context; the copy is synchronous.
        unsafe { result::memcpy_htod_sync(dst.ptr() + offset_bytes as u64, src) }
            .map_err(|e| self.inner.lost("cuMemcpyHtoD", e))
    }

    fn download(&self, src: &DeviceBuffer, offset_bytes: usize, dst: &mut [u8]) -> Result<()> {
        self.inner.check_range(src, offset_bytes, dst.len(), "download")?;
        if dst.is_empty() {
            return Ok(());
        }
        let _guard = self.inner.lock()?;
        // SAFETY: the range lies inside a live allocation of this context; the copy is synchronous.
        unsafe { result::memcpy_dtoh_sync(dst, src.ptr() + offset_bytes as u64) }
            .map_err(|e| self.inner.lost("cuMemcpyDtoH", e))
    }

    fn write_constant(&self, program: Program, symbol: &str, bytes: &[u8]) -> Result<()> {
        let (_guard, module) = self.inner.module(program)?;
        let name = CString::new(symbol).map_err(|_| BackendError::InvalidInput(format!("constant name {symbol:?}")))?;
        // SAFETY: `module` is loaded; the context is current.
        let (ptr, size) = unsafe { result::module::get_global(module, name) }
            .map_err(|e| self.inner.lost(&format!("cuModuleGetGlobal({}::{symbol})", program.name()), e))?;
        if bytes.len() > size {
            return Err(BackendError::InvalidInput(format!(
                "{} bytes do not fit the {size}-byte constant {}::{symbol}",
                bytes.len(),
                program.name()
            )));
        }
        if bytes.is_empty() {
            return Ok(());
        }
        // SAFETY: `ptr` addresses `size` ≥ `bytes.len()` bytes of constant memory.
        unsafe { result::memcpy_htod_sync(ptr, bytes) }.map_err(|e| self.inner.lost("cuMemcpyHtoD (constant)", e))
    }

    fn launch(&self, program: Program, kernel: &str, shape: LaunchShape, args: &[KernelArg]) -> Result<()> {
        if shape.grid.contains(&0) || shape.block == 0 {
            return Ok(());
        }
        let (_guard, function) = self.inner.function(program, kernel)?;
        let what = || format!("{}::{kernel}", program.name());
        if shape.shared_bytes > DEFAULT_DYNAMIC_SHARED {
            if shape.shared_bytes > self.inner.max_shared_optin {
                return Err(BackendError::InvalidInput(format!(
                    "{} asks for {} bytes of shared memory per block; {} allows {}",
                    what(),
                    shape.shared_bytes,
                    self.inner.id,
                    self.inner.max_shared_optin
                )));
            }
            // SAFETY: `function` is live; the attribute value is within the device's opt-in limit.
            unsafe {
                result::function::set_function_attribute(
                    function,
                    sys::CUfunction_attribute::CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                    shape.shared_bytes as i32,
                )
            }
            .map_err(|e| self.inner.lost(&format!("cuFuncSetAttribute({})", what()), e))?;
        }
        // Each argument's value lives in its own 8-byte slot; a u32 is read from the slot's
        // first 4 bytes (little-endian, so its low half).
        let mut values: Vec<u64> = args
            .iter()
            .map(|arg| match *arg {
                KernelArg::Ptr(p) => p,
                KernelArg::U32(v) => v as u64,
                KernelArg::U64(v) => v,
            })
            .collect();
        let mut params: Vec<*mut c_void> = values.iter_mut().map(|v| v as *mut u64 as *mut c_void).collect();
        // SAFETY: `function` is live, every parameter points at a value of the kernel's
        // parameter type (docs/CUDA.md, "Kernel ABI"), `values` outlives the synchronous wait.
        unsafe {
            result::launch_kernel(
                function,
                (shape.grid[0], shape.grid[1], shape.grid[2]),
                (shape.block, 1, 1),
                shape.shared_bytes,
                result::stream::null(),
                &mut params,
            )
        }
        .map_err(|e| self.inner.lost(&format!("cuLaunchKernel({})", what()), e))?;
        result::ctx::synchronize().map_err(|e| self.inner.lost(&format!("kernel {}", what()), e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opening_without_a_gpu_is_an_error_not_a_panic() {
        if crate::driver::device_count().unwrap_or(0) > 0 {
            return;
        }
        let err = CudaDevice::open(0).expect_err("no GPU here");
        assert!(!err.is_empty());
    }
}
