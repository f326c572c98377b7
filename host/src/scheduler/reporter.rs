//! Faults found above the scheduler: the Groth16 prover reports a proof that failed its
//! pairing check (and that the CPU then proved correctly) through [`FaultReporter`].
//!
//! The prover only knows it ran on the pool ("scheduler"), not which device went wrong: the
//! MSMs of one proof run on several threads and devices. The pool then blames its suspects:
//! every accelerator that completed a share since the previous pool-wide report. Over-blaming
//! under concurrent proofs is safe (a healthy device passes its probe and is re-admitted after
//! the backoff); never blaming would keep a wrong device in use. A report naming one device
//! marks that device.

use std::sync::atomic::Ordering;

use super::faults::FaultKind;
use super::Scheduler;
use crate::groth16::FaultReporter;

impl Scheduler {
    /// Marks the pool's suspects (accelerators with shares since the last such report)
    /// unhealthy for `kind`; returns their ids.
    pub fn report_pool_fault(&self, kind: FaultKind) -> Vec<String> {
        let mut blamed = Vec::new();
        for d in self.inner.devices.iter() {
            if d.contributed.swap(false, Ordering::AcqRel) && !d.is_cpu() {
                blamed.push(d.info.id.clone());
            }
        }
        for id in &blamed {
            self.report_fault(id, kind);
        }
        blamed
    }
}

impl FaultReporter for Scheduler {
    fn report(&self, device: &str, step: &'static str, detail: &str) {
        let wrong = step.contains("pairing") || detail.contains("did not verify");
        if device == self.inner.info.id {
            if wrong {
                let blamed = self.report_pool_fault(FaultKind::WrongResult);
                tracing::warn!(?blamed, step, detail, "a proof from the pool failed its check");
            } else {
                // An error from the pool: every device's failure was already recorded.
                tracing::debug!(step, detail, "pool error reported; already attributed");
            }
        } else {
            self.report_fault(device, if wrong { FaultKind::WrongResult } else { FaultKind::Unexpected });
        }
    }
}
