//! The HTTP API (axum): routes, bearer-token authentication, per-tenant rate limits, and a
//! request counter for `/metrics`. The handlers live in one file per resource.

mod auth;
mod body;
mod circuits;
mod jobs;
mod ops;
pub mod views;

use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;

pub use auth::Auth;

use super::error::ApiError;
use super::state::AppState;

/// Every route of the daemon.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/v1/circuits", post(circuits::upload).get(circuits::list))
        .route("/v1/circuits/{id}", get(circuits::get_one).delete(circuits::delete))
        .route("/v1/circuits/{id}/jobs", post(jobs::submit_groth16))
        .route("/v1/jobs", post(jobs::submit_raw).get(jobs::list))
        .route("/v1/jobs/{id}", get(jobs::get_one))
        .route("/v1/jobs/{id}/result", get(jobs::result))
        .route("/v1/jobs/{id}/cancel", post(jobs::cancel))
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .route("/openapi.json", get(ops::openapi))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        // Bodies are limited per tenant by the handlers, which stream them.
        .layer(DefaultBodyLimit::disable())
        .layer(middleware::from_fn_with_state(state.clone(), count_requests))
        .with_state(state)
}

async fn not_found() -> ApiError {
    ApiError::not_found("no such route; see /openapi.json")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(axum::http::StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "method not allowed on this route")
}

/// Counts every answer by route template and status.
async fn count_requests(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().map(|p| p.as_str().to_string());
    let response = next.run(request).await;
    state.metrics().http_request(route.as_deref().unwrap_or("unmatched"), response.status().as_u16());
    response
}
