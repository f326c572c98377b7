//! Raw jobs: single MSM, NTT, Poseidon or Merkle workloads that researchers submit to
//! `POST /v1/jobs` (see "Raw jobs" in docs/DAEMON.md).
//!
//! ```text
//! JSON body ──serde──► RawJob ──prepare(limits)──► PreparedRawJob ──run(backend)──► result JSON
//!                        (spec)   every check here    (typed inputs)     (run)
//! ```
//!
//! [`RawJob::prepare`] checks everything before a device sees the job, so a queued job only
//! fails on a device fault. Field elements are never reduced silently: a value at or above the
//! modulus is an error that names the field and index.
//!
//! ```
//! use zkaccel::daemon::raw_jobs::{RawJob, RawJobLimits};
//! use zkaccel_backends::cpu::CpuBackend;
//!
//! let job = RawJob::from_json(br#"{"kind":"msm","bases":[["1","2"]],"scalars":["1"]}"#).unwrap();
//! let result = job.prepare(&RawJobLimits::default()).unwrap().run(&CpuBackend::new()).unwrap();
//! assert_eq!(result, serde_json::json!({"point": ["1", "2"]}));
//! ```

mod error;
mod field;
mod prepare;
mod run;
mod spec;

pub use error::RawJobError;
pub use field::{g1_to_strings, parse_fq, parse_fr, parse_g1};
pub use prepare::{PreparedRawJob, POSEIDON_ARITIES};
pub use spec::{RandomInputs, RawJob, RawJobLimits};

#[cfg(test)]
mod tests;
