//! The one correctness suite every backend runs.
//!
//! Each check takes a `&dyn Backend`, compares it with the CPU reference ([`crate::cpu::reference`])
//! or with arkworks, and panics with a precise message on the first difference. A backend's
//! test file opts in with one line:
//!
//! ```text
//! zkaccel_backends::conformance_suite!(|| Availability::Ready(Arc::new(MyBackend::new()?)));
//! ```
//!
//! which expands to one `#[test]` per check. A factory that cannot find its hardware returns
//! [`Availability::Skip`] with the reason; the test then prints `SKIPPED: <reason>` and passes
//! without asserting anything, so a backend must only skip when its hardware is genuinely
//! absent, never when something the test script installs is missing.

pub mod errors;
pub mod inputs;
pub mod msm;
pub mod ntt;
pub mod poseidon;

use std::sync::Arc;

use crate::Backend;

/// Whether the device under test is present.
pub enum Availability {
    /// The backend to test.
    Ready(Arc<dyn Backend>),
    /// The hardware is absent; the reason is printed and the check is skipped.
    Skip(String),
}

/// Largest sizes the suite runs on a backend. Slow devices (simulators) pass smaller ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SuiteSizes {
    /// Largest MSM, as log2 of its length.
    pub max_log_msm: u32,
    /// Largest G2 MSM, as log2 of its length.
    pub max_log_msm_g2: u32,
    /// Largest NTT, as log2 of its length.
    pub max_log_ntt: u32,
    /// Number of hashes per arity in the Poseidon batch check.
    pub poseidon_batch: usize,
    /// Largest Merkle tree, as log2 of its leaf count.
    pub max_log_merkle: u32,
}

impl Default for SuiteSizes {
    fn default() -> Self {
        SuiteSizes { max_log_msm: 16, max_log_msm_g2: 10, max_log_ntt: 16, poseidon_batch: 64, max_log_merkle: 10 }
    }
}

/// Runs one check against the backend the factory makes, or reports it skipped.
pub fn run(name: &str, factory: impl FnOnce() -> Availability, sizes: SuiteSizes, check: fn(&dyn Backend, SuiteSizes)) {
    match factory() {
        Availability::Ready(backend) => check(backend.as_ref(), sizes),
        Availability::Skip(reason) => report_skip(name, &reason),
    }
}

/// Reports a skipped check on stderr, bypassing the test harness's output capture so the
/// reason shows in every run (and `scripts/test.sh` can count it).
pub fn report_skip(name: &str, reason: &str) {
    use std::io::Write;
    // One write of the whole line: stderr is unbuffered, and a line written in pieces gets
    // interleaved with the harness's own output when tests run in parallel.
    let line = format!("\nSKIPPED {name}: {reason}\n");
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

/// Expands to one `#[test]` per conformance check for the backend its factory makes.
///
/// `$factory` is an expression callable as `Fn() -> Availability`; an optional second
/// argument gives [`SuiteSizes`].
#[macro_export]
macro_rules! conformance_suite {
    ($factory:expr) => {
        $crate::conformance_suite!($factory, $crate::conformance::SuiteSizes::default());
    };
    ($factory:expr, $sizes:expr) => {
        $crate::conformance_suite!(@tests $factory, $sizes;
            device_info_is_consistent => $crate::conformance::errors::device_info_is_consistent,
            unsupported_ops_answer_unsupported => $crate::conformance::errors::unsupported_ops_answer_unsupported,
            bad_input_is_a_typed_error => $crate::conformance::errors::bad_input_is_a_typed_error,
            msm_g1_small_sizes_match_reference => $crate::conformance::msm::g1_small_sizes_match_reference,
            msm_g1_edge_cases => $crate::conformance::msm::g1_edge_cases,
            msm_g1_large_matches_arkworks => $crate::conformance::msm::g1_large_matches_arkworks,
            msm_g2_matches_reference => $crate::conformance::msm::g2_matches_reference,
            msm_resident_bases => $crate::conformance::msm::resident_bases,
            msm_concurrent_callers => $crate::conformance::msm::concurrent_callers,
            ntt_matches_reference_every_size => $crate::conformance::ntt::matches_reference_every_size,
            ntt_matches_arkworks => $crate::conformance::ntt::matches_arkworks,
            ntt_round_trips => $crate::conformance::ntt::round_trips,
            ntt_batches => $crate::conformance::ntt::batches,
            poseidon_known_answers => $crate::conformance::poseidon::known_answers,
            poseidon_every_arity_matches_reference => $crate::conformance::poseidon::every_arity_matches_reference,
            poseidon_edge_values => $crate::conformance::poseidon::edge_values,
            merkle_matches_reference => $crate::conformance::poseidon::merkle_matches_reference,
        );
    };
    (@tests $factory:expr, $sizes:expr; $($name:ident => $check:path),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                $crate::conformance::run(stringify!($name), $factory, $sizes, $check);
            }
        )*
    };
}
