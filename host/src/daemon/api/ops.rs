//! Operations endpoints: `/healthz`, `/readyz`, `/metrics`, `/openapi.json` (no token needed).

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use crate::daemon::openapi;
use crate::daemon::state::AppState;

/// `GET /healthz`: the process answers.
pub(super) async fn healthz() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

/// `GET /readyz`: 200 when the database and the artifact store answer and a device is present.
pub(super) async fn readyz(State(state): State<AppState>) -> Response {
    let mut checks = serde_json::Map::new();
    let mut ready = !state.is_stopping();
    checks.insert("accepting".into(), json!(if ready { "ok" } else { "shutting down" }));
    let database = state.db().ping().await;
    ready &= database.is_ok();
    checks.insert("database".into(), json!(database.map(|()| "ok".to_string()).unwrap_or_else(|e| e.to_string())));
    let artifacts = state.artifacts().check().await;
    ready &= artifacts.is_ok();
    checks.insert("artifacts".into(), json!(artifacts.map(|()| "ok".to_string()).unwrap_or_else(|e| e.to_string())));
    let devices = state.scheduler().device_ids();
    ready &= !devices.is_empty();
    checks.insert("devices".into(), json!(devices));
    let status = if ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    let body = json!({"status": if ready { "ready" } else { "not_ready" }, "checks": checks});
    (status, Json(body)).into_response()
}

/// `GET /metrics`: Prometheus text format, with the queue depth read from the database now.
pub(super) async fn metrics(State(state): State<AppState>) -> Response {
    match state.db().job_counts().await {
        Ok(counts) => state.metrics().set_queue_depth(&counts),
        Err(e) => tracing::warn!("counting jobs for /metrics: {e}"),
    }
    state.metrics().set_device_stats(&state.scheduler().stats());
    let cache = state.provers().stats();
    state.metrics().set_prover_cache(cache.entries as u64, cache.bytes);
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], state.metrics().render()).into_response()
}

/// `GET /openapi.json`.
pub(super) async fn openapi() -> Json<Value> {
    Json(openapi::document())
}
