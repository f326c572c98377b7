//! `zkaccel devices`: what the registry found, as a listing or JSON.

use clap::Args;
use serde::Serialize;
use zkaccel::registry::{DeviceEntry, DeviceSelection, DeviceStatus, Registry};
use zkaccel_backends::Op;

/// Arguments of `zkaccel devices`.
#[derive(Debug, Args)]
pub struct DevicesArgs {
    /// Devices to probe: `all`, or a comma list such as `cpu,cuda:0`.
    #[arg(long, env = "ZKACCEL_DEVICES", default_value = "all")]
    pub devices: DeviceSelection,

    /// Print JSON instead of a listing.
    #[arg(long)]
    pub json: bool,
}

/// What `devices --json` prints.
#[derive(Debug, Serialize)]
struct DevicesJson {
    devices: Vec<DeviceJson>,
}

/// One device as `devices --json` prints it.
#[derive(Debug, Serialize)]
struct DeviceJson {
    id: String,
    kind: String,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    memory_bytes: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    compute_units: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ops: Option<Vec<OpJson>>,
}

/// One supported operation and its largest size.
#[derive(Debug, Serialize)]
struct OpJson {
    op: &'static str,
    max_size: usize,
}

fn to_json(entry: &DeviceEntry) -> DeviceJson {
    let mut json = DeviceJson {
        id: entry.id.clone(),
        kind: entry.kind.to_string(),
        status: "absent",
        reason: None,
        name: None,
        memory_bytes: None,
        compute_units: None,
        ops: None,
    };
    match &entry.status {
        DeviceStatus::Available(backend) => {
            let info = backend.info();
            json.status = "available";
            json.name = Some(info.name.clone());
            json.memory_bytes = Some(info.memory_bytes);
            json.compute_units = Some(info.compute_units);
            json.ops = Some(
                Op::ALL
                    .iter()
                    .filter_map(|&op| info.limit(op).map(|max_size| OpJson { op: op.name(), max_size }))
                    .collect(),
            );
        }
        DeviceStatus::Absent { reason } => json.reason = Some(reason.clone()),
    }
    json
}

/// A size as 2^k (or 2^k−1) when it is one, else the number.
fn size(n: usize) -> String {
    if n.is_power_of_two() {
        format!("2^{}", n.trailing_zeros())
    } else if n.wrapping_add(1).is_power_of_two() && n > 1 {
        format!("2^{}−1", n.trailing_ones())
    } else {
        n.to_string()
    }
}

fn gib(bytes: u64) -> String {
    format!("{:.1} GiB", bytes as f64 / (1u64 << 30) as f64)
}

fn listing(entries: &[DeviceEntry]) -> String {
    let mut out = String::new();
    let width = entries.iter().map(|e| e.id.len()).max().unwrap_or(0).max(8);
    let indent = " ".repeat(width + 1);
    for entry in entries {
        match &entry.status {
            DeviceStatus::Available(backend) => {
                let info = backend.info();
                out.push_str(&format!("{:<width$} available  {} ({})\n", entry.id, info.name, entry.kind));
                out.push_str(&format!(
                    "{indent}memory {}, {} compute units\n",
                    gib(info.memory_bytes),
                    info.compute_units
                ));
                let ops: Vec<String> = Op::ALL
                    .iter()
                    .map(|&op| match info.limit(op) {
                        Some(max) => format!("{} ≤ {}", op.name(), size(max)),
                        None => format!("{} unsupported", op.name()),
                    })
                    .collect();
                out.push_str(&format!("{indent}ops: {}\n", ops.join(", ")));
            }
            DeviceStatus::Absent { reason } => out.push_str(&format!("{:<width$} absent     {reason}\n", entry.id)),
        }
    }
    out
}

/// Prints the registry.
pub fn run(args: &DevicesArgs) -> anyhow::Result<()> {
    let registry = Registry::detect(&args.devices)?;
    if args.json {
        let devices: Vec<DeviceJson> = registry.entries().iter().map(to_json).collect();
        println!("{}", serde_json::to_string_pretty(&DevicesJson { devices })?);
    } else {
        print!("{}", listing(registry.entries()));
    }
    Ok(())
}
