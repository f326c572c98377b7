//! Benchmarks of any [`Backend`](zkaccel_backends::Backend) against arkworks, ark-poly and
//! light-poseidon, with every result verified.
//!
//! - [`workload`]: deterministic inputs from a seed (shared with the criterion benches).
//! - [`baseline`]: the libraries compared against (shared with the criterion benches).
//! - [`runner`]: warm-up, timed repeats, verification; takes `&dyn Backend`s, so a test can
//!   pass a deliberately wrong backend and see the run fail.
//! - [`verify`]: the checks behind the `verified` field; [`memory`]: peak extra heap of a run, counted by [`heap`]'s allocator.
//! - [`report`] and [`table`]: the results as JSON and as a table; [`machine`] says where they
//!   were measured, with [`nvml`] for NVIDIA GPUs (clocks, temperatures).
//! - [`suite`]: the named suites (quick, standard, full); [`groth16`]: proofs of the bundled
//!   circuits; [`witness_msm`]: a real key's A query with its witness against random scalars;
//!   [`stats`]: median, quartiles and outliers.
//! - [`csv`], [`compare`] and [`plot`]: records as CSV, ratio tables across records, SVG/PNG plots.
//!
//! ```
//! use zkaccel::bench::{runner, BenchConfig, BenchOp, BaselineKind};
//! use zkaccel_backends::cpu::CpuBackend;
//!
//! let cpu = CpuBackend::new();
//! let config = BenchConfig { ops: vec![BenchOp::Msm], log_n: vec![6], repeat: Some(1), ..BenchConfig::default() };
//! let outcome = runner::run(&config, &[&cpu], &runner::Silent).unwrap();
//! assert_eq!(outcome.results[0].verified, "baseline");
//! ```

pub mod baseline;
pub mod compare;
pub mod config;
pub mod csv;
pub mod exec;
pub mod groth16;
pub mod heap;
pub mod machine;
pub mod memory;
pub mod nvml;
pub mod op;
pub mod plot;
pub mod report;
pub mod runner;
pub mod stats;
pub mod suite;
pub mod table;
pub mod verify;
pub mod witness_msm;
pub mod workload;

pub use baseline::BaselineKind;
pub use config::BenchConfig;
pub use op::{BenchOp, Unit};
pub use report::{BenchResult, Report};
pub use suite::Suite;

use zkaccel_backends::BackendError;

/// Why a benchmark run failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BenchError {
    /// The settings cannot run.
    #[error("invalid benchmark settings: {0}")]
    Config(String),
    /// The backend returned an error.
    #[error("{op} 2^{log_n} on {backend} failed: {error}")]
    Backend {
        /// The operation.
        op: BenchOp,
        /// log2 of the size.
        log_n: u32,
        /// The backend's id.
        backend: String,
        /// What the backend reported (in the message, so not also a `source`).
        error: BackendError,
    },
    /// The backend returned a wrong result.
    #[error("verification failed: {op} 2^{log_n} on {backend}: {detail}")]
    Mismatch {
        /// The operation.
        op: BenchOp,
        /// log2 of the size.
        log_n: u32,
        /// The backend's id.
        backend: String,
        /// What differs from what.
        detail: String,
    },
    /// A Groth16 proof failed or did not verify.
    #[error("groth16 {circuit} on {backend}: {detail}")]
    Groth16 {
        /// The circuit's fixture name.
        circuit: String,
        /// The backend's id.
        backend: String,
        /// What went wrong.
        detail: String,
    },
}
