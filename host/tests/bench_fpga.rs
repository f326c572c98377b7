//! `zkaccel bench --backend fpga:sim` prints, beside the simulator's own times, the card times
//! projected from simulated cycle counts, labelled as projections. Needs Verilator (installed by
//! scripts/test.sh): skipped with the reason outside CI when it is missing, a failure in CI.

use std::process::Command;

#[test]
fn fpga_sim_bench_reports_labelled_projections() {
    if let Err(reason) = zkaccel_fpga::testing::kernel_sim() {
        zkaccel_fpga::testing::report_skip("fpga_sim_bench_reports_labelled_projections", &reason);
        return;
    }
    let out = Command::new(env!("CARGO_BIN_EXE_zkaccel"))
        .args([
            "bench",
            "--backend",
            "fpga:sim",
            "--op",
            "ntt,poseidon",
            "--log-n",
            "10",
            "--repeat",
            "1",
            "--warmup",
            "0",
        ])
        .output()
        .expect("zkaccel runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "bench failed: {}{stdout}", String::from_utf8_lossy(&out.stderr));
    let (measured, projected) = stdout.split_once("PROJECTED").unwrap_or_else(|| panic!("no projection: {stdout}"));
    assert!(measured.contains("fpga:sim"), "the simulator's own times come first: {stdout}");
    assert!(projected.contains("not measured on hardware") && projected.contains("250 MHz"), "{projected}");
    for op in ["ntt", "poseidon"] {
        let line = projected
            .lines()
            .find(|l| l.starts_with(op) && l.contains("2^10"))
            .unwrap_or_else(|| panic!("no {op} projection: {projected}"));
        let cycles: u64 = line.split_whitespace().nth(2).and_then(|c| c.parse().ok()).unwrap_or(0);
        assert!(cycles > 1 << 10, "{op}: at least a cycle per element: {line}");
        assert!(line.contains(" ms ") && line.contains("measured on the simulator"), "{line}");
    }
}
