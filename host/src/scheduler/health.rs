//! Device health: healthy, or unhealthy until a re-probe after an exponential backoff.
//!
//! A fault that is the device's (everything but a refusal) marks it unhealthy: it gets no new
//! shares. Once its backoff has passed, the next planning pass starts one probe in the
//! background (a tiny MSM with a known answer, under a deadline); success re-admits the
//! device, failure doubles the backoff up to the configured maximum.

use std::time::{Duration, Instant};

use serde::Serialize;

use super::faults::FaultKind;

/// Where a device stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HealthState {
    /// Takes shares.
    Healthy,
    /// Takes no shares until a probe succeeds.
    Unhealthy {
        /// The fault that made it unhealthy.
        last_fault: FaultKind,
        /// When the next probe may start.
        retry_at: Instant,
        /// The wait that was applied (doubled on the next failure).
        backoff: Duration,
        /// Whether a probe is running now.
        probing: bool,
    },
}

/// A device's health, as reported in stats.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HealthReport {
    /// "healthy", "unhealthy" or "probing".
    pub state: &'static str,
    /// The fault that made it unhealthy, if it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_fault: Option<FaultKind>,
    /// Milliseconds until it may be probed again, if unhealthy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_in_ms: Option<u64>,
}

/// What a planning pass should do with a device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Give it work.
    Use,
    /// Leave it out.
    Skip,
    /// Leave it out, and start a probe (the caller owns the probe now).
    Probe,
}

/// A device's health and backoff.
#[derive(Debug)]
pub struct Health {
    state: HealthState,
    initial: Duration,
    max: Duration,
}

impl Health {
    /// A healthy device with the given backoff range.
    pub fn new(initial: Duration, max: Duration) -> Health {
        Health { state: HealthState::Healthy, initial, max }
    }

    /// The current state.
    pub fn state(&self) -> HealthState {
        self.state
    }

    /// Whether the device takes shares.
    pub fn is_healthy(&self) -> bool {
        self.state == HealthState::Healthy
    }

    /// Records a fault: unhealthy, with the backoff doubled if it already was.
    pub fn fail(&mut self, kind: FaultKind, now: Instant) {
        let backoff = match self.state {
            HealthState::Healthy => self.initial,
            HealthState::Unhealthy { backoff, .. } => (backoff * 2).min(self.max),
        };
        self.state = HealthState::Unhealthy { last_fault: kind, retry_at: now + backoff, backoff, probing: false };
    }

    /// Decides whether a planning pass uses the device; claims the probe when it is due.
    pub fn admit(&mut self, now: Instant) -> Admission {
        match &mut self.state {
            HealthState::Healthy => Admission::Use,
            HealthState::Unhealthy { probing: true, .. } => Admission::Skip,
            HealthState::Unhealthy { retry_at, probing, .. } if *retry_at <= now => {
                *probing = true;
                Admission::Probe
            }
            HealthState::Unhealthy { .. } => Admission::Skip,
        }
    }

    /// The probe's outcome: re-admitted, or unhealthy with a longer backoff.
    pub fn probed(&mut self, outcome: Result<(), FaultKind>, now: Instant) {
        match outcome {
            Ok(()) => self.state = HealthState::Healthy,
            Err(kind) => self.fail(kind, now),
        }
    }

    /// The state for stats.
    pub fn report(&self, now: Instant) -> HealthReport {
        match self.state {
            HealthState::Healthy => HealthReport { state: "healthy", last_fault: None, retry_in_ms: None },
            HealthState::Unhealthy { last_fault, retry_at, probing, .. } => HealthReport {
                state: if probing { "probing" } else { "unhealthy" },
                last_fault: Some(last_fault),
                retry_in_ms: Some(retry_at.saturating_duration_since(now).as_millis() as u64),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_maximum_and_probes_readmit() {
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        let mut h = Health::new(ms(100), ms(250));
        assert_eq!(h.admit(t0), Admission::Use);
        h.fail(FaultKind::Timeout, t0);
        assert_eq!(h.admit(t0 + ms(50)), Admission::Skip);
        assert_eq!(h.admit(t0 + ms(100)), Admission::Probe);
        assert_eq!(h.admit(t0 + ms(100)), Admission::Skip, "one probe at a time");
        assert_eq!(h.report(t0).state, "probing");
        h.probed(Err(FaultKind::DeviceLost), t0 + ms(100));
        assert!(matches!(h.state(), HealthState::Unhealthy { backoff, .. } if backoff == ms(200)));
        h.fail(FaultKind::DeviceLost, t0);
        assert!(matches!(h.state(), HealthState::Unhealthy { backoff, .. } if backoff == ms(250)));
        assert_eq!(h.admit(t0 + ms(250)), Admission::Probe);
        h.probed(Ok(()), t0 + ms(250));
        assert!(h.is_healthy());
        h.fail(FaultKind::WrongResult, t0);
        assert!(matches!(h.state(), HealthState::Unhealthy { backoff, .. } if backoff == ms(100)), "reset");
    }
}
