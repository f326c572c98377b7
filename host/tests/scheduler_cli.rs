//! `zkaccel calibrate` and `zkaccel bench --scheduler` end to end, on the CPU.

use std::process::Command;

fn zkaccel(args: &[&str], calibration: &std::path::Path) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_zkaccel"))
        .args(args)
        .env_remove("RUST_LOG")
        .env_remove("ZKACCEL_DEVICES")
        .env_remove("ZKACCEL_BACKEND")
        .env("ZKACCEL_CONFIG", calibration.with_extension("no-config.json"))
        .env("ZKACCEL_CALIBRATION", calibration)
        .output()
        .expect("the zkaccel binary runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn calibrate_then_bench_through_the_scheduler() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("calibration.json");
    let bench = [
        "bench",
        "--scheduler",
        "--devices",
        "cpu",
        "--op",
        "msm,ntt",
        "--log-n",
        "10",
        "--repeat",
        "1",
        "--baseline",
        "none",
    ];
    let (ok, stdout, stderr) = zkaccel(&bench, &cache);
    assert!(ok, "{stderr}");
    assert!(
        stderr.contains("no calibration") && stderr.contains("zkaccel calibrate"),
        "says it runs uncalibrated: {stderr}"
    );
    let (ok, _, stderr) = zkaccel(&["calibrate", "--devices", "cpu"], &cache);
    assert!(ok, "{stderr}");
    assert!(stderr.contains("calibration written to") && cache.exists(), "{stderr}");
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&cache).unwrap()).unwrap();
    assert_eq!(json["zkaccel_version"], env!("CARGO_PKG_VERSION"));
    let (ok, stdout2, stderr) = zkaccel(&bench, &cache);
    assert!(ok, "{stderr}");
    assert!(!stderr.contains("no calibration"), "{stderr}");
    for out in [&stdout, &stdout2] {
        assert!(out.contains("scheduler shares") && out.contains("msm 2^10") && out.contains("100.0%"), "{out}");
        let rows: Vec<&str> = out.lines().filter(|l| l.starts_with("msm ") || l.starts_with("ntt ")).collect();
        assert!(rows.iter().any(|l| l.contains("scheduler")) && rows.iter().any(|l| l.contains(" cpu ")), "{out}");
    }
}
