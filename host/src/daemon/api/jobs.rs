//! `/v1/jobs` and `/v1/circuits/{id}/jobs`: submit (idempotent, with a priority), list, show,
//! fetch the result of, and cancel a tenant's jobs.

use std::collections::HashMap;

use axum::body::Body;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde_json::Value;

use super::circuits::{is_circuit_id, path_id, query, unknown_circuit};
use super::views::job_info;
use super::Auth;
use crate::daemon::client::{JobInfo, JobList, IDEMPOTENCY_KEY};
use crate::daemon::db::circuits::witness_key;
use crate::daemon::db::jobs::{JobRow, JobState, NewJob};
use crate::daemon::error::ApiError;
use crate::daemon::jobs::Groth16Spec;
use crate::daemon::raw_jobs::{RawJob, RawJobLimits};
use crate::daemon::state::AppState;
use crate::groth16::format::read_wtns_from;

/// Longest idempotency key accepted.
const MAX_IDEMPOTENCY_KEY: usize = 200;

/// The submission's priority and idempotency key, checked.
struct Submission {
    priority: i64,
    idempotency_key: Option<String>,
}

fn submission(params: &HashMap<String, String>, headers: &HeaderMap) -> Result<Submission, ApiError> {
    if let Some(key) = params.keys().find(|k| k.as_str() != "priority") {
        return Err(ApiError::bad_request("bad_request", format!("unknown query parameter {key:?}")));
    }
    let priority = match params.get("priority") {
        None => 0,
        Some(text) => text
            .parse::<i64>()
            .ok()
            .filter(|p| (-100..=100).contains(p))
            .ok_or_else(|| ApiError::bad_request("bad_request", "priority must be an integer from -100 to 100"))?,
    };
    let idempotency_key = match headers.get(IDEMPOTENCY_KEY) {
        None => None,
        Some(value) => {
            let key = value.to_str().ok().filter(|k| {
                !k.is_empty() && k.len() <= MAX_IDEMPOTENCY_KEY && k.bytes().all(|b| b.is_ascii_graphic() || b == b' ')
            });
            Some(
                key.ok_or_else(|| {
                    ApiError::bad_request(
                        "bad_idempotency_key",
                        format!("Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY} printable ASCII characters"),
                    )
                })?
                .to_string(),
            )
        }
    };
    Ok(Submission { priority, idempotency_key })
}

/// 201 for a new job, 200 for the existing job of an idempotency key.
fn created(row: &JobRow, new: bool) -> (StatusCode, Json<JobInfo>) {
    (if new { StatusCode::CREATED } else { StatusCode::OK }, Json(job_info(row)))
}

fn refuse_while_stopping(state: &AppState) -> Result<(), ApiError> {
    if state.is_stopping() {
        return Err(ApiError::unavailable("shutting_down", "the daemon is stopping; send this to another daemon"));
    }
    Ok(())
}

/// The tenant's existing job for this idempotency key, if any (checked before the body is read,
/// so a retried upload costs nothing).
async fn existing(state: &AppState, auth: &Auth, sub: &Submission) -> Result<Option<JobRow>, ApiError> {
    let Some(key) = &sub.idempotency_key else { return Ok(None) };
    Ok(state.db().job_by_idempotency_key(&auth.tenant.id, key).await?)
}

/// `POST /v1/circuits/{id}/jobs?priority=P`: the body is the witness (.wtns).
pub(super) async fn submit_groth16(
    State(state): State<AppState>,
    auth: Auth,
    id: Result<Path<String>, PathRejection>,
    raw_query: Result<Query<HashMap<String, String>>, QueryRejection>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<JobInfo>), ApiError> {
    let circuit_id = path_id(id, is_circuit_id, "circuit")?;
    let sub = submission(&query(raw_query)?, &headers)?;
    let circuit =
        state.db().circuit(&auth.tenant.id, &circuit_id).await?.ok_or_else(|| unknown_circuit(&circuit_id))?;
    if let Some(row) = existing(&state, &auth, &sub).await? {
        return Ok(created(&row, false));
    }
    refuse_while_stopping(&state)?;
    let upload = super::body::spool(&state, &headers, body, auth.max_body_bytes, "bad_witness").await?;
    let path = upload.path.to_path_buf();
    let witness = tokio::task::spawn_blocking(move || {
        let file = std::fs::File::open(&path)?;
        read_wtns_from(std::io::BufReader::new(file)).map_err(|e| std::io::Error::other(e.to_string()))
    })
    .await
    .map_err(|e| ApiError::internal("reading a witness", e))?
    .map_err(|e| ApiError::bad_request("bad_witness", format!("not a valid BN254 .wtns file: {e}")))?;
    if witness.len() as u64 != circuit.n_vars {
        return Err(ApiError::bad_request(
            "witness_mismatch",
            format!(
                "the witness has {} values but circuit {} expects {}: was it computed for this circuit?",
                witness.len(),
                circuit.id,
                circuit.n_vars
            ),
        ));
    }
    if witness.first() != Some(&ark_bn254::Fr::from(1u64)) {
        return Err(ApiError::bad_request("witness_mismatch", "witness value 0 must be the constant 1"));
    }
    drop(witness);
    let key = witness_key(&upload.sha256_hex);
    state.artifacts().put_file(&key, &upload.path).await.map_err(|e| ApiError::internal("storing a witness", e))?;
    let spec = serde_json::to_string(&Groth16Spec { witness: key, witness_discarded_us: None }).expect("serialisable");
    let new_job = NewJob {
        tenant_id: auth.tenant.id.clone(),
        kind: "groth16".into(),
        circuit_id: Some(circuit.id),
        spec,
        priority: sub.priority,
        idempotency_key: sub.idempotency_key,
        max_attempts: i64::from(state.config().queue.max_attempts),
    };
    enqueue(&state, &auth, new_job).await
}

/// Inserts the job (or finds the one with its idempotency key) and wakes a worker.
async fn enqueue(state: &AppState, auth: &Auth, job: NewJob) -> Result<(StatusCode, Json<JobInfo>), ApiError> {
    let (row, new) = state.db().submit_job(&job).await?;
    if new {
        state.notify_work();
        tracing::info!(job = %row.id, tenant = %auth.tenant.name, kind = %row.kind, "job queued");
    }
    Ok(created(&row, new))
}

/// `POST /v1/jobs?priority=P`: the body is a raw job (JSON).
pub(super) async fn submit_raw(
    State(state): State<AppState>,
    auth: Auth,
    raw_query: Result<Query<HashMap<String, String>>, QueryRejection>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<JobInfo>), ApiError> {
    let sub = submission(&query(raw_query)?, &headers)?;
    if let Some(row) = existing(&state, &auth, &sub).await? {
        return Ok(created(&row, false));
    }
    refuse_while_stopping(&state)?;
    let limit = auth.max_body_bytes.min(state.config().limits.max_json_bytes);
    let bytes = super::body::read_small(&headers, body, limit).await?;
    let spec = String::from_utf8(bytes.to_vec())
        .map_err(|_| ApiError::bad_request("bad_job", "a raw job is JSON text (UTF-8)"))?;
    let job: RawJob = serde_json::from_str(&spec)
        .map_err(|e| ApiError::bad_request("bad_job", format!("not a raw job (see docs/DAEMON.md): {e}")))?;
    let kind = job.kind();
    // Every input is checked now (off the async threads), so a queued job can only fail on a device.
    let limits = RawJobLimits { max_elements: state.config().limits.max_raw_elements };
    tokio::task::spawn_blocking(move || job.prepare(&limits).map(drop))
        .await
        .map_err(|e| ApiError::internal("checking a raw job", e))?
        .map_err(|e| ApiError::bad_request("bad_job", e.to_string()))?;
    let new_job = NewJob {
        tenant_id: auth.tenant.id.clone(),
        kind: kind.to_string(),
        circuit_id: None,
        spec,
        priority: sub.priority,
        idempotency_key: sub.idempotency_key,
        max_attempts: i64::from(state.config().queue.max_attempts),
    };
    enqueue(&state, &auth, new_job).await
}

/// `GET /v1/jobs?state=S&limit=L`, newest first.
pub(super) async fn list(
    State(state): State<AppState>,
    auth: Auth,
    raw_query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Json<JobList>, ApiError> {
    let params = query(raw_query)?;
    if let Some(key) = params.keys().find(|k| !matches!(k.as_str(), "state" | "limit")) {
        return Err(ApiError::bad_request("bad_request", format!("unknown query parameter {key:?}")));
    }
    let filter = match params.get("state") {
        None => None,
        Some(s) => Some(s.parse::<JobState>().map_err(|_| {
            ApiError::bad_request("bad_request", "state must be queued, running, done, failed or cancelled")
        })?),
    };
    let limit = match params.get("limit") {
        None => 100,
        Some(l) => l
            .parse::<i64>()
            .ok()
            .filter(|l| (1..=1000).contains(l))
            .ok_or_else(|| ApiError::bad_request("bad_request", "limit must be an integer from 1 to 1000"))?,
    };
    let rows = state.db().jobs(&auth.tenant.id, filter, limit).await?;
    Ok(Json(JobList { jobs: rows.iter().map(job_info).collect() }))
}

/// Whether `id` has the shape of a job id (a UUID).
fn is_job_id(id: &str) -> bool {
    uuid::Uuid::try_parse(id).is_ok()
}

async fn own_job(state: &AppState, auth: &Auth, id: Result<Path<String>, PathRejection>) -> Result<JobRow, ApiError> {
    let id = path_id(id, is_job_id, "job")?;
    state.db().job(&auth.tenant.id, &id).await?.ok_or_else(|| ApiError::not_found(format!("no job {id}")))
}

/// `GET /v1/jobs/{id}`.
pub(super) async fn get_one(
    State(state): State<AppState>,
    auth: Auth,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<JobInfo>, ApiError> {
    Ok(Json(job_info(&own_job(&state, &auth, id).await?)))
}

/// `GET /v1/jobs/{id}/result`: 409 `not_done` until the job is done.
pub(super) async fn result(
    State(state): State<AppState>,
    auth: Auth,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<Value>, ApiError> {
    let job = own_job(&state, &auth, id).await?;
    match (job.state, &job.result) {
        (JobState::Done, Some(result)) => {
            serde_json::from_str(result).map(Json).map_err(|e| ApiError::internal("reading a stored result", e))
        }
        (state, _) => {
            let why = job.last_error.as_deref().map(|e| format!(": {e}")).unwrap_or_default();
            Err(ApiError::conflict("not_done", format!("job {} is {}{why}", job.id, state.as_str())))
        }
    }
}

/// `POST /v1/jobs/{id}/cancel`.
pub(super) async fn cancel(
    State(state): State<AppState>,
    auth: Auth,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<JobInfo>, ApiError> {
    let job = own_job(&state, &auth, id).await?;
    if matches!(job.state, JobState::Done | JobState::Failed) {
        return Err(ApiError::conflict("not_cancellable", format!("job {} is already {}", job.id, job.state.as_str())));
    }
    let row =
        state.db().cancel_job(&auth.tenant.id, &job.id).await?.ok_or_else(|| ApiError::not_found("no such job"))?;
    if row.state != JobState::Cancelled {
        return Err(ApiError::conflict("not_cancellable", format!("job {} is already {}", row.id, row.state.as_str())));
    }
    tracing::info!(job = %row.id, tenant = %auth.tenant.name, "job cancelled");
    crate::daemon::jobs::discard_witness(&state, &row).await;
    Ok(Json(job_info(&row)))
}
