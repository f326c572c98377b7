//! `Authorization: Bearer <token>` → the tenant, then the tenant's rate limit.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::http::StatusCode;

use crate::daemon::db::tenants::Tenant;
use crate::daemon::error::ApiError;
use crate::daemon::state::AppState;

/// The authenticated tenant of a request, within its rate limit.
#[derive(Debug, Clone)]
pub struct Auth {
    /// The tenant.
    pub tenant: Tenant,
    /// Its request-size limit (its own or the config's default).
    pub max_body_bytes: u64,
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Auth, ApiError> {
        let header = parts
            .headers
            .get(AUTHORIZATION)
            .ok_or_else(|| ApiError::unauthorized("missing Authorization: Bearer <token>"))?;
        let token = header
            .to_str()
            .ok()
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or_else(|| ApiError::unauthorized("the Authorization header is not `Bearer <token>`"))?;
        let tenant = state
            .db()
            .tenant_for_token(token)
            .await?
            .ok_or_else(|| ApiError::unauthorized("unknown or revoked token"))?;
        let limits = &state.config().limits;
        let per_second = tenant.requests_per_second.unwrap_or(limits.requests_per_second);
        let burst = tenant.burst.unwrap_or(limits.burst);
        if let Err(wait) = state.limiter().check(&tenant.id, per_second, burst) {
            let mut error = ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!("more than {per_second} requests per second (burst {burst}); retry later"),
            );
            error.retry_after = Some(wait.as_secs().max(1));
            return Err(error);
        }
        let max_body_bytes = tenant.max_body_bytes.unwrap_or(limits.max_body_bytes);
        Ok(Auth { tenant, max_body_bytes })
    }
}
