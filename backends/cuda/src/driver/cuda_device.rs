//! [`CudaDevice`]: one GPU through the CUDA driver API (cudarc's thin `result` layer).

use std::collections::HashMap;
use std::ffi::{c_void, CString};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use cudarc::driver::result::{self, DriverError};
use cudarc::driver::sys::{self, CUdevice_attribute};
use zkaccel_backends::{BackendError, Op, Result};

use super::cache::KernelCache;
use super::{driver_available, driver_message, nvrtc};
use crate::device::{DeviceBuffer, DevicePtr, GpuDevice, KernelArg, LaunchShape, Program, Transfer};

/// Dynamic shared memory a kernel may use without opting in.
const DEFAULT_DYNAMIC_SHARED: u32 = 48 * 1024;
/// Most pinned staging buffers kept for asynchronous uploads (copies in flight at once).
const MAX_STAGING_SLOTS: usize = 4;
/// Most pinned host memory kept for staging, over all slots (pinned pages are taken from the
/// rest of the machine for the device's lifetime); a larger upload is synchronous.
const MAX_STAGING_BYTES: usize = 1 << 30;
/// Staging buffers grow in multiples of this.
const STAGING_GRANULE: usize = 1 << 20;

/// A raw driver handle (or pinned host pointer) that the driver lets any thread use once the
/// context is current.
#[derive(Clone, Copy)]
struct Handle<T>(T);
// SAFETY: CUDA driver handles (contexts, modules, functions, streams, events) are
// process-wide; every use below binds the context to the calling thread first and is
// serialised by `Inner::state`, except the event synchronisation in `wait`, which the driver
// allows from any thread. Pinned staging memory is only touched by the one call that
// reserved its slot (the rule on `Staging`).
unsafe impl<T> Send for Handle<T> {}
unsafe impl<T> Sync for Handle<T> {}

/// What a staging slot is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    /// Unused: its memory may be written, grown or freed.
    Free,
    /// Reserved by an `upload_async` that is filling it with the device lock released.
    Filling,
    /// Its copy into the device range starting at `dst` is queued on the copy stream, and its
    /// event is recorded after the copy. The copy engine may still be reading the memory.
    Pending { id: u64, dst: DevicePtr },
}

/// Pinned host memory that one asynchronous upload is staged in, and the event recorded on
/// the copy stream after its copy.
///
/// The rule that keeps dropped [`Transfer`]s safe: the memory of a `Pending` slot is not
/// written, grown or freed, and the device range it copies into is not freed, before its
/// event was synchronised (`Inner::finish`). `wait`, the reuse of a slot, `Inner::free` of
/// the destination and the device's drop all synchronise it first.
struct Staging {
    /// `cuMemHostAlloc` memory of `capacity` bytes (zeroed when allocated); null when 0.
    host: Handle<*mut u8>,
    capacity: usize,
    event: Handle<sys::CUevent>,
    state: Slot,
}

#[derive(Default)]
struct State {
    modules: HashMap<Program, Handle<sys::CUmodule>>,
    functions: HashMap<(Program, String), Handle<sys::CUfunction>>,
    staging: Vec<Staging>,
    /// The id of the last asynchronous upload (ids start at 1; 0 is "completed").
    last_transfer: u64,
}

struct Inner {
    id: String,
    device: sys::CUdevice,
    context: Handle<sys::CUcontext>,
    /// Non-blocking stream every kernel, memset and synchronous copy runs on (each call waits
    /// for it, so nothing is in flight on it between calls).
    compute: Handle<sys::CUstream>,
    /// Non-blocking stream the asynchronous uploads run on, overlapping the compute stream.
    copy: Handle<sys::CUstream>,
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
/// be shared between threads; calls run one after another on the compute stream, except the
/// copies of [`GpuDevice::upload_async`], which run on a second (copy) stream from pinned
/// staging buffers until [`GpuDevice::wait`].
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
        let streams = (|| {
            // SAFETY: the context was just retained.
            unsafe { result::ctx::set_current(context) }.map_err(|e| fail("cuCtxSetCurrent", e))?;
            let compute = result::stream::create(result::stream::StreamKind::NonBlocking)
                .map_err(|e| fail("cuStreamCreate", e))?;
            match result::stream::create(result::stream::StreamKind::NonBlocking) {
                Ok(copy) => Ok((compute, copy)),
                Err(e) => {
                    // SAFETY: `compute` was just created and nothing uses it.
                    let _ = unsafe { result::stream::destroy(compute) };
                    Err(fail("cuStreamCreate", e))
                }
            }
        })();
        let (compute, copy) = match streams {
            Ok(streams) => streams,
            Err(e) => {
                // SAFETY: balances the retain above; nothing uses the context.
                let _ = unsafe { result::primary_ctx::release(device) };
                return Err(e);
            }
        };
        Ok(CudaDevice {
            inner: Arc::new(Inner {
                id,
                device,
                context: Handle(context),
                compute: Handle(compute),
                copy: Handle(copy),
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

    fn free(&self, ptr: DevicePtr, bytes: usize) {
        let Ok(mut state) = self.lock() else {
            tracing::warn!("{}: cannot bind the context to free device memory at {ptr:#x}", self.id);
            return;
        };
        // A copy still in flight into this allocation must finish before it is freed.
        let end = ptr + bytes as u64;
        for i in 0..state.staging.len() {
            if let Slot::Pending { dst, .. } = state.staging[i].state {
                if (ptr..end).contains(&dst) {
                    if let Err(e) = self.finish(&mut state, i) {
                        tracing::warn!("{}: leaking device memory at {ptr:#x}: {e}", self.id);
                        return;
                    }
                }
            }
        }
        // SAFETY: `ptr` came from cuMemAlloc on this context and is freed exactly once.
        if let Err(e) = unsafe { result::memory_free(ptr) } {
            tracing::warn!("{}: cuMemFree({ptr:#x}) failed: {}", self.id, driver_message(e));
        }
    }

    /// Synchronises slot `i`'s event if its copy is pending and marks it free.
    fn finish(&self, state: &mut State, i: usize) -> Result<()> {
        let slot = &mut state.staging[i];
        if let Slot::Pending { .. } = slot.state {
            // SAFETY: the event was created on this context and is destroyed only when the
            // device is dropped.
            unsafe { result::event::synchronize(slot.event.0) }.map_err(|e| self.lost("cuEventSynchronize", e))?;
            slot.state = Slot::Free;
        }
        Ok(())
    }

    /// Makes slot `i` (not pending) hold at least `len` bytes; false if pinned memory cannot be
    /// had within `MAX_STAGING_BYTES`.
    fn grow(&self, state: &mut State, i: usize, len: usize) -> bool {
        if state.staging[i].capacity >= len {
            return true;
        }
        let want = len.next_multiple_of(STAGING_GRANULE);
        let others: usize =
            state.staging.iter().enumerate().filter(|&(j, _)| j != i).map(|(_, slot)| slot.capacity).sum();
        if others.saturating_add(want) > MAX_STAGING_BYTES {
            return false;
        }
        let slot = &mut state.staging[i];
        debug_assert!(!matches!(slot.state, Slot::Pending { .. }));
        if !slot.host.0.is_null() {
            // SAFETY: the pointer came from cuMemHostAlloc and the slot is not pending, so no
            // copy reads it; it is forgotten right after.
            if let Err(e) = unsafe { result::free_host(slot.host.0.cast()) } {
                tracing::warn!("{}: cuMemFreeHost failed: {}", self.id, driver_message(e));
            }
            slot.host = Handle(std::ptr::null_mut());
            slot.capacity = 0;
        }
        // SAFETY: the context is current (the caller holds the lock); the memory is zeroed
        // before any slice over it is made, and freed in `grow` or `Inner::drop`.
        match unsafe { result::malloc_host(want, 0) } {
            Ok(host) => {
                let host = host.cast::<u8>();
                // SAFETY: `host` points at `want` writable bytes just allocated.
                unsafe { std::ptr::write_bytes(host, 0, want) };
                slot.host = Handle(host);
                slot.capacity = want;
                true
            }
            Err(e) => {
                tracing::debug!(
                    "{}: cuMemHostAlloc({want}) failed ({}): uploading synchronously",
                    self.id,
                    driver_message(e)
                );
                false
            }
        }
    }

    /// Reserves a staging slot of at least `len` bytes (marked `Filling`) and returns it with
    /// its memory; `None` when no pinned memory can be had (the caller uploads synchronously).
    fn reserve(&self, state: &mut State, len: usize) -> Result<Option<(usize, *mut u8)>> {
        let free_fitting = state
            .staging
            .iter()
            .enumerate()
            .filter(|(_, slot)| slot.state == Slot::Free && slot.capacity >= len)
            .min_by_key(|(_, slot)| slot.capacity)
            .map(|(i, _)| i);
        let index = if let Some(i) = free_fitting {
            i
        } else if let Some(i) = state
            .staging
            .iter()
            .enumerate()
            .filter(|(_, slot)| slot.state == Slot::Free)
            .max_by_key(|(_, slot)| slot.capacity)
            .map(|(i, _)| i)
        {
            i
        } else if state.staging.len() < MAX_STAGING_SLOTS {
            let event = result::event::create(sys::CUevent_flags::CU_EVENT_DISABLE_TIMING)
                .map_err(|e| self.lost("cuEventCreate", e))?;
            state.staging.push(Staging {
                host: Handle(std::ptr::null_mut()),
                capacity: 0,
                event: Handle(event),
                state: Slot::Free,
            });
            state.staging.len() - 1
        } else {
            // Every slot is busy: reuse the oldest pending one once its copy has finished.
            let oldest = state
                .staging
                .iter()
                .enumerate()
                .filter_map(|(i, slot)| match slot.state {
                    Slot::Pending { id, .. } => Some((id, i)),
                    _ => None,
                })
                .min()
                .map(|(_, i)| i);
            let Some(i) = oldest else { return Ok(None) };
            self.finish(state, i)?;
            i
        };
        if !self.grow(state, index, len) {
            return Ok(None);
        }
        let slot = &mut state.staging[index];
        slot.state = Slot::Filling;
        Ok(Some((index, slot.host.0)))
    }

    /// Waits for everything queued on the compute stream.
    fn sync_compute(&self, what: &str) -> Result<()> {
        // SAFETY: the stream lives as long as `self`; the context is current (lock held).
        unsafe { result::stream::synchronize(self.compute.0) }.map_err(|e| self.lost(what, e))
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

/// Puts a `Filling` slot back to `Free` if `upload_async` leaves early (an error, or a panic
/// in `fill`) before queueing its copy.
struct Reservation<'a> {
    inner: &'a Inner,
    index: usize,
}

impl Drop for Reservation<'_> {
    fn drop(&mut self) {
        let mut state = self.inner.state.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(slot) = state.staging.get_mut(self.index) {
            if slot.state == Slot::Filling {
                slot.state = Slot::Free;
            }
        }
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        let state = std::mem::take(self.state.get_mut().unwrap_or_else(|e| e.into_inner()));
        // SAFETY: nothing else can use the context now; every buffer (which holds an `Arc`
        // to `self`) is already freed. Pending copies are waited for before their staging
        // memory is freed; events and streams are destroyed once.
        unsafe {
            if result::ctx::set_current(self.context.0).is_ok() {
                for slot in state.staging {
                    if let Slot::Pending { .. } = slot.state {
                        let _ = result::event::synchronize(slot.event.0);
                    }
                    let _ = result::event::destroy(slot.event.0);
                    if !slot.host.0.is_null() {
                        let _ = result::free_host(slot.host.0.cast());
                    }
                }
                let _ = result::stream::synchronize(self.copy.0);
                let _ = result::stream::synchronize(self.compute.0);
                let _ = result::stream::destroy(self.copy.0);
                let _ = result::stream::destroy(self.compute.0);
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
        // SAFETY: `ptr` is a fresh allocation of `bytes`; the memset is waited for below.
        let zeroed = unsafe { result::memset_d8_async(ptr, 0, bytes, inner.compute.0) }
            .map_err(|e| inner.lost("cuMemsetD8Async", e))
            .and_then(|()| inner.sync_compute("cuMemsetD8Async"));
        if let Err(e) = zeroed {
            // SAFETY: nothing else knows `ptr`; the stream was synchronised (or is broken).
            let _ = unsafe { result::memory_free(ptr) };
            return Err(e);
        }
        let owner = Arc::clone(inner);
        Ok(DeviceBuffer::new(ptr, bytes, Box::new(move |ptr| owner.free(ptr, bytes))))
    }

    fn upload(&self, dst: &DeviceBuffer, offset_bytes: usize, src: &[u8]) -> Result<()> {
        self.inner.check_range(dst, offset_bytes, src.len(), "upload")?;
        if src.is_empty() {
            return Ok(());
        }
        let _guard = self.inner.lock()?;
        // SAFETY: the range lies inside a live allocation of this context; `src` outlives the
        // copy, which is waited for before returning.
        unsafe { result::memcpy_htod_async(dst.ptr() + offset_bytes as u64, src, self.inner.compute.0) }
            .map_err(|e| self.inner.lost("cuMemcpyHtoDAsync", e))?;
        self.inner.sync_compute("cuMemcpyHtoDAsync")
    }

    fn upload_async(
        &self,
        dst: &DeviceBuffer,
        offset_bytes: usize,
        len: usize,
        fill: &mut dyn FnMut(&mut [u8]),
    ) -> Result<Transfer> {
        let inner = &*self.inner;
        inner.check_range(dst, offset_bytes, len, "upload")?;
        if len == 0 {
            return Ok(Transfer::completed());
        }
        let reserved = {
            let mut state = inner.lock()?;
            inner.reserve(&mut state, len)?
        };
        let Some((index, host)) = reserved else {
            // No pinned memory: a synchronous upload is slower but just as correct.
            let mut bytes = vec![0u8; len];
            fill(&mut bytes);
            self.upload(dst, offset_bytes, &bytes)?;
            return Ok(Transfer::completed());
        };
        // Declared before `state` below, so it is dropped after the lock is released.
        let _reservation = Reservation { inner, index };
        // SAFETY: `host` holds at least `len` initialised (zeroed when allocated) bytes of
        // pinned memory; the slot is `Filling`, so no copy reads it and no other call writes,
        // grows or frees it until this call marks it `Pending` or `_reservation` frees it.
        let staging: &mut [u8] = unsafe { std::slice::from_raw_parts_mut(host, len) };
        // The lock is not held while filling: converting the data may take a while, and
        // `fill` may itself use the device.
        fill(staging);
        let mut state = inner.lock()?;
        let target = dst.ptr() + offset_bytes as u64;
        // SAFETY: the range lies inside `dst`, a live allocation of this context that is not
        // freed before this copy finishes (`Inner::free`); `staging` is pinned memory that is
        // neither written nor freed while the slot is `Pending` (the rule on `Staging`). Nothing
        // runs on the compute stream between calls, so no kernel is using the range now.
        unsafe { result::memcpy_htod_async(target, &*staging, inner.copy.0) }
            .map_err(|e| inner.lost("cuMemcpyHtoDAsync (copy stream)", e))?;
        let event = state.staging[index].event.0;
        // SAFETY: the event and the copy stream live as long as `inner`.
        if let Err(e) = unsafe { result::event::record(event, inner.copy.0) } {
            // Without the event nobody could wait for this copy: finish it now.
            // SAFETY: as above.
            let _ = unsafe { result::stream::synchronize(inner.copy.0) };
            return Err(inner.lost("cuEventRecord", e));
        }
        state.last_transfer += 1;
        let id = state.last_transfer;
        state.staging[index].state = Slot::Pending { id, dst: target };
        Ok(Transfer::new(id))
    }

    fn wait(&self, transfer: Transfer) -> Result<()> {
        if transfer.is_completed() {
            return Ok(());
        }
        let inner = &*self.inner;
        let pending = |slot: &Staging| matches!(slot.state, Slot::Pending { id, .. } if id == transfer.id());
        let event = {
            let state = inner.lock()?;
            // Not found: already finished (its slot was reused, or its destination freed).
            let Some(slot) = state.staging.iter().find(|slot| pending(slot)) else { return Ok(()) };
            // Orders every later compute-stream operation after the copy, on the device.
            // SAFETY: the stream and the event live as long as `inner`.
            unsafe {
                result::stream::wait_event(
                    inner.compute.0,
                    slot.event.0,
                    sys::CUevent_wait_flags::CU_EVENT_WAIT_DEFAULT,
                )
            }
            .map_err(|e| inner.lost("cuStreamWaitEvent", e))?;
            slot.event.0
        };
        // Wait on the host without the lock, so other threads' calls go on meanwhile. Should
        // another call reuse the slot in between, it first synchronised this copy and then
        // re-recorded the event after a later copy on the same stream: waiting for that one
        // waits for this one too.
        // SAFETY: the event is destroyed only when the device is dropped; the context stays
        // current on this thread (bound by `lock`).
        unsafe { result::event::synchronize(event) }.map_err(|e| inner.lost("cuEventSynchronize", e))?;
        let mut state = inner.state.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(slot) = state.staging.iter_mut().find(|slot| pending(slot)) {
            slot.state = Slot::Free;
        }
        Ok(())
    }

    fn download(&self, src: &DeviceBuffer, offset_bytes: usize, dst: &mut [u8]) -> Result<()> {
        self.inner.check_range(src, offset_bytes, dst.len(), "download")?;
        if dst.is_empty() {
            return Ok(());
        }
        let _guard = self.inner.lock()?;
        // SAFETY: the range lies inside a live allocation of this context; `dst` outlives the
        // copy, which is waited for before returning.
        unsafe { result::memcpy_dtoh_async(dst, src.ptr() + offset_bytes as u64, self.inner.compute.0) }
            .map_err(|e| self.inner.lost("cuMemcpyDtoHAsync", e))?;
        self.inner.sync_compute("cuMemcpyDtoHAsync")
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
        // SAFETY: `ptr` addresses `size` ≥ `bytes.len()` bytes of constant memory; `bytes`
        // outlives the copy, which is waited for before returning.
        unsafe { result::memcpy_htod_async(ptr, bytes, self.inner.compute.0) }
            .map_err(|e| self.inner.lost("cuMemcpyHtoDAsync (constant)", e))?;
        self.inner.sync_compute("cuMemcpyHtoDAsync (constant)")
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
                self.inner.compute.0,
                &mut params,
            )
        }
        .map_err(|e| self.inner.lost(&format!("cuLaunchKernel({})", what()), e))?;
        // The compute stream only (not the context): copies on the copy stream go on.
        self.inner.sync_compute(&format!("kernel {}", what()))
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
