//! `/v1/circuits`: upload a zkey (streamed to disk, validated, stored content-addressed), list,
//! show and delete a tenant's circuits.

use std::collections::HashMap;

use axum::body::Body;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;

use super::views::circuit_info;
use super::Auth;
use crate::daemon::client::{CircuitInfo, CircuitList};
use crate::daemon::db::circuits::{zkey_key, CircuitRow, Deleted};
use crate::daemon::error::ApiError;
use crate::daemon::state::AppState;
use crate::groth16::format::{read_zkey_from, ZkeyOptions};

/// Longest circuit name accepted.
const MAX_NAME: usize = 200;

/// The query of `POST /v1/circuits` and `GET /v1/jobs`, checked by hand so that every mistake
/// gets the API's error shape.
pub(super) fn query(
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<HashMap<String, String>, ApiError> {
    query
        .map(|Query(q)| q)
        .map_err(|e| ApiError::bad_request("bad_request", format!("query string: {}", e.body_text())))
}

/// A path segment that must be an id of the given shape.
pub(super) fn path_id(
    path: Result<Path<String>, PathRejection>,
    valid: fn(&str) -> bool,
    what: &str,
) -> Result<String, ApiError> {
    let Path(id) = path.map_err(|e| ApiError::bad_request("bad_request", e.body_text()))?;
    if valid(&id) {
        Ok(id)
    } else {
        Err(ApiError::not_found(format!("no {what} {id:?}")))
    }
}

/// Whether `id` is a circuit id: 64 lower-case hex digits.
pub(super) fn is_circuit_id(id: &str) -> bool {
    id.len() == 64 && id.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// `POST /v1/circuits?name=N`: the body is the zkey.
pub(super) async fn upload(
    State(state): State<AppState>,
    auth: Auth,
    raw_query: Result<Query<HashMap<String, String>>, QueryRejection>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<CircuitInfo>), ApiError> {
    let params = query(raw_query)?;
    let name = params.get("name").cloned();
    if let Some(key) = params.keys().find(|k| k.as_str() != "name") {
        return Err(ApiError::bad_request("bad_request", format!("unknown query parameter {key:?}")));
    }
    if name.as_ref().is_some_and(|n| n.is_empty() || n.chars().count() > MAX_NAME || n.chars().any(char::is_control)) {
        return Err(ApiError::bad_request("bad_request", format!("name must be 1 to {MAX_NAME} printable characters")));
    }
    if state.is_stopping() {
        return Err(ApiError::unavailable("shutting_down", "the daemon is stopping; send this to another daemon"));
    }
    let upload = super::body::spool(&state, &headers, body, auth.max_body_bytes, "bad_zkey").await?;

    // Read and check the whole key (points on the curve and in their subgroups, sizes), off the
    // async threads; a key that passes is marked so its later loads skip the slow G2 checks.
    let path = upload.path.to_path_buf();
    let options = ZkeyOptions { validation_cache: Some(state.config().data_dir.join("validated-keys")) };
    let key = tokio::task::spawn_blocking(move || {
        let file = std::fs::File::open(&path)?;
        read_zkey_from(std::io::BufReader::new(file), &options).map_err(|e| std::io::Error::other(e.to_string()))
    })
    .await
    .map_err(|e| ApiError::internal("checking a zkey", e))?
    .map_err(|e| ApiError::bad_request("bad_zkey", format!("not a valid snarkjs Groth16 BN254 zkey: {e}")))?;

    let row = CircuitRow {
        id: upload.sha256_hex.clone(),
        name,
        size_bytes: upload.len,
        n_vars: key.n_vars as u64,
        n_public: key.n_public as u64,
        domain_size: key.domain_size as u64,
        created_us: 0,
    };
    drop(key);
    let store_key = zkey_key(&row.id);
    let stored = state.artifacts().exists(&store_key).await.map_err(|e| ApiError::internal("the artifact store", e))?;
    if !stored {
        state
            .artifacts()
            .put_file(&store_key, &upload.path)
            .await
            .map_err(|e| ApiError::internal("storing a zkey", e))?;
    }
    let mut lock = state.db().lock_zkey(&row.id).await?;
    let (row, new) = lock.insert_circuit(&auth.tenant.id, &row).await?;
    // A deletion of this zkey's last registration may have removed the blob after the check
    // above; under the lock, put it back before the registration becomes visible.
    let still_stored =
        state.artifacts().exists(&store_key).await.map_err(|e| ApiError::internal("the artifact store", e))?;
    if !still_stored {
        state
            .artifacts()
            .put_file(&store_key, &upload.path)
            .await
            .map_err(|e| ApiError::internal("storing a zkey", e))?;
    }
    lock.commit().await?;
    tracing::info!(tenant = %auth.tenant.name, circuit = %row.id, bytes = row.size_bytes, new, "circuit uploaded");
    let status = if new { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(circuit_info(&row))))
}

/// `GET /v1/circuits`.
pub(super) async fn list(State(state): State<AppState>, auth: Auth) -> Result<Json<CircuitList>, ApiError> {
    let rows = state.db().circuits(&auth.tenant.id).await?;
    Ok(Json(CircuitList { circuits: rows.iter().map(circuit_info).collect() }))
}

/// `GET /v1/circuits/{id}`.
pub(super) async fn get_one(
    State(state): State<AppState>,
    auth: Auth,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<CircuitInfo>, ApiError> {
    let id = path_id(id, is_circuit_id, "circuit")?;
    let row = state.db().circuit(&auth.tenant.id, &id).await?.ok_or_else(|| unknown_circuit(&id))?;
    Ok(Json(circuit_info(&row)))
}

/// `DELETE /v1/circuits/{id}`: refused while its jobs are queued or running.
pub(super) async fn delete(
    State(state): State<AppState>,
    auth: Auth,
    id: Result<Path<String>, PathRejection>,
) -> Result<StatusCode, ApiError> {
    let id = path_id(id, is_circuit_id, "circuit")?;
    let mut lock = state.db().lock_zkey(&id).await?;
    match lock.delete_circuit(&auth.tenant.id, &id).await? {
        Deleted::NotFound => Err(unknown_circuit(&id)),
        Deleted::InUse => Err(ApiError::conflict("circuit_in_use", "jobs of this circuit are queued or running")),
        Deleted::Yes { last } => {
            if last {
                // Under the lock, so an upload of the same zkey waits and then restores it.
                state.provers().remove(&id);
                if let Err(e) = state.artifacts().delete(&zkey_key(&id)).await {
                    tracing::warn!(circuit = %id, "deleting the zkey from the artifact store: {e}");
                }
            }
            lock.commit().await?;
            Ok(StatusCode::NO_CONTENT)
        }
    }
}

/// 404 `unknown_circuit`.
pub(super) fn unknown_circuit(id: &str) -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "unknown_circuit", format!("no circuit {id} for this tenant"))
}
