//! The device registry: which backends this machine has, and why the others are missing.
//!
//! [`Registry::detect`] runs one probe per device kind (see [`probe`]). The CPU is always
//! found; a kind whose backend is not compiled in, or whose hardware is not there, is listed
//! as [`DeviceStatus::Absent`] with the reason, so `zkaccel devices` can tell a user what to
//! install or enable instead of silently showing nothing.

pub mod probe;
mod selection;

use std::sync::Arc;

use zkaccel_backends::{Backend, DeviceKind};

pub use selection::{DeviceId, DeviceSelection};

/// Everything that can go wrong when finding or picking devices.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistryError {
    /// A device id that zkaccel does not know, e.g. `--devices tpu`.
    #[error("unknown device `{given}`; valid devices are: {}", valid.join(", "))]
    UnknownDevice {
        /// What the user wrote.
        given: String,
        /// The forms that are accepted.
        valid: Vec<String>,
    },
    /// A device list with nothing in it.
    #[error("empty device list; valid devices are: {}", DeviceSelection::valid_forms().join(", "))]
    EmptySelection,
    /// A device that is known but not usable here (not compiled in, not present, failed to start).
    #[error("device {id} is not available: {reason}")]
    NotAvailable {
        /// The device's id.
        id: String,
        /// Why it is absent.
        reason: String,
    },
    /// The CPU backend, which must always exist, could not start.
    #[error("the CPU backend could not start: {0}")]
    CpuUnavailable(String),
}

/// Whether a device can be used.
#[derive(Clone)]
pub enum DeviceStatus {
    /// Found and started; ready to take work.
    Available(Arc<dyn Backend>),
    /// Not usable on this machine or in this build.
    Absent {
        /// Why, and what to do about it.
        reason: String,
    },
}

impl std::fmt::Debug for DeviceStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DeviceStatus::Available(backend) => f.debug_tuple("Available").field(backend.info()).finish(),
            DeviceStatus::Absent { reason } => f.debug_struct("Absent").field("reason", reason).finish(),
        }
    }
}

/// One device the registry knows about, available or not.
#[derive(Debug, Clone)]
pub struct DeviceEntry {
    /// Stable id, e.g. "cpu", "cuda:0", or a bare kind ("cuda") for an absent kind.
    pub id: String,
    /// Kind of hardware.
    pub kind: DeviceKind,
    /// Available (with its backend) or absent (with the reason).
    pub status: DeviceStatus,
}

impl DeviceEntry {
    /// The backend, when the device is available.
    pub fn backend(&self) -> Option<&Arc<dyn Backend>> {
        match &self.status {
            DeviceStatus::Available(backend) => Some(backend),
            DeviceStatus::Absent { .. } => None,
        }
    }
}

/// The devices found on this machine, in probe order (CPU first).
#[derive(Debug, Clone)]
pub struct Registry {
    entries: Vec<DeviceEntry>,
}

impl Registry {
    /// Probes every device kind the selection names and records what was found.
    ///
    /// Only a failure of the CPU backend is an error: any other kind that cannot be used is
    /// kept as an [`DeviceStatus::Absent`] entry with its reason.
    pub fn detect(selection: &DeviceSelection) -> Result<Registry, RegistryError> {
        let mut entries = Vec::new();
        for probe in probe::PROBES {
            if !selection.selects_kind(probe.kind) {
                continue;
            }
            let outcome = (probe.run)(selection);
            if probe.kind == DeviceKind::Cpu {
                if let Err(reason) = &outcome {
                    return Err(RegistryError::CpuUnavailable(reason.clone()));
                }
            }
            tracing::debug!(kind = %probe.kind, found = outcome.as_ref().map(Vec::len).ok(), "probed");
            entries.extend(selection.entries_for(probe.kind, outcome));
        }
        Ok(Registry { entries })
    }

    /// A registry over explicit entries (tests, embedders with their own backends).
    pub fn from_entries(entries: Vec<DeviceEntry>) -> Registry {
        Registry { entries }
    }

    /// Every entry, available or absent.
    pub fn entries(&self) -> &[DeviceEntry] {
        &self.entries
    }

    /// The available backends, in probe order.
    pub fn backends(&self) -> Vec<Arc<dyn Backend>> {
        self.entries.iter().filter_map(DeviceEntry::backend).cloned().collect()
    }

    /// The available backend with this id, if any.
    pub fn get(&self, id: &str) -> Option<Arc<dyn Backend>> {
        self.entries.iter().find(|e| e.id == id).and_then(DeviceEntry::backend).cloned()
    }

    /// The backend with this id, or an error saying why it cannot be used.
    pub fn require(&self, id: &str) -> Result<Arc<dyn Backend>, RegistryError> {
        match self.entries.iter().find(|e| e.id == id) {
            Some(DeviceEntry { status: DeviceStatus::Available(backend), .. }) => Ok(backend.clone()),
            Some(DeviceEntry { status: DeviceStatus::Absent { reason }, .. }) => {
                Err(RegistryError::NotAvailable { id: id.to_string(), reason: reason.clone() })
            }
            None => Err(RegistryError::UnknownDevice {
                given: id.to_string(),
                valid: self.entries.iter().map(|e| e.id.clone()).collect(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_cpu_and_lists_absent_kinds_with_reasons() {
        let registry = Registry::detect(&DeviceSelection::All).unwrap();
        let cpu = registry.get("cpu").expect("cpu is always available");
        assert_eq!(cpu.info().kind, DeviceKind::Cpu);
        assert!(cpu.info().compute_units >= 1);
        // FPGA: an XRT card, or "fpga" absent with the reason (no libxrt, xclbin or card).
        if let Some(entry) = registry.entries().iter().find(|e| e.id == "fpga") {
            match &entry.status {
                DeviceStatus::Absent { reason } => assert!(reason.contains("fpga:xrt"), "{reason}"),
                DeviceStatus::Available(_) => panic!("a bare \"fpga\" entry is only listed when absent"),
            }
        }
        // The WebGPU software adapter and the FPGA simulator are never picked unless named.
        assert!(registry.entries().iter().all(|e| e.id != "webgpu:cpu" && e.id != "fpga:sim"));
        // CUDA is compiled in: either GPUs were found ("cuda:N") or "cuda" is absent with the reason.
        if let Some(entry) = registry.entries().iter().find(|e| e.id == "cuda") {
            match &entry.status {
                DeviceStatus::Absent { reason } => assert!(reason.contains("CUDA"), "{reason}"),
                DeviceStatus::Available(_) => panic!("a bare \"cuda\" entry is only listed when absent"),
            }
        }
    }

    #[test]
    fn selection_limits_what_is_probed() {
        let registry = Registry::detect(&"cpu".parse().unwrap()).unwrap();
        assert_eq!(registry.entries().len(), 1);
        let registry = Registry::detect(&"cuda:0".parse().unwrap()).unwrap();
        assert!(registry.get("cpu").is_none());
        let err = registry.require("cuda:0").err().unwrap();
        assert!(matches!(err, RegistryError::NotAvailable { .. }), "{err:?}");
        assert!(err.to_string().contains("cuda:0") && err.to_string().contains("CUDA"), "{err}");
    }

    #[test]
    fn require_names_the_known_ids() {
        let registry = Registry::detect(&DeviceSelection::All).unwrap();
        let msg = registry.require("cuda:7").err().unwrap().to_string();
        assert!(msg.contains("cuda:7") && msg.contains("cpu"), "{msg}");
        assert!(registry.require("cpu").is_ok());
    }
}
