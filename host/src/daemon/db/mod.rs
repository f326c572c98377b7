//! The durable queue's database: one code path (sqlx's `Any` driver) over an embedded SQLite
//! file or a PostgreSQL server shared by a farm. The only dialect difference is the claim,
//! which takes `FOR UPDATE SKIP LOCKED` on PostgreSQL.
//!
//! Every column is TEXT or BIGINT, times are microseconds since the Unix epoch from the
//! daemons' clocks (keep them in sync with NTP: leases compare them across rigs).

pub mod circuits;
pub mod jobs;
mod schema;
pub mod tenants;

use std::str::FromStr;
use std::time::{SystemTime, UNIX_EPOCH};

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, ConnectOptions};

/// Which database engine a [`Db`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// An embedded SQLite file.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

/// A database error, with what was being done.
#[derive(Debug, thiserror::Error)]
#[error("{context}: {source}")]
pub struct DbError {
    /// What was being done.
    pub context: String,
    /// sqlx's error.
    #[source]
    pub source: sqlx::Error,
}

/// Adds context to a sqlx result.
pub(crate) trait Context<T> {
    fn context(self, what: &str) -> Result<T, DbError>;
}

impl<T> Context<T> for Result<T, sqlx::Error> {
    fn context(self, what: &str) -> Result<T, DbError> {
        self.map_err(|source| DbError { context: what.to_string(), source })
    }
}

/// The queue database: a connection pool and its dialect.
#[derive(Debug, Clone)]
pub struct Db {
    pool: AnyPool,
    dialect: Dialect,
}

impl Db {
    /// Connects to `url` (`sqlite://FILE`, created with its directory when missing, or
    /// `postgres://…`) and brings the schema up to date.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Db, DbError> {
        sqlx::any::install_default_drivers();
        let dialect = if url.starts_with("sqlite:") { Dialect::Sqlite } else { Dialect::Postgres };
        let (url, synchronous) = match dialect {
            Dialect::Sqlite => sqlite_url(url)?,
            Dialect::Postgres => (url.to_string(), "FULL"),
        };
        let options = AnyConnectOptions::from_str(&url)
            .context("parsing the database URL")?
            .log_statements(tracing::log::LevelFilter::Trace);
        let pool = AnyPoolOptions::new()
            .max_connections(max_connections)
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if dialect == Dialect::Sqlite {
                        // WAL: readers never block the writer. synchronous=FULL (the default): a
                        // committed job survives a power cut, not just a crash; NORMAL (asked for
                        // with `?synchronous=normal`) survives crashes but may lose the last
                        // commits on a power cut, and saves an fsync per commit. busy_timeout:
                        // concurrent writers (other pool connections, another daemon) wait.
                        sqlx::query("PRAGMA journal_mode = WAL").execute(&mut *conn).await?;
                        sqlx::query(&format!("PRAGMA synchronous = {synchronous}")).execute(&mut *conn).await?;
                        sqlx::query("PRAGMA busy_timeout = 10000").execute(&mut *conn).await?;
                        sqlx::query("PRAGMA foreign_keys = ON").execute(&mut *conn).await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .context("connecting to the queue database")?;
        let db = Db { pool, dialect };
        schema::migrate(&db).await?;
        Ok(db)
    }

    /// The connection pool.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// The engine.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// A cheap round trip, for `/readyz`.
    pub async fn ping(&self) -> Result<(), DbError> {
        sqlx::query("SELECT 1").execute(&self.pool).await.context("pinging the queue database")?;
        Ok(())
    }

    /// Closes the pool, waiting for connections in use.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// `sqlite://path` with the file's directory created and `mode=rwc` (create when missing), and
/// the `synchronous` level taken out of the query (`?synchronous=full|normal`, default full).
fn sqlite_url(url: &str) -> Result<(String, &'static str), DbError> {
    let invalid = |message: String| DbError {
        context: format!("database_url {url:?}"),
        source: sqlx::Error::Configuration(message.into()),
    };
    let rest = url.trim_start_matches("sqlite:").trim_start_matches("//");
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if path.is_empty() || path == ":memory:" {
        return Err(invalid("the queue must be a SQLite file, not in memory".into()));
    }
    let mut synchronous = "FULL";
    let mut params: Vec<String> = Vec::new();
    for param in query.split('&').filter(|p| !p.is_empty()) {
        match param.split_once('=') {
            Some(("synchronous", level)) => {
                synchronous = match level.to_ascii_lowercase().as_str() {
                    "full" => "FULL",
                    "normal" => "NORMAL",
                    other => return Err(invalid(format!("synchronous={other}: use full or normal"))),
                }
            }
            _ => params.push(param.to_string()),
        }
    }
    if !params.iter().any(|p| p.starts_with("mode=")) {
        params.push("mode=rwc".into());
    }
    if let Some(dir) = std::path::Path::new(path).parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| DbError { context: format!("creating {}", dir.display()), source: sqlx::Error::Io(e) })?;
    }
    Ok((format!("sqlite://{path}?{}", params.join("&")), synchronous))
}

/// Microseconds since the Unix epoch.
pub fn now_us() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_micros() as i64).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_create_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("sub/q.sqlite");
        let url = format!("sqlite://{}", file.display());
        assert_eq!(sqlite_url(&url).unwrap(), (format!("{url}?mode=rwc"), "FULL"));
        assert!(dir.path().join("sub").is_dir());
        assert_eq!(sqlite_url("sqlite:q.sqlite?mode=ro").unwrap(), ("sqlite://q.sqlite?mode=ro".to_string(), "FULL"));
        let normal = format!("{url}?synchronous=normal");
        assert_eq!(sqlite_url(&normal).unwrap(), (format!("{url}?mode=rwc"), "NORMAL"));
        assert!(sqlite_url(&format!("{url}?synchronous=off")).is_err(), "only full or normal");
        assert!(sqlite_url("sqlite://:memory:").is_err());
    }
}
