//! Choosing wgpu adapters: hardware GPUs by default (discrete first, then integrated, then
//! virtual), and CPU software adapters (Mesa's lavapipe, WARP) only when asked for.

use std::fmt;

/// Environment variable that picks the adapter class: `cpu` (or `software`) selects software
/// adapters only, `gpu` (the default) hardware adapters only.
pub const ADAPTER_ENV: &str = "ZKACCEL_WEBGPU_ADAPTER";

/// Which class of adapter to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AdapterClass {
    /// Real GPUs: discrete, then integrated, then virtual. Never a CPU rasteriser.
    #[default]
    Hardware,
    /// CPU software adapters only (Mesa lavapipe/llvmpipe). Far slower than the CPU backend:
    /// for tests and for machines whose only "GPU" is software.
    Software,
}

impl AdapterClass {
    /// The class [`ADAPTER_ENV`] asks for: `Ok(None)` when unset, `Err` for a value that is
    /// neither `gpu` nor `cpu`.
    pub fn from_env() -> Result<Option<Self>, String> {
        match std::env::var(ADAPTER_ENV) {
            Err(_) => Ok(None),
            Ok(v) => Self::parse(&v).map(Some),
        }
    }

    /// Parses `gpu`/`hardware` or `cpu`/`software`.
    pub fn parse(value: &str) -> Result<Self, String> {
        match value.trim().to_ascii_lowercase().as_str() {
            "gpu" | "hardware" | "" => Ok(AdapterClass::Hardware),
            "cpu" | "software" => Ok(AdapterClass::Software),
            other => Err(format!("{ADAPTER_ENV}={other:?} is not one of gpu, cpu")),
        }
    }
}

impl fmt::Display for AdapterClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AdapterClass::Hardware => "gpu",
            AdapterClass::Software => "cpu",
        })
    }
}

/// Preference rank of a device type within `class` (lower is better), or `None` when the type
/// does not belong to the class.
pub fn rank(device_type: wgpu::DeviceType, class: AdapterClass) -> Option<u8> {
    use wgpu::DeviceType::*;
    match (class, device_type) {
        (AdapterClass::Hardware, DiscreteGpu) => Some(0),
        (AdapterClass::Hardware, IntegratedGpu) => Some(1),
        (AdapterClass::Hardware, VirtualGpu) => Some(2),
        (AdapterClass::Hardware, Other) => Some(3),
        (AdapterClass::Software, Cpu) => Some(0),
        _ => None,
    }
}

/// The graphics APIs zkaccel drives through wgpu. OpenGL is left out: it has no storage
/// buffers large enough and no compute guarantees.
pub fn backends() -> wgpu::Backends {
    wgpu::Backends::VULKAN | wgpu::Backends::METAL | wgpu::Backends::DX12
}

/// A wgpu instance over [`backends`], without validation layers unless the environment asks
/// (`WGPU_DEBUG`, `WGPU_VALIDATION`).
pub fn instance() -> wgpu::Instance {
    let mut desc = wgpu::InstanceDescriptor::new_without_display_handle();
    desc.backends = backends();
    desc.flags = wgpu::InstanceFlags::empty().with_env();
    wgpu::Instance::new(desc)
}

/// Every adapter of `class` on this machine, best first (ties keep wgpu's order).
pub fn adapters(instance: &wgpu::Instance, class: AdapterClass) -> Vec<wgpu::Adapter> {
    let mut found: Vec<(u8, wgpu::Adapter)> = pollster::block_on(instance.enumerate_adapters(backends()))
        .into_iter()
        .filter_map(|a| rank(a.get_info().device_type, class).map(|r| (r, a)))
        .collect();
    found.sort_by_key(|(r, _)| *r);
    found.into_iter().map(|(_, a)| a).collect()
}

/// One line describing an adapter: name, type, graphics API and driver.
pub fn describe(info: &wgpu::AdapterInfo) -> String {
    let driver = [info.driver.as_str(), info.driver_info.as_str()]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ");
    let kind = match info.device_type {
        wgpu::DeviceType::Cpu => "software",
        wgpu::DeviceType::DiscreteGpu => "discrete",
        wgpu::DeviceType::IntegratedGpu => "integrated",
        wgpu::DeviceType::VirtualGpu => "virtual",
        wgpu::DeviceType::Other => "other",
    };
    if driver.is_empty() {
        format!("{} ({kind}, {:?})", info.name, info.backend)
    } else {
        format!("{} ({kind}, {:?}, {driver})", info.name, info.backend)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn software_adapters_are_never_ranked_for_hardware_use() {
        assert_eq!(rank(wgpu::DeviceType::Cpu, AdapterClass::Hardware), None);
        assert_eq!(rank(wgpu::DeviceType::DiscreteGpu, AdapterClass::Software), None);
        assert!(
            rank(wgpu::DeviceType::DiscreteGpu, AdapterClass::Hardware)
                < rank(wgpu::DeviceType::IntegratedGpu, AdapterClass::Hardware)
        );
        assert!(
            rank(wgpu::DeviceType::IntegratedGpu, AdapterClass::Hardware)
                < rank(wgpu::DeviceType::VirtualGpu, AdapterClass::Hardware)
        );
    }

    #[test]
    fn adapter_class_parses_and_rejects_unknown_values() {
        assert_eq!(AdapterClass::parse("cpu"), Ok(AdapterClass::Software));
        assert_eq!(AdapterClass::parse("Software"), Ok(AdapterClass::Software));
        assert_eq!(AdapterClass::parse("gpu"), Ok(AdapterClass::Hardware));
        assert!(AdapterClass::parse("tpu").unwrap_err().contains(ADAPTER_ENV));
    }
}
