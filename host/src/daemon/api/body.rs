//! Request bodies under the tenant's size limit: streamed to a temporary file (zkeys,
//! witnesses) or read into memory (JSON), with 413 as soon as the limit is passed.

use axum::body::Body;
use axum::http::header::CONTENT_LENGTH;
use axum::http::HeaderMap;
use bytes::Bytes;
use futures_util::StreamExt;

use crate::daemon::error::ApiError;
use crate::daemon::state::AppState;
use crate::daemon::upload::{spool_stream, SpooledUpload, UploadError};

/// Rejects a declared `Content-Length` above `limit` before reading anything.
pub fn check_declared_length(headers: &HeaderMap, limit: u64) -> Result<(), ApiError> {
    let declared = headers.get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    match declared {
        Some(n) if n > limit => Err(ApiError::too_large(limit)),
        _ => Ok(()),
    }
}

/// Streams the body to a temporary file in the daemon's upload directory, hashing it.
/// `empty_code` is the error code for an empty body (`bad_zkey`, `bad_witness`).
pub async fn spool(
    state: &AppState,
    headers: &HeaderMap,
    body: Body,
    limit: u64,
    empty_code: &'static str,
) -> Result<SpooledUpload, ApiError> {
    check_declared_length(headers, limit)?;
    let dir = state.upload_dir();
    tokio::fs::create_dir_all(&dir).await.map_err(|e| ApiError::internal("creating the upload directory", e))?;
    spool_stream(body.into_data_stream(), &dir, limit).await.map_err(|e| match e {
        UploadError::TooLarge { limit } => ApiError::too_large(limit),
        UploadError::Empty => ApiError::bad_request(empty_code, "the request body is empty"),
        UploadError::Body(message) => ApiError::bad_request("bad_request", format!("reading the body: {message}")),
        UploadError::Io(e) => ApiError::internal("spooling an upload", e),
    })
}

/// Reads a whole (small) body into memory, stopping at the first byte past `limit`.
pub async fn read_small(headers: &HeaderMap, body: Body, limit: u64) -> Result<Bytes, ApiError> {
    check_declared_length(headers, limit)?;
    let mut stream = body.into_data_stream();
    let mut buffer = bytes::BytesMut::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| ApiError::bad_request("bad_request", format!("reading the body: {e}")))?;
        if buffer.len() as u64 + chunk.len() as u64 > limit {
            return Err(ApiError::too_large(limit));
        }
        buffer.extend_from_slice(&chunk);
    }
    Ok(buffer.freeze())
}
