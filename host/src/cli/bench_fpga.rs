//! `zkaccel bench --backend fpga:sim`: beside the simulator's own (slow) wall times, the times
//! a card would take, projected from the simulated kernel's cycle counts at the design's clock.
//!
//! Nothing here is a hardware measurement, and every line printed says so. MSM: window cycles
//! measured at c = 16 on 2^10..2^12 random points and fitted to n; NTT: the cycles of the
//! transform itself, measured (on-chip sizes only); Poseidon: cycles per hash measured on a
//! batch of up to 1,024 hashes and scaled. Every simulated result is checked against the CPU.

use zkaccel::bench::{BenchConfig, BenchOp};
use zkaccel_fpga::projection::{self, seconds, CLOCK_MHZ};
use zkaccel_fpga::FpgaBackend;

/// Window width of the projected MSMs (the engine's widest).
const MSM_WINDOW: u32 = 16;
/// Largest NTT the simulated card holds on chip.
const MAX_NTT_LOG: u32 = 16;
/// Hashes simulated for the per-hash cycle count.
const POSEIDON_SAMPLE: usize = 1 << 10;

/// The projection table for the ops and sizes of `config`, or the reason there is none.
pub fn projections(config: &BenchConfig) -> anyhow::Result<String> {
    let backend = FpgaBackend::sim().map_err(|e| anyhow::anyhow!("the FPGA simulator could not start: {e}"))?;
    let mut out = format!(
        "\nPROJECTED card times for fpga:sim: simulated kernel cycles at {CLOCK_MHZ} MHz, one engine — not measured on hardware\n"
    );
    out.push_str(&format!("{:<10} {:>6} {:>14} {:>12}  {}\n", "op", "size", "cycles", "projected", "how"));
    let mut fit = None;
    for &op in &config.ops {
        for log_n in config.sizes(op) {
            let n = 1usize << log_n;
            let (cycles, how) = match op {
                BenchOp::Msm | BenchOp::MsmKey => {
                    if fit.is_none() {
                        fit = Some(projection::fit_msm_windows(&backend, &[1 << 10, 1 << 11, 1 << 12], MSM_WINDOW)?);
                    }
                    let fit = fit.as_ref().expect("set just above");
                    let how = format!(
                        "{:.0} + {:.4}·n cycles per window (c = {MSM_WINDOW}), fitted to 2^10..2^12; host bucket reduction not included",
                        fit.fixed, fit.per_point
                    );
                    (fit.msm_cycles(n), how)
                }
                BenchOp::Ntt if log_n <= MAX_NTT_LOG => {
                    (projection::ntt_cycles(&backend, log_n)? as f64, "measured on the simulator".to_string())
                }
                BenchOp::Ntt => {
                    out.push_str(&format!(
                        "{:<10} {:>6} {:>14} {:>12}  above the on-chip limit of 2^{MAX_NTT_LOG}\n",
                        "ntt",
                        format!("2^{log_n}"),
                        "-",
                        "-"
                    ));
                    continue;
                }
                BenchOp::Poseidon => {
                    let sample = n.min(POSEIDON_SAMPLE);
                    let cycles = projection::poseidon_cycles(&backend, sample)? as f64;
                    let how = if sample == n {
                        "measured on the simulator".to_string()
                    } else {
                        format!("scaled from {sample} simulated hashes")
                    };
                    (cycles * n as f64 / sample as f64, how)
                }
                _ => continue,
            };
            out.push_str(&format!(
                "{:<10} {:>6} {:>14.0} {:>9.3} ms  {how}\n",
                op.to_string(),
                format!("2^{log_n}"),
                cycles,
                seconds(cycles) * 1e3
            ));
        }
    }
    Ok(out)
}
