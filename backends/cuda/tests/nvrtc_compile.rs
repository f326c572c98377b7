//! Every kernel program compiles with NVRTC to PTX for compute_80 and compute_90, with an entry
//! point for every `ZK_KERNEL` the source declares, and to CUBIN for sm_80 and sm_90 (NVRTC then
//! runs ptxas, which checks the inline PTX of the field arithmetic). Needs libnvrtc.so.12 (scripts/test.sh
//! installs it); without it the test is skipped, or fails when `CI` is set.

use zkaccel_cuda::device::Program;
use zkaccel_cuda::driver::nvrtc::{self, Target};
use zkaccel_cuda::sources;

/// `true` when NVRTC is loadable; otherwise reports the skip (or fails under CI).
fn nvrtc_or_skip(name: &str) -> bool {
    if nvrtc::is_available() {
        return true;
    }
    let reason = format!("NVRTC not found: {}", nvrtc::NVRTC_HELP);
    if std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false") {
        panic!("{name}: CI is set, so NVRTC must be present: {reason}");
    }
    zkaccel_backends::conformance::report_skip(name, &reason);
    false
}

#[test]
fn every_program_compiles_for_sm80_and_sm90() {
    if !nvrtc_or_skip("every_program_compiles_for_sm80_and_sm90") {
        return;
    }
    let (major, minor) = nvrtc::version().expect("NVRTC version");
    eprintln!("NVRTC {major}.{minor}");
    for program in Program::ALL {
        let source = sources::program_source(program);
        let kernels = sources::kernel_names(&source);
        for arch in [(8, 0), (9, 0)] {
            let cubin = nvrtc::compile_source(program.name(), &source, Target::Cubin(arch.0, arch.1))
                .unwrap_or_else(|e| panic!("{} for sm_{}{}: {e}", program.name(), arch.0, arch.1));
            assert_eq!(&cubin[..4], b"\x7fELF", "{}: a CUBIN is an ELF image", program.name());
            let ptx = nvrtc::compile_source(program.name(), &source, Target::Ptx(arch.0, arch.1))
                .unwrap_or_else(|e| panic!("{} for compute_{}{}: {e}", program.name(), arch.0, arch.1));
            let ptx = String::from_utf8(ptx).expect("PTX is text");
            assert!(!ptx.trim().is_empty(), "{}: empty PTX", program.name());
            assert!(ptx.contains(&format!(".target sm_{}{}", arch.0, arch.1)), "{}: wrong target", program.name());
            for kernel in &kernels {
                assert!(
                    ptx.contains(&format!(".entry {kernel}(")),
                    "{} (compute_{}{}): no .entry for {kernel}",
                    program.name(),
                    arch.0,
                    arch.1
                );
            }
            eprintln!(
                "{} for sm_{}{}: {} kernels, {} bytes of PTX, {} bytes of CUBIN",
                program.name(),
                arch.0,
                arch.1,
                kernels.len(),
                ptx.len(),
                cubin.len()
            );
        }
    }
}

#[test]
fn the_selftest_program_declares_its_kernels() {
    // Independent of NVRTC: the self-test needs these entry points.
    let names = sources::kernel_names(&sources::program_source(Program::SelfTest));
    for kernel in ["selftest_fq_mul", "selftest_fr_mul", "selftest_g1_add", "selftest_g1_double"] {
        assert!(names.iter().any(|n| n == kernel), "{kernel} missing from {names:?}");
    }
}

#[test]
fn compilation_goes_through_the_cache() {
    if !nvrtc_or_skip("compilation_goes_through_the_cache") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let cache = zkaccel_cuda::driver::cache::KernelCache::at(dir.path());
    let first = nvrtc::compile_cached(Program::SelfTest, Target::Cubin(8, 0), &cache).expect("compiles");
    let entries: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(entries.len(), 1, "one cache entry after the first compile");
    let second = nvrtc::compile_cached(Program::SelfTest, Target::Cubin(8, 0), &cache).expect("cache hit");
    assert_eq!(first, second);
}

#[test]
fn target_arch_falls_back_to_what_nvrtc_knows() {
    if !nvrtc_or_skip("target_arch_falls_back_to_what_nvrtc_knows") {
        return;
    }
    let archs = nvrtc::supported_archs().expect("supported archs");
    assert!(archs.contains(&80) && archs.contains(&90), "{archs:?}");
    assert_eq!(nvrtc::target((8, 0)).unwrap(), Target::Cubin(8, 0));
    assert_eq!(nvrtc::target((9, 0)).unwrap(), Target::Cubin(9, 0));
    // A compute capability from the future gets PTX for the newest one NVRTC knows.
    let newest = *archs.last().unwrap();
    assert_eq!(nvrtc::target((99, 9)).unwrap(), Target::Ptx(newest / 10, newest % 10));
}

/// ptxas's report for sm_90 names every kernel of every program with its registers, and no
/// kernel spills registers to local memory (a change that makes one spill shows here first;
/// `cargo run -p zkaccel-cuda --example kernel_resources` prints the whole table).
#[test]
fn sm90_kernels_report_their_registers_and_do_not_spill() {
    use zkaccel_cuda::driver::ptxas::{occupancy_limit, parse_report};
    if !nvrtc_or_skip("sm90_kernels_report_their_registers_and_do_not_spill") {
        return;
    }
    for program in Program::ALL {
        let report = nvrtc::ptxas_report(program, Target::Cubin(9, 0), None).expect("ptxas report");
        let kernels = parse_report(&report);
        let mut names: Vec<String> = kernels.iter().map(|k| k.name.clone()).collect();
        let mut declared = sources::kernel_names(&sources::program_source(program));
        names.sort();
        declared.sort();
        assert_eq!(names, declared, "{}: ptxas reported other kernels:\n{report}", program.name());
        for k in &kernels {
            assert!((1..=255).contains(&k.registers), "{}: {} registers", k.name, k.registers);
            assert_eq!((k.spill_store_bytes, k.spill_load_bytes), (0, 0), "{} spills:\n{report}", k.name);
            eprintln!("{:<28} {:>3} registers, ≤ {:>4} threads/SM", k.name, k.registers, occupancy_limit(k.registers));
        }
    }
}
