//! [`FpgaBackend`]: the accelerator front over one kernel's engines.

use std::sync::Arc;

use zkaccel_backends::accelerator::{g1_capabilities, AcceleratorFront};
use zkaccel_backends::{DeviceInfo, DeviceKind, Op, OpLimit, Result};

use crate::device::{Caps, Device};
use crate::engines::FpgaEngines;
use crate::regs;
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

/// The operations a kernel build offers: only those of the engines it carries, so the scheduler
/// never sends it the others (and a direct call answers `Unsupported`).
pub fn capabilities(caps: &Caps) -> Vec<OpLimit> {
    let carries = |op: Op| match op {
        Op::MsmG1 | Op::ResidentBases => caps.has(regs::ENGINE_MSM),
        Op::Ntt => caps.has(regs::ENGINE_NTT),
        Op::Poseidon | Op::MerkleTree => caps.has(regs::ENGINE_POSEIDON),
        _ => false,
    };
    g1_capabilities(MAX_MSM_LEN, caps.ntt_logmax, MAX_HASHES).into_iter().filter(|limit| carries(limit.op)).collect()
}

impl FpgaBackend {
    /// A backend named `id` over the kernel behind `transport`.
    pub fn new(id: impl Into<String>, transport: Box<dyn Transport>) -> Result<Self> {
        let device = Arc::new(Device::open(transport)?);
        let caps = device.caps();
        let info = DeviceInfo {
            id: id.into(),
            kind: DeviceKind::Fpga,
            name: format!(
                "zkaccel FPGA kernel v{} ({}; {}; MSM windows up to {} bits, NTT up to 2^{} on chip)",
                caps.version,
                device.describe(),
                caps.engine_names(),
                caps.cmax,
                caps.ntt_logmax
            ),
            memory_bytes: device.memory_bytes(),
            compute_units: 1,
            capabilities: capabilities(&caps),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn caps(engines: u32) -> Caps {
        Caps::from_register(regs::VERSION | (16 << 8) | (16 << 16) | (engines << 24))
    }

    fn ops(caps: &Caps) -> Vec<Op> {
        capabilities(caps).iter().map(|limit| limit.op).collect()
    }

    #[test]
    fn caps_register_decodes_every_field() {
        let c = Caps::from_register(0x0510_0c02);
        assert_eq!(c, Caps { version: 2, cmax: 12, ntt_logmax: 16, engines: 5 });
        assert!(c.has(regs::ENGINE_MSM) && !c.has(regs::ENGINE_NTT) && c.has(regs::ENGINE_POSEIDON));
        assert_eq!(c.engine_names(), "MSM, Poseidon");
        assert_eq!(c.unsupported(), None);
    }

    #[test]
    fn a_build_offers_only_the_operations_of_its_engines() {
        assert_eq!(ops(&caps(7)), vec![Op::MsmG1, Op::Ntt, Op::Poseidon, Op::MerkleTree, Op::ResidentBases]);
        assert_eq!(ops(&caps(regs::ENGINE_MSM)), vec![Op::MsmG1, Op::ResidentBases]);
        assert_eq!(ops(&caps(regs::ENGINE_NTT)), vec![Op::Ntt]);
        assert_eq!(ops(&caps(regs::ENGINE_POSEIDON)), vec![Op::Poseidon, Op::MerkleTree]);
        assert_eq!(ops(&caps(regs::ENGINE_MSM | regs::ENGINE_NTT)), vec![Op::MsmG1, Op::Ntt, Op::ResidentBases]);
    }

    #[test]
    fn kernels_the_host_cannot_drive_are_refused_with_the_reason() {
        let old = Caps::from_register(1 | (16 << 8) | (16 << 16) | (7 << 24));
        assert!(old.unsupported().is_some_and(|why| why.contains("version 1")), "{:?}", old.unsupported());
        assert!(caps(0).unsupported().is_some_and(|why| why.contains("no engine")));
        let tiny = Caps::from_register(regs::VERSION | (1 << 8) | (16 << 16) | (regs::ENGINE_MSM << 24));
        assert!(tiny.unsupported().is_some_and(|why| why.contains("MSM windows")));
        // A build without the NTT core may report any NTT size.
        let msm_only = Caps::from_register(regs::VERSION | (16 << 8) | (regs::ENGINE_MSM << 24));
        assert_eq!(msm_only.unsupported(), None);
        assert_eq!(regs::err_meaning(regs::ERR_ENGINE), "engine not in this build");
    }
}
