//! Finding FPGA devices for the host's registry: the simulated card `fpga:sim` (only when
//! asked for: it is far slower than the CPU) and XRT cards `fpga:xrt`.

use crate::backend::FpgaBackend;
use crate::sim::kernel::KernelSim;
use crate::xrt::XrtCard;

/// The simulated card, or why it cannot run (Verilator missing, model failed to build).
pub fn sim() -> Result<FpgaBackend, String> {
    let sim = KernelSim::new().map_err(|e| format!("fpga:sim: {e}"))?;
    FpgaBackend::new("fpga:sim", Box::new(sim)).map_err(|e| format!("fpga:sim: {e}"))
}

/// The XRT card, or why there is none (no libxrt, no xclbin, no card).
pub fn xrt() -> Result<FpgaBackend, String> {
    let card = XrtCard::open().map_err(|e| format!("fpga:xrt: {e}"))?;
    FpgaBackend::new("fpga:xrt", Box::new(card)).map_err(|e| format!("fpga:xrt: {e}"))
}
