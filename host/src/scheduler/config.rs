//! The scheduler's settings: which devices, deadlines, health backoff, spot checks,
//! calibration source; read from the config file's `devices` key and `scheduler` section.
//!
//! The config file is JSON: `$ZKACCEL_CONFIG`, else `$XDG_CONFIG_HOME/zkaccel/config.json`,
//! else `~/.config/zkaccel/config.json`. Other top-level keys are ignored (they belong to
//! other components); unknown keys inside `scheduler` are an error, so typos are caught.
//!
//! ```json
//! { "devices": "cuda:0,cuda:1,cpu",
//!   "scheduler": { "spot_check_rate": 0.05, "share_timeout_floor_ms": 30000 } }
//! ```

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use super::calibration::Calibration;
use crate::registry::DeviceSelection;

/// Which shares run with a deadline (on a thread the caller can abandon).
///
/// A share with a deadline needs its own copy of its inputs (the thread may outlive the
/// call), so CPU shares run without one by default: they are the last resort anyway.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Deadlines {
    /// No deadlines: every share runs on borrowed inputs and the caller waits for it.
    Off,
    /// Shares on accelerators (anything but the CPU) have deadlines.
    #[default]
    Accelerators,
    /// Every share has a deadline, the CPU's too.
    All,
}

/// Where calibration comes from.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum CalibrationSource {
    /// The cache file at its default place (see [`super::calibration::default_path`]).
    #[default]
    Cache,
    /// This file.
    File(PathBuf),
    /// These measurements (tests, embedders that calibrate themselves).
    Given(Calibration),
    /// None: conservative defaults per device kind.
    Defaults,
}

/// Settings of a [`super::Scheduler`].
#[derive(Debug, Clone, PartialEq)]
pub struct SchedulerConfig {
    /// Devices to use (`--devices`, the config file's `devices`); `None` uses all found.
    pub devices: Option<DeviceSelection>,
    /// Keep a CPU backend as the fallback of last resort even when `devices` leaves it out
    /// (it then gets no planned shares, only retries and G2 work no other device can run).
    pub cpu_fallback: bool,
    /// Which shares run with a deadline.
    pub deadlines: Deadlines,
    /// A share's deadline is `max(floor, slack × its predicted time)`.
    pub share_timeout_floor: Duration,
    /// See `share_timeout_floor`.
    pub share_timeout_slack: f64,
    /// Threads abandoned on a device (after a timeout) before it gets no more work, not even
    /// re-probes, until one of them returns. Bounds the threads a hung device can hold.
    pub max_abandoned_per_device: usize,
    /// First wait before an unhealthy device is probed again; doubled after each failed probe.
    pub backoff_initial: Duration,
    /// Longest wait between probes.
    pub backoff_max: Duration,
    /// Probability that a share on an accelerator is spot-checked (0 disables, 1 checks all).
    /// MSM: a random sub-MSM is recomputed on the CPU; NTT: a randomized identity check of
    /// the whole share; Poseidon: random hashes recomputed; Merkle: random parent nodes.
    pub spot_check_rate: f64,
    /// Points of the random sub-MSM a spot check recomputes.
    pub spot_check_points: usize,
    /// Smallest share worth sending to a second device, in elements (points, NTT elements,
    /// hashes, leaves); smaller work stays on one device.
    pub min_share: usize,
    /// Part of a device's memory a share may use; larger shares run in chunks.
    pub memory_fraction: f64,
    /// Where device throughput comes from.
    pub calibration: CalibrationSource,
}

impl Default for SchedulerConfig {
    fn default() -> Self {
        SchedulerConfig {
            devices: None,
            cpu_fallback: true,
            deadlines: Deadlines::Accelerators,
            share_timeout_floor: Duration::from_secs(30),
            share_timeout_slack: 20.0,
            max_abandoned_per_device: 2,
            backoff_initial: Duration::from_secs(1),
            backoff_max: Duration::from_secs(300),
            spot_check_rate: 0.0,
            spot_check_points: 64,
            min_share: 1024,
            memory_fraction: 0.75,
            calibration: CalibrationSource::Cache,
        }
    }
}

/// The config file's keys this module reads.
#[derive(Debug, Default, Deserialize)]
struct FileConfig {
    #[serde(default)]
    devices: Option<String>,
    #[serde(default)]
    scheduler: Option<FileScheduler>,
}

/// The `scheduler` section.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileScheduler {
    cpu_fallback: Option<bool>,
    deadlines: Option<Deadlines>,
    share_timeout_floor_ms: Option<u64>,
    share_timeout_slack: Option<f64>,
    max_abandoned_per_device: Option<usize>,
    backoff_initial_ms: Option<u64>,
    backoff_max_ms: Option<u64>,
    spot_check_rate: Option<f64>,
    spot_check_points: Option<usize>,
    min_share: Option<usize>,
    memory_fraction: Option<f64>,
    calibration_file: Option<PathBuf>,
}

/// A config file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file exists but cannot be read.
    #[error("cannot read {path}: {error}")]
    Read {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        error: String,
    },
    /// The file is not valid JSON or has a bad key or value.
    #[error("{path}: {error}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        error: String,
    },
}

impl SchedulerConfig {
    /// The default config file's path, if one can be named (it need not exist).
    pub fn default_file() -> Option<PathBuf> {
        let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
        var("ZKACCEL_CONFIG")
            .or_else(|| var("XDG_CONFIG_HOME").map(|d| d.join("zkaccel").join("config.json")))
            .or_else(|| var("HOME").map(|h| h.join(".config").join("zkaccel").join("config.json")))
    }

    /// Defaults overridden by the default config file, when there is one.
    pub fn load() -> Result<SchedulerConfig, ConfigError> {
        match Self::default_file() {
            Some(path) if path.exists() => Self::from_file(&path),
            _ => Ok(SchedulerConfig::default()),
        }
    }

    /// Defaults overridden by `path`.
    pub fn from_file(path: &Path) -> Result<SchedulerConfig, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError::Read { path: path.to_path_buf(), error: e.to_string() })?;
        Self::from_json(&text).map_err(|error| ConfigError::Parse { path: path.to_path_buf(), error })
    }

    /// Defaults overridden by a config file's text.
    pub fn from_json(text: &str) -> Result<SchedulerConfig, String> {
        let file: FileConfig = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let mut config = SchedulerConfig::default();
        if let Some(devices) = file.devices {
            config.devices = Some(devices.parse().map_err(|e| format!("devices: {e}"))?);
        }
        let Some(s) = file.scheduler else { return Ok(config) };
        let ms = Duration::from_millis;
        config.cpu_fallback = s.cpu_fallback.unwrap_or(config.cpu_fallback);
        config.deadlines = s.deadlines.unwrap_or(config.deadlines);
        config.share_timeout_floor = s.share_timeout_floor_ms.map(ms).unwrap_or(config.share_timeout_floor);
        config.share_timeout_slack = s.share_timeout_slack.unwrap_or(config.share_timeout_slack);
        config.max_abandoned_per_device = s.max_abandoned_per_device.unwrap_or(config.max_abandoned_per_device);
        config.backoff_initial = s.backoff_initial_ms.map(ms).unwrap_or(config.backoff_initial);
        config.backoff_max = s.backoff_max_ms.map(ms).unwrap_or(config.backoff_max);
        config.spot_check_rate = s.spot_check_rate.unwrap_or(config.spot_check_rate);
        config.spot_check_points = s.spot_check_points.unwrap_or(config.spot_check_points);
        config.min_share = s.min_share.unwrap_or(config.min_share);
        config.memory_fraction = s.memory_fraction.unwrap_or(config.memory_fraction);
        if let Some(path) = s.calibration_file {
            config.calibration = CalibrationSource::File(path);
        }
        config.validate()?;
        Ok(config)
    }

    /// Rejects values that cannot work.
    pub fn validate(&self) -> Result<(), String> {
        if !(0.0..=1.0).contains(&self.spot_check_rate) {
            return Err(format!("spot_check_rate {} is outside 0..=1", self.spot_check_rate));
        }
        if !(self.memory_fraction > 0.0 && self.memory_fraction <= 1.0) {
            return Err(format!("memory_fraction {} is outside (0, 1]", self.memory_fraction));
        }
        if self.share_timeout_slack.is_nan() || self.share_timeout_slack < 1.0 {
            return Err(format!("share_timeout_slack {} is below 1", self.share_timeout_slack));
        }
        if self.backoff_initial > self.backoff_max {
            return Err("backoff_initial_ms is above backoff_max_ms".into());
        }
        if self.max_abandoned_per_device == 0 {
            return Err("max_abandoned_per_device must be at least 1".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_keys_override_defaults() {
        let config = SchedulerConfig::from_json(
            r#"{ "devices": "cuda:0,cpu", "daemon": {"port": 1},
                 "scheduler": { "spot_check_rate": 0.5, "deadlines": "all", "backoff_initial_ms": 20,
                                "calibration_file": "/tmp/c.json" } }"#,
        )
        .unwrap();
        assert_eq!(config.devices.unwrap().to_string(), "cuda:0,cpu");
        assert_eq!(config.spot_check_rate, 0.5);
        assert_eq!(config.deadlines, Deadlines::All);
        assert_eq!(config.backoff_initial, Duration::from_millis(20));
        assert_eq!(config.calibration, CalibrationSource::File("/tmp/c.json".into()));
        assert_eq!(SchedulerConfig::from_json("{}").unwrap(), SchedulerConfig::default());
    }

    #[test]
    fn bad_values_are_named() {
        for (text, needle) in [
            (r#"{"scheduler": {"spot_check_rte": 1}}"#, "spot_check_rte"),
            (r#"{"scheduler": {"spot_check_rate": 2}}"#, "spot_check_rate"),
            (r#"{"devices": "tpu"}"#, "tpu"),
            (r#"{"scheduler": {"memory_fraction": 0}}"#, "memory_fraction"),
        ] {
            let err = SchedulerConfig::from_json(text).unwrap_err();
            assert!(err.contains(needle), "{text}: {err}");
        }
    }
}
