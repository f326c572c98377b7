//! `zkaccel bench compare|plot|csv` on recorded runs (host/tests/fixtures/bench/, made by
//! `zkaccel bench --suite quick --json` on a 2-core Xeon), and the records' schema round trip.

use std::path::{Path, PathBuf};
use std::process::Command;

use zkaccel::bench::compare;
use zkaccel::bench::report::{Report, SCHEMA_VERSION};

fn fixtures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bench");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(files.len() >= 2, "recorded fixtures in {}", dir.display());
    files
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bench").join(name)
}

fn zkaccel(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_zkaccel")).args(args).output().unwrap();
    (out.status.success(), String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
}

#[test]
fn recorded_runs_round_trip_through_the_schema() {
    for path in fixtures() {
        let text = std::fs::read_to_string(&path).unwrap();
        let report = Report::from_json(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(report.schema_version, SCHEMA_VERSION, "{}", path.display());
        assert_eq!(Report::from_json(&report.to_json()).unwrap(), report);
        // Same document, field for field (nothing dropped or renamed by the reader).
        let original: serde_json::Value = serde_json::from_str(&text).unwrap();
        let rewritten: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
        assert_eq!(original, rewritten, "{}", path.display());
        for r in &report.results {
            assert!(!r.verified.is_empty() && r.samples_ns.len() >= 5, "{}: {}", path.display(), r.case());
            let s = r.summary;
            assert!(s.min_ns <= s.q1_ns && s.q1_ns <= s.median_ns && s.median_ns <= s.q3_ns && s.q3_ns <= s.max_ns);
        }
    }
}

#[test]
fn compare_prints_ratios_per_case_with_uncertainty_marks() {
    let (a, b) = (fixture("xeon-2c-ifma.json"), fixture("xeon-2c-portable.json"));
    let (ok, out, err) = zkaccel(&["bench", "compare", a.to_str().unwrap(), b.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert!(out.contains("xeon-2c-ifma:cpu") && out.contains("xeon-2c-portable:cpu"), "{out}");
    for case in ["msm 2^12", "msm-key 2^14", "ntt 2^16", "poseidon 2^14", "merkle 2^12", "groth16 multiplier (2^3)"] {
        let line = out.lines().find(|l| l.starts_with(case)).unwrap_or_else(|| panic!("row {case}: {out}"));
        assert!(line.contains('×'), "{line}");
    }
    assert!(out.contains("? = the two interquartile ranges overlap"), "{out}");

    // The same through the library: every case of one record is in the other.
    let reports = [Report::load(&a).unwrap(), Report::load(&b).unwrap()];
    let series = compare::series(&reports, &["a".into(), "b".into()]);
    let rows = compare::compare(&series);
    assert_eq!(rows.len(), reports[0].results.len());
    assert!(rows.iter().all(|r| r.cells.iter().all(Option::is_some)));
}

#[test]
fn compare_refuses_what_is_not_a_record() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\"not\": \"a record\"}").unwrap();
    let (ok, _, err) = zkaccel(&["bench", "compare", bad.to_str().unwrap()]);
    assert!(!ok && err.contains("is not a zkaccel bench record"), "{err}");
}

/// The legend's series: plotters writes a legend's texts, then its marks in the same order.
/// Returns, per name, the colour of its mark and how many polylines have that colour.
fn legend_entries(svg: &str, names: &[&str]) -> Vec<(String, usize)> {
    let last = names.last().unwrap();
    let at = svg.find(&format!("\n{last}\n</text>")).unwrap_or_else(|| panic!("legend text {last}"));
    svg[at..]
        .split("<polyline")
        .skip(1)
        .take(names.len())
        .map(|mark| {
            let stroke = mark.split("stroke=\"").nth(1).and_then(|s| s.split('"').next()).unwrap().to_string();
            let lines = svg.matches(&format!("<polyline fill=\"none\" opacity=\"1\" stroke=\"{stroke}\"")).count();
            (stroke, lines)
        })
        .collect()
}

#[test]
fn plot_writes_an_svg_with_a_line_per_series_and_a_png() {
    let (a, b) = (fixture("xeon-2c-ifma.json"), fixture("xeon-2c-portable.json"));
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("out.svg");
    let (ok, _, err) =
        zkaccel(&["bench", "plot", a.to_str().unwrap(), b.to_str().unwrap(), "-o", svg.to_str().unwrap()]);
    assert!(ok, "{err}");
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(text.starts_with("<svg") && text.trim_end().ends_with("</svg>"), "an SVG document");
    let ops = Report::load(&a).unwrap().results.iter().map(|r| r.op).collect::<std::collections::BTreeSet<_>>().len();
    let names = ["xeon-2c-ifma:cpu", "xeon-2c-portable:cpu"];
    let entries = legend_entries(&text, &names);
    for (name, (colour, lines)) in names.iter().zip(&entries) {
        assert_eq!(text.matches(&format!("\n{name}\n</text>")).count(), 2 * ops, "{name} in every legend");
        // Each op has a time and a throughput panel, each with a data line and a legend mark.
        assert_eq!(*lines, 4 * ops, "{name}: polylines in {colour} for {ops} ops");
    }
    assert_ne!(entries[0].0, entries[1].0, "one colour per series");
    assert_eq!(text.matches("median time against").count(), ops);

    let png = dir.path().join("out.png");
    let (ok, _, err) = zkaccel(&["bench", "plot", a.to_str().unwrap(), "-o", png.to_str().unwrap()]);
    assert!(ok, "{err}");
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
    assert_eq!(&bytes[12..16], b"IHDR");
    let width = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
    assert_eq!((width, height), (zkaccel::bench::plot::WIDTH, zkaccel::bench::plot::ROW_HEIGHT * ops as u32));

    // --baselines adds the peer libraries as one more series per record.
    let with_base = dir.path().join("base.svg");
    let (ok, _, err) =
        zkaccel(&["bench", "plot", "--baselines", a.to_str().unwrap(), "-o", with_base.to_str().unwrap()]);
    assert!(ok, "{err}");
    let text = std::fs::read_to_string(&with_base).unwrap();
    assert!(text.contains("\nxeon-2c-ifma:baseline\n</text>") && text.contains("\nxeon-2c-ifma:cpu\n</text>"));

    let (ok, _, err) = zkaccel(&["bench", "plot", a.to_str().unwrap(), "-o", "out.pdf"]);
    assert!(!ok && err.contains(".svg or .png"), "{err}");
}

#[test]
fn csv_has_one_row_per_backend_and_case() {
    let a = fixture("xeon-2c-ifma.json");
    let (ok, out, err) = zkaccel(&["bench", "csv", a.to_str().unwrap()]);
    assert!(ok, "{err}");
    let report = Report::load(&a).unwrap();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], zkaccel::bench::csv::HEADER);
    assert_eq!(lines.len(), 1 + report.results.len());
    let columns = lines[0].split(',').count();
    assert!(lines.iter().all(|l| l.split(',').count() == columns), "no field needed quoting here");
    assert!(lines.iter().any(|l| l.contains(",groth16,poseidon_chain_small,") && l.contains("proofs/s")));
}

#[test]
fn a_run_writes_json_and_csv_with_groth16_and_key_like_msm() {
    let dir = tempfile::tempdir().unwrap();
    let (json, csv) = (dir.path().join("r.json"), dir.path().join("r.csv"));
    let (ok, table, err) = zkaccel(&[
        "bench",
        "--op",
        "msm-key,groth16",
        "--log-n",
        "8",
        "--repeat",
        "4",
        "--json",
        json.to_str().unwrap(),
        "--csv",
        csv.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    assert!(table.contains("multiplier 2^") && table.contains("IQR"), "{table}");
    let report = Report::load(&json).unwrap();
    let ops: Vec<String> = report.results.iter().map(|r| r.case()).collect();
    assert_eq!(ops[0], "msm-key 2^8");
    assert_eq!(ops.len(), 4, "msm-key and the three bundled circuits: {ops:?}");
    assert!(report.results[1..].iter().all(|r| r.unit == "proofs/s" && r.verified == "pairing+snarkjs-vk"));
    assert!(report.machine.nvidia.unavailable.is_some() || !report.machine.nvidia.gpus.is_empty());
    assert_eq!(std::fs::read_to_string(&csv).unwrap().lines().count(), 1 + report.results.len());

    // A single record with two series (as CUDA and WebGPU on one card would be) compares too.
    let two = fixture("xeon-2c-cpu-vs-lavapipe.json");
    let (ok, out, err) = zkaccel(&["bench", "compare", two.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert!(out.contains("xeon-2c-cpu-vs-lavapipe:cpu") && out.contains("xeon-2c-cpu-vs-lavapipe:webgpu:cpu"), "{out}");
}
