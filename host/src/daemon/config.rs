//! The daemon's configuration: a TOML file (see `zkaccel.example.toml`), then environment
//! overrides of the form `ZKACCEL__SECTION__KEY=value`, then defaults that run with nothing set.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::artifacts::ArtifactStoreConfig;

/// Prefix of the environment variables that override the file: `ZKACCEL__QUEUE__LEASE_SECONDS=10`
/// sets `[queue] lease_seconds = 10`; `ZKACCEL__DATABASE_URL=postgres://…` sets `database_url`.
pub const ENV_PREFIX: &str = "ZKACCEL__";

/// Everything `zkaccel daemon` reads from its configuration.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct DaemonConfig {
    /// Address the HTTP API listens on.
    pub listen: String,
    /// `sqlite://path/to/file.sqlite` (created when missing) or `postgres://user:pass@host/db`.
    pub database_url: String,
    /// Devices to prove on: `all` (every hardware device found, the CPU as fallback) or ids.
    pub devices: String,
    /// Jobs this daemon runs at once.
    pub workers: usize,
    /// Scratch space: spooled uploads, zkeys fetched from S3.
    pub data_dir: PathBuf,
    /// A name for this daemon in leases and logs (default: host name and process id).
    pub daemon_id: Option<String>,
    /// Where zkeys and witnesses are kept.
    pub artifacts: ArtifactStoreConfig,
    /// Leases, retries and polling.
    pub queue: QueueConfig,
    /// Per-tenant defaults for request size and rate.
    pub limits: LimitsConfig,
    /// The provers kept in memory between jobs.
    pub prover_cache: ProverCacheConfig,
    /// What SIGTERM does.
    pub shutdown: ShutdownConfig,
    /// Knobs for the crash tests only: never set them in production.
    pub testing: TestingConfig,
}

/// Leases, retries and polling.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct QueueConfig {
    /// How long a claimed job stays leased without a heartbeat before the reaper requeues it.
    pub lease_seconds: u64,
    /// How often a worker renews its lease (must be well under `lease_seconds`).
    pub heartbeat_seconds: u64,
    /// Attempts before a job is failed for good (the dead-letter list).
    pub max_attempts: u32,
    /// How often this daemon returns expired leases to the queue.
    pub reaper_interval_seconds: u64,
    /// How often an idle worker looks for work submitted to other daemons.
    pub poll_interval_ms: u64,
    /// How long a failed Groth16 job keeps its witness for a dead-letter retry; after that the
    /// reaper deletes it and the job can no longer be retried. 0 keeps witnesses forever.
    pub failed_witness_retention_seconds: u64,
}

/// Per-tenant defaults; a tenant's own settings (`zkaccel daemon tenant add`) override them.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct LimitsConfig {
    /// Largest request body (a zkey upload is the largest), in bytes.
    pub max_body_bytes: u64,
    /// Largest JSON body of a raw job, in bytes.
    pub max_json_bytes: u64,
    /// Sustained requests per second per tenant.
    pub requests_per_second: u32,
    /// Requests a tenant may make in a burst above the sustained rate.
    pub burst: u32,
    /// Most field elements or points in one raw job.
    pub max_raw_elements: usize,
}

/// The provers kept in memory between jobs.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ProverCacheConfig {
    /// Memory budget for cached provers (keys and their resident bases), in bytes.
    pub budget_bytes: u64,
}

/// What SIGTERM does.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ShutdownConfig {
    /// How long running jobs may take to finish before their leases are released.
    pub grace_seconds: u64,
}

/// Test-only knobs.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct TestingConfig {
    /// Sleep this long after a job's work and before its result is committed, so a test can kill
    /// the daemon mid-job.
    pub hold_before_commit_ms: u64,
}

impl Default for DaemonConfig {
    fn default() -> Self {
        DaemonConfig {
            listen: "127.0.0.1:8080".into(),
            database_url: "sqlite://zkaccel-data/queue.sqlite".into(),
            devices: "all".into(),
            workers: 2,
            data_dir: "zkaccel-data".into(),
            daemon_id: None,
            artifacts: ArtifactStoreConfig::default(),
            queue: QueueConfig::default(),
            limits: LimitsConfig::default(),
            prover_cache: ProverCacheConfig::default(),
            shutdown: ShutdownConfig::default(),
            testing: TestingConfig::default(),
        }
    }
}

impl Default for QueueConfig {
    fn default() -> Self {
        QueueConfig {
            lease_seconds: 30,
            heartbeat_seconds: 5,
            max_attempts: 3,
            reaper_interval_seconds: 5,
            poll_interval_ms: 200,
            failed_witness_retention_seconds: 7 * 24 * 3600,
        }
    }
}

impl Default for LimitsConfig {
    fn default() -> Self {
        LimitsConfig {
            max_body_bytes: 8 << 30,
            max_json_bytes: 256 << 20,
            requests_per_second: 100,
            burst: 400,
            max_raw_elements: 1 << 20,
        }
    }
}

impl Default for ProverCacheConfig {
    fn default() -> Self {
        ProverCacheConfig { budget_bytes: 16 << 30 }
    }
}

impl Default for ShutdownConfig {
    fn default() -> Self {
        ShutdownConfig { grace_seconds: 30 }
    }
}

/// A configuration that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("reading {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file, after the environment overrides, is not a valid configuration.
    #[error("{origin}: {message}")]
    Invalid {
        /// The file, or "the environment" / "the defaults".
        origin: String,
        /// The parser's message (it names the key).
        message: String,
    },
}

impl DaemonConfig {
    /// Reads `path` (when given), applies the `ZKACCEL__…` environment overrides, and checks the result.
    pub fn load(path: Option<&Path>) -> Result<DaemonConfig, ConfigError> {
        let (text, origin) = match path {
            Some(path) => (
                std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: path.into(), source })?,
                path.display().to_string(),
            ),
            None => (String::new(), "the defaults".to_string()),
        };
        DaemonConfig::from_toml(&text, std::env::vars(), &origin)
    }

    /// Parses TOML text, then applies overrides from `env` (only variables starting with
    /// [`ENV_PREFIX`] are read).
    pub fn from_toml(
        text: &str,
        env: impl IntoIterator<Item = (String, String)>,
        origin: &str,
    ) -> Result<DaemonConfig, ConfigError> {
        let invalid = |message: String| ConfigError::Invalid { origin: origin.to_string(), message };
        let mut table: toml::Table = text.parse().map_err(|e: toml::de::Error| invalid(e.to_string()))?;
        let mut overridden = Vec::new();
        for (name, value) in env {
            let Some(path) = name.strip_prefix(ENV_PREFIX) else { continue };
            let keys: Vec<String> = path.split("__").map(|k| k.to_ascii_lowercase()).collect();
            if keys.iter().any(|k| k.is_empty()) {
                return Err(invalid(format!("environment variable {name}: empty key")));
            }
            set_path(&mut table, &keys, parse_env_value(&value)).map_err(|m| invalid(format!("{name}: {m}")))?;
            overridden.push(name);
        }
        let config: DaemonConfig = table.try_into().map_err(|e: toml::de::Error| {
            let mut message = e.to_string();
            if !overridden.is_empty() {
                message.push_str(&format!(" (after the overrides {})", overridden.join(", ")));
            }
            invalid(message)
        })?;
        config.check().map_err(invalid)?;
        Ok(config)
    }

    fn check(&self) -> Result<(), String> {
        if self.workers == 0 {
            return Err("workers must be at least 1".into());
        }
        let q = &self.queue;
        if q.lease_seconds == 0 || q.heartbeat_seconds == 0 || q.heartbeat_seconds * 2 > q.lease_seconds {
            return Err(format!(
                "queue.heartbeat_seconds ({}) must be at least 1 and at most half of queue.lease_seconds ({})",
                q.heartbeat_seconds, q.lease_seconds
            ));
        }
        if q.max_attempts == 0 {
            return Err("queue.max_attempts must be at least 1".into());
        }
        if q.poll_interval_ms == 0 || q.reaper_interval_seconds == 0 {
            return Err("queue.poll_interval_ms and queue.reaper_interval_seconds must be positive".into());
        }
        if self.limits.requests_per_second == 0 || self.limits.burst == 0 {
            return Err("limits.requests_per_second and limits.burst must be positive".into());
        }
        if !(self.database_url.starts_with("sqlite:") || self.database_url.starts_with("postgres")) {
            return Err(format!(
                "database_url {:?} is neither sqlite://FILE nor postgres://…",
                redact_url(&self.database_url)
            ));
        }
        self.devices.parse::<crate::registry::DeviceSelection>().map_err(|e| format!("devices: {e}"))?;
        Ok(())
    }

    /// The lease length.
    pub fn lease(&self) -> Duration {
        Duration::from_secs(self.queue.lease_seconds)
    }

    /// This daemon's name in leases and logs.
    pub fn daemon_name(&self) -> String {
        self.daemon_id.clone().unwrap_or_else(|| {
            let host = std::fs::read_to_string("/etc/hostname").map(|h| h.trim().to_string()).unwrap_or_default();
            let host = if host.is_empty() { "daemon".to_string() } else { host };
            format!("{host}:{}", std::process::id())
        })
    }
}

/// A value from the environment: TOML when it parses as a TOML value (numbers, booleans,
/// quoted strings, arrays), otherwise the raw text as a string.
fn parse_env_value(text: &str) -> toml::Value {
    let doc = format!("v = {text}");
    match doc.parse::<toml::Table>() {
        Ok(mut table) => table.remove("v").unwrap_or_else(|| toml::Value::String(text.into())),
        Err(_) => toml::Value::String(text.into()),
    }
}

fn set_path(table: &mut toml::Table, keys: &[String], value: toml::Value) -> Result<(), String> {
    let (last, parents) = keys.split_last().expect("at least one key");
    let mut current = table;
    for key in parents {
        let entry = current.entry(key.clone()).or_insert_with(|| toml::Value::Table(toml::Table::new()));
        current = entry.as_table_mut().ok_or_else(|| format!("{key} is not a table"))?;
    }
    current.insert(last.clone(), value);
    Ok(())
}

/// The URL with any password replaced by `***`, for logs and errors.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.find(':') {
                Some(colon) => format!("{}{}:***{}", &url[..scheme + 3], &userinfo[..colon], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn defaults_run_with_nothing_set() {
        let config = DaemonConfig::from_toml("", env(&[]), "test").unwrap();
        assert_eq!(config, DaemonConfig::default());
        assert!(config.database_url.starts_with("sqlite://"));
        assert_eq!(config.artifacts, ArtifactStoreConfig::default());
    }

    #[test]
    fn the_example_file_parses() {
        let text = include_str!("../../../zkaccel.example.toml");
        let config = DaemonConfig::from_toml(text, env(&[]), "zkaccel.example.toml").unwrap();
        assert_eq!(config.queue.lease_seconds, 30);
    }

    #[test]
    fn environment_overrides_the_file() {
        let text = "workers = 3\n[queue]\nlease_seconds = 60\n";
        let config = DaemonConfig::from_toml(
            text,
            env(&[
                ("ZKACCEL__QUEUE__LEASE_SECONDS", "20"),
                ("ZKACCEL__DATABASE_URL", "postgres://u:p@localhost/zk"),
                ("ZKACCEL__LIMITS__BURST", "7"),
                ("ZKACCEL_DEVICES", "ignored: single underscore"),
            ]),
            "test",
        )
        .unwrap();
        assert_eq!(config.workers, 3);
        assert_eq!(config.queue.lease_seconds, 20);
        assert_eq!(config.database_url, "postgres://u:p@localhost/zk");
        assert_eq!(config.limits.burst, 7);
    }

    #[test]
    fn mistakes_are_named() {
        let err = DaemonConfig::from_toml("wrokers = 2", env(&[]), "f.toml").unwrap_err().to_string();
        assert!(err.contains("f.toml") && err.contains("wrokers"), "{err}");
        let err = DaemonConfig::from_toml("", env(&[("ZKACCEL__WORKERS", "many")]), "f").unwrap_err().to_string();
        assert!(err.contains("ZKACCEL__WORKERS"), "{err}");
        let err = DaemonConfig::from_toml("[queue]\nheartbeat_seconds = 20", env(&[]), "f").unwrap_err().to_string();
        assert!(err.contains("heartbeat_seconds"), "{err}");
        let err = DaemonConfig::from_toml("database_url = \"mysql://x\"", env(&[]), "f").unwrap_err().to_string();
        assert!(err.contains("neither"), "{err}");
        let err = DaemonConfig::from_toml("devices = \"tpu\"", env(&[]), "f").unwrap_err().to_string();
        assert!(err.contains("devices"), "{err}");
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(redact_url("postgres://zk:secret@db:5432/zk"), "postgres://zk:***@db:5432/zk");
        assert_eq!(redact_url("sqlite://a.sqlite"), "sqlite://a.sqlite");
    }
}
