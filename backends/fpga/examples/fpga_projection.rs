//! Projected card times from simulated cycle counts (not hardware measurements): MSM window
//! cycles measured at c = 16 on 2^10..2^12 random points and fitted to n, NTTs and a Poseidon
//! batch measured directly, all divided by the 250 MHz target clock. Every result is checked.
//!
//! `cargo run --release -p zkaccel-fpga --example fpga_projection`

use zkaccel_fpga::projection::{self, seconds, CLOCK_MHZ};
use zkaccel_fpga::FpgaBackend;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let backend = FpgaBackend::sim()?;
    println!("PROJECTIONS from Verilator cycle counts at {CLOCK_MHZ} MHz (one engine; not measured on a card)\n");
    let c = 16;
    let fit = projection::fit_msm_windows(&backend, &[1 << 10, 1 << 11, 1 << 12], c)?;
    println!(
        "MSM window (c = {c}): {:.1} + {:.4}·n cycles, fitted to {} windows of 2^10..2^12 random points",
        fit.fixed, fit.per_point, fit.samples
    );
    let host = projection::host_reduction_seconds(c);
    for log in [16u32, 18, 20, 22] {
        let n = 1usize << log;
        let cycles = fit.msm_cycles(n);
        println!(
            "  MSM 2^{log}: {:>12.0} cycles -> {:>8.2} ms on the card (bucket accumulation and read-back, {} windows)",
            cycles,
            seconds(cycles) * 1e3,
            zkaccel_fpga::engines::msm::windows(c)
        );
    }
    println!(
        "  host bucket reduction: {:.1} ms per window on this CPU (one thread), {:.0} ms for {} windows if not overlapped",
        host * 1e3,
        host * 1e3 * zkaccel_fpga::engines::msm::windows(c) as f64,
        zkaccel_fpga::engines::msm::windows(c)
    );
    for log in [10u32, 12, 14, 16] {
        let cycles = projection::ntt_cycles(&backend, log)?;
        println!(
            "NTT 2^{log}: {cycles:>9} cycles (measured) -> {:>8.3} ms on the card (load, {log} stages, store)",
            seconds(cycles as f64) * 1e3
        );
    }
    let count = 1 << 10;
    let cycles = projection::poseidon_cycles(&backend, count)?;
    println!(
        "Poseidon t=3, {count} hashes: {cycles} cycles (measured) -> {:.3} ms on the card, {:.2} M hashes/s",
        seconds(cycles as f64) * 1e3,
        count as f64 / seconds(cycles as f64) / 1e6
    );
    Ok(())
}
