//! Records as CSV: one row per (machine, backend, case), for spreadsheets and R/pandas.
//!
//! Columns: [`HEADER`]. Times are nanoseconds; `throughput` is per second in `unit`. Fields
//! with a comma, quote or newline are quoted (RFC 4180).

use std::fmt::Write;

use super::report::Report;

/// The header row.
pub const HEADER: &str = "machine,gpu,zkaccel_version,git_commit,suite,backend,op,circuit,log_n,samples,median_ns,q1_ns,q3_ns,min_ns,max_ns,outliers,throughput,unit,speedup_vs_baseline,verified";

fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The rows of `reports` under one header.
pub fn render(reports: &[&Report]) -> String {
    let mut out = String::from(HEADER);
    out.push('\n');
    for report in reports {
        let m = &report.machine;
        let gpu = m.nvidia.gpus.first().map(|g| g.name.clone()).unwrap_or_default();
        let suite = report.config.bench.suite.map(|s| s.to_string()).unwrap_or_default();
        for r in &report.results {
            let s = &r.summary;
            let cells = [
                field(&m.cpu_model),
                field(&gpu),
                field(&m.zkaccel_version),
                field(m.git_commit.as_deref().unwrap_or("")),
                suite.clone(),
                field(&r.backend),
                r.op.to_string(),
                field(r.circuit.as_deref().unwrap_or("")),
                r.log_n.to_string(),
                r.samples_ns.len().to_string(),
                s.median_ns.to_string(),
                s.q1_ns.to_string(),
                s.q3_ns.to_string(),
                s.min_ns.to_string(),
                s.max_ns.to_string(),
                r.outliers.len().to_string(),
                format!("{:.6e}", r.throughput),
                field(&r.unit),
                r.speedup.map(|x| format!("{x:.4}")).unwrap_or_default(),
                field(&r.verified),
            ];
            let _ = writeln!(out, "{}", cells.join(","));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::report::tests::sample_report;

    #[test]
    fn one_row_per_result_with_every_column() {
        let mut report = sample_report();
        report.machine.cpu_model = "AMD \"Zen\", 4".into();
        let csv = render(&[&report, &report]);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 1 + 2 * report.results.len());
        assert_eq!(lines[0], HEADER);
        assert!(lines[1].starts_with("\"AMD \"\"Zen\"\", 4\","), "{}", lines[1]);
        assert!(lines[1].contains(",cpu,msm,,12,3,1234567,"), "{}", lines[1]);
        assert!(lines[2].contains(",ntt,multiplier,10,"), "{}", lines[2]);
    }
}
