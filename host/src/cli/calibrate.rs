//! `zkaccel calibrate`: measure each device's throughput per op and size for the scheduler,
//! and cache it on disk (keyed by device identity and zkaccel version).

use std::path::PathBuf;

use clap::Args;
use zkaccel::registry::{DeviceSelection, Registry};
use zkaccel::scheduler::calibration;
use zkaccel::scheduler::{CalibrationSource, SchedulerConfig};

use super::progress::Bar;

/// Arguments of `zkaccel calibrate`.
#[derive(Debug, Args)]
pub struct CalibrateArgs {
    /// Devices to calibrate: `all`, or a comma list such as `cpu,cuda:0`.
    #[arg(long, env = "ZKACCEL_DEVICES", default_value = "all")]
    pub devices: DeviceSelection,

    /// The cache file to write (default: the config file's `calibration_file`, else
    /// `$ZKACCEL_CALIBRATION`, else the user cache directory).
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Also print the measurements as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

/// Calibrates the selected devices and writes the cache.
pub fn run(args: &CalibrateArgs) -> anyhow::Result<()> {
    let registry = Registry::detect(&args.devices)?;
    let backends = registry.backends();
    anyhow::ensure!(!backends.is_empty(), "no available device to calibrate");
    let path = match &args.output {
        Some(path) => path.clone(),
        None => match SchedulerConfig::load()?.calibration {
            CalibrationSource::File(path) => path,
            _ => calibration::default_path().ok_or_else(|| {
                anyhow::anyhow!("no cache directory (set HOME, XDG_CACHE_HOME or ZKACCEL_CALIBRATION)")
            })?,
        },
    };
    let progress = Bar::new();
    let measured = calibration::calibrate(&backends, &progress);
    progress.finish();
    measured.save(&path).map_err(|e| anyhow::anyhow!(e))?;
    for device in measured.devices.values() {
        let ops: Vec<String> = device
            .ops
            .iter()
            .map(|(op, model)| {
                let (n, secs) = *model.points().last().expect("a measured point");
                format!("{op} {:.3} M/s at 2^{}", n as f64 / secs / 1e6, n.trailing_zeros())
            })
            .collect();
        eprintln!("{}: {}", device.id, ops.join(", "));
    }
    eprintln!("calibration written to {}", path.display());
    if args.json {
        println!("{}", serde_json::to_string_pretty(&measured)?);
    }
    Ok(())
}
