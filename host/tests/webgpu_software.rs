//! The WebGPU software adapter through the host: picked only when named (`webgpu:cpu`), and
//! `zkaccel bench --backend webgpu:cpu` verifies every result. Runs on Mesa's lavapipe, which
//! `scripts/test.sh` installs; in CI a missing adapter is a failure, elsewhere a reported skip.

use std::process::Command;

use serde_json::Value;
use zkaccel::registry::{DeviceSelection, Registry};
use zkaccel_backends::conformance::report_skip;
use zkaccel_webgpu::adapter::{self, AdapterClass};
use zkaccel_webgpu::testing::in_ci;

/// Whether lavapipe is here; panics in CI when it is not.
fn lavapipe_present(test: &str) -> bool {
    if adapter::adapters(&adapter::instance(), AdapterClass::Software).is_empty() {
        assert!(!in_ci(), "CI must run {test} but found no WebGPU software adapter (mesa-vulkan-drivers)");
        report_skip(test, "no WebGPU software adapter (install mesa-vulkan-drivers)");
        return false;
    }
    true
}

#[test]
fn webgpu_cpu_is_found_only_when_named() {
    if !lavapipe_present("webgpu_cpu_is_found_only_when_named") {
        return;
    }
    let selection: DeviceSelection = "cpu,webgpu:cpu".parse().unwrap();
    let registry = Registry::detect(&selection).unwrap();
    let backend = registry.require("webgpu:cpu").expect("the software adapter starts");
    assert!(backend.info().name.contains("software"), "{}", backend.info().name);
    let default = Registry::detect(&DeviceSelection::All).unwrap();
    assert!(default.entries().iter().all(|e| e.id != "webgpu:cpu"));
}

#[test]
fn bench_on_webgpu_cpu_verifies_every_op() {
    if !lavapipe_present("bench_on_webgpu_cpu_verifies_every_op") {
        return;
    }
    let out = Command::new(env!("CARGO_BIN_EXE_zkaccel"))
        .args(["bench", "--backend", "webgpu:cpu", "--op", "msm,ntt,poseidon", "--log-n", "8", "--repeat", "1"])
        .args(["--json", "-"])
        .env_remove("ZKACCEL_WEBGPU_ADAPTER")
        .output()
        .expect("the zkaccel binary runs");
    assert!(out.status.success(), "bench failed: {}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    let device = &report["config"]["devices"][0];
    assert_eq!(device["id"], "webgpu:cpu", "{report}");
    assert!(device["name"].as_str().unwrap().contains("software"), "{device}");
    let results = report["results"].as_array().unwrap();
    assert_eq!(results.len(), 3, "{report}");
    for r in results {
        assert_eq!(r["backend"], "webgpu:cpu", "{r}");
        let verified = r["verified"].as_str().unwrap_or_default();
        assert!(verified.starts_with("baseline"), "{r}");
    }
}

#[test]
fn the_adapter_variable_selects_the_software_adapter() {
    if !lavapipe_present("the_adapter_variable_selects_the_software_adapter") {
        return;
    }
    let devices = |adapter: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_zkaccel"))
            .args(["devices", "--devices", "webgpu"])
            .env("ZKACCEL_WEBGPU_ADAPTER", adapter)
            .output()
            .expect("the zkaccel binary runs");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (ok, out, err) = devices("cpu");
    assert!(ok, "{err}");
    let line = out.lines().find(|l| l.starts_with("webgpu:cpu")).unwrap_or_else(|| panic!("webgpu:cpu listed: {out}"));
    assert!(line.contains("available") && line.contains("software"), "{line}");
    // A value that is neither gpu nor cpu is reported, not ignored.
    let (_, out, err) = devices("tpu");
    assert!(out.contains("ZKACCEL_WEBGPU_ADAPTER") || err.contains("ZKACCEL_WEBGPU_ADAPTER"), "{out}{err}");
}
