//! Per-device counters: busy time, bytes moved, calls, elements, shares, failures by kind.
//! Lock-free (relaxed atomics); read as [`DeviceStats`] through `Scheduler::stats`.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

use super::faults::FaultKind;
use super::health::HealthReport;

/// Counters of one device.
#[derive(Debug, Default)]
pub struct Metrics {
    busy_ns: AtomicU64,
    bytes_moved: AtomicU64,
    ops: AtomicU64,
    elements: AtomicU64,
    shares: AtomicU64,
    readmissions: AtomicU64,
    failures: [AtomicU64; FaultKind::ALL.len()],
}

impl Metrics {
    /// One backend call that took `ns`, moving `bytes` and processing `elements`.
    pub fn call(&self, ns: u64, bytes: u64, elements: u64) {
        self.busy_ns.fetch_add(ns, Ordering::Relaxed);
        self.bytes_moved.fetch_add(bytes, Ordering::Relaxed);
        self.ops.fetch_add(1, Ordering::Relaxed);
        self.elements.fetch_add(elements, Ordering::Relaxed);
    }

    /// A share that completed on this device.
    pub fn share(&self) {
        self.shares.fetch_add(1, Ordering::Relaxed);
    }

    /// A failure of `kind`.
    pub fn failure(&self, kind: FaultKind) {
        self.failures[kind.index()].fetch_add(1, Ordering::Relaxed);
    }

    /// A probe re-admitted the device.
    pub fn readmitted(&self) {
        self.readmissions.fetch_add(1, Ordering::Relaxed);
    }

    /// Failures of `kind` so far.
    pub fn failures_of(&self, kind: FaultKind) -> u64 {
        self.failures[kind.index()].load(Ordering::Relaxed)
    }

    /// A snapshot, with the device's identity and health filled in by the caller.
    pub fn snapshot(&self, id: &str, kind: &str, name: &str, role: &'static str, health: HealthReport) -> DeviceStats {
        let load = |a: &AtomicU64| a.load(Ordering::Relaxed);
        DeviceStats {
            id: id.to_string(),
            kind: kind.to_string(),
            name: name.to_string(),
            role,
            health,
            busy_seconds: load(&self.busy_ns) as f64 * 1e-9,
            bytes_moved: load(&self.bytes_moved),
            ops: load(&self.ops),
            elements: load(&self.elements),
            shares: load(&self.shares),
            readmissions: load(&self.readmissions),
            failures: FaultKind::ALL
                .iter()
                .map(|&k| (k.name().to_string(), self.failures_of(k)))
                .filter(|(_, n)| *n > 0)
                .collect(),
            calibrated: false,
        }
    }
}

/// What the scheduler reports per device (the daemon's metrics, `bench --scheduler`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeviceStats {
    /// The device's id ("cpu", "cuda:0").
    pub id: String,
    /// Its kind ("cpu", "cuda", ...).
    pub kind: String,
    /// Its name.
    pub name: String,
    /// "worker" (takes planned shares) or "fallback" (retries and work no worker supports).
    pub role: &'static str,
    /// Healthy, unhealthy or probing, with the last fault.
    pub health: HealthReport,
    /// Seconds spent inside backend calls (summed over concurrent calls).
    pub busy_seconds: f64,
    /// Bytes of inputs and outputs handed to and taken from the device.
    pub bytes_moved: u64,
    /// Backend calls (a chunked share counts each chunk; probes and spot checks included).
    pub ops: u64,
    /// Points, NTT elements, hashes or leaves processed.
    pub elements: u64,
    /// Shares completed (first attempts and retries).
    pub shares: u64,
    /// Times a probe re-admitted the device.
    pub readmissions: u64,
    /// Failures by kind ("timeout" → count); kinds that never happened are left out.
    pub failures: BTreeMap<String, u64>,
    /// Whether the device's cost models come from a calibration (else conservative defaults).
    pub calibrated: bool,
}

impl DeviceStats {
    /// Total failures of every kind.
    pub fn failures_total(&self) -> u64 {
        self.failures.values().sum()
    }

    /// Failures of `kind`.
    pub fn failures_of(&self, kind: FaultKind) -> u64 {
        self.failures.get(kind.name()).copied().unwrap_or(0)
    }
}
