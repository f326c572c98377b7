//! The one error type every backend returns.
//!
//! Each variant carries what a user needs to act: which device, which operation, which size
//! and which limit. Nothing in a backend panics on bad input; it returns one of these.

use crate::types::Op;

/// Result alias used throughout the backends.
pub type Result<T, E = BackendError> = std::result::Result<T, E>;

/// Everything that can go wrong when a backend runs a workload.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BackendError {
    /// Two inputs that must have the same length do not (e.g. bases and scalars of an MSM).
    #[error("length mismatch in {what}: expected {expected}, got {got}")]
    LengthMismatch {
        /// Which inputs disagree, e.g. "MSM scalars vs bases".
        what: &'static str,
        /// The length that was required.
        expected: usize,
        /// The length that was passed.
        got: usize,
    },

    /// A size that must be a power of two is not (NTT length, Merkle leaf count).
    #[error("{what} must be a power of two, got {size}")]
    NotPowerOfTwo {
        /// What was sized, e.g. "NTT length".
        what: &'static str,
        /// The size that was passed.
        size: usize,
    },

    /// The input is larger than this device accepts for that operation.
    #[error("{op} of size {size} is above the limit of {limit} on {device}; split the work or use another device")]
    SizeAboveLimit {
        /// The operation.
        op: Op,
        /// The requested size.
        size: usize,
        /// The largest size this device accepts.
        limit: usize,
        /// The device's id, e.g. "cpu" or "cuda:0".
        device: String,
    },

    /// The device does not have enough free memory for the operation.
    #[error("out of memory on {device}: {op} needs {needed_bytes} bytes but {available_bytes} are available; split the work into smaller chunks")]
    OutOfMemory {
        /// The device's id.
        device: String,
        /// The operation that was refused.
        op: Op,
        /// Bytes the operation needs.
        needed_bytes: u64,
        /// Bytes the device has available.
        available_bytes: u64,
    },

    /// The device stopped answering or reported a fatal fault; retry on another device.
    #[error("device {device} lost: {reason}")]
    DeviceLost {
        /// The device's id.
        device: String,
        /// What the driver reported.
        reason: String,
    },

    /// This backend does not implement the operation (a backend may lack G2 MSM, for instance).
    #[error("{op} is not supported on {device}: {reason}")]
    Unsupported {
        /// The operation.
        op: Op,
        /// The device's id.
        device: String,
        /// Why, and what to do instead.
        reason: String,
    },

    /// A resident-bases handle that this backend does not know (never loaded, or unloaded).
    #[error("unknown bases handle {handle} on {device}: load the bases first")]
    UnknownHandle {
        /// The handle's numeric id.
        handle: u64,
        /// The device's id.
        device: String,
    },

    /// An input value is not acceptable, e.g. a field element given as bytes that is not below r.
    #[error("invalid input: {0}")]
    InvalidInput(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_what_to_act_on() {
        let cases: Vec<(BackendError, &[&str])> = vec![
            (
                BackendError::LengthMismatch { what: "MSM scalars vs bases", expected: 4, got: 3 },
                &["MSM scalars vs bases", "expected 4", "got 3"],
            ),
            (BackendError::NotPowerOfTwo { what: "NTT length", size: 12 }, &["NTT length", "power of two", "12"]),
            (
                BackendError::SizeAboveLimit { op: Op::Ntt, size: 1 << 29, limit: 1 << 28, device: "cpu".into() },
                &["NTT", "536870912", "268435456", "cpu"],
            ),
            (
                BackendError::OutOfMemory {
                    device: "cuda:0".into(),
                    op: Op::MsmG1,
                    needed_bytes: 10,
                    available_bytes: 5,
                },
                &["cuda:0", "MSM G1", "10 bytes", "5 are available"],
            ),
            (
                BackendError::DeviceLost { device: "cuda:1".into(), reason: "Xid 79".into() },
                &["cuda:1", "lost", "Xid 79"],
            ),
            (
                BackendError::Unsupported { op: Op::MsmG2, device: "webgpu:0".into(), reason: "no Fq2 kernels".into() },
                &["MSM G2", "webgpu:0", "no Fq2 kernels"],
            ),
            (BackendError::UnknownHandle { handle: 7, device: "cpu".into() }, &["handle 7", "cpu", "load the bases"]),
            (BackendError::InvalidInput("value is not below r".into()), &["invalid input", "not below r"]),
        ];
        for (err, needles) in cases {
            let msg = err.to_string();
            for needle in needles {
                assert!(msg.contains(needle), "{msg:?} should mention {needle:?}");
            }
        }
    }
}
