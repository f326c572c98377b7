//! AVX-512 IFMA building blocks shared by the vectorised CPU paths (Poseidon, NTT), chosen at run
//! time; other CPUs and targets keep the scalar paths.
//!
//! [`field52`] holds 8 BN254 Fr (or Fq, via its `Modulus` parameter) elements per vector in radix
//! 2^52 (see its module docs for the representation and the bounds); the MSM's G1 affine additions
//! (`cpu::msm::affine_simd`) use it over Fq. [`available`] is the one runtime check every caller makes
//! before it enters a `#[target_feature(enable = "avx512f,avx512ifma")]` function.
//!
//! Toolchain: the AVX-512 intrinsics are stable since Rust 1.89.
//!
//! Setting the environment variable `ZKACCEL_CPU_SIMD=off` before the first CPU workload forces
//! the scalar paths, e.g. to measure what the vector paths gain on the same machine.

#[cfg(target_arch = "x86_64")]
pub(crate) mod field52;

/// Environment variable that turns the vector paths off when set to `off`, `0` or `false`.
pub const SIMD_ENV: &str = "ZKACCEL_CPU_SIMD";

/// Whether the vector paths run: this CPU has avx512f and avx512ifma and [`SIMD_ENV`] does not
/// turn them off (decided once per process, then cached).
pub fn available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        static AVAILABLE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
        *AVAILABLE.get_or_init(|| {
            let disabled = std::env::var(SIMD_ENV).is_ok_and(|v| matches!(v.as_str(), "off" | "0" | "false"));
            !disabled && is_x86_feature_detected!("avx512f") && is_x86_feature_detected!("avx512ifma")
        })
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}
