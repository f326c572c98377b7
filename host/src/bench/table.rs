//! The human-readable table of a run (what `zkaccel bench` prints on stdout).

use super::report::{BenchResult, ReportDevice, Skipped};

/// Column headers.
const HEADERS: [&str; 11] = [
    "op",
    "size",
    "backend",
    "median",
    "spread (min–max)",
    "IQR, outliers",
    "throughput",
    "baseline",
    "speed-up",
    "peak mem / input",
    "verified",
];

/// A duration in nanoseconds with a readable unit: "850 ns", "12.3 µs", "4.56 ms", "2.93 s".
pub fn duration(ns: u64) -> String {
    let ns_f = ns as f64;
    match ns {
        0..=999 => format!("{ns} ns"),
        1_000..=999_999 => format!("{:.3} µs", ns_f / 1e3),
        1_000_000..=999_999_999 => format!("{:.3} ms", ns_f / 1e6),
        _ => format!("{:.3} s", ns_f / 1e9),
    }
}

/// A rate with an SI prefix: "1.23 M points/s".
pub fn rate(per_second: f64, unit: &str) -> String {
    let (value, prefix) = match per_second {
        r if r >= 1e9 => (r / 1e9, "G "),
        r if r >= 1e6 => (r / 1e6, "M "),
        r if r >= 1e3 => (r / 1e3, "k "),
        r => (r, ""),
    };
    format!("{value:.2} {prefix}{unit}")
}

/// Peak extra memory as MiB and as a multiple of the input size: "38.2 MiB (0.37×)".
pub fn memory(peak_bytes: Option<u64>, input_bytes: u64) -> String {
    match peak_bytes {
        None => "–".to_string(),
        Some(peak) if input_bytes == 0 => format!("{:.1} MiB", peak as f64 / (1u64 << 20) as f64),
        Some(peak) => {
            format!("{:.1} MiB ({:.2}×)", peak as f64 / (1u64 << 20) as f64, peak as f64 / input_bytes as f64)
        }
    }
}

/// The interquartile range relative to the median and the outlier count: "±1.2 %, 1 outlier".
pub fn iqr_and_outliers(result: &BenchResult) -> String {
    let iqr = format!("±{:.1} %", 50.0 * result.summary.relative_spread());
    match result.outliers.len() {
        0 => iqr,
        1 => format!("{iqr}, 1 outlier"),
        n => format!("{iqr}, {n} outliers"),
    }
}

fn row(result: &BenchResult) -> [String; 11] {
    let s = &result.summary;
    [
        result.op.to_string(),
        match &result.circuit {
            Some(c) => format!("{c} 2^{}", result.log_n),
            None => format!("2^{}", result.log_n),
        },
        result.backend.clone(),
        duration(s.median_ns),
        format!("{} – {}", duration(s.min_ns), duration(s.max_ns)),
        iqr_and_outliers(result),
        rate(result.throughput, &result.unit),
        result.baseline.as_ref().map_or_else(|| "–".to_string(), |b| duration(b.summary.median_ns)),
        result.speedup.map_or_else(|| "–".to_string(), |x| format!("{x:.2}×")),
        memory(result.peak_memory_bytes, result.input_bytes),
        result.verified.clone(),
    ]
}

/// One line per benchmarked device naming it, then a blank line ("" without devices).
pub fn devices(devices: &[ReportDevice]) -> String {
    if devices.is_empty() {
        return String::new();
    }
    let width = devices.iter().map(|d| d.id.chars().count()).max().unwrap_or(0);
    let mut out: String = devices.iter().map(|d| format!("{:<width$}  {}\n", d.id, d.name)).collect();
    out.push('\n');
    out
}

/// The results as an aligned text table, one row per result, then one line per skipped case.
pub fn render(results: &[BenchResult], skipped: &[Skipped]) -> String {
    let rows: Vec<[String; 11]> = results.iter().map(row).collect();
    let mut widths = HEADERS.map(|h| h.chars().count());
    for r in &rows {
        for (w, cell) in widths.iter_mut().zip(r) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &[String]| {
        let padded: Vec<String> = cells
            .iter()
            .zip(widths)
            .enumerate()
            .map(|(i, (c, w))| {
                let pad = " ".repeat(w - c.chars().count());
                // Text columns left-aligned, numbers right-aligned.
                if i < 3 || i == 10 {
                    format!("{c}{pad}")
                } else {
                    format!("{pad}{c}")
                }
            })
            .collect();
        padded.join("  ").trim_end().to_string()
    };
    let mut out = String::new();
    out.push_str(&line(&HEADERS.map(String::from)));
    out.push('\n');
    let total: usize = widths.iter().sum::<usize>() + 2 * (widths.len() - 1);
    out.push_str(&"-".repeat(total));
    out.push('\n');
    for r in &rows {
        out.push_str(&line(r));
        out.push('\n');
    }
    for s in skipped {
        out.push_str(&format!("skipped: {} 2^{} on {}: {}\n", s.op, s.log_n, s.backend, s.reason));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units() {
        assert_eq!(duration(850), "850 ns");
        assert_eq!(duration(12_300), "12.300 µs");
        assert_eq!(duration(4_560_000), "4.560 ms");
        assert_eq!(duration(2_930_000_000), "2.930 s");
        assert_eq!(rate(1_234_567.0, "points/s"), "1.23 M points/s");
        assert_eq!(rate(85_000.0, "hashes/s"), "85.00 k hashes/s");
        assert_eq!(rate(12.0, "elements/s"), "12.00 elements/s");
        assert_eq!(memory(Some(3 << 20), 6 << 20), "3.0 MiB (0.50×)");
        assert_eq!(memory(None, 6 << 20), "–");
    }
}
