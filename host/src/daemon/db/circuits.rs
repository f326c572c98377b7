//! Registered circuits: one row per (tenant, zkey SHA-256). The zkey itself is in the artifact
//! store under [`zkey_key`], shared by tenants that upload the same file.

use sqlx::Row;

use super::{now_us, Context, Db, DbError};

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

impl Db {
    /// Registers a circuit for a tenant; returns the row and whether it was new (an existing
    /// row is returned unchanged).
    pub async fn insert_circuit(&self, tenant_id: &str, circuit: &CircuitRow) -> Result<(CircuitRow, bool), DbError> {
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
        .execute(self.pool())
        .await
        .context("registering a circuit")?;
        let row = self
            .circuit(tenant_id, &circuit.id)
            .await?
            .ok_or_else(|| DbError { context: "registering a circuit".into(), source: sqlx::Error::RowNotFound })?;
        Ok((row, done.rows_affected() == 1))
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

    /// Whether any tenant has this zkey registered.
    pub async fn circuit_registered_anywhere(&self, id: &str) -> Result<bool, DbError> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM circuits WHERE id = $1")
            .bind(id)
            .fetch_one(self.pool())
            .await
            .context("counting a circuit's tenants")?;
        Ok(n > 0)
    }

    /// Deletes the tenant's circuit unless jobs of it are queued or running. One conditional
    /// statement, so no read-then-write transaction (which SQLite may refuse under concurrent writers).
    pub async fn delete_circuit(&self, tenant_id: &str, id: &str) -> Result<Deleted, DbError> {
        let done = sqlx::query(
            "DELETE FROM circuits WHERE tenant_id = $1 AND id = $2 AND NOT EXISTS \
             (SELECT 1 FROM jobs WHERE tenant_id = $1 AND circuit_id = $2 AND state IN ('queued', 'running'))",
        )
        .bind(tenant_id)
        .bind(id)
        .execute(self.pool())
        .await
        .context("deleting a circuit")?;
        if done.rows_affected() == 0 {
            let exists = self.circuit(tenant_id, id).await?.is_some();
            return Ok(if exists { Deleted::InUse } else { Deleted::NotFound });
        }
        Ok(Deleted::Yes { last: !self.circuit_registered_anywhere(id).await? })
    }
}
