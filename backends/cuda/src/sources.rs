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

/// The whole source of `program` as one translation unit: prelude, field, curve and the
/// program's `.cu`, with every `#include "..."` and `#pragma once` line dropped (NVRTC has
/// no file system to include from).
pub fn program_source(program: Program) -> String {
    let parts = [("prelude.cuh", PRELUDE), ("field.cuh", FIELD), ("curve.cuh", CURVE)];
    let file = format!("{}.cu", program.name());
    let mut out =
        String::with_capacity(parts.iter().map(|(_, s)| s.len()).sum::<usize>() + program_file(program).len() + 256);
    for (name, text) in parts.into_iter().chain([(file.as_str(), program_file(program))]) {
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
    fn kernel_names_are_parsed() {
        let names = kernel_names(SELFTEST);
        for expected in ["selftest_fq_mul", "selftest_fr_mul", "selftest_g1_add", "selftest_g1_double"] {
            assert!(names.iter().any(|n| n == expected), "{expected} not in {names:?}");
        }
        let src = "#define ZK_KERNEL extern \"C\"\n// ZK_KERNEL void commented(\nZK_KERNEL void a_b1(u32 n) {}\n  ZK_KERNEL  void  c(";
        assert_eq!(kernel_names(src), vec!["a_b1".to_string(), "c".to_string()]);
    }
}
