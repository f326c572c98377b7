//! Starting the simulation models in tests: where Verilator is missing, outside CI the caller
//! skips with the returned reason; in CI (`CI` set and not `false`/`0`) that is a failure, since
//! `scripts/test.sh` installs Verilator and a test that passes without its model proves nothing.
//! A model that fails to build or load always fails the test.

use crate::sim::kernel::KernelSim;
use crate::sim::units::UnitSim;
use crate::sim::SimError;

/// Whether this process runs under CI (`CI` set to anything but empty, `0` or `false`).
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && !v.eq_ignore_ascii_case("false"))
}

fn decide<T>(result: Result<T, SimError>) -> Result<T, String> {
    match result {
        Ok(model) => Ok(model),
        Err(SimError::Unavailable(reason)) if !in_ci() => Err(reason),
        Err(SimError::Unavailable(reason)) => panic!("CI must run the FPGA simulation tests but {reason}"),
        Err(e) => panic!("the FPGA simulation model failed: {e}"),
    }
}

/// The unit-testbench model, or the reason to skip.
pub fn unit_sim() -> Result<UnitSim, String> {
    decide(UnitSim::new())
}

/// A simulated card, or the reason to skip.
pub fn kernel_sim() -> Result<KernelSim, String> {
    decide(KernelSim::new())
}

/// A simulated card whose kernel has the Poseidon core alone, or the reason to skip.
pub fn kernel_sim_poseidon_only() -> Result<KernelSim, String> {
    decide(KernelSim::poseidon_only())
}

/// Prints the `SKIPPED <name>: <reason>` line `scripts/test.sh` counts.
pub fn report_skip(name: &str, reason: &str) {
    use std::io::Write;
    let line = format!("\nSKIPPED {name}: {reason}\n");
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}
