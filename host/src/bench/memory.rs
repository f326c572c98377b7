//! Peak extra memory of one run: the most heap bytes the run added at any moment.
//!
//! Measured with the counting allocator of [`super::heap`], which the `zkaccel` binary
//! installs; where it is not installed (a library user's process) the measurement is `None`,
//! never a guess.

use super::heap;

/// Runs `f` and returns its result with the peak heap it added, in bytes, when measurable.
/// The bench measures an untimed run (the first warm-up), never a timed one.
pub fn peak_extra<T>(f: impl FnOnce() -> T) -> (T, Option<u64>) {
    heap::measure(f)
}
