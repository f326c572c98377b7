//! Runs the built `zkaccel` binary end to end.

use std::process::{Command, Output};

use serde_json::Value;

fn zkaccel(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zkaccel"))
        .args(args)
        .env_remove("RUST_LOG")
        .env_remove("ZKACCEL_DEVICES")
        .env_remove("ZKACCEL_BACKEND")
        .env_remove("ZKACCEL_BASELINE")
        .env_remove("ZKACCEL_BENCH_OPS")
        .env_remove("ZKACCEL_BENCH_LOG_N")
        .output()
        .expect("the zkaccel binary runs")
}

fn stdout_of(args: &[&str]) -> String {
    let out = zkaccel(args);
    assert!(out.status.success(), "zkaccel {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf-8 output")
}

fn stderr_of_failure(args: &[&str]) -> String {
    let out = zkaccel(args);
    assert!(!out.status.success(), "zkaccel {args:?} should fail");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Runs `bench` with `args` plus `--json <tmp>` and returns the parsed report.
fn bench_json(args: &[&str]) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.json");
    let mut all = vec!["bench"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--json", path.to_str().unwrap()]);
    let table = stdout_of(&all);
    assert!(table.contains("median") && table.contains("verified"), "table header on stdout: {table}");
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).expect("valid JSON report")
}

#[test]
fn devices_lists_cpu_and_absent_kinds() {
    let out = stdout_of(&["devices"]);
    let cpu = out.lines().find(|l| l.starts_with("cpu")).expect("a cpu line");
    assert!(cpu.contains("available"), "{out}");
    assert!(out.contains("msm-g1 ≤") && out.contains("ntt ≤ 2^28"), "{out}");
    let fpga = out.lines().find(|l| l.starts_with("fpga")).unwrap_or_else(|| panic!("fpga listed: {out}"));
    // The FPGA backend is compiled in: a card through XRT, or absent with the reason; the
    // simulator only when named.
    assert!(fpga.contains("available") || (fpga.contains("absent") && fpga.contains("XRT")), "{fpga}");
    assert!(!out.lines().any(|l| l.starts_with("fpga:sim")), "{out}");
    // WebGPU is compiled in: hardware adapters only by default, never the software one.
    let webgpu = out.lines().find(|l| l.starts_with("webgpu")).unwrap_or_else(|| panic!("webgpu listed: {out}"));
    assert!(webgpu.contains("available") || (webgpu.contains("absent") && webgpu.contains("WebGPU")), "{webgpu}");
    assert!(!out.lines().any(|l| l.starts_with("webgpu:cpu")), "{out}");
    // CUDA is compiled in: a machine without a usable GPU lists it absent with the reason.
    let cuda = out.lines().find(|l| l.starts_with("cuda")).unwrap_or_else(|| panic!("cuda listed: {out}"));
    assert!(cuda.contains("available") || (cuda.contains("absent") && cuda.contains("CUDA")), "{cuda}");
}

#[test]
fn devices_json_has_cpu_with_limits() {
    let json: Value = serde_json::from_str(&stdout_of(&["devices", "--json"])).expect("valid JSON");
    let devices = json["devices"].as_array().expect("a devices array");
    let cpu = devices.iter().find(|d| d["id"] == "cpu").expect("cpu present");
    assert_eq!(cpu["status"], "available");
    assert_eq!(cpu["kind"], "cpu");
    assert!(cpu["compute_units"].as_u64().unwrap() >= 1);
    assert!(cpu["memory_bytes"].as_u64().unwrap() > 0);
    let ops = cpu["ops"].as_array().unwrap();
    assert!(ops.iter().any(|o| o["op"] == "msm-g1" && o["max_size"].as_u64().unwrap() > 0));
    // CUDA is compiled in: absent with the reason where no usable GPU is found, else one entry per GPU.
    if let Some(cuda) = devices.iter().find(|d| d["id"] == "cuda") {
        assert_eq!(cuda["status"], "absent");
        assert!(cuda["reason"].as_str().unwrap().contains("CUDA"), "{cuda}");
    } else {
        assert!(devices.iter().any(|d| d["id"] == "cuda:0" && d["status"] == "available"), "{json}");
    }
}

#[test]
fn devices_filter_and_unknown_device() {
    let out = stdout_of(&["devices", "--devices", "cpu"]);
    assert!(out.starts_with("cpu") && !out.contains("cuda"), "{out}");
    let err = stderr_of_failure(&["devices", "--devices", "tpu"]);
    assert!(err.contains("tpu") && err.contains("cpu") && err.contains("cuda[:N]"), "{err}");
}

#[test]
fn bench_msm_writes_verified_json() {
    let report = bench_json(&["--op", "msm", "--log-n", "8", "--repeat", "1"]);
    assert_eq!(report["schema_version"], zkaccel::bench::report::SCHEMA_VERSION);
    assert!(report["machine"]["logical_cores"].as_u64().unwrap() >= 1);
    assert_eq!(report["config"]["backends"][0], "cpu");
    assert_eq!(report["config"]["devices"][0]["id"], "cpu");
    assert!(!report["config"]["devices"][0]["name"].as_str().unwrap().is_empty());
    let results = report["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    let r = &results[0];
    assert_eq!((r["op"].as_str(), r["log_n"].as_u64(), r["backend"].as_str()), (Some("msm"), Some(8), Some("cpu")));
    assert_eq!(r["samples_ns"].as_array().unwrap().len(), 1);
    assert!(r["median_ns"].as_u64().unwrap() > 0);
    assert_eq!(r["unit"], "points/s");
    assert!(r["throughput"].as_f64().unwrap() > 0.0);
    assert_eq!(r["verified"], "baseline");
    assert!(r["baseline"]["name"].as_str().unwrap().contains("arkworks"));
    assert!(r["speedup"].as_f64().unwrap() > 0.0);
}

#[test]
fn bench_without_baseline_checks_against_the_reference() {
    let out =
        stdout_of(&["bench", "--op", "msm", "--log-n", "6", "--repeat", "2", "--baseline", "none", "--json", "-"]);
    let report: Value = serde_json::from_str(&out).expect("JSON on stdout with --json -");
    let r = &report["results"][0];
    assert_eq!(r["verified"], "reference");
    assert_eq!(r["baseline"], Value::Null);
    assert_eq!(r["speedup"], Value::Null);
    assert_eq!(r["samples_ns"].as_array().unwrap().len(), 2);
}

/// Needs the CPU backend's NTT, Poseidon and Merkle tree (placeholders until they land).
#[test]
fn bench_every_op_verifies() {
    let report = bench_json(&["--op", "msm,msm-g2,ntt,poseidon,merkle", "--log-n", "6", "--repeat", "1"]);
    let results = report["results"].as_array().unwrap();
    let ops: Vec<&str> = results.iter().map(|r| r["op"].as_str().unwrap()).collect();
    assert_eq!(ops, ["msm", "msm-g2", "ntt", "poseidon", "merkle"]);
    let verified: Vec<&str> = results.iter().map(|r| r["verified"].as_str().unwrap()).collect();
    assert_eq!(verified, ["baseline", "baseline", "baseline+round-trip+evaluation", "baseline+reference", "baseline"]);
    let units: Vec<&str> = results.iter().map(|r| r["unit"].as_str().unwrap()).collect();
    assert_eq!(units, ["points/s", "points/s", "elements/s", "hashes/s", "leaves/s"]);
}

#[test]
fn bench_rejects_bad_settings_clearly() {
    let err = stderr_of_failure(&["bench", "--backend", "cuda:7", "--log-n", "4"]);
    assert!(err.contains("cuda:7"), "{err}");
    let err = stderr_of_failure(&["bench", "--op", "msm", "--log-n", "40"]);
    assert!(err.contains("--log-n 40"), "{err}");
    let err = stderr_of_failure(&["bench", "--op", "fft"]);
    assert!(err.contains("fft") && err.contains("poseidon"), "{err}");
}

/// `setup-insecure` on a missing file, a file of another kind and an unwritable destination:
/// an `error:` line naming the problem, never a panic, and no key left behind.
#[test]
fn setup_insecure_rejects_bad_input_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/groth16/multiplier");
    let zkey = dir.path().join("k.zkey");
    let vkey = dir.path().join("vk.json");
    let (zkey, vkey) = (zkey.to_str().unwrap(), vkey.to_str().unwrap());
    let missing = dir.path().join("missing.r1cs");
    let wtns = format!("{fixtures}/witness.wtns");
    let r1cs = format!("{fixtures}/circuit.r1cs");
    let unwritable = dir.path().join("no/such/dir/k.zkey");
    for (args, expect) in [
        (vec![missing.to_str().unwrap(), zkey, vkey], "missing.r1cs"),
        (vec![wtns.as_str(), zkey, vkey], "r1cs"),
        (vec![r1cs.as_str(), unwritable.to_str().unwrap(), vkey], "no/such/dir"),
        (vec![r1cs.as_str(), zkey, vkey, "--seed", "abc"], "--seed"),
    ] {
        let mut all = vec!["setup-insecure"];
        all.extend_from_slice(&args);
        let err = stderr_of_failure(&all);
        assert!(!err.contains("panicked"), "{args:?} panicked: {err}");
        assert!(err.lines().any(|l| l.starts_with("error")), "{args:?}: no error line: {err}");
        assert!(err.contains(expect), "{args:?}: the error does not name {expect}: {err}");
        assert!(!std::path::Path::new(zkey).exists(), "{args:?} left a key behind");
    }
}
