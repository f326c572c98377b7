//! Fresh queue databases for the daemon's tests: a SQLite file in a temporary directory, or a
//! new database on the PostgreSQL server that scripts/test.sh starts
//! (`ZKACCEL_TEST_POSTGRES_URL`). Without that variable the PostgreSQL cases fail under CI
//! and are reported skipped elsewhere.

#![allow(dead_code)]

use sqlx::Connection;

/// The engines every queue test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// An embedded SQLite file.
    Sqlite,
    /// The test PostgreSQL server.
    Postgres,
}

/// A database URL for one test; the temporary directory lives as long as this value.
pub struct TestDb {
    /// The URL to connect to.
    pub url: String,
    /// Keeps the SQLite file's directory alive.
    pub _dir: Option<tempfile::TempDir>,
}

/// The PostgreSQL server's URL, or `None` (after printing why) when the test must be skipped.
/// Panics under CI, where scripts/test.sh must have started the server.
pub fn postgres_url(test: &str) -> Option<String> {
    match std::env::var("ZKACCEL_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var("CI").is_ok_and(|v| !v.is_empty()) => {
            panic!("ZKACCEL_TEST_POSTGRES_URL is not set: scripts/test.sh starts the PostgreSQL test server")
        }
        _ => {
            eprintln!(
                "SKIPPED: {test} on PostgreSQL: ZKACCEL_TEST_POSTGRES_URL is not set (scripts/test.sh starts a server)"
            );
            None
        }
    }
}

/// A fresh, empty database on `engine`; `None` when PostgreSQL is skipped.
pub async fn fresh_db(engine: Engine, test: &str) -> Option<TestDb> {
    match engine {
        Engine::Sqlite => {
            let dir = tempfile::tempdir().unwrap();
            let url = format!("sqlite://{}", dir.path().join("queue.sqlite").display());
            Some(TestDb { url, _dir: Some(dir) })
        }
        Engine::Postgres => {
            let admin = postgres_url(test)?;
            sqlx::any::install_default_drivers();
            let name = format!("t_{}", uuid::Uuid::new_v4().simple());
            let mut conn = sqlx::AnyConnection::connect(&admin).await.expect("connecting to the test PostgreSQL");
            sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.unwrap();
            conn.close().await.unwrap();
            let (base, _) = admin.rsplit_once('/').unwrap();
            Some(TestDb { url: format!("{base}/{name}"), _dir: None })
        }
    }
}

/// A daemon configuration for tests: an ephemeral port, the CPU only, data and artifacts under
/// `dir`, fast polling.
pub fn local_config(dir: &std::path::Path, database_url: &str) -> zkaccel::daemon::config::DaemonConfig {
    let mut config = zkaccel::daemon::config::DaemonConfig {
        listen: "127.0.0.1:0".into(),
        database_url: database_url.into(),
        devices: "cpu".into(),
        data_dir: dir.join("data"),
        artifacts: zkaccel::daemon::artifacts::ArtifactStoreConfig::Local { path: dir.join("artifacts") },
        ..Default::default()
    };
    config.queue.poll_interval_ms = 50;
    config
}

/// A SQLite queue file's URL in `dir`.
pub fn sqlite_url(dir: &std::path::Path) -> String {
    format!("sqlite://{}", dir.join("queue.sqlite").display())
}
