//! The kernel sources, embedded at build time, and the single-file program NVRTC compiles
//! for each [`Program`] (docs/CUDA.md, "Programs and compilation").

use crate::device::Program;

/// `kernels/cuda/prelude.cuh`: portability macros and integer types.
pub const PRELUDE: &str = include_str!("../../../kernels/cuda/prelude.cuh");
/// `kernels/cuda/field.cuh`: Fq and Fr arithmetic.
pub const FIELD: &str = include_str!("../../../kernels/cuda/field.cuh");
/// `kernels/cuda/curve.cuh`: G1 affine and XYZZ arithmetic.
pub const CURVE: &str = include_str!("../../../kernels/cuda/curve.cuh");
/// `kernels/cuda/msm.cu`.
pub const MSM: &str = include_str!("../../../kernels/cuda/msm.cu");
/// `kernels/cuda/ntt.cu`.
pub const NTT: &str = include_str!("../../../kernels/cuda/ntt.cu");
/// `kernels/cuda/poseidon.cu`.
pub const POSEIDON: &str = include_str!("../../../kernels/cuda/poseidon.cu");
/// `kernels/cuda/selftest.cu`.
pub const SELFTEST: &str = include_str!("../../../kernels/cuda/selftest.cu");

/// The workload file of `program` (without the shared headers).
pub fn program_file(program: Program) -> &'static str {
    match program {
        Program::Msm => MSM,
        Program::Ntt => NTT,
        Program::Poseidon => POSEIDON,
        Program::SelfTest => SELFTEST,
    }
}

/// Names a folder whose `prelude.cuh`, `field.cuh`, `curve.cuh` and `<program>.cu` replace the
/// embedded sources when kernels are compiled for a real GPU (not in the host emulator, which
/// is built with the crate). For trying a kernel change on a GPU machine without Rust: edit
/// `kernels/cuda/`, run with `ZKACCEL_CUDA_KERNELS=kernels/cuda`. The kernel names and
/// parameters must stay as the Rust side launches them.
pub const KERNELS_ENV: &str = "ZKACCEL_CUDA_KERNELS";

/// The whole source of `program` as one translation unit: prelude, field, curve and the
/// program's `.cu`, with every `#include "..."` and `#pragma once` line dropped (NVRTC has
/// no file system to include from).
pub fn program_source(program: Program) -> String {
    assemble(program, [PRELUDE, FIELD, CURVE, program_file(program)])
}

/// [`program_source`] from the folder [`KERNELS_ENV`] names, when it is set (with a warning
/// in the log); else the embedded sources. `Err` says which file could not be read.
pub fn runtime_program_source(program: Program) -> Result<String, String> {
    let dir = std::env::var_os(KERNELS_ENV).filter(|d| !d.is_empty()).map(std::path::PathBuf::from);
    program_source_from(program, dir.as_deref())
}

/// [`program_source`] with the files read from `dir`, or the embedded ones when `dir` is `None`.
pub fn program_source_from(program: Program, dir: Option<&std::path::Path>) -> Result<String, String> {
    let Some(dir) = dir else {
        return Ok(program_source(program));
    };
    let read = |name: &str| {
        let path = dir.join(name);
        std::fs::read_to_string(&path).map_err(|e| format!("{KERNELS_ENV}: reading {}: {e}", path.display()))
    };
    let texts =
        [read("prelude.cuh")?, read("field.cuh")?, read("curve.cuh")?, read(&format!("{}.cu", program.name()))?];
    tracing::warn!(
        "compiling the {} kernels from {} ({KERNELS_ENV}), not the built-in sources",
        program.name(),
        dir.display()
    );
    Ok(assemble(program, texts.each_ref().map(String::as_str)))
}

/// Joins prelude, field, curve and the program file (in that order) as [`program_source`] does.
fn assemble(program: Program, texts: [&str; 4]) -> String {
    let file = format!("{}.cu", program.name());
    let names = ["prelude.cuh", "field.cuh", "curve.cuh", file.as_str()];
    let mut out = String::with_capacity(texts.iter().map(|s| s.len()).sum::<usize>() + 256);
    for (name, text) in names.into_iter().zip(texts) {
        out.push_str(&format!("// ---- {name} ----\n"));
        for line in text.lines() {
            let trimmed = line.trim_start();
            // Dropped lines leave an empty line, so the file keeps its line count.
            if !(trimmed.starts_with("#include \"") || trimmed.starts_with("#pragma once")) {
                out.push_str(line);
            }
            out.push('\n');
        }
    }
    out
}

/// The kernel names a source declares with `ZK_KERNEL void name(...)`, in order.
pub fn kernel_names(source: &str) -> Vec<String> {
    let mut names = Vec::new();
    for line in source.lines() {
        let line = line.trim_start();
        if line.starts_with("//") || line.starts_with("#define") {
            continue;
        }
        let Some(rest) = line.strip_prefix("ZK_KERNEL") else { continue };
        let rest = rest.trim_start();
        let Some(rest) = rest.strip_prefix("void") else { continue };
        let name: String = rest.trim_start().chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
        if !name.is_empty() {
            names.push(name);
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn programs_are_self_contained() {
        for program in Program::ALL {
            let source = program_source(program);
            assert!(!source.contains("#include \""), "{} still includes a file", program.name());
            assert!(!source.contains("#pragma once"), "{} still has #pragma once", program.name());
            assert!(source.contains("#define ZK_KERNEL"), "{} lacks the prelude", program.name());
            assert!(source.contains("struct FqParams"), "{} lacks field.cuh", program.name());
            assert!(source.contains("struct G1Xyzz"), "{} lacks curve.cuh", program.name());
            // Prelude first, then field, curve, the program.
            let at = |needle: &str| source.find(needle).unwrap_or_else(|| panic!("{needle} missing"));
            assert!(at("---- prelude.cuh") < at("---- field.cuh"));
            assert!(at("---- field.cuh") < at("---- curve.cuh"));
            assert!(at("---- curve.cuh") < at(&format!("---- {}.cu", program.name())));
        }
    }

    #[test]
    fn a_kernel_folder_replaces_the_embedded_sources() {
        let dir = std::env::temp_dir().join(format!("zkaccel-kernels-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for (name, text) in [("prelude.cuh", PRELUDE), ("field.cuh", FIELD), ("curve.cuh", CURVE)] {
            std::fs::write(dir.join(name), text).unwrap();
        }
        std::fs::write(dir.join("ntt.cu"), format!("{NTT}// edited on the GPU machine\n")).unwrap();
        let edited = program_source_from(Program::Ntt, Some(&dir)).unwrap();
        assert!(edited.contains("// edited on the GPU machine") && edited.starts_with("// ---- prelude.cuh"));
        assert_eq!(edited.replace("// edited on the GPU machine\n", ""), program_source(Program::Ntt));
        let missing = program_source_from(Program::Msm, Some(&dir)).unwrap_err();
        assert!(missing.contains("msm.cu") && missing.contains(KERNELS_ENV), "{missing}");
        assert_eq!(program_source_from(Program::Ntt, None).unwrap(), program_source(Program::Ntt));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn kernel_names_are_parsed() {
        let names = kernel_names(SELFTEST);
        for expected in ["selftest_fq_mul", "selftest_fr_mul", "selftest_g1_add", "selftest_g1_double"] {
            assert!(names.iter().any(|n| n == expected), "{expected} not in {names:?}");
        }
        let src = "#define ZK_KERNEL extern \"C\"\n// ZK_KERNEL void commented(\nZK_KERNEL void a_b1(u32 n) {}\n  ZK_KERNEL  void  c(";
        assert_eq!(kernel_names(src), vec!["a_b1".to_string(), "c".to_string()]);
    }
}
