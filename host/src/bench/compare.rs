//! `zkaccel bench compare`: the same cases across records (machines, backends, releases) as a
//! table of ratios.
//!
//! Every (record, backend) pair is a *series*, labelled `label:backend` (the label is the
//! record's file name without `.json`). Cases are matched by operation, size and circuit.
//! In each row the first series that has the case is the reference; every other series shows
//! its median and `ratio = reference median / its median` (above 1: faster than the reference).
//!
//! **Uncertainty rule.** Each median comes with a band: the interquartile range (q1–q3), or
//! min–max for schema-1 records. When the two bands overlap, the ratio is marked `?`: the
//! runs' spreads do not separate the two, so the difference may be noise. Non-overlapping
//! bands are no proof of a real difference either (few samples, other load), but overlapping
//! ones are a clear sign not to read anything into the ratio.

use std::collections::BTreeMap;

use super::op::BenchOp;
use super::report::{BenchResult, Report};
use super::stats::Summary;
use super::table::duration;

/// One (record, backend) pair.
#[derive(Debug, Clone, PartialEq)]
pub struct Series<'a> {
    /// `label:backend`.
    pub name: String,
    /// The record.
    pub report: &'a Report,
    /// The backend's id.
    pub backend: String,
}

/// The series of `reports`, labelled by `labels` (one per report), in order of appearance.
pub fn series<'a>(reports: &'a [Report], labels: &[String]) -> Vec<Series<'a>> {
    let mut out = Vec::new();
    for (report, label) in reports.iter().zip(labels) {
        let mut backends: Vec<&str> = Vec::new();
        for r in &report.results {
            if !backends.contains(&r.backend.as_str()) {
                backends.push(&r.backend);
            }
        }
        for b in backends {
            out.push(Series { name: format!("{label}:{b}"), report, backend: b.to_string() });
        }
    }
    out
}

/// How a case is matched across records: operation, log2 size, circuit.
pub type CaseKey = (BenchOp, u32, Option<String>);

/// The case key of a result.
pub fn key(r: &BenchResult) -> CaseKey {
    (r.op, r.log_n, r.circuit.clone())
}

/// One series' measurement of one case, compared with the row's reference.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cell {
    /// Median and spread.
    pub summary: Summary,
    /// Reference median / this median; `None` for the reference itself.
    pub ratio: Option<f64>,
    /// The bands overlap (see the module docs).
    pub uncertain: bool,
}

/// One case across every series.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Which case, e.g. "msm 2^16".
    pub case: String,
    /// One cell per series, `None` where that series lacks the case.
    pub cells: Vec<Option<Cell>>,
}

/// Whether two bands (lo, hi) overlap.
pub fn overlap(a: (u64, u64), b: (u64, u64)) -> bool {
    a.0 <= b.1 && b.0 <= a.1
}

/// The comparison of `series`, one row per case in the order first seen.
pub fn compare(series: &[Series]) -> Vec<Row> {
    let mut order: Vec<(CaseKey, String)> = Vec::new();
    let mut found: BTreeMap<(usize, CaseKey), &BenchResult> = BTreeMap::new();
    for (i, s) in series.iter().enumerate() {
        for r in s.report.results.iter().filter(|r| r.backend == s.backend) {
            if !order.iter().any(|(k, _)| *k == key(r)) {
                order.push((key(r), r.case()));
            }
            found.insert((i, key(r)), r);
        }
    }
    order
        .into_iter()
        .map(|(k, case)| {
            let results: Vec<Option<&BenchResult>> =
                (0..series.len()).map(|i| found.get(&(i, k.clone())).copied()).collect();
            let reference = results.iter().flatten().next().map(|r| r.summary);
            let mut seen_reference = false;
            let cells = results
                .iter()
                .map(|r| {
                    r.map(|r| {
                        let reference = reference.expect("a row has at least one result");
                        let is_reference = !seen_reference;
                        seen_reference = true;
                        Cell {
                            summary: r.summary,
                            ratio: (!is_reference)
                                .then(|| reference.median_ns as f64 / r.summary.median_ns.max(1) as f64),
                            uncertain: !is_reference && overlap(reference.band(), r.summary.band()),
                        }
                    })
                })
                .collect();
            Row { case, cells }
        })
        .collect()
}

/// The comparison as an aligned text table (what `zkaccel bench compare` prints).
pub fn render(series: &[Series], rows: &[Row]) -> String {
    let mut header = vec!["case".to_string()];
    for (i, s) in series.iter().enumerate() {
        header.push(s.name.clone());
        if i > 0 {
            header.push("ratio".to_string());
        }
    }
    let mut table: Vec<Vec<String>> = vec![header];
    for row in rows {
        let mut line = vec![row.case.clone()];
        for (i, cell) in row.cells.iter().enumerate() {
            let (median, ratio) = match cell {
                None => ("–".to_string(), "–".to_string()),
                Some(c) => {
                    let (lo, hi) = c.summary.band();
                    let median = format!("{} [{}–{}]", duration(c.summary.median_ns), duration(lo), duration(hi));
                    let ratio = match c.ratio {
                        None => "ref".to_string(),
                        Some(x) => format!("{x:.2}×{}", if c.uncertain { " ?" } else { "" }),
                    };
                    (median, ratio)
                }
            };
            line.push(median);
            if i > 0 {
                line.push(ratio);
            }
        }
        table.push(line);
    }
    let columns = table[0].len();
    let widths: Vec<usize> =
        (0..columns).map(|c| table.iter().map(|r| r[c].chars().count()).max().unwrap_or(0)).collect();
    let mut out = String::new();
    for (n, r) in table.iter().enumerate() {
        let cells: Vec<String> = r
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (c, w))| {
                let pad = " ".repeat(w - c.chars().count());
                if i == 0 {
                    format!("{c}{pad}")
                } else {
                    format!("{pad}{c}")
                }
            })
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
        if n == 0 {
            out.push_str(&"-".repeat(widths.iter().sum::<usize>() + 2 * (columns - 1)));
            out.push('\n');
        }
    }
    out.push_str(
        "\nmedian [q1–q3]; ratio = reference median / this median (above 1: faster than the first series with the case);\n\
         ? = the two interquartile ranges overlap: the difference is within the runs' spread.\n",
    );
    let seeds: Vec<u64> = series.iter().map(|s| s.report.config.bench.seed).collect();
    if seeds.windows(2).any(|w| w[0] != w[1]) {
        out.push_str("note: the records used different seeds, so their inputs differ.\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::report::tests::sample_report;

    #[test]
    fn ratios_and_uncertainty() {
        let a = sample_report();
        let mut b = sample_report();
        // Twice as fast, with tight bands: certain. The NTT row: same, overlapping: uncertain.
        b.results[0].summary =
            Summary { median_ns: 617_283, min_ns: 600_000, max_ns: 650_000, q1_ns: 610_000, q3_ns: 620_000 };
        let reports = [a, b];
        let s = series(&reports, &["zen4".into(), "h200".into()]);
        assert_eq!(s.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(), ["zen4:cpu", "h200:cpu"]);
        let rows = compare(&s);
        assert_eq!(rows.len(), 2);
        let msm = rows[0].cells[1].unwrap();
        assert!((msm.ratio.unwrap() - 2.0).abs() < 1e-3 && !msm.uncertain);
        assert!(rows[1].cells[1].unwrap().uncertain);
        assert_eq!(rows[0].cells[0].unwrap().ratio, None);
        let text = render(&s, &rows);
        assert!(text.contains("2.00×") && text.contains("1.00× ?") && text.contains("ref"), "{text}");
        assert!(overlap((1, 5), (5, 9)) && !overlap((1, 4), (5, 9)));
    }
}
