//! Registered circuits: one row per (tenant, zkey SHA-256). The zkey itself is in the artifact
//! store under [`zkey_key`], shared by tenants that upload the same file.

use sqlx::Row;

use super::{now_us, Context, Db, DbError, Dialect};

/// A tenant's registered circuit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CircuitRow {
    /// SHA-256 of the zkey, lower-case hex.
    pub id: String,
    /// The name given at upload.
    pub name: Option<String>,
    /// The zkey's size in bytes.
    pub size_bytes: u64,
    /// Witness length the circuit expects (including the leading 1).
    pub n_vars: u64,
    /// Public signals.
    pub n_public: u64,
    /// The evaluation domain's size.
    pub domain_size: u64,
    /// When it was registered (µs since the epoch).
    pub created_us: i64,
}

/// The artifact-store key of a zkey.
pub fn zkey_key(id: &str) -> String {
    format!("zkeys/{id}")
}

/// The artifact-store key of a job's witness: its SHA-256 and a fresh nonce, so each job owns its
/// copy and can delete it when it is done without touching another job's.
pub fn witness_key(sha256_hex: &str) -> String {
    format!("witnesses/{sha256_hex}-{}", uuid::Uuid::new_v4().simple())
}

/// What deleting a circuit did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deleted {
    /// The row is gone; `last` is true when no tenant has this zkey any more (delete the blob).
    Yes {
        /// No other tenant registered the same zkey.
        last: bool,
    },
    /// The tenant has no such circuit.
    NotFound,
    /// Jobs of this circuit are queued or running.
    InUse,
}

const COLUMNS: &str = "id, name, size_bytes, n_vars, n_public, domain_size, created_us";

fn from_row(row: &sqlx::any::AnyRow) -> Result<CircuitRow, sqlx::Error> {
    let u = |name: &str| row.try_get::<i64, _>(name).map(|v| v.max(0) as u64);
    Ok(CircuitRow {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        size_bytes: u("size_bytes")?,
        n_vars: u("n_vars")?,
        n_public: u("n_public")?,
        domain_size: u("domain_size")?,
        created_us: row.try_get("created_us")?,
    })
}

/// A transaction that holds one zkey's lock: registering the zkey for a tenant and deleting its
/// last registration (with the blob) never interleave, so an upload racing a deletion of the
/// same file never ends with a circuit whose zkey is gone. PostgreSQL takes an advisory lock on
/// the id; SQLite serialises every write transaction anyway (each method starts with a write).
pub struct ZkeyLock {
    tx: sqlx::Transaction<'static, sqlx::Any>,
}

impl Db {
    /// Opens a transaction holding the lock of zkey `id`; end it with [`ZkeyLock::commit`].
    pub async fn lock_zkey(&self, id: &str) -> Result<ZkeyLock, DbError> {
        let mut tx = self.pool().begin().await.context("locking a zkey")?;
        if self.dialect() == Dialect::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1)::bigint)")
                .bind(format!("zkaccel-zkey:{id}"))
                .execute(&mut *tx)
                .await
                .context("locking a zkey")?;
        }
        Ok(ZkeyLock { tx })
    }

    /// Whether any tenant has the circuit with this id registered.
    pub async fn circuit_registered(&self, id: &str) -> Result<bool, DbError> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM circuits WHERE id = $1")
            .bind(id)
            .fetch_one(self.pool())
            .await
            .context("looking a circuit up")?;
        Ok(n > 0)
    }

    /// The tenant's circuit with this id.
    pub async fn circuit(&self, tenant_id: &str, id: &str) -> Result<Option<CircuitRow>, DbError> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM circuits WHERE tenant_id = $1 AND id = $2"))
            .bind(tenant_id)
            .bind(id)
            .fetch_optional(self.pool())
            .await
            .context("reading a circuit")?;
        row.map(|r| from_row(&r)).transpose().context("reading a circuit")
    }

    /// The tenant's circuits, newest first.
    pub async fn circuits(&self, tenant_id: &str) -> Result<Vec<CircuitRow>, DbError> {
        let rows =
            sqlx::query(&format!("SELECT {COLUMNS} FROM circuits WHERE tenant_id = $1 ORDER BY created_us DESC, id"))
                .bind(tenant_id)
                .fetch_all(self.pool())
                .await
                .context("listing circuits")?;
        rows.iter().map(from_row).collect::<Result<_, _>>().context("reading a circuit")
    }
}

impl ZkeyLock {
    /// Registers a circuit for a tenant; returns the row and whether it was new (an existing
    /// row is returned unchanged).
    pub async fn insert_circuit(
        &mut self,
        tenant_id: &str,
        circuit: &CircuitRow,
    ) -> Result<(CircuitRow, bool), DbError> {
        let done = sqlx::query(
            "INSERT INTO circuits (tenant_id, id, name, size_bytes, n_vars, n_public, domain_size, created_us) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (tenant_id, id) DO NOTHING",
        )
        .bind(tenant_id)
        .bind(&circuit.id)
        .bind(&circuit.name)
        .bind(circuit.size_bytes as i64)
        .bind(circuit.n_vars as i64)
        .bind(circuit.n_public as i64)
        .bind(circuit.domain_size as i64)
        .bind(now_us())
        .execute(&mut *self.tx)
        .await
        .context("registering a circuit")?;
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM circuits WHERE tenant_id = $1 AND id = $2"))
            .bind(tenant_id)
            .bind(&circuit.id)
            .fetch_one(&mut *self.tx)
            .await
            .context("registering a circuit")?;
        Ok((from_row(&row).context("reading a circuit")?, done.rows_affected() == 1))
    }

    /// Deletes the tenant's circuit unless jobs of it are queued or running; `last` in the
    /// answer says no tenant has the zkey any more (delete its blob before committing).
    pub async fn delete_circuit(&mut self, tenant_id: &str, id: &str) -> Result<Deleted, DbError> {
        let done = sqlx::query(
            "DELETE FROM circuits WHERE tenant_id = $1 AND id = $2 AND NOT EXISTS \
             (SELECT 1 FROM jobs WHERE tenant_id = $1 AND circuit_id = $2 AND state IN ('queued', 'running'))",
        )
        .bind(tenant_id)
        .bind(id)
        .execute(&mut *self.tx)
        .await
        .context("deleting a circuit")?;
        let count = |query: &'static str| sqlx::query_scalar::<_, i64>(query).bind(id);
        if done.rows_affected() == 0 {
            let exists: i64 = count("SELECT COUNT(*) FROM circuits WHERE id = $1 AND tenant_id = $2")
                .bind(tenant_id)
                .fetch_one(&mut *self.tx)
                .await
                .context("reading a circuit")?;
            return Ok(if exists > 0 { Deleted::InUse } else { Deleted::NotFound });
        }
        let others: i64 = count("SELECT COUNT(*) FROM circuits WHERE id = $1")
            .fetch_one(&mut *self.tx)
            .await
            .context("counting a circuit's tenants")?;
        Ok(Deleted::Yes { last: others == 0 })
    }

    /// Commits, releasing the lock.
    pub async fn commit(self) -> Result<(), DbError> {
        self.tx.commit().await.context("committing a circuit change")
    }
}
