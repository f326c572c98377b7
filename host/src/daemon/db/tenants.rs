//! Tenants and their API tokens. A token is shown once when made; only its SHA-256 is stored.

use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::Row;

use super::{now_us, Context, Db, DbError};

/// A tenant, as the API's authentication sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenant {
    /// Stable id (a UUID).
    pub id: String,
    /// Unique human name.
    pub name: String,
    /// Own request-size limit, overriding the config's default.
    pub max_body_bytes: Option<u64>,
    /// Own sustained request rate, overriding the config's default.
    pub requests_per_second: Option<u32>,
    /// Own burst, overriding the config's default.
    pub burst: Option<u32>,
}

/// A tenant's own limits when it is made (`None`: the config's defaults).
#[derive(Debug, Clone, Default)]
pub struct TenantLimits {
    /// Request-size limit in bytes.
    pub max_body_bytes: Option<u64>,
    /// Sustained requests per second.
    pub requests_per_second: Option<u32>,
    /// Burst above the sustained rate.
    pub burst: Option<u32>,
}

/// The prefix of every token, so leaked ones are easy to grep for.
pub const TOKEN_PREFIX: &str = "zk_";

/// A fresh random token: `zk_` and 64 hex digits (256 bits).
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("{TOKEN_PREFIX}{}", hex::encode(bytes))
}

/// What is stored for a token: its SHA-256 in hex. Tokens are 256 random bits, so a plain hash
/// is enough (no salt or slow hash needed against guessing).
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Whether `token` has the shape of a zkaccel token (checked before any database work).
pub fn is_well_formed(token: &str) -> bool {
    token.strip_prefix(TOKEN_PREFIX).is_some_and(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn tenant_from_row(row: &sqlx::any::AnyRow) -> Result<Tenant, sqlx::Error> {
    let opt_u64 = |v: Option<i64>| v.map(|v| v.max(0) as u64);
    let opt_u32 = |v: Option<i64>| v.map(|v| v.clamp(0, u32::MAX as i64) as u32);
    Ok(Tenant {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        max_body_bytes: opt_u64(row.try_get("max_body_bytes")?),
        requests_per_second: opt_u32(row.try_get("requests_per_second")?),
        burst: opt_u32(row.try_get("burst")?),
    })
}

impl Db {
    /// Makes a tenant and its first token; returns the tenant and the token (shown only now).
    pub async fn create_tenant(&self, name: &str, limits: &TenantLimits) -> Result<(Tenant, String), DbError> {
        let id = uuid::Uuid::new_v4().to_string();
        let now = now_us();
        let mut tx = self.pool().begin().await.context("making a tenant")?;
        sqlx::query(
            "INSERT INTO tenants (id, name, created_us, max_body_bytes, requests_per_second, burst) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&id)
        .bind(name)
        .bind(now)
        .bind(limits.max_body_bytes.map(|v| v as i64))
        .bind(limits.requests_per_second.map(i64::from))
        .bind(limits.burst.map(i64::from))
        .execute(&mut *tx)
        .await
        .context(&format!("making tenant {name:?} (names are unique)"))?;
        let token = new_token();
        insert_token(&mut tx, &id, &token, "initial", now).await?;
        tx.commit().await.context("making a tenant")?;
        let tenant = Tenant {
            id,
            name: name.to_string(),
            max_body_bytes: limits.max_body_bytes,
            requests_per_second: limits.requests_per_second,
            burst: limits.burst,
        };
        Ok((tenant, token))
    }

    /// Adds a token to the named tenant; returns it (shown only now).
    pub async fn add_token(&self, tenant_name: &str, label: &str) -> Result<Option<String>, DbError> {
        let Some(tenant) = self.tenant_by_name(tenant_name).await? else { return Ok(None) };
        let token = new_token();
        let mut tx = self.pool().begin().await.context("adding a token")?;
        insert_token(&mut tx, &tenant.id, &token, label, now_us()).await?;
        tx.commit().await.context("adding a token")?;
        Ok(Some(token))
    }

    /// Revokes every token of the named tenant with this label; returns how many.
    pub async fn revoke_tokens(&self, tenant_name: &str, label: &str) -> Result<u64, DbError> {
        let done = sqlx::query(
            "UPDATE tokens SET revoked_us = $1 WHERE label = $2 AND revoked_us IS NULL \
             AND tenant_id = (SELECT id FROM tenants WHERE name = $3)",
        )
        .bind(now_us())
        .bind(label)
        .bind(tenant_name)
        .execute(self.pool())
        .await
        .context("revoking tokens")?;
        Ok(done.rows_affected())
    }

    /// The tenant owning this token, when it exists and is not revoked.
    pub async fn tenant_for_token(&self, token: &str) -> Result<Option<Tenant>, DbError> {
        if !is_well_formed(token) {
            return Ok(None);
        }
        let row = sqlx::query(
            "SELECT t.id, t.name, t.max_body_bytes, t.requests_per_second, t.burst \
             FROM tokens k JOIN tenants t ON t.id = k.tenant_id \
             WHERE k.hash = $1 AND k.revoked_us IS NULL",
        )
        .bind(token_hash(token))
        .fetch_optional(self.pool())
        .await
        .context("looking up a token")?;
        row.map(|r| tenant_from_row(&r)).transpose().context("reading a tenant")
    }

    /// The tenant with this name.
    pub async fn tenant_by_name(&self, name: &str) -> Result<Option<Tenant>, DbError> {
        let row =
            sqlx::query("SELECT id, name, max_body_bytes, requests_per_second, burst FROM tenants WHERE name = $1")
                .bind(name)
                .fetch_optional(self.pool())
                .await
                .context("looking up a tenant")?;
        row.map(|r| tenant_from_row(&r)).transpose().context("reading a tenant")
    }

    /// Every tenant, by name.
    pub async fn tenants(&self) -> Result<Vec<Tenant>, DbError> {
        let rows =
            sqlx::query("SELECT id, name, max_body_bytes, requests_per_second, burst FROM tenants ORDER BY name")
                .fetch_all(self.pool())
                .await
                .context("listing tenants")?;
        rows.iter().map(tenant_from_row).collect::<Result<_, _>>().context("reading a tenant")
    }
}

async fn insert_token(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    tenant_id: &str,
    token: &str,
    label: &str,
    now: i64,
) -> Result<(), DbError> {
    sqlx::query("INSERT INTO tokens (hash, tenant_id, label, created_us) VALUES ($1, $2, $3, $4)")
        .bind(token_hash(token))
        .bind(tenant_id)
        .bind(label)
        .bind(now)
        .execute(&mut **tx)
        .await
        .context("storing a token")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_checked_for_shape() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert!(is_well_formed(&a));
        assert!(!is_well_formed("zk_1234"));
        assert!(!is_well_formed(&a.replace("zk_", "zz_")));
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), a.trim_start_matches(TOKEN_PREFIX), "the stored form is not the secret");
    }
}
