//! Opening a WebGPU device for tests (this crate's, and other crates' that test through it).
//!
//! Tests run on a CPU software adapter (Mesa's lavapipe) unless [`crate::ADAPTER_ENV`] says
//! `gpu`. When no adapter is found, outside CI the caller skips with the returned reason; in CI
//! (`CI` set and not `false`) that is a failure, since `scripts/test.sh` installs lavapipe and
//! a test that passes without its device proves nothing.

use std::sync::{Arc, OnceLock};

use crate::adapter::{self, AdapterClass};
use crate::context::{ContextOptions, GpuContext};

/// Whether this process runs under CI (`CI` set to anything but empty, `0` or `false`).
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && !v.eq_ignore_ascii_case("false"))
}

/// A new context on the test adapter with `options`. `Err` is the reason to skip; in CI a
/// missing adapter panics instead.
pub fn open_test_context(options: ContextOptions) -> Result<Arc<GpuContext>, String> {
    let class = match AdapterClass::from_env() {
        Ok(class) => class.unwrap_or(AdapterClass::Software),
        Err(e) => panic!("{e}"),
    };
    let instance = adapter::instance();
    let Some(found) = adapter::adapters(&instance, class).into_iter().next() else {
        let reason = format!(
            "no {} WebGPU adapter (install Mesa's Vulkan drivers, e.g. Debian's mesa-vulkan-drivers, \
             or run scripts/test.sh)",
            if class == AdapterClass::Software { "software (lavapipe)" } else { "hardware" }
        );
        if in_ci() {
            panic!("CI must run the WebGPU tests but found {reason}");
        }
        return Err(reason);
    };
    match GpuContext::open(&found, "webgpu-test:0".into(), options) {
        Ok(ctx) => Ok(Arc::new(ctx)),
        Err(e) => panic!("the test adapter {} was found but did not open: {e}", adapter::describe(&found.get_info())),
    }
}

/// One context with default options shared by every test in the process (pipelines compile
/// once). Same skip/fail rule as [`open_test_context`].
pub fn shared_test_context() -> Result<Arc<GpuContext>, String> {
    static SHARED: OnceLock<Result<Arc<GpuContext>, String>> = OnceLock::new();
    SHARED.get_or_init(|| open_test_context(ContextOptions::default())).clone()
}
