//! Registers, spills, stack and shared memory of every CUDA kernel, from ptxas (`-v`) through
//! NVRTC, for an architecture given as `sm_XY` (default sm_90), optionally with the registers
//! capped (`--maxrregcount`) to see what the cap would spill. Needs NVRTC, not a GPU:
//!
//! ```sh
//! cargo run --release -p zkaccel-cuda --example kernel_resources -- sm_90 [MAX_REGISTERS]
//! ```

use std::io::Write;

use zkaccel_cuda::device::Program;
use zkaccel_cuda::driver::nvrtc::{self, Target};
use zkaccel_cuda::driver::ptxas::{occupancy_limit, parse_report};

fn main() {
    let arch = std::env::args().nth(1).unwrap_or_else(|| "sm_90".into());
    let digits = arch.strip_prefix("sm_").filter(|d| d.len() == 2 && d.bytes().all(|b| b.is_ascii_digit()));
    let Some(digits) = digits else {
        eprintln!("error: the architecture must look like sm_90, not {arch}");
        std::process::exit(2);
    };
    let (major, minor) = (u32::from(digits.as_bytes()[0] - b'0'), u32::from(digits.as_bytes()[1] - b'0'));
    let cap = match std::env::args().nth(2).map(|n| n.parse::<u32>()) {
        None => None,
        Some(Ok(n)) if (16..=255).contains(&n) => Some(n),
        Some(_) => {
            eprintln!("error: MAX_REGISTERS must be a number from 16 to 255");
            std::process::exit(2);
        }
    };
    // A closed pipe (`| head`) ends the program quietly.
    let mut out = std::io::stdout().lock();
    match nvrtc::version() {
        Ok((a, b)) => {
            let capped = cap.map_or(String::new(), |n| format!(", at most {n} registers"));
            if writeln!(out, "NVRTC {a}.{b}, {arch}{capped}").is_err() {
                return;
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
    let header = format!(
        "{:<34} {:>5} {:>7} {:>7} {:>6} {:>7} {:>13}",
        "kernel", "regs", "spill-s", "spill-l", "stack", "shared", "threads/SM ≤"
    );
    if writeln!(out, "{header}").is_err() {
        return;
    }
    for program in Program::ALL {
        let report = match nvrtc::ptxas_report(program, Target::Cubin(major, minor), cap) {
            Ok(report) => report,
            Err(e) => {
                eprintln!("error: {}: {e}", program.name());
                std::process::exit(1);
            }
        };
        for k in parse_report(&report) {
            let row = format!(
                "{:<34} {:>5} {:>7} {:>7} {:>6} {:>7} {:>13}",
                k.name,
                k.registers,
                k.spill_store_bytes,
                k.spill_load_bytes,
                k.stack_bytes,
                k.shared_bytes,
                occupancy_limit(k.registers)
            );
            if writeln!(out, "{row}").is_err() {
                return;
            }
        }
    }
}
