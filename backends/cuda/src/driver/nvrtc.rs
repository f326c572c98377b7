//! Kernel compilation with NVRTC (loaded at run time), backed by the on-disk [`KernelCache`].
//!
//! cudarc panics when a function of a library it cannot load is called, so every entry point
//! here checks [`is_available`] first and reports a missing library as
//! [`CompileError::NvrtcMissing`].

use std::ffi::CString;

use cudarc::nvrtc::{result, sys};

use super::cache::KernelCache;
use crate::device::Program;
use crate::sources;

/// What goes wrong when a kernel program is compiled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CompileError {
    /// NVRTC (`libnvrtc.so.12` or `libnvrtc.so`) could not be loaded.
    #[error("{0}")]
    NvrtcMissing(String),
    /// NVRTC rejected the source; `log` is its full compiler log.
    #[error("NVRTC could not compile {program} for compute_{}{}: {log}", arch.0, arch.1)]
    Failed {
        /// The program's name ("msm", ...).
        program: String,
        /// The target architecture (major, minor).
        arch: (u32, u32),
        /// NVRTC's log.
        log: String,
    },
    /// An NVRTC call other than the compilation itself failed.
    #[error("NVRTC {call} failed: {error}")]
    Nvrtc {
        /// The failing call.
        call: &'static str,
        /// NVRTC's error.
        error: String,
    },
}

/// Why NVRTC is needed and how to get it, for error messages.
pub const NVRTC_HELP: &str =
    "libnvrtc.so.12 or libnvrtc.so (NVIDIA's runtime compiler) is needed to compile the kernels: with \
the CUDA toolkit (12 or 13) add its lib64 directory (e.g. /usr/local/cuda/lib64, which has libnvrtc.so) to \
LD_LIBRARY_PATH; or `python3 -m pip install --target DIR nvidia-cuda-nvrtc-cu12` and add the directory \
holding libnvrtc.so.12 (DIR/nvidia/cuda_nvrtc/lib) to LD_LIBRARY_PATH";

/// Whether `libnvrtc` can be loaded. Never panics.
pub fn is_available() -> bool {
    // SAFETY: only tries to dlopen the library; the catch_unwind is a second guard.
    std::panic::catch_unwind(|| unsafe { sys::is_culib_present() }).unwrap_or(false)
}

fn require() -> Result<(), CompileError> {
    if is_available() {
        Ok(())
    } else {
        Err(CompileError::NvrtcMissing(format!("NVRTC not found: {NVRTC_HELP}")))
    }
}

/// NVRTC's version (major, minor).
pub fn version() -> Result<(i32, i32), CompileError> {
    require()?;
    let (mut major, mut minor) = (0, 0);
    // SAFETY: two valid out-pointers.
    unsafe { sys::nvrtcVersion(&mut major, &mut minor) }
        .result()
        .map_err(|e| CompileError::Nvrtc { call: "nvrtcVersion", error: e.to_string() })?;
    Ok((major, minor))
}

/// The architectures this NVRTC can target, as `10 * major + minor` (e.g. 80, 90), ascending.
pub fn supported_archs() -> Result<Vec<u32>, CompileError> {
    require()?;
    let mut count = 0;
    // SAFETY: a valid out-pointer, then a buffer of exactly `count` ints.
    unsafe { sys::nvrtcGetNumSupportedArchs(&mut count) }
        .result()
        .map_err(|e| CompileError::Nvrtc { call: "nvrtcGetNumSupportedArchs", error: e.to_string() })?;
    let mut archs = vec![0i32; count.max(0) as usize];
    if !archs.is_empty() {
        unsafe { sys::nvrtcGetSupportedArchs(archs.as_mut_ptr()) }
            .result()
            .map_err(|e| CompileError::Nvrtc { call: "nvrtcGetSupportedArchs", error: e.to_string() })?;
    }
    let mut archs: Vec<u32> = archs.into_iter().filter(|&a| a > 0).map(|a| a as u32).collect();
    archs.sort_unstable();
    Ok(archs)
}

/// What NVRTC is asked to produce for a device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    /// Machine code (CUBIN) for `sm_XY`: NVRTC runs ptxas itself, the driver loads it as is.
    Cubin(u32, u32),
    /// PTX for the virtual architecture `compute_XY`, which the driver compiles at load time.
    Ptx(u32, u32),
}

impl Target {
    /// The architecture (major, minor).
    pub fn arch(self) -> (u32, u32) {
        match self {
            Target::Cubin(major, minor) | Target::Ptx(major, minor) => (major, minor),
        }
    }

    /// "sm_90" or "compute_90".
    pub fn name(self) -> String {
        match self {
            Target::Cubin(major, minor) => format!("sm_{major}{minor}"),
            Target::Ptx(major, minor) => format!("compute_{major}{minor}"),
        }
    }
}

/// What to compile for a device of compute capability `device`: a CUBIN for the device's own
/// architecture when NVRTC knows it; otherwise PTX for the newest architecture NVRTC knows below
/// it, which the driver compiles for the device.
pub fn target(device: (u32, u32)) -> Result<Target, CompileError> {
    let wanted = device.0 * 10 + device.1;
    let archs = supported_archs()?;
    if archs.is_empty() || archs.contains(&wanted) {
        return Ok(Target::Cubin(device.0, device.1));
    }
    match archs.iter().rev().find(|&&a| a <= wanted) {
        Some(&a) => Ok(Target::Ptx(a / 10, a % 10)),
        None => Err(CompileError::Nvrtc {
            call: "nvrtcGetSupportedArchs",
            error: format!(
                "this NVRTC cannot target compute capability {}.{} (it supports {archs:?})",
                device.0, device.1
            ),
        }),
    }
}

/// The NVRTC options used for `target`: its architecture, C++17.
pub fn options(target: Target) -> Vec<String> {
    vec![format!("--gpu-architecture={}", target.name()), "-std=c++17".to_string()]
}

/// Compiles `program` for `target` through the default on-disk cache; returns the module image
/// (CUBIN bytes, or NUL-terminated PTX).
pub fn compile(program: Program, target: Target) -> Result<Vec<u8>, CompileError> {
    compile_cached(program, target, &KernelCache::from_env())
}

/// Compiles `program` for `target`, reusing and filling `cache`.
pub fn compile_cached(program: Program, target: Target, cache: &KernelCache) -> Result<Vec<u8>, CompileError> {
    let source = sources::runtime_program_source(program).map_err(|log| CompileError::Failed {
        program: program.name().to_string(),
        arch: target.arch(),
        log,
    })?;
    let options = options(target);
    let key = KernelCache::key(&source, &options, target.arch(), version()?);
    if let Some(image) = cache.get(&key) {
        tracing::debug!("kernel cache hit for {} ({})", program.name(), target.name());
        return Ok(image);
    }
    let started = std::time::Instant::now();
    let image = compile_source(program.name(), &source, target)?;
    tracing::info!("compiled the {} kernels for {} in {:.1?}", program.name(), target.name(), started.elapsed());
    cache.put(&key, &image);
    Ok(image)
}

/// Compiles `source` (named `name` in messages) for `target`, without the cache. PTX comes back
/// NUL-terminated, ready for `cuModuleLoadData`.
pub fn compile_source(name: &str, source: &str, target: Target) -> Result<Vec<u8>, CompileError> {
    compile_with(name, source, target, &[]).map(|(image, _)| image)
}

/// ptxas's resource report for `program` on `target` (a CUBIN target): for every kernel, its
/// registers, spill stores and loads, stack frame and shared memory, as ptxas prints them with
/// `-v`. Needs NVRTC, not a GPU.
/// `max_registers` caps the registers per thread (`--maxrregcount`), to see what a cap would spill.
pub fn ptxas_report(program: Program, target: Target, max_registers: Option<u32>) -> Result<String, CompileError> {
    let source = sources::runtime_program_source(program).map_err(|log| CompileError::Failed {
        program: program.name().to_string(),
        arch: target.arch(),
        log,
    })?;
    let mut extra = vec!["--ptxas-options=-v".to_string()];
    extra.extend(max_registers.map(|n| format!("--maxrregcount={n}")));
    compile_with(program.name(), &source, target, &extra).map(|(_, log)| log)
}

/// [`compile_source`] with `extra` options after the usual ones; returns the image and NVRTC's log.
fn compile_with(name: &str, source: &str, target: Target, extra: &[String]) -> Result<(Vec<u8>, String), CompileError> {
    require()?;
    let arch = target.arch();
    let src = CString::new(source).map_err(|_| CompileError::Failed {
        program: name.to_string(),
        arch,
        log: "the source contains a NUL byte".to_string(),
    })?;
    let file_name = CString::new(format!("{name}.cu")).expect("program names have no NUL");
    let prog = result::create_program(&src, Some(&file_name))
        .map_err(|e| CompileError::Nvrtc { call: "nvrtcCreateProgram", error: e.to_string() })?;
    let mut options = options(target);
    options.extend_from_slice(extra);
    // SAFETY: `prog` was just created and is destroyed exactly once below; `src` and
    // `file_name` outlive it.
    let outcome = unsafe { result::compile_program(prog, &options) };
    let log = unsafe { result::get_program_log(prog) }.map(|chars| c_chars_to_string(&chars)).unwrap_or_default();
    if outcome.is_ok() && !log.trim().is_empty() {
        tracing::debug!("NVRTC log for {name}: {log}");
    }
    let image = match outcome {
        Ok(()) => match target {
            Target::Ptx(..) => unsafe { result::get_ptx(prog) }
                .map(|chars| {
                    let mut bytes: Vec<u8> = chars.iter().map(|&c| c as u8).take_while(|&b| b != 0).collect();
                    bytes.push(0);
                    bytes
                })
                .map_err(|e| CompileError::Nvrtc { call: "nvrtcGetPTX", error: e.to_string() }),
            // SAFETY: `prog` compiled successfully for a real architecture, so it has a CUBIN.
            Target::Cubin(..) => unsafe { cubin(prog) },
        },
        Err(e) if e.0 == sys::nvrtcResult::NVRTC_ERROR_COMPILATION => {
            Err(CompileError::Failed { program: name.to_string(), arch, log: log.clone() })
        }
        Err(e) => Err(CompileError::Nvrtc { call: "nvrtcCompileProgram", error: format!("{e}; log: {log}") }),
    };
    let _ = unsafe { result::destroy_program(prog) };
    image.map(|image| (image, log))
}

/// The CUBIN of a program compiled for an `sm_XY` target.
///
/// # Safety
/// `prog` must be a live, successfully compiled NVRTC program.
unsafe fn cubin(prog: sys::nvrtcProgram) -> Result<Vec<u8>, CompileError> {
    let mut size = 0usize;
    // SAFETY: valid program (caller) and out-pointer.
    unsafe { sys::nvrtcGetCUBINSize(prog, &mut size) }
        .result()
        .map_err(|e| CompileError::Nvrtc { call: "nvrtcGetCUBINSize", error: e.to_string() })?;
    let mut bytes = vec![0u8; size];
    // SAFETY: `bytes` holds exactly the size NVRTC reported.
    unsafe { sys::nvrtcGetCUBIN(prog, bytes.as_mut_ptr() as *mut std::ffi::c_char) }
        .result()
        .map_err(|e| CompileError::Nvrtc { call: "nvrtcGetCUBIN", error: e.to_string() })?;
    if bytes.is_empty() {
        return Err(CompileError::Nvrtc { call: "nvrtcGetCUBIN", error: "NVRTC returned an empty CUBIN".into() });
    }
    Ok(bytes)
}

fn c_chars_to_string(chars: &[std::ffi::c_char]) -> String {
    let bytes: Vec<u8> = chars.iter().map(|&c| c as u8).take_while(|&b| b != 0).collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_name_the_target() {
        assert_eq!(
            options(Target::Ptx(8, 6)),
            vec!["--gpu-architecture=compute_86".to_string(), "-std=c++17".to_string()]
        );
        assert_eq!(options(Target::Cubin(9, 0))[0], "--gpu-architecture=sm_90");
    }

    #[test]
    fn missing_nvrtc_is_an_error_not_a_panic() {
        // Whether or not NVRTC is installed here, these calls must return, never panic.
        let available = is_available();
        let v = version();
        assert_eq!(v.is_ok(), available, "{v:?}");
        if !available {
            let err = compile_source("t", "extern \"C\" __global__ void k() {}", Target::Ptx(8, 0)).unwrap_err();
            assert!(matches!(err, CompileError::NvrtcMissing(ref m) if m.contains("libnvrtc.so.12")), "{err}");
        }
    }

    #[test]
    fn compile_errors_carry_the_log() {
        if !is_available() {
            return;
        }
        let err = compile_source("broken", "extern \"C\" __global__ void k( { undefined_thing; }", Target::Ptx(8, 0))
            .unwrap_err();
        match err {
            CompileError::Failed { program, log, .. } => {
                assert_eq!(program, "broken");
                assert!(log.contains("error"), "{log}");
            }
            other => panic!("expected a compilation failure, got {other:?}"),
        }
        let ptx = compile_source("ok", "extern \"C\" __global__ void k(unsigned* p) { p[0] = 1; }", Target::Ptx(8, 0));
        let ptx = String::from_utf8(ptx.unwrap()).unwrap();
        assert!(ptx.contains(".entry k") && ptx.ends_with('\0'), "{ptx}");
        let cubin =
            compile_source("ok", "extern \"C\" __global__ void k(unsigned* p) { p[0] = 1; }", Target::Cubin(8, 0));
        assert_eq!(&cubin.unwrap()[..4], b"\x7fELF", "a CUBIN is an ELF image");
    }
}
