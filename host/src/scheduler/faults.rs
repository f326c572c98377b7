//! What can go wrong on a device, how a [`BackendError`] is classified, and the error a caller
//! gets when a share failed on every device it was tried on.

use std::fmt;

use serde::Serialize;
use zkaccel_backends::{BackendError, Op};

/// Why a share (or a whole result) failed on a device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FaultKind {
    /// The device reported it had too little memory.
    OutOfMemory,
    /// The device reported it is gone (driver fault, reset, fell off the bus).
    DeviceLost,
    /// The share did not finish before its deadline; the call was abandoned.
    Timeout,
    /// A result failed a check (invalid point, identity check, spot check, or a proof that
    /// failed its pairing check and was reported through `Scheduler::report_fault`).
    WrongResult,
    /// The backend panicked.
    Panicked,
    /// The device refused the share (`Unsupported`, `SizeAboveLimit`): not a health problem.
    Refused,
    /// The device answered a validated share with an error it should not give
    /// (`InvalidInput`, `LengthMismatch`, an unknown handle, ...).
    Unexpected,
}

impl FaultKind {
    /// Every kind, in a stable order (metrics are indexed by it).
    pub const ALL: [FaultKind; 7] = [
        FaultKind::OutOfMemory,
        FaultKind::DeviceLost,
        FaultKind::Timeout,
        FaultKind::WrongResult,
        FaultKind::Panicked,
        FaultKind::Refused,
        FaultKind::Unexpected,
    ];

    /// Short stable name, as in metrics and JSON ("out-of-memory", "timeout", ...).
    pub fn name(self) -> &'static str {
        match self {
            FaultKind::OutOfMemory => "out-of-memory",
            FaultKind::DeviceLost => "device-lost",
            FaultKind::Timeout => "timeout",
            FaultKind::WrongResult => "wrong-result",
            FaultKind::Panicked => "panicked",
            FaultKind::Refused => "refused",
            FaultKind::Unexpected => "unexpected",
        }
    }

    /// Position in [`FaultKind::ALL`].
    pub fn index(self) -> usize {
        FaultKind::ALL.iter().position(|k| *k == self).expect("listed")
    }

    /// Whether this fault makes the device unhealthy (everything but a refusal).
    pub fn marks_unhealthy(self) -> bool {
        self != FaultKind::Refused
    }

    /// The kind of a backend error returned for a share the scheduler already validated.
    pub fn of(error: &BackendError) -> FaultKind {
        match error {
            BackendError::OutOfMemory { .. } => FaultKind::OutOfMemory,
            BackendError::DeviceLost { .. } => FaultKind::DeviceLost,
            BackendError::Unsupported { .. } | BackendError::SizeAboveLimit { .. } => FaultKind::Refused,
            BackendError::LengthMismatch { .. }
            | BackendError::NotPowerOfTwo { .. }
            | BackendError::UnknownHandle { .. }
            | BackendError::InvalidInput(_) => FaultKind::Unexpected,
        }
    }
}

impl fmt::Display for FaultKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for FaultKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        FaultKind::ALL.into_iter().find(|k| k.name() == s.trim()).ok_or_else(|| {
            let valid: Vec<&str> = FaultKind::ALL.iter().map(|k| k.name()).collect();
            format!("unknown fault kind `{s}`; valid kinds are: {}", valid.join(", "))
        })
    }
}

/// One failed attempt: which kind, and what the device (or the check) said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    /// The classification.
    pub kind: FaultKind,
    /// The device's message or the failed check's description.
    pub message: String,
}

impl Fault {
    /// A fault of `kind` described by `message`.
    pub fn new(kind: FaultKind, message: impl Into<String>) -> Fault {
        Fault { kind, message: message.into() }
    }

    /// The fault a backend error stands for.
    pub fn from_error(error: &BackendError) -> Fault {
        Fault { kind: FaultKind::of(error), message: error.to_string() }
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind, self.message)
    }
}

/// The attempts made for one share, in order: device id and what went wrong.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Attempts(pub Vec<(String, Fault)>);

impl Attempts {
    /// Records a failed attempt.
    pub fn push(&mut self, device: &str, fault: Fault) {
        self.0.push((device.to_string(), fault));
    }

    /// The error the caller gets when every device failed `what`: a `DeviceLost` on the pool
    /// (`pool_id`) whose reason names each device's failure. A `BackendError` variant is used
    /// so that the scheduler stays a drop-in `Backend`.
    pub fn into_error(self, pool_id: &str, op: Op, what: &str) -> BackendError {
        let reason = if self.0.is_empty() {
            format!("{op} {what}: no healthy device supports it")
        } else {
            let parts: Vec<String> = self.0.iter().map(|(device, fault)| format!("{device}: {fault}")).collect();
            format!("{op} {what} failed on every device it was tried on: {}", parts.join("; "))
        };
        BackendError::DeviceLost { device: pool_id.to_string(), reason }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification_and_names() {
        let oom = BackendError::OutOfMemory { device: "d".into(), op: Op::Ntt, needed_bytes: 2, available_bytes: 1 };
        assert_eq!(FaultKind::of(&oom), FaultKind::OutOfMemory);
        let lost = BackendError::DeviceLost { device: "d".into(), reason: "x".into() };
        assert_eq!(FaultKind::of(&lost), FaultKind::DeviceLost);
        let refused = BackendError::Unsupported { op: Op::MsmG2, device: "d".into(), reason: "no".into() };
        assert_eq!(FaultKind::of(&refused), FaultKind::Refused);
        assert!(!FaultKind::Refused.marks_unhealthy() && FaultKind::Timeout.marks_unhealthy());
        assert_eq!(FaultKind::of(&BackendError::InvalidInput("x".into())), FaultKind::Unexpected);
        for kind in FaultKind::ALL {
            assert_eq!(kind.name().parse::<FaultKind>().unwrap(), kind);
            assert_eq!(FaultKind::ALL[kind.index()], kind);
        }
        assert!("bogus".parse::<FaultKind>().unwrap_err().contains("timeout"));
    }

    #[test]
    fn the_final_error_names_every_device() {
        let mut attempts = Attempts::default();
        attempts.push("cuda:0", Fault::new(FaultKind::Timeout, "no answer within 2s"));
        attempts.push("cpu", Fault::new(FaultKind::OutOfMemory, "needs 10 bytes"));
        let msg = attempts.into_error("scheduler", Op::MsmG1, "share 0..10").to_string();
        for needle in ["scheduler", "MSM G1", "cuda:0", "timeout", "no answer", "cpu", "out-of-memory"] {
            assert!(msg.contains(needle), "{msg} should mention {needle}");
        }
    }
}
