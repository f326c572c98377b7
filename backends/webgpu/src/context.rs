//! [`GpuContext`]: one wgpu device and queue, the limits kernels must respect, compiled
//! pipelines, and the few operations every engine needs (buffers, dispatches, read-back), with
//! wgpu's errors and device loss turned into [`BackendError`]s.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use zkaccel_backends::{BackendError, Op, Result};

use crate::shaders::{self, Program};

/// Invocations per workgroup of every 1-D kernel (`WORKGROUP_SIZE` in `common.wgsl`).
pub const WORKGROUP_SIZE: u32 = 64;

/// Words of the uniform parameter block bound at binding 0 of every kernel.
pub const PARAM_WORDS: usize = 16;

/// What the kernels may use on this device: wgpu's limits, optionally narrowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KernelLimits {
    /// Largest storage buffer one binding may cover, in bytes (WebGPU's default is 128 MiB).
    /// Engines chunk their inputs so that no buffer is larger.
    pub max_binding_bytes: u64,
    /// The device's own binding limit, before any cap. Fixed-size tables (Poseidon constants,
    /// at most ~100 KB) are checked against this, since WebGPU guarantees at least 128 MiB.
    pub device_max_binding_bytes: u64,
    /// Largest workgroup count in one dispatch dimension (usually 65535).
    pub max_workgroups_per_dim: u32,
    /// Storage buffers one kernel may bind (at least 8).
    pub max_storage_buffers: u32,
    /// Workgroup shared memory per workgroup, in bytes (at least 16 KiB).
    pub workgroup_storage_bytes: u32,
    /// Largest MSM chunk, in points, when the driver limits the work of one invocation:
    /// Mesa's llvmpipe/lavapipe silently cuts every loop of an invocation short after a fixed
    /// iteration budget (`LP_MAX_TGSI_LOOP_ITERATIONS`), which longer bucket reductions pass
    /// (wrong sums from 2^16 points up, seen on Mesa 22.3). Chunks of [`SOFTWARE_MSM_CHUNK`]
    /// points keep every MSM invocation within the sizes the tests check. `None` on GPUs.
    pub max_msm_chunk_points: Option<usize>,
}

/// MSM chunk length on CPU software adapters (see [`KernelLimits::max_msm_chunk_points`]).
pub const SOFTWARE_MSM_CHUNK: usize = 1 << 12;

/// Settings for opening a [`GpuContext`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ContextOptions {
    /// Caps [`KernelLimits::max_binding_bytes`] below the device's own limit (tests use a few
    /// KiB to exercise chunking). `None` uses the device's limit.
    pub max_binding_bytes: Option<u64>,
    /// Caps [`KernelLimits::max_workgroups_per_dim`] (tests use 3, so every dispatch of more
    /// than 3 workgroups is spread over x and y as large inputs are on real devices). `None`
    /// uses the device's limit.
    pub max_workgroups_per_dim: Option<u32>,
}

/// A wgpu device with its queue, limits and compiled pipelines. Shared by the engines of one
/// [`crate::WebGpuBackend`]; every method may be called from several threads.
pub struct GpuContext {
    id: String,
    adapter_info: wgpu::AdapterInfo,
    device: wgpu::Device,
    queue: wgpu::Queue,
    limits: KernelLimits,
    lost: Arc<Mutex<Option<String>>>,
    modules: Mutex<HashMap<Program, wgpu::ShaderModule>>,
    pipelines: Mutex<HashMap<(Program, &'static str), Arc<wgpu::ComputePipeline>>>,
}

impl std::fmt::Debug for GpuContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GpuContext")
            .field("id", &self.id)
            .field("adapter", &self.adapter_info.name)
            .field("limits", &self.limits)
            .finish()
    }
}

impl GpuContext {
    /// Opens `adapter` as device `id` (e.g. "webgpu:0"), asking for the adapter's own limits
    /// rather than WebGPU's defaults. Fails with `DeviceLost` when the device cannot be created.
    pub fn open(adapter: &wgpu::Adapter, id: String, options: ContextOptions) -> Result<Self> {
        let adapter_info = adapter.get_info();
        let mut required_limits = adapter.limits();
        // Buffer sizes above 4 GiB gain nothing (bindings are far smaller) and some drivers
        // misreport them; ask for what the engines use.
        required_limits.max_buffer_size = required_limits.max_buffer_size.min(1 << 32);
        let descriptor = wgpu::DeviceDescriptor {
            label: Some("zkaccel"),
            required_features: wgpu::Features::empty(),
            required_limits: required_limits.clone(),
            ..Default::default()
        };
        let (device, queue) = pollster::block_on(adapter.request_device(&descriptor)).map_err(|e| {
            BackendError::DeviceLost { device: id.clone(), reason: format!("wgpu could not open the device: {e}") }
        })?;
        let lost = Arc::new(Mutex::new(None));
        let lost_flag = lost.clone();
        device.set_device_lost_callback(move |reason, message| {
            let mut guard = lost_flag.lock().unwrap_or_else(|e| e.into_inner());
            guard.get_or_insert_with(|| format!("device lost ({reason:?}): {message}"));
        });
        // wgpu's default handler panics; errors are collected by error scopes instead, and any
        // that escape one are logged.
        device.on_uncaptured_error(Arc::new(|error| {
            tracing::error!(target: "zkaccel::webgpu", "uncaptured wgpu error: {error}");
        }));
        let device_binding = required_limits.max_storage_buffer_binding_size.min(required_limits.max_buffer_size);
        let limits = KernelLimits {
            max_binding_bytes: options.max_binding_bytes.map_or(device_binding, |cap| cap.min(device_binding)),
            device_max_binding_bytes: device_binding,
            max_workgroups_per_dim: options
                .max_workgroups_per_dim
                .map_or(required_limits.max_compute_workgroups_per_dimension, |cap| {
                    cap.clamp(1, required_limits.max_compute_workgroups_per_dimension)
                }),
            max_storage_buffers: required_limits.max_storage_buffers_per_shader_stage,
            workgroup_storage_bytes: required_limits.max_compute_workgroup_storage_size,
            max_msm_chunk_points: (adapter_info.device_type == wgpu::DeviceType::Cpu).then_some(SOFTWARE_MSM_CHUNK),
        };
        Ok(GpuContext {
            id,
            adapter_info,
            device,
            queue,
            limits,
            lost,
            modules: Mutex::new(HashMap::new()),
            pipelines: Mutex::new(HashMap::new()),
        })
    }

    /// The device id given at [`GpuContext::open`].
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The adapter as wgpu describes it (name, type, driver, graphics API).
    pub fn adapter_info(&self) -> &wgpu::AdapterInfo {
        &self.adapter_info
    }

    /// The limits kernels must respect.
    pub fn limits(&self) -> &KernelLimits {
        &self.limits
    }

    /// The underlying wgpu device.
    pub fn device(&self) -> &wgpu::Device {
        &self.device
    }

    /// The underlying wgpu queue.
    pub fn queue(&self) -> &wgpu::Queue {
        &self.queue
    }

    /// `DeviceLost` with `reason`, attributed to this device.
    pub fn lost_error(&self, reason: impl Into<String>) -> BackendError {
        BackendError::DeviceLost { device: self.id.clone(), reason: reason.into() }
    }

    /// `Err(DeviceLost)` once wgpu has reported the device lost.
    pub fn check_alive(&self) -> Result<()> {
        match self.lost.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
            Some(reason) => Err(self.lost_error(reason.clone())),
            None => Ok(()),
        }
    }

    /// Runs `work` (which records and submits GPU commands on this thread) inside wgpu error
    /// scopes, so that a validation, out-of-memory or internal error becomes a typed error
    /// instead of a log line: out of memory is `OutOfMemory` for `op` (with `needed_bytes`,
    /// the caller's estimate), anything else `DeviceLost`.
    pub fn scoped<T>(&self, op: Op, needed_bytes: u64, work: impl FnOnce() -> Result<T>) -> Result<T> {
        self.check_alive()?;
        let oom = self.device.push_error_scope(wgpu::ErrorFilter::OutOfMemory);
        let validation = self.device.push_error_scope(wgpu::ErrorFilter::Validation);
        let internal = self.device.push_error_scope(wgpu::ErrorFilter::Internal);
        let result = work();
        let internal = pollster::block_on(internal.pop());
        let validation = pollster::block_on(validation.pop());
        let oom = pollster::block_on(oom.pop());
        self.check_alive()?;
        if let Some(error) = oom {
            tracing::warn!(target: "zkaccel::webgpu", "{}: {op} ran out of device memory: {error}", self.id);
            // WebGPU does not report free memory.
            return Err(BackendError::OutOfMemory { device: self.id.clone(), op, needed_bytes, available_bytes: 0 });
        }
        if let Some(error) = validation.or(internal) {
            return Err(self.lost_error(format!("wgpu rejected the work: {error}")));
        }
        result
    }

    /// The compiled pipeline for `entry` in `program`, compiling the program on first use.
    /// A kernel that fails to compile is `DeviceLost` with the compiler's message.
    pub fn pipeline(&self, program: Program, entry: &'static str) -> Result<Arc<wgpu::ComputePipeline>> {
        if let Some(p) = self.pipelines.lock().unwrap_or_else(|e| e.into_inner()).get(&(program, entry)) {
            return Ok(p.clone());
        }
        let pipeline = self.scoped(program.op(), 0, || {
            let mut modules = self.modules.lock().unwrap_or_else(|e| e.into_inner());
            let module = modules.entry(program).or_insert_with(|| {
                self.device.create_shader_module(wgpu::ShaderModuleDescriptor {
                    label: Some(program.name()),
                    source: wgpu::ShaderSource::Wgsl(shaders::source(program).into()),
                })
            });
            Ok(self.device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                label: Some(entry),
                layout: None,
                module,
                entry_point: Some(entry),
                compilation_options: Default::default(),
                cache: None,
            }))
        });
        let pipeline = match pipeline {
            Ok(p) => Arc::new(p),
            Err(e) => {
                // A module that failed to compile must not be reused.
                self.modules.lock().unwrap_or_else(|e| e.into_inner()).remove(&program);
                return Err(e);
            }
        };
        self.pipelines.lock().unwrap_or_else(|e| e.into_inner()).insert((program, entry), pipeline.clone());
        Ok(pipeline)
    }

    /// A storage buffer holding `bytes` (at least 16 bytes are allocated, so empty inputs can
    /// still be bound). Usable as a copy source and destination.
    pub fn storage_from(&self, label: &str, bytes: &[u8]) -> wgpu::Buffer {
        if bytes.len() < 16 || !bytes.len().is_multiple_of(4) {
            let mut padded = bytes.to_vec();
            padded.resize(bytes.len().next_multiple_of(4).max(16), 0);
            return self.storage_init(label, &padded);
        }
        self.storage_init(label, bytes)
    }

    fn storage_init(&self, label: &str, bytes: &[u8]) -> wgpu::Buffer {
        let usage = wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC | wgpu::BufferUsages::COPY_DST;
        self.buffer_with(label, usage, bytes)
    }

    /// A buffer holding `bytes` (a multiple of 4 long), filled through the queue. Not
    /// `create_buffer_init`: that maps the buffer at creation and panics when the device is
    /// lost, where the queue write reports an error to the scope instead.
    fn buffer_with(&self, label: &str, usage: wgpu::BufferUsages, bytes: &[u8]) -> wgpu::Buffer {
        let buffer = self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some(label),
            size: bytes.len() as u64,
            usage: usage | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        self.queue.write_buffer(&buffer, 0, bytes);
        buffer
    }

    /// A zero-filled storage buffer of `size` bytes (rounded up to 16).
    pub fn storage_zeroed(&self, label: &str, size: u64) -> wgpu::Buffer {
        self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some(label),
            size: size.next_multiple_of(4).max(16),
            usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        })
    }

    /// A command encoder for a batch of dispatches.
    pub fn encoder(&self, label: &str) -> wgpu::CommandEncoder {
        self.device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some(label) })
    }

    /// Records one dispatch of `pipeline` with `invocations` invocations (one per work item,
    /// [`WORKGROUP_SIZE`] per workgroup, spread over x and y so no dimension passes the
    /// device's limit; kernels index with `linear_id` from `common.wgsl` and return when it is
    /// past their count). `params` go to the uniform block at binding 0, `buffers` to bindings
    /// 1, 2, ... in order; the kernel must use exactly those bindings.
    pub fn dispatch(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        pipeline: &wgpu::ComputePipeline,
        params: &[u32],
        buffers: &[&wgpu::Buffer],
        invocations: u64,
    ) {
        let groups = invocations.div_ceil(WORKGROUP_SIZE as u64);
        self.dispatch_groups(encoder, pipeline, params, buffers, groups);
    }

    /// Like [`GpuContext::dispatch`], for kernels that work per workgroup: `groups`
    /// workgroups, spread over x and y (`workgroup_linear_id` in `common.wgsl`).
    pub fn dispatch_groups(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        pipeline: &wgpu::ComputePipeline,
        params: &[u32],
        buffers: &[&wgpu::Buffer],
        groups: u64,
    ) {
        if groups == 0 {
            return;
        }
        assert!(params.len() <= PARAM_WORDS, "at most {PARAM_WORDS} parameter words");
        let mut words = [0u32; PARAM_WORDS];
        words[..params.len()].copy_from_slice(params);
        let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
        let uniform = self.buffer_with("params", wgpu::BufferUsages::UNIFORM, &bytes);
        let layout = pipeline.get_bind_group_layout(0);
        let mut entries = vec![wgpu::BindGroupEntry { binding: 0, resource: uniform.as_entire_binding() }];
        entries.extend(
            buffers
                .iter()
                .enumerate()
                .map(|(i, b)| wgpu::BindGroupEntry { binding: i as u32 + 1, resource: b.as_entire_binding() }),
        );
        let bind_group = self.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: None,
            layout: &layout,
            entries: &entries,
        });
        let max_x = self.limits.max_workgroups_per_dim.max(1) as u64;
        let x = groups.min(max_x);
        let y = groups.div_ceil(x);
        let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor { label: None, timestamp_writes: None });
        pass.set_pipeline(pipeline);
        pass.set_bind_group(0, &bind_group, &[]);
        pass.dispatch_workgroups(x as u32, y as u32, 1);
    }

    /// Submits `encoder` and waits until the GPU has finished it.
    pub fn submit_and_wait(&self, encoder: wgpu::CommandEncoder) -> Result<()> {
        let index = self.queue.submit([encoder.finish()]);
        self.device
            .poll(wgpu::PollType::Wait { submission_index: Some(index), timeout: None })
            .map_err(|e| self.lost_error(format!("waiting for the GPU failed: {e}")))?;
        self.check_alive()
    }

    /// Copies `size` bytes at `offset` of `buffer` back to the host (records the copy after
    /// `encoder`'s work, submits and waits).
    pub fn read_after(
        &self,
        mut encoder: wgpu::CommandEncoder,
        buffer: &wgpu::Buffer,
        offset: u64,
        size: u64,
    ) -> Result<Vec<u8>> {
        if size == 0 {
            self.submit_and_wait(encoder)?;
            return Ok(Vec::new());
        }
        let staging = self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("read-back"),
            size,
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        encoder.copy_buffer_to_buffer(buffer, offset, &staging, 0, size);
        self.submit_and_wait(encoder)?;
        let slice = staging.slice(..);
        let (sender, receiver) = std::sync::mpsc::channel();
        slice.map_async(wgpu::MapMode::Read, move |r| {
            let _ = sender.send(r);
        });
        self.device
            .poll(wgpu::PollType::wait_indefinitely())
            .map_err(|e| self.lost_error(format!("waiting for the read-back failed: {e}")))?;
        match receiver.recv() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(self.lost_error(format!("mapping the read-back buffer failed: {e}"))),
            Err(_) => return Err(self.lost_error("the read-back mapping never completed")),
        }
        let bytes = slice
            .get_mapped_range()
            .map_err(|e| self.lost_error(format!("reading the read-back buffer failed: {e}")))?
            .to_vec();
        staging.unmap();
        Ok(bytes)
    }

    /// Copies the first `size` bytes of `buffer` back to the host.
    pub fn read(&self, buffer: &wgpu::Buffer, size: u64) -> Result<Vec<u8>> {
        self.read_after(self.encoder("read"), buffer, 0, size)
    }
}
