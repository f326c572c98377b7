//! Kernel compilation with NVRTC (loaded at run time), backed by the on-disk [`PtxCache`].
//!
//! cudarc panics when a function of a library it cannot load is called, so every entry point
//! here checks [`is_available`] first and reports a missing library as
//! [`CompileError::NvrtcMissing`].

use std::ffi::CString;

use cudarc::nvrtc::{result, sys};

use super::cache::PtxCache;
use crate::device::Program;
use crate::sources;

/// What goes wrong when a kernel program is compiled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CompileError {
    /// `libnvrtc.so.12` could not be loaded.
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
    "libnvrtc.so.12 (NVIDIA's runtime compiler) is needed to compile the kernels: install the \
CUDA toolkit, or `python3 -m pip install --target DIR nvidia-cuda-nvrtc-cu12` and add the directory holding \
libnvrtc.so.12 (DIR/nvidia/cuda_nvrtc/lib) to LD_LIBRARY_PATH";

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

/// The architecture to compile for on a device of compute capability `device`: the device's
/// own when NVRTC knows it, else the newest NVRTC knows below it (the driver JIT-compiles
/// that PTX for the device).
pub fn target_arch(device: (u32, u32)) -> Result<(u32, u32), CompileError> {
    let wanted = device.0 * 10 + device.1;
    let archs = supported_archs()?;
    if archs.is_empty() || archs.contains(&wanted) {
        return Ok(device);
    }
    match archs.iter().rev().find(|&&a| a <= wanted) {
        Some(&a) => Ok((a / 10, a % 10)),
        None => Err(CompileError::Nvrtc {
            call: "nvrtcGetSupportedArchs",
            error: format!(
                "this NVRTC cannot target compute capability {}.{} (it supports {archs:?})",
                device.0, device.1
            ),
        }),
    }
}

/// The NVRTC options used for `arch`: PTX for the virtual architecture `compute_XY`, C++17.
pub fn options(arch: (u32, u32)) -> Vec<String> {
    vec![format!("--gpu-architecture=compute_{}{}", arch.0, arch.1), "-std=c++17".to_string()]
}

/// Compiles `program` to PTX for `arch`, through the default on-disk cache.
pub fn compile(program: Program, arch: (u32, u32)) -> Result<String, CompileError> {
    compile_cached(program, arch, &PtxCache::from_env())
}

/// Compiles `program` to PTX for `arch`, reusing and filling `cache`.
pub fn compile_cached(program: Program, arch: (u32, u32), cache: &PtxCache) -> Result<String, CompileError> {
    let source = sources::program_source(program);
    let options = options(arch);
    let key = PtxCache::key(&source, &options, arch, version()?);
    if let Some(ptx) = cache.get(&key) {
        tracing::debug!("PTX cache hit for {} (compute_{}{})", program.name(), arch.0, arch.1);
        return Ok(ptx);
    }
    let started = std::time::Instant::now();
    let ptx = compile_source(program.name(), &source, arch)?;
    tracing::debug!("compiled {} for compute_{}{} in {:?}", program.name(), arch.0, arch.1, started.elapsed());
    cache.put(&key, &ptx);
    Ok(ptx)
}

/// Compiles `source` (named `name` in messages) to PTX for `arch`, without the cache.
pub fn compile_source(name: &str, source: &str, arch: (u32, u32)) -> Result<String, CompileError> {
    require()?;
    let src = CString::new(source).map_err(|_| CompileError::Failed {
        program: name.to_string(),
        arch,
        log: "the source contains a NUL byte".to_string(),
    })?;
    let file_name = CString::new(format!("{name}.cu")).expect("program names have no NUL");
    let prog = result::create_program(&src, Some(&file_name))
        .map_err(|e| CompileError::Nvrtc { call: "nvrtcCreateProgram", error: e.to_string() })?;
    let options = options(arch);
    // SAFETY: `prog` was just created and is destroyed exactly once below; `src` and
    // `file_name` outlive it.
    let outcome = unsafe { result::compile_program(prog, &options) };
    let log = unsafe { result::get_program_log(prog) }.map(|chars| c_chars_to_string(&chars)).unwrap_or_default();
    if outcome.is_ok() && !log.trim().is_empty() {
        tracing::debug!("NVRTC log for {name}: {log}");
    }
    let ptx = match outcome {
        Ok(()) => unsafe { result::get_ptx(prog) }
            .map(|chars| c_chars_to_string(&chars))
            .map_err(|e| CompileError::Nvrtc { call: "nvrtcGetPTX", error: e.to_string() }),
        Err(e) if e.0 == sys::nvrtcResult::NVRTC_ERROR_COMPILATION => {
            Err(CompileError::Failed { program: name.to_string(), arch, log })
        }
        Err(e) => Err(CompileError::Nvrtc { call: "nvrtcCompileProgram", error: format!("{e}; log: {log}") }),
    };
    let _ = unsafe { result::destroy_program(prog) };
    ptx
}

fn c_chars_to_string(chars: &[std::ffi::c_char]) -> String {
    let bytes: Vec<u8> = chars.iter().map(|&c| c as u8).take_while(|&b| b != 0).collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_target_a_virtual_architecture() {
        assert_eq!(options((8, 6)), vec!["--gpu-architecture=compute_86".to_string(), "-std=c++17".to_string()]);
    }

    #[test]
    fn missing_nvrtc_is_an_error_not_a_panic() {
        // Whether or not NVRTC is installed here, these calls must return, never panic.
        let available = is_available();
        let v = version();
        assert_eq!(v.is_ok(), available, "{v:?}");
        if !available {
            let err = compile_source("t", "extern \"C\" __global__ void k() {}", (8, 0)).unwrap_err();
            assert!(matches!(err, CompileError::NvrtcMissing(ref m) if m.contains("libnvrtc.so.12")), "{err}");
        }
    }

    #[test]
    fn compile_errors_carry_the_log() {
        if !is_available() {
            return;
        }
        let err = compile_source("broken", "extern \"C\" __global__ void k( { undefined_thing; }", (8, 0)).unwrap_err();
        match err {
            CompileError::Failed { program, log, .. } => {
                assert_eq!(program, "broken");
                assert!(log.contains("error"), "{log}");
            }
            other => panic!("expected a compilation failure, got {other:?}"),
        }
        let ptx = compile_source("ok", "extern \"C\" __global__ void k(unsigned* p) { p[0] = 1; }", (8, 0)).unwrap();
        assert!(ptx.contains(".entry k"), "{ptx}");
    }
}
