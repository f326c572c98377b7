//! A description of the machine a benchmark ran on, recorded with every report.

use serde::{Deserialize, Serialize};
use sysinfo::{CpuRefreshKind, MemoryRefreshKind, RefreshKind, System};

/// The hardware and build behind a set of numbers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Machine {
    /// CPU brand string, e.g. "AMD EPYC 7B13".
    pub cpu_model: String,
    /// Physical cores, where the OS tells.
    pub physical_cores: Option<usize>,
    /// Logical cores (hardware threads).
    pub logical_cores: usize,
    /// Total RAM in bytes.
    pub total_memory_bytes: u64,
    /// Operating system name and version.
    pub os: String,
    /// CPU architecture, e.g. "x86_64".
    pub arch: String,
    /// Version of this zkaccel build.
    pub zkaccel_version: String,
    /// Short git commit of the build, when built from a git checkout.
    pub git_commit: Option<String>,
    /// The compiler that built this binary.
    pub rustc_version: Option<String>,
    /// NVIDIA GPUs, driver and CUDA version from NVML (schema 2; empty, with the reason, without
    /// the driver). Vulkan drivers are named in each WebGPU device's name in `config.devices`.
    #[serde(default)]
    pub nvidia: super::nvml::NvidiaInfo,
}

impl Machine {
    /// Describes the current machine and build.
    pub fn detect() -> Machine {
        let system = System::new_with_specifics(
            RefreshKind::nothing()
                .with_cpu(CpuRefreshKind::nothing())
                .with_memory(MemoryRefreshKind::nothing().with_ram()),
        );
        let cpu_model = system
            .cpus()
            .first()
            .map(|cpu| cpu.brand().trim().to_string())
            .filter(|brand| !brand.is_empty())
            .unwrap_or_else(|| format!("unknown {} CPU", std::env::consts::ARCH));
        let logical_cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(system.cpus().len());
        Machine {
            cpu_model,
            physical_cores: system.physical_core_count(),
            logical_cores,
            total_memory_bytes: system.total_memory(),
            os: System::long_os_version().unwrap_or_else(|| std::env::consts::OS.to_string()),
            arch: std::env::consts::ARCH.to_string(),
            zkaccel_version: env!("CARGO_PKG_VERSION").to_string(),
            git_commit: option_env!("ZKACCEL_GIT_COMMIT").filter(|s| !s.is_empty()).map(String::from),
            rustc_version: option_env!("ZKACCEL_RUSTC_VERSION").filter(|s| !s.is_empty()).map(String::from),
            nvidia: super::nvml::detect(),
        }
    }

    /// A short name for tables and legends: the CPU model and core count, with the first GPU.
    pub fn label(&self) -> String {
        let mut label = format!("{} ({} threads)", self.cpu_model, self.logical_cores);
        if let Some(gpu) = self.nvidia.gpus.first() {
            label.push_str(&format!(", {}", gpu.name));
        }
        label
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describes_this_machine() {
        let machine = Machine::detect();
        assert!(machine.logical_cores >= 1);
        assert!(machine.total_memory_bytes > 0);
        assert!(!machine.cpu_model.is_empty() && !machine.os.is_empty());
        assert_eq!(machine.zkaccel_version, env!("CARGO_PKG_VERSION"));
    }
}
