//! `zkaccel daemon` as a child process, for the crash and lifecycle tests: started with a
//! configuration made of `ZKACCEL__…` variables only, on a port the daemon picks itself (it
//! prints the address it listens on), with its stderr kept in a file that is printed when a
//! test fails. SIGKILL through `Child::kill`, SIGTERM through the `kill` command.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// What the daemon prints once its API listens.
const LISTENING: &str = "zkaccel daemon listening on ";

/// How a daemon process is configured.
#[derive(Debug, Clone)]
pub struct DaemonSpec {
    /// `daemon_id`: its name in leases.
    pub name: String,
    /// The queue.
    pub database_url: String,
    /// Its data directory (also its working directory; its stderr log goes there too).
    pub data_dir: PathBuf,
    /// The local artifact directory (shared by daemons that share a queue).
    pub artifacts_dir: PathBuf,
    /// More `ZKACCEL__…` settings, e.g. `("QUEUE__LEASE_SECONDS", "4")` (the prefix is added).
    pub settings: Vec<(String, String)>,
}

impl DaemonSpec {
    /// A daemon on the CPU only with two workers, short leases and fast polling.
    pub fn new(name: &str, database_url: &str, data_dir: &Path, artifacts_dir: &Path) -> DaemonSpec {
        DaemonSpec {
            name: name.to_string(),
            database_url: database_url.to_string(),
            data_dir: data_dir.to_path_buf(),
            artifacts_dir: artifacts_dir.to_path_buf(),
            settings: vec![
                ("DEVICES".into(), "cpu".into()),
                ("WORKERS".into(), "2".into()),
                ("QUEUE__LEASE_SECONDS".into(), "4".into()),
                ("QUEUE__HEARTBEAT_SECONDS".into(), "1".into()),
                ("QUEUE__REAPER_INTERVAL_SECONDS".into(), "1".into()),
                ("QUEUE__POLL_INTERVAL_MS".into(), "50".into()),
                ("LIMITS__REQUESTS_PER_SECOND".into(), "10000".into()),
                ("LIMITS__BURST".into(), "10000".into()),
            ],
        }
    }

    /// Sets (or replaces) `ZKACCEL__<key>`.
    pub fn set(mut self, key: &str, value: impl ToString) -> DaemonSpec {
        self.settings.retain(|(k, _)| k != key);
        self.settings.push((key.to_string(), value.to_string()));
        self
    }
}

/// A running `zkaccel daemon`; killed (SIGKILL) when dropped, with its log printed when the
/// test is failing.
pub struct DaemonProcess {
    /// The child process (`None` once it has been reaped).
    child: Option<Child>,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// Its `daemon_id`.
    pub name: String,
    /// Its stderr.
    pub log: PathBuf,
    /// Its exit status, once reaped.
    status: Option<ExitStatus>,
}

impl DaemonProcess {
    /// Starts the daemon and returns once it listens and `/healthz` answers (panics, with its
    /// log, when it exits or does not come up within a minute).
    pub async fn start(spec: &DaemonSpec) -> DaemonProcess {
        std::fs::create_dir_all(&spec.data_dir).unwrap();
        let log = spec.data_dir.join(format!("daemon-{}-{}.log", spec.name, uuid::Uuid::new_v4().simple()));
        let stderr = std::fs::File::create(&log).unwrap();
        let mut command = Command::new(env!("CARGO_BIN_EXE_zkaccel"));
        command.arg("daemon").current_dir(&spec.data_dir).stdin(Stdio::null()).stdout(Stdio::null()).stderr(stderr);
        // Nothing from the caller's environment configures the daemon or its scheduler.
        for (name, _) in std::env::vars() {
            if name.starts_with("ZKACCEL_") {
                command.env_remove(name);
            }
        }
        command
            .env("XDG_CONFIG_HOME", spec.data_dir.join("xdg"))
            .env("RUST_LOG", "warn,zkaccel=info")
            .env("ZKACCEL__LISTEN", "127.0.0.1:0")
            .env("ZKACCEL__DATABASE_URL", &spec.database_url)
            .env("ZKACCEL__DATA_DIR", &spec.data_dir)
            .env("ZKACCEL__DAEMON_ID", &spec.name)
            .env("ZKACCEL__ARTIFACTS__KIND", "local")
            .env("ZKACCEL__ARTIFACTS__PATH", &spec.artifacts_dir);
        for (key, value) in &spec.settings {
            command.env(format!("ZKACCEL__{key}"), value);
        }
        let child = command.spawn().expect("starting zkaccel daemon");
        let mut daemon =
            DaemonProcess { child: Some(child), url: String::new(), name: spec.name.clone(), log, status: None };
        let deadline = Instant::now() + Duration::from_secs(60);
        let addr = loop {
            if let Some(line) = daemon.log_text().lines().find(|l| l.contains(LISTENING)) {
                let addr = line.split(LISTENING).nth(1).unwrap().split_whitespace().next().unwrap().to_string();
                break addr;
            }
            if let Some(status) = daemon.try_wait() {
                panic!("daemon {} exited ({status}) before listening:\n{}", spec.name, daemon.log_text());
            }
            assert!(
                Instant::now() < deadline,
                "daemon {} did not listen within 60 s:\n{}",
                spec.name,
                daemon.log_text()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        daemon.url = addr.trim_end_matches('/').to_string();
        let http = reqwest::Client::new();
        loop {
            match http.get(format!("{}/healthz", daemon.url)).send().await {
                Ok(r) if r.status().is_success() => break,
                _ if Instant::now() < deadline => tokio::time::sleep(Duration::from_millis(20)).await,
                other => panic!("daemon {}: /healthz did not answer: {other:?}\n{}", spec.name, daemon.log_text()),
            }
        }
        daemon
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map(Child::id).expect("the daemon was reaped")
    }

    /// Everything it wrote to stderr so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// SIGKILL, then reap it.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            self.status = Some(child.wait().unwrap());
        }
    }

    /// Sends SIGTERM (the graceful stop).
    pub fn terminate(&self) {
        let pid = self.pid().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status().expect("running kill");
        assert!(sent.success(), "kill -TERM {pid} failed");
    }

    /// Its exit status if it has exited (reaping it).
    pub fn try_wait(&mut self) -> Option<ExitStatus> {
        if self.status.is_none() {
            if let Some(status) = self.child.as_mut().and_then(|c| c.try_wait().unwrap()) {
                self.status = Some(status);
                self.child = None;
            }
        }
        self.status
    }

    /// Waits up to `timeout` for it to exit; its status, or `None` when it is still running.
    pub async fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.try_wait() {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

impl Drop for DaemonProcess {
    fn drop(&mut self) {
        self.kill();
        if std::thread::panicking() {
            eprintln!("----- log of daemon {} ({}) -----\n{}", self.name, self.log.display(), self.log_text());
        }
    }
}

/// Polls `check` every 25 ms until it returns `Some`, for at most `timeout`; panics naming `what`.
pub async fn eventually<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out after {timeout:?} waiting for {what}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// The workspace's fixture directory of a snarkjs circuit.
pub fn groth16_fixture(circuit: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/groth16").join(circuit)
}

/// Checks a Groth16 job's result (`{"proof", "public"}`) against the fixture: the public
/// signals are the fixture's and the proof verifies under its verification key.
pub fn assert_groth16_result_verifies(circuit: &str, result: &serde_json::Value) {
    use zkaccel::groth16::{decimal, Proof, Verifier, VerifyingKey};
    let dir = groth16_fixture(circuit);
    let read =
        |name: &str| -> serde_json::Value { serde_json::from_slice(&std::fs::read(dir.join(name)).unwrap()).unwrap() };
    let vkey = VerifyingKey::from_json(&read("verification_key.json"), "verification_key.json").unwrap();
    let expected = decimal::signals_from_json(&read("snarkjs_public.json"), "snarkjs_public.json").unwrap();
    let public = decimal::signals_from_json(&result["public"], "the job's public signals").unwrap();
    assert_eq!(public, expected, "the job's public signals are the fixture's");
    let proof = Proof::from_json(&result["proof"], "the job's proof").unwrap();
    assert!(Verifier::new(vkey).verify(&proof, &public).unwrap(), "the job's proof verifies: {result}");
}
