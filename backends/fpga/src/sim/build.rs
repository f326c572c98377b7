//! Building the Verilator models on first use: `fpga/sim/Makefile` turns the RTL and a C++
//! driver into a shared library, cached under `target/zkaccel-fpga-sim/` by a hash of every
//! source and the Verilator version, so the model is built once and shared by every test and
//! run until a source changes. Concurrent builders (parallel tests, several processes) wait on a
//! lock file and reuse the first one's result.

use std::fs::{self, File};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};

use sha2::{Digest, Sha256};

use super::SimError;

/// The Verilator models of the design.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Model {
    /// The kernel (`zk_top`) with its AXI memory model: what `fpga:sim` runs.
    Kernel,
    /// The kernel built with the Poseidon core alone (`HAS_MSM = 0`, `HAS_NTT = 0`): the tests
    /// of a build that lacks engines.
    KernelPoseidonOnly,
    /// Every RTL unit on its own ports (`tb_units`): the unit testbenches.
    Units,
}

impl Model {
    /// The Verilog top module, also the library's base name.
    pub fn top(self) -> &'static str {
        match self {
            Model::Kernel | Model::KernelPoseidonOnly => "zk_top",
            Model::Units => "tb_units",
        }
    }

    /// The model's name in the cache.
    pub fn name(self) -> &'static str {
        match self {
            Model::Kernel => "zk_top",
            Model::KernelPoseidonOnly => "zk_top_poseidon",
            Model::Units => "tb_units",
        }
    }

    /// Top-level parameter overrides passed to Verilator.
    pub fn parameters(self) -> &'static str {
        match self {
            Model::KernelPoseidonOnly => "-GHAS_MSM=0 -GHAS_NTT=0",
            Model::Kernel | Model::Units => "",
        }
    }
}

/// Environment variable naming the `fpga/` directory (default: the one in this source tree).
pub const FPGA_DIR_ENV: &str = "ZKACCEL_FPGA_DIR";
/// Environment variable naming the directory that caches built models (default:
/// `$CARGO_TARGET_DIR` or the workspace's `target/`, then `zkaccel-fpga-sim/`).
pub const CACHE_DIR_ENV: &str = "ZKACCEL_FPGA_SIM_CACHE";

/// The `fpga/` directory holding `rtl/` and `sim/`.
pub fn fpga_dir() -> PathBuf {
    match std::env::var_os(FPGA_DIR_ENV) {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fpga"),
    }
}

fn cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os(CACHE_DIR_ENV) {
        return PathBuf::from(dir);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    target.join("zkaccel-fpga-sim")
}

/// `verilator --version`, or why Verilator cannot be run.
pub fn verilator_version() -> Result<String, SimError> {
    let missing = |why: String| {
        SimError::Unavailable(format!(
            "Verilator is not installed ({why}): install Debian's `verilator` package (or run scripts/test.sh)"
        ))
    };
    let out = Command::new("verilator").arg("--version").output().map_err(|e| missing(e.to_string()))?;
    if !out.status.success() {
        return Err(missing(format!("`verilator --version` exited with {}", out.status)));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// The files a model is built from, sorted: the Makefile, RTL and simulation sources.
fn sources(fpga: &Path) -> Result<Vec<PathBuf>, SimError> {
    let mut files = Vec::new();
    for sub in ["rtl", "sim"] {
        let dir = fpga.join(sub);
        let entries = fs::read_dir(&dir)
            .map_err(|e| SimError::Build(format!("cannot read the FPGA sources in {}: {e}", dir.display())))?;
        for entry in entries.flatten() {
            let path = entry.path();
            let keep = path.is_file()
                && (path.file_name().is_some_and(|n| n == "Makefile")
                    || path.extension().is_some_and(|e| ["sv", "svh", "cpp", "h"].iter().any(|x| e == *x)));
            if keep {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

/// A hex digest of the model name, Verilator version and every source's name and contents.
fn content_hash(model: Model, fpga: &Path, verilator: &str) -> Result<String, SimError> {
    let mut hasher = Sha256::new();
    hasher.update(model.name().as_bytes());
    hasher.update(model.parameters().as_bytes());
    hasher.update(verilator.as_bytes());
    for path in sources(fpga)? {
        let mut bytes = Vec::new();
        File::open(&path)
            .and_then(|mut f| f.read_to_end(&mut bytes))
            .map_err(|e| SimError::Build(format!("cannot read {}: {e}", path.display())))?;
        hasher.update(path.file_name().map(|n| n.as_encoded_bytes()).unwrap_or_default());
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(&bytes);
    }
    Ok(hasher.finalize().iter().take(8).map(|b| format!("{b:02x}")).collect())
}

/// The path of `model`'s shared library, built now if no cached build matches the sources.
/// Built at most once per process; later calls return the first answer.
pub fn model_library(model: Model) -> Result<PathBuf, SimError> {
    static KERNEL: OnceLock<Result<PathBuf, SimError>> = OnceLock::new();
    static KERNEL_POSEIDON: OnceLock<Result<PathBuf, SimError>> = OnceLock::new();
    static UNITS: OnceLock<Result<PathBuf, SimError>> = OnceLock::new();
    // One build at a time in this process (two models share the 2-core CI machine).
    static BUILDING: Mutex<()> = Mutex::new(());
    let cell = match model {
        Model::Kernel => &KERNEL,
        Model::KernelPoseidonOnly => &KERNEL_POSEIDON,
        Model::Units => &UNITS,
    };
    cell.get_or_init(|| {
        let _one = BUILDING.lock().unwrap_or_else(|e| e.into_inner());
        build(model)
    })
    .clone()
}

fn build(model: Model) -> Result<PathBuf, SimError> {
    let verilator = verilator_version()?;
    let fpga = fpga_dir();
    let hash = content_hash(model, &fpga, &verilator)?;
    let cache = cache_dir();
    let dir = cache.join(format!("{}-{hash}", model.name()));
    let lib = dir.join(format!("lib{}.so", model.top()));
    if lib.is_file() {
        return Ok(lib);
    }
    fs::create_dir_all(&cache).map_err(|e| SimError::Build(format!("cannot create {}: {e}", cache.display())))?;
    let lock_path = cache.join(format!("{}.lock", model.name()));
    let lock =
        File::create(&lock_path).map_err(|e| SimError::Build(format!("cannot create {}: {e}", lock_path.display())))?;
    lock.lock().map_err(|e| SimError::Build(format!("cannot lock {}: {e}", lock_path.display())))?;
    if lib.is_file() {
        return Ok(lib);
    }
    let work = cache.join(format!("{}-{hash}.building", model.name()));
    let _ = fs::remove_dir_all(&work);
    let jobs = std::thread::available_parallelism().map_or(2, |n| n.get());
    let started = std::time::Instant::now();
    let out = Command::new("make")
        .arg("-C")
        .arg(fpga.join("sim"))
        .arg(format!("OUT={}", work.display()))
        .arg(format!("MODEL={}", model.top()))
        .arg(format!("VPARAMS={}", model.parameters()))
        .arg(format!("JOBS={jobs}"))
        .output()
        .map_err(|e| SimError::Build(format!("cannot run make: {e}")))?;
    if !out.status.success() {
        let log = String::from_utf8_lossy(&out.stderr);
        // Errors first (Verilator's warnings can be many), then the end of the log.
        let errors = log.lines().filter(|l| l.contains("Error") || l.contains("error:")).take(20);
        let last = log.lines().rev().take(10).collect::<Vec<_>>().into_iter().rev();
        let tail = errors.chain(last).collect::<Vec<_>>().join("\n");
        return Err(SimError::Build(format!("building the {} model failed ({}):\n{tail}", model.name(), out.status)));
    }
    fs::rename(&work, &dir)
        .map_err(|e| SimError::Build(format!("cannot move the model into {}: {e}", dir.display())))?;
    eprintln!("built the Verilator model {} in {:.0?} ({})", model.name(), started.elapsed(), dir.display());
    Ok(lib)
}
