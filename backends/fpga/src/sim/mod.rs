//! The Verilator simulation of the design: building the models ([`build`]), the kernel model
//! as a [`crate::Transport`] ([`kernel::KernelSim`], the `fpga:sim` device) and the unit
//! testbench model ([`units::UnitSim`]).

pub mod build;
pub mod kernel;
pub mod units;

use std::path::Path;

/// Why a simulation model could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SimError {
    /// A tool the simulation needs (Verilator) is not installed.
    #[error("{0}")]
    Unavailable(String),
    /// Verilator or the C++ compiler failed on the sources.
    #[error("{0}")]
    Build(String),
    /// The built library did not load or lacks a symbol.
    #[error("{0}")]
    Load(String),
}

/// Loads a model library and checks its ABI version through `symbol`.
pub(crate) fn load(path: &Path, version_symbol: &[u8], expected: u32) -> Result<libloading::Library, SimError> {
    // SAFETY: the library is one this crate's Makefile built from fpga/sim; loading it runs only
    // the C++ static initialisers of Verilator's runtime and the model, which have no side effects
    // beyond their own globals.
    let lib = unsafe { libloading::Library::new(path) }
        .map_err(|e| SimError::Load(format!("cannot load {}: {e}", path.display())))?;
    // SAFETY: the symbol is declared `uint32_t f(void)` in the C++ driver.
    let version: u32 = unsafe {
        let f = lib
            .get::<unsafe extern "C" fn() -> u32>(version_symbol)
            .map_err(|e| SimError::Load(format!("{}: {e}", path.display())))?;
        f()
    };
    if version != expected {
        return Err(SimError::Load(format!("{}: ABI version {version}, expected {expected}", path.display())));
    }
    Ok(lib)
}

/// Copies a function pointer out of `lib`; the caller keeps `lib` alive while it is used.
pub(crate) fn symbol<T: Copy>(lib: &libloading::Library, name: &[u8]) -> Result<T, SimError> {
    // SAFETY: every caller names a symbol of the C driver with the matching signature `T`.
    unsafe { lib.get::<T>(name) }
        .map(|s| *s)
        .map_err(|e| SimError::Load(format!("missing symbol {}: {e}", String::from_utf8_lossy(name))))
}
