//! `zkaccel bench --scheduler`: every case through the scheduler over the selected devices and
//! on each device alone, all verified, then each device's share of the scheduler's runs.

use std::sync::Arc;

use anyhow::Context;
use zkaccel::bench::machine::Machine;
use zkaccel::bench::report::{Report, ReportConfig, ReportDevice, SCHEMA_VERSION};
use zkaccel::bench::{runner, table, BenchConfig, BenchOp};
use zkaccel::registry::{DeviceSelection, Registry};
use zkaccel::scheduler::{DeviceStats, Scheduler, SchedulerConfig};
use zkaccel_backends::Backend;

use super::bench::BenchArgs;
use super::progress::Bar;

/// The scheduler's counters over one case (warm-up and timed runs).
struct CaseShares {
    op: BenchOp,
    log_n: u32,
    devices: Vec<DeviceStats>,
}

/// `after − before`, device by device.
fn delta(before: &[DeviceStats], after: Vec<DeviceStats>) -> Vec<DeviceStats> {
    after
        .into_iter()
        .zip(before)
        .map(|(mut a, b)| {
            a.busy_seconds -= b.busy_seconds;
            a.bytes_moved -= b.bytes_moved;
            a.ops -= b.ops;
            a.elements -= b.elements;
            a.shares -= b.shares;
            a.readmissions -= b.readmissions;
            for (kind, n) in a.failures.iter_mut() {
                *n -= b.failures.get(kind).copied().unwrap_or(0);
            }
            a.failures.retain(|_, n| *n > 0);
            a
        })
        .collect()
}

fn bytes(n: u64) -> String {
    match n {
        n if n >= 1 << 30 => format!("{:.2} GiB", n as f64 / (1u64 << 30) as f64),
        n if n >= 1 << 20 => format!("{:.1} MiB", n as f64 / (1u64 << 20) as f64),
        n => format!("{:.1} KiB", n as f64 / 1024.0),
    }
}

/// The per-case share table.
fn shares_table(cases: &[CaseShares]) -> String {
    let mut out = String::from("\nscheduler shares (warm-up and timed runs of each case):\n");
    out.push_str(&format!(
        "{:<14} {:<12} {:<8} {:>7} {:>10} {:>6} {:>11} {:<10} {}\n",
        "case", "device", "role", "share", "busy s", "calls", "moved", "health", "failures"
    ));
    for case in cases {
        let total: u64 = case.devices.iter().map(|d| d.elements).sum();
        for d in &case.devices {
            let share = if total == 0 { 0.0 } else { 100.0 * d.elements as f64 / total as f64 };
            let failures: Vec<String> = d.failures.iter().map(|(k, n)| format!("{k}×{n}")).collect();
            out.push_str(&format!(
                "{:<14} {:<12} {:<8} {:>6.1}% {:>10.4} {:>6} {:>11} {:<10} {}\n",
                format!("{} 2^{}", case.op, case.log_n),
                d.id,
                d.role,
                share,
                d.busy_seconds,
                d.ops,
                bytes(d.bytes_moved),
                d.health.state,
                if failures.is_empty() { "-".to_string() } else { failures.join(", ") }
            ));
        }
    }
    out
}

/// Runs the scheduler benchmark.
pub fn run(args: &BenchArgs) -> anyhow::Result<()> {
    let config = args.config();
    config.validate()?;
    let devices = super::bench::backends(&args.backend)?;
    let registry = Registry::detect(&args.backend)?;
    let mut scheduler_config = SchedulerConfig::load()?;
    if args.backend != DeviceSelection::All {
        scheduler_config.devices = Some(args.backend.clone());
    }
    let scheduler = Arc::new(Scheduler::from_registry(&registry, scheduler_config)?);
    for note in scheduler.notes() {
        eprintln!("note: {note}");
    }
    let mut list: Vec<&dyn Backend> = vec![scheduler.as_ref()];
    list.extend(devices.iter().map(|b| b.as_ref()));
    let mut results = Vec::new();
    let mut skipped = Vec::new();
    let mut shares = Vec::new();
    for (op, log_n) in config.cases() {
        let case = BenchConfig { ops: vec![op], log_n: vec![log_n], ..config.clone() };
        let before = scheduler.stats();
        let outcome = runner::run(&case, &list, &Bar::new())?;
        shares.push(CaseShares { op, log_n, devices: delta(&before, scheduler.stats()) });
        results.extend(outcome.results);
        skipped.extend(outcome.skipped);
    }
    let report = Report {
        schema_version: SCHEMA_VERSION,
        machine: Machine::detect(),
        config: ReportConfig {
            bench: config,
            backends: list.iter().map(|b| b.info().id.clone()).collect(),
            devices: list.iter().map(|b| ReportDevice::of(*b)).collect(),
        },
        results,
        skipped,
    };
    let text = format!(
        "{}{}{}",
        table::devices(&report.config.devices),
        table::render(&report.results, &report.skipped),
        shares_table(&shares)
    );
    match &args.json {
        Some(path) if path.as_os_str() == "-" => println!("{}", report.to_json()),
        Some(path) => {
            std::fs::write(path, report.to_json()).with_context(|| format!("writing {}", path.display()))?;
            print!("{text}");
        }
        None => print!("{text}"),
    }
    Ok(())
}
