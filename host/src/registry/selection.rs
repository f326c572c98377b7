//! Which devices a command should use: `--devices cpu,cuda:0`, or `all`.

use std::fmt;
use std::str::FromStr;

use zkaccel_backends::DeviceKind;

use super::probe::ProbeOutcome;
use super::{DeviceEntry, DeviceStatus, RegistryError};

/// The device kinds zkaccel knows, with their command-line names.
const KINDS: [(DeviceKind, &str); 4] =
    [(DeviceKind::Cpu, "cpu"), (DeviceKind::Cuda, "cuda"), (DeviceKind::WebGpu, "webgpu"), (DeviceKind::Fpga, "fpga")];

/// One device named on the command line: a kind, and for accelerators optionally an index
/// (`cuda` means every CUDA GPU, `cuda:1` the second one). `webgpu:cpu` names WebGPU's CPU
/// software adapter (lavapipe) and `fpga:sim` the Verilator-simulated FPGA card, which are never
/// used unless named; `fpga:xrt` is the same as `fpga` (XRT cards).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DeviceId {
    /// Kind of hardware.
    pub kind: DeviceKind,
    /// Index among the devices of that kind; `None` selects all of them.
    pub index: Option<u32>,
    /// The software device of its kind (`webgpu:cpu`, `fpga:sim`) rather than hardware.
    pub software: bool,
}

impl DeviceId {
    /// Every device of `kind`.
    pub fn all_of(kind: DeviceKind) -> Self {
        DeviceId { kind, index: None, software: false }
    }

    /// Device `index` of `kind`.
    pub fn indexed(kind: DeviceKind, index: u32) -> Self {
        DeviceId { kind, index: Some(index), software: false }
    }

    /// Whether the device with id `entry_id` (of kind `kind`) is the one named here.
    pub fn matches(&self, kind: DeviceKind, entry_id: &str) -> bool {
        self.kind == kind && ((self.index.is_none() && !self.software) || entry_id == self.to_string())
    }
}

impl fmt::Display for DeviceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.software, self.index) {
            (true, _) if self.kind == DeviceKind::Fpga => write!(f, "fpga:sim"),
            (true, _) => write!(f, "{}:cpu", self.kind),
            (false, Some(index)) => write!(f, "{}:{index}", self.kind),
            (false, None) => write!(f, "{}", self.kind),
        }
    }
}

impl FromStr for DeviceId {
    type Err = RegistryError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let given = s.trim().to_ascii_lowercase();
        let unknown =
            || RegistryError::UnknownDevice { given: s.trim().to_string(), valid: DeviceSelection::valid_forms() };
        if given == "webgpu:cpu" {
            return Ok(DeviceId { kind: DeviceKind::WebGpu, index: None, software: true });
        }
        if given == "fpga:sim" {
            return Ok(DeviceId { kind: DeviceKind::Fpga, index: None, software: true });
        }
        if given == "fpga:xrt" {
            return Ok(DeviceId::all_of(DeviceKind::Fpga));
        }
        let (name, index) = match given.split_once(':') {
            Some((name, index)) => (name, Some(index.parse::<u32>().map_err(|_| unknown())?)),
            None => (given.as_str(), None),
        };
        let kind = KINDS.iter().find(|(_, n)| *n == name).map(|(k, _)| *k).ok_or_else(unknown)?;
        if kind == DeviceKind::Cpu && index.is_some() {
            return Err(unknown());
        }
        Ok(DeviceId { kind, index, software: false })
    }
}

/// The devices a command uses. Parses from a comma-separated list such as `cpu,cuda:0`;
/// `all` (the default) selects every device found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum DeviceSelection {
    /// Every device found.
    #[default]
    All,
    /// Only these devices.
    Only(Vec<DeviceId>),
}

impl DeviceSelection {
    /// The accepted forms, for error messages and help text.
    pub fn valid_forms() -> Vec<String> {
        ["all", "cpu", "cuda[:N]", "webgpu[:N]", "webgpu:cpu", "fpga[:N]", "fpga:xrt", "fpga:sim"]
            .map(String::from)
            .to_vec()
    }

    /// Whether any device of `kind` is selected.
    pub fn selects_kind(&self, kind: DeviceKind) -> bool {
        match self {
            DeviceSelection::All => true,
            DeviceSelection::Only(ids) => ids.iter().any(|id| id.kind == kind),
        }
    }

    /// Whether a software device of `kind` is named (`webgpu:cpu`, `fpga:sim`).
    pub fn asks_software(&self, kind: DeviceKind) -> bool {
        match self {
            DeviceSelection::All => false,
            DeviceSelection::Only(ids) => ids.iter().any(|id| id.kind == kind && id.software),
        }
    }

    /// Whether hardware devices of `kind` are wanted (everything, or an id that is not a
    /// software adapter).
    pub fn asks_hardware(&self, kind: DeviceKind) -> bool {
        match self {
            DeviceSelection::All => true,
            DeviceSelection::Only(ids) => ids.iter().any(|id| id.kind == kind && !id.software),
        }
    }

    /// Whether the device `entry_id` of `kind` is selected.
    pub fn selects(&self, kind: DeviceKind, entry_id: &str) -> bool {
        match self {
            DeviceSelection::All => true,
            DeviceSelection::Only(ids) => ids.iter().any(|id| id.matches(kind, entry_id)),
        }
    }

    /// The registry entries for one probed kind: the selected devices found, plus an absent
    /// entry for every device explicitly asked for but not found (or one for the whole kind).
    pub(super) fn entries_for(&self, kind: DeviceKind, outcome: ProbeOutcome) -> Vec<DeviceEntry> {
        let absent = |id: String, reason: String| DeviceEntry { id, kind, status: DeviceStatus::Absent { reason } };
        let requested: Vec<DeviceId> = match self {
            DeviceSelection::All => vec![DeviceId::all_of(kind)],
            DeviceSelection::Only(ids) => ids.iter().filter(|id| id.kind == kind).copied().collect(),
        };
        match outcome {
            Err(reason) => {
                let mut ids: Vec<String> = requested.iter().map(|id| id.to_string()).collect();
                ids.dedup();
                ids.into_iter().map(|id| absent(id, reason.clone())).collect()
            }
            Ok(backends) => {
                let found: Vec<String> = backends.iter().map(|b| b.info().id.clone()).collect();
                let mut entries: Vec<DeviceEntry> = backends
                    .into_iter()
                    .filter(|b| self.selects(kind, &b.info().id))
                    .map(|b| DeviceEntry { id: b.info().id.clone(), kind, status: DeviceStatus::Available(b) })
                    .collect();
                for id in requested.iter().filter(|id| id.index.is_some() || id.software) {
                    let name = id.to_string();
                    if !found.contains(&name) {
                        let reason = format!("no such device; found: {}", found.join(", "));
                        entries.push(absent(name, reason));
                    }
                }
                if entries.is_empty() {
                    entries.push(absent(kind.to_string(), "no device of this kind was found".to_string()));
                }
                entries
            }
        }
    }
}

impl FromStr for DeviceSelection {
    type Err = RegistryError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let parts: Vec<&str> = s.split(',').map(str::trim).filter(|p| !p.is_empty()).collect();
        if parts.is_empty() {
            return Err(RegistryError::EmptySelection);
        }
        if parts.iter().any(|p| p.eq_ignore_ascii_case("all")) {
            return Ok(DeviceSelection::All);
        }
        let mut ids = Vec::new();
        for part in parts {
            let id: DeviceId = part.parse()?;
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        Ok(DeviceSelection::Only(ids))
    }
}

impl fmt::Display for DeviceSelection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeviceSelection::All => f.write_str("all"),
            DeviceSelection::Only(ids) => {
                let names: Vec<String> = ids.iter().map(DeviceId::to_string).collect();
                f.write_str(&names.join(","))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_lists_and_all() {
        assert_eq!("all".parse::<DeviceSelection>().unwrap(), DeviceSelection::All);
        assert_eq!("cpu, ALL".parse::<DeviceSelection>().unwrap(), DeviceSelection::All);
        let sel: DeviceSelection = "cpu,cuda:0, webgpu ,cpu".parse().unwrap();
        assert_eq!(
            sel,
            DeviceSelection::Only(vec![
                DeviceId::all_of(DeviceKind::Cpu),
                DeviceId::indexed(DeviceKind::Cuda, 0),
                DeviceId::all_of(DeviceKind::WebGpu),
            ])
        );
        assert_eq!(sel.to_string(), "cpu,cuda:0,webgpu");
        assert!(sel.selects_kind(DeviceKind::Cuda) && !sel.selects_kind(DeviceKind::Fpga));
        assert!(sel.selects(DeviceKind::Cuda, "cuda:0") && !sel.selects(DeviceKind::Cuda, "cuda:1"));
        assert!(sel.selects(DeviceKind::WebGpu, "webgpu:3"));
    }

    #[test]
    fn webgpu_cpu_names_only_the_software_adapter() {
        let sel: DeviceSelection = "webgpu:cpu".parse().unwrap();
        assert_eq!(sel.to_string(), "webgpu:cpu");
        assert!(sel.asks_software(DeviceKind::WebGpu) && !sel.asks_hardware(DeviceKind::WebGpu));
        assert!(sel.selects(DeviceKind::WebGpu, "webgpu:cpu") && !sel.selects(DeviceKind::WebGpu, "webgpu:0"));
        let all = DeviceSelection::All;
        assert!(!all.asks_software(DeviceKind::WebGpu) && all.asks_hardware(DeviceKind::WebGpu));
        assert!("cuda:cpu".parse::<DeviceSelection>().is_err());
    }

    #[test]
    fn fpga_sim_names_only_the_simulator_and_fpga_xrt_the_cards() {
        let sel: DeviceSelection = "fpga:sim".parse().unwrap();
        assert_eq!(sel.to_string(), "fpga:sim");
        assert!(sel.asks_software(DeviceKind::Fpga) && !sel.asks_hardware(DeviceKind::Fpga));
        assert!(sel.selects(DeviceKind::Fpga, "fpga:sim") && !sel.selects(DeviceKind::Fpga, "fpga:xrt"));
        let xrt: DeviceSelection = "fpga:xrt".parse().unwrap();
        assert!(xrt.asks_hardware(DeviceKind::Fpga) && !xrt.asks_software(DeviceKind::Fpga));
        assert!(!DeviceSelection::All.asks_software(DeviceKind::Fpga));
    }

    #[test]
    fn unknown_ids_name_the_valid_ones() {
        for bad in ["tpu", "cuda:x", "cpu:1", "cuda:", "gpu:0"] {
            let err = bad.parse::<DeviceSelection>().unwrap_err();
            let msg = err.to_string();
            assert!(matches!(err, RegistryError::UnknownDevice { .. }), "{bad}: {err:?}");
            assert!(msg.contains(bad.trim()) && msg.contains("cpu") && msg.contains("cuda[:N]"), "{msg}");
        }
        assert_eq!(" , ".parse::<DeviceSelection>().unwrap_err(), RegistryError::EmptySelection);
    }
}
