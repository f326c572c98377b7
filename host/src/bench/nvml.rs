//! NVIDIA GPUs through NVML (`libnvidia-ml.so.1`, shipped with the driver), opened at run
//! time: the names, memory and driver/CUDA versions for the machine description, and clocks,
//! temperature and power sampled after each measured case. Nothing NVIDIA is needed to build;
//! without the library (no NVIDIA driver) every field is empty and [`NvidiaInfo::unavailable`]
//! says why.
//!
//! `ZKACCEL_NVML_LIB` names another library file (tests use it to check the absent path).
//!
//! The only `unsafe` code of the bench: calls through the library's C entry points.

#![allow(unsafe_code)]

use std::ffi::{c_char, c_void, CStr};
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

/// Environment variable naming the NVML library to open instead of `libnvidia-ml.so.1`.
pub const LIB_ENV: &str = "ZKACCEL_NVML_LIB";
/// The library opened by default (the driver installs it on Linux).
pub const DEFAULT_LIB: &str = "libnvidia-ml.so.1";

/// What NVML says about the machine's NVIDIA GPUs, recorded in [`Machine`](super::machine::Machine).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NvidiaInfo {
    /// The driver version, e.g. "580.65.06".
    pub driver_version: Option<String>,
    /// The CUDA version the driver supports, e.g. "13.0".
    pub cuda_driver_version: Option<String>,
    /// The GPUs, by NVML index.
    pub gpus: Vec<Gpu>,
    /// Why there is nothing (NVML not loadable or failing); `None` when NVML answered.
    pub unavailable: Option<String>,
}

/// One NVIDIA GPU.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gpu {
    /// NVML index.
    pub index: u32,
    /// Name, e.g. "NVIDIA H200".
    pub name: String,
    /// Total memory in bytes.
    pub memory_bytes: Option<u64>,
    /// Maximum SM clock in MHz.
    pub max_sm_clock_mhz: Option<u32>,
}

/// Clocks, temperature and power of one GPU at one moment (right after a case's timed runs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GpuSample {
    /// NVML index.
    pub index: u32,
    /// SM clock in MHz.
    pub sm_clock_mhz: Option<u32>,
    /// Memory clock in MHz.
    pub memory_clock_mhz: Option<u32>,
    /// GPU temperature in °C.
    pub temperature_c: Option<u32>,
    /// Board power in milliwatts.
    pub power_mw: Option<u32>,
}

type Device = *mut c_void;

/// The NVML entry points used, resolved once.
struct Nvml {
    _lib: libloading::Library,
    get_driver_version: unsafe extern "C" fn(*mut c_char, u32) -> i32,
    get_cuda_version: unsafe extern "C" fn(*mut i32) -> i32,
    get_count: unsafe extern "C" fn(*mut u32) -> i32,
    get_handle: unsafe extern "C" fn(u32, *mut Device) -> i32,
    get_name: unsafe extern "C" fn(Device, *mut c_char, u32) -> i32,
    get_memory: unsafe extern "C" fn(Device, *mut [u64; 3]) -> i32,
    get_temperature: unsafe extern "C" fn(Device, u32, *mut u32) -> i32,
    get_clock: unsafe extern "C" fn(Device, u32, *mut u32) -> i32,
    get_max_clock: unsafe extern "C" fn(Device, u32, *mut u32) -> i32,
    get_power: unsafe extern "C" fn(Device, *mut u32) -> i32,
}

// SAFETY: NVML is thread-safe (documented by NVIDIA); the struct holds only function pointers
// and the library that keeps them valid.
unsafe impl Send for Nvml {}
unsafe impl Sync for Nvml {}

const NVML_CLOCK_SM: u32 = 1;
const NVML_CLOCK_MEM: u32 = 2;
const NVML_TEMPERATURE_GPU: u32 = 0;

impl Nvml {
    fn open(path: &str) -> Result<Nvml, String> {
        // SAFETY: loading the NVIDIA management library runs its initialisers, which have no
        // preconditions; symbols are looked up with the signatures of NVML's public header.
        unsafe {
            let lib = libloading::Library::new(path).map_err(|e| format!("{path} could not be loaded: {e}"))?;
            let init: libloading::Symbol<unsafe extern "C" fn() -> i32> =
                lib.get(b"nvmlInit_v2\0").map_err(|e| format!("{path}: {e}"))?;
            let rc = init();
            if rc != 0 {
                return Err(format!("nvmlInit_v2 failed with NVML error {rc}"));
            }
            macro_rules! sym {
                ($name:literal) => {
                    *lib.get($name).map_err(|e| format!("{path}: {e}"))?
                };
            }
            Ok(Nvml {
                get_driver_version: sym!(b"nvmlSystemGetDriverVersion\0"),
                get_cuda_version: sym!(b"nvmlSystemGetCudaDriverVersion_v2\0"),
                get_count: sym!(b"nvmlDeviceGetCount_v2\0"),
                get_handle: sym!(b"nvmlDeviceGetHandleByIndex_v2\0"),
                get_name: sym!(b"nvmlDeviceGetName\0"),
                get_memory: sym!(b"nvmlDeviceGetMemoryInfo\0"),
                get_temperature: sym!(b"nvmlDeviceGetTemperature\0"),
                get_clock: sym!(b"nvmlDeviceGetClockInfo\0"),
                get_max_clock: sym!(b"nvmlDeviceGetMaxClockInfo\0"),
                get_power: sym!(b"nvmlDeviceGetPowerUsage\0"),
                _lib: lib,
            })
        }
    }

    fn string(f: impl FnOnce(*mut c_char, u32) -> i32) -> Option<String> {
        let mut buf = [0 as c_char; 96];
        (f(buf.as_mut_ptr(), buf.len() as u32) == 0)
            .then(|| unsafe { CStr::from_ptr(buf.as_ptr()) }.to_string_lossy().into_owned())
    }

    fn u32(f: impl FnOnce(*mut u32) -> i32) -> Option<u32> {
        let mut v = 0u32;
        (f(&mut v) == 0).then_some(v)
    }

    fn devices(&self) -> Vec<(u32, Device)> {
        // SAFETY: out-pointers are valid locals; handles come from NVML itself.
        let count = Self::u32(|p| unsafe { (self.get_count)(p) }).unwrap_or(0);
        (0..count)
            .filter_map(|i| {
                let mut d: Device = std::ptr::null_mut();
                (unsafe { (self.get_handle)(i, &mut d) } == 0).then_some((i, d))
            })
            .collect()
    }

    fn info(&self) -> NvidiaInfo {
        // SAFETY (all calls below): buffers and out-pointers are valid and sized as passed.
        let driver_version = Self::string(|b, n| unsafe { (self.get_driver_version)(b, n) });
        let mut cuda = 0i32;
        let cuda_driver_version = (unsafe { (self.get_cuda_version)(&mut cuda) } == 0 && cuda > 0)
            .then(|| format!("{}.{}", cuda / 1000, (cuda % 1000) / 10));
        let gpus = self
            .devices()
            .into_iter()
            .map(|(index, d)| {
                let mut mem = [0u64; 3];
                Gpu {
                    index,
                    name: Self::string(|b, n| unsafe { (self.get_name)(d, b, n) }).unwrap_or_else(|| "unknown".into()),
                    memory_bytes: (unsafe { (self.get_memory)(d, &mut mem) } == 0).then_some(mem[0]),
                    max_sm_clock_mhz: Self::u32(|p| unsafe { (self.get_max_clock)(d, NVML_CLOCK_SM, p) }),
                }
            })
            .collect();
        NvidiaInfo { driver_version, cuda_driver_version, gpus, unavailable: None }
    }

    fn sample(&self) -> Vec<GpuSample> {
        // SAFETY: as in `info`.
        self.devices()
            .into_iter()
            .map(|(index, d)| GpuSample {
                index,
                sm_clock_mhz: Self::u32(|p| unsafe { (self.get_clock)(d, NVML_CLOCK_SM, p) }),
                memory_clock_mhz: Self::u32(|p| unsafe { (self.get_clock)(d, NVML_CLOCK_MEM, p) }),
                temperature_c: Self::u32(|p| unsafe { (self.get_temperature)(d, NVML_TEMPERATURE_GPU, p) }),
                power_mw: Self::u32(|p| unsafe { (self.get_power)(d, p) }),
            })
            .collect()
    }
}

fn nvml() -> &'static Result<Nvml, String> {
    static NVML: OnceLock<Result<Nvml, String>> = OnceLock::new();
    NVML.get_or_init(|| {
        let path = std::env::var(LIB_ENV).unwrap_or_else(|_| DEFAULT_LIB.to_string());
        Nvml::open(&path).map_err(|e| format!("no NVIDIA GPU telemetry: {e}"))
    })
}

/// The NVIDIA GPUs and driver of this machine, or why they cannot be described.
pub fn detect() -> NvidiaInfo {
    match nvml() {
        Ok(nvml) => nvml.info(),
        Err(why) => NvidiaInfo { unavailable: Some(why.clone()), ..NvidiaInfo::default() },
    }
}

/// Clocks, temperatures and power of every NVIDIA GPU now; empty without NVML.
pub fn sample() -> Vec<GpuSample> {
    nvml().as_ref().map(|n| n.sample()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_library_is_reported_not_fatal() {
        let err = Nvml::open("/nonexistent/libnvidia-ml.so.1").err().expect("cannot load");
        assert!(err.contains("could not be loaded"), "{err}");
        // On a machine without the NVIDIA driver (CI), the description says why it is empty.
        let info = detect();
        if info.unavailable.is_some() {
            assert!(info.gpus.is_empty() && info.driver_version.is_none());
            assert!(sample().is_empty());
        }
        let json = serde_json::to_string(&info).unwrap();
        assert_eq!(serde_json::from_str::<NvidiaInfo>(&json).unwrap(), info);
    }
}
