//! The scheduler's overhead on a CPU-only MSM: the same CPU backend called directly and
//! through a `Scheduler` over it, interleaved (ABBA) in one process, medians compared.
//!
//! ```text
//! cargo run --release -p zkaccel --example scheduler_overhead -- [log_n=16] [rounds=31]
//! ```

use std::sync::Arc;
use std::time::Instant;

use zkaccel::bench::workload;
use zkaccel::registry::{probe, DeviceSelection};
use zkaccel::scheduler::{CalibrationSource, Scheduler, SchedulerConfig};
use zkaccel_backends::Backend;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let log_n: u32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(16);
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(31);
    let cpu: Arc<dyn Backend> = probe::cpu(&DeviceSelection::All).expect("the CPU backend").remove(0);
    let config = SchedulerConfig { calibration: CalibrationSource::Cache, ..SchedulerConfig::default() };
    let scheduler = Scheduler::new(vec![cpu.clone()], config).expect("a scheduler");
    let n = 1usize << log_n;
    let bases = workload::g1_points(n, 1);
    let scalars = workload::scalars(n, 1);
    let time = |b: &dyn Backend| {
        let start = Instant::now();
        let out = b.msm_g1(&bases, &scalars).expect("msm");
        (start.elapsed().as_secs_f64(), out)
    };
    let (_, want) = time(cpu.as_ref());
    let (_, got) = time(&scheduler);
    assert_eq!(got, want, "the scheduler's MSM equals the backend's");
    let (mut direct, mut pooled) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        // ABBA: each order half the time, so drift and cache effects cancel.
        if round % 2 == 0 {
            direct.push(time(cpu.as_ref()).0);
            pooled.push(time(&scheduler).0);
        } else {
            pooled.push(time(&scheduler).0);
            direct.push(time(cpu.as_ref()).0);
        }
    }
    // The fixed cost per call, without the MSM's noise: a one-point MSM.
    let (one_b, one_s) = (&bases[..1], &scalars[..1]);
    let tiny = |b: &dyn Backend| {
        let start = Instant::now();
        for _ in 0..2000 {
            let _ = b.msm_g1(one_b, one_s).expect("msm");
        }
        start.elapsed().as_secs_f64() / 2000.0
    };
    let (tiny_direct, tiny_pooled) = (tiny(cpu.as_ref()), tiny(&scheduler));
    let (d, p) = (median(direct), median(pooled));
    println!("MSM G1 2^{log_n} on {} ({} rounds, ABBA)", cpu.info().name, rounds);
    println!("  CpuBackend directly : median {:.3} ms", d * 1e3);
    println!("  through Scheduler   : median {:.3} ms", p * 1e3);
    println!("  overhead            : {:+.2} %", (p / d - 1.0) * 100.0);
    println!(
        "  fixed cost per call : {:.1} µs directly, {:.1} µs through the scheduler (1-point MSM)",
        tiny_direct * 1e6,
        tiny_pooled * 1e6
    );
    for note in scheduler.notes() {
        println!("  note: {note}");
    }
}
