//! The queue's tables, created or upgraded when a daemon connects. PostgreSQL daemons starting
//! together take an advisory lock so only one of them runs the DDL.

use super::{Context, Db, DbError, Dialect};

/// Bumped with every change below; kept in `schema_version`.
const VERSION: i64 = 1;

/// Portable DDL: TEXT and BIGINT only, so SQLite and PostgreSQL read the same rows.
const TABLES: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS tenants (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        created_us BIGINT NOT NULL,
        max_body_bytes BIGINT,
        requests_per_second BIGINT,
        burst BIGINT
    )",
    "CREATE TABLE IF NOT EXISTS tokens (
        hash TEXT PRIMARY KEY,
        tenant_id TEXT NOT NULL REFERENCES tenants(id),
        label TEXT NOT NULL,
        created_us BIGINT NOT NULL,
        revoked_us BIGINT
    )",
    "CREATE TABLE IF NOT EXISTS circuits (
        tenant_id TEXT NOT NULL REFERENCES tenants(id),
        id TEXT NOT NULL,
        name TEXT,
        size_bytes BIGINT NOT NULL,
        n_vars BIGINT NOT NULL,
        n_public BIGINT NOT NULL,
        domain_size BIGINT NOT NULL,
        created_us BIGINT NOT NULL,
        PRIMARY KEY (tenant_id, id)
    )",
    "CREATE TABLE IF NOT EXISTS jobs (
        id TEXT PRIMARY KEY,
        tenant_id TEXT NOT NULL REFERENCES tenants(id),
        kind TEXT NOT NULL,
        circuit_id TEXT,
        spec TEXT NOT NULL,
        priority BIGINT NOT NULL,
        state TEXT NOT NULL,
        idempotency_key TEXT,
        attempts BIGINT NOT NULL,
        max_attempts BIGINT NOT NULL,
        lease_token TEXT,
        lease_owner TEXT,
        lease_expires_us BIGINT,
        created_us BIGINT NOT NULL,
        started_us BIGINT,
        finished_us BIGINT,
        result TEXT,
        last_error TEXT,
        error_code TEXT,
        UNIQUE (tenant_id, idempotency_key)
    )",
    "CREATE INDEX IF NOT EXISTS jobs_claim ON jobs (state, priority, created_us)",
    "CREATE INDEX IF NOT EXISTS jobs_tenant ON jobs (tenant_id, created_us)",
    "CREATE INDEX IF NOT EXISTS jobs_lease ON jobs (state, lease_expires_us)",
];

/// Arbitrary key of the PostgreSQL advisory lock held while migrating.
const PG_LOCK_KEY: i64 = 0x7a6b_6163_6365_6c00;

/// Creates the tables when missing and records the version; refuses a database written by a
/// newer zkaccel.
pub(super) async fn migrate(db: &Db) -> Result<(), DbError> {
    let mut tx = db.pool().begin().await.context("starting the schema migration")?;
    if db.dialect() == Dialect::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(PG_LOCK_KEY)
            .execute(&mut *tx)
            .await
            .context("locking the schema migration")?;
    }
    for ddl in TABLES {
        sqlx::query(ddl).execute(&mut *tx).await.context("creating the queue tables")?;
    }
    let found: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM schema_version")
        .fetch_one(&mut *tx)
        .await
        .context("reading the schema version")?;
    match found {
        None => {
            sqlx::query("INSERT INTO schema_version (version) VALUES ($1)")
                .bind(VERSION)
                .execute(&mut *tx)
                .await
                .context("recording the schema version")?;
        }
        Some(v) if v > VERSION => {
            return Err(DbError {
                context: "checking the schema version".into(),
                source: sqlx::Error::Protocol(format!(
                    "the database has schema version {v}, newer than this zkaccel's {VERSION}: upgrade zkaccel"
                )),
            });
        }
        Some(_) => {}
    }
    tx.commit().await.context("committing the schema migration")?;
    Ok(())
}
