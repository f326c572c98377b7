//! The synthesis script against Debian's Yosys (installed by scripts/test.sh): every unit and
//! kernel build parses and elaborates (Yosys reads less SystemVerilog than Verilator, so a
//! construct the simulator accepts can still break synthesis), and one small unit runs through
//! `synth_xilinx` and reports its resources. The full synthesis takes many minutes and is run by
//! hand (fpga/README.md, Synthesis).

use std::path::Path;
use std::process::Command;

use zkaccel_fpga::testing::{in_ci, report_skip};

fn script() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fpga/synth/run.sh")
}

/// `None` (after reporting the skip) when Yosys is missing outside CI; a failure in CI.
fn yosys(name: &str) -> Option<()> {
    match Command::new("yosys").arg("-V").output() {
        Ok(out) if out.status.success() => Some(()),
        _ if in_ci() => panic!("CI must run the synthesis checks but yosys is missing (scripts/test.sh installs it)"),
        _ => {
            report_skip(name, "yosys is not installed: install Debian's `yosys` package (or run scripts/test.sh)");
            None
        }
    }
}

#[test]
fn every_unit_and_kernel_build_elaborates_in_yosys() {
    let Some(()) = yosys("every_unit_and_kernel_build_elaborates_in_yosys") else { return };
    let out = Command::new("bash").arg(script()).arg("--parse-only").output().expect("running fpga/synth/run.sh");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "Yosys could not read the RTL:\n{text}");
    for unit in [
        "mod_addsub",
        "mont_mul",
        "ntt_bfly",
        "g1_madd",
        "poseidon_t3",
        "msm_bucket",
        "ntt_core",
        "zk_top",
        "zk_top_msm_ntt",
        "zk_top_poseidon",
    ] {
        assert!(text.contains(&format!("{unit} elaborates")), "{unit} missing from:\n{text}");
    }
}

#[test]
fn the_synthesis_script_reports_a_units_resources() {
    let Some(()) = yosys("the_synthesis_script_reports_a_units_resources") else { return };
    let out = Command::new("bash").arg(script()).arg("mod_addsub").output().expect("running fpga/synth/run.sh");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}{}", String::from_utf8_lossy(&out.stderr));
    // A registered 256-bit modular adder/subtractor: 256 flip-flops, no DSPs, some LUTs.
    let line = text.lines().find(|l| l.starts_with("mod_addsub")).unwrap_or_else(|| panic!("no report in:\n{text}"));
    let field = |name: &str| -> u64 {
        let words: Vec<&str> = line.split_whitespace().collect();
        let at = words.iter().position(|w| *w == name).unwrap_or_else(|| panic!("{name} missing: {line}"));
        words[at + 1].parse().unwrap_or_else(|_| panic!("{name} is not a number: {line}"))
    };
    assert_eq!(field("FF"), 256, "{line}");
    assert_eq!(field("DSP48E2"), 0, "{line}");
    assert!(field("LUT") >= 256, "{line}");
}
