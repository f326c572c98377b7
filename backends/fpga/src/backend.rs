//! [`FpgaBackend`]: the accelerator front over one kernel's engines.

use std::sync::Arc;

use zkaccel_backends::accelerator::{g1_capabilities, AcceleratorFront};
use zkaccel_backends::{DeviceInfo, DeviceKind, Result};

use crate::device::Device;
use crate::engines::FpgaEngines;
use crate::transport::Transport;

/// Largest MSM, in points (the digit stream's count register is 32 bits; 1 GiB of points).
pub const MAX_MSM_LEN: usize = 1 << 24;
/// Largest Poseidon batch or Merkle tree, in hashes or leaves.
pub const MAX_HASHES: usize = 1 << 24;

/// The FPGA backend: MSM bucket accumulation, NTT stages and Poseidon t = 3 on the kernel, the
/// rest of each algorithm on the host. G2 MSMs answer `Unsupported` (the host runs them on the
/// CPU).
pub struct FpgaBackend {
    front: AcceleratorFront<FpgaEngines>,
}

zkaccel_backends::delegate_backend!(FpgaBackend, front);

impl FpgaBackend {
    /// A backend named `id` over the kernel behind `transport`.
    pub fn new(id: impl Into<String>, transport: Box<dyn Transport>) -> Result<Self> {
        let device = Arc::new(Device::open(transport)?);
        let caps = device.caps();
        let info = DeviceInfo {
            id: id.into(),
            kind: DeviceKind::Fpga,
            name: format!(
                "zkaccel FPGA kernel v{} ({}; MSM windows up to {} bits, NTT up to 2^{} on chip)",
                caps.version,
                device.describe(),
                caps.cmax,
                caps.ntt_logmax
            ),
            memory_bytes: device.memory_bytes(),
            compute_units: 1,
            capabilities: g1_capabilities(MAX_MSM_LEN, caps.ntt_logmax, MAX_HASHES),
        };
        let g2 = "the FPGA kernel has no G2 arithmetic; run G2 MSMs on the CPU";
        Ok(FpgaBackend { front: AcceleratorFront::new(info, FpgaEngines::new(device), g2) })
    }

    /// The simulated card `fpga:sim` (Verilator model built on first use).
    pub fn sim() -> std::result::Result<Self, crate::sim::SimError> {
        let sim = crate::sim::kernel::KernelSim::new()?;
        FpgaBackend::new("fpga:sim", Box::new(sim)).map_err(|e| crate::sim::SimError::Load(e.to_string()))
    }

    /// The kernel, for its cycle log and capabilities.
    pub fn device(&self) -> &Arc<Device> {
        self.front.engines().device()
    }
}
