//! POST /inbox and /actor/inbox: hands the raw request to the federation layer, answers 202
//! once the activity is stored (503 with `Retry-After` when the database cannot take it).

use crate::{
    error::{AppError, AppResult},
    federation::inbox::{self, InboxRequest, RETRY_AFTER_SECONDS},
    federation::state::AppState,
};
use activitypub_federation::config::Data;
use axum::{
    body::Bytes,
    http::{HeaderMap, Method, StatusCode, Uri},
};

pub async fn inbox(
    data: Data<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> AppResult<StatusCode> {
    let path_and_query = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let request = InboxRequest {
        method: &method,
        path_and_query,
        headers: &headers,
        body: &body,
    };
    match inbox::receive(&data, request).await {
        Ok(()) => Ok(StatusCode::ACCEPTED),
        // Nothing was stored: a sender that retries later loses nothing (a 500 would make it
        // retry too, but says the fault is ours for good).
        Err(AppError::Database(e)) => {
            tracing::warn!(error = %e, "inbox: database unavailable, sender asked to retry");
            Err(AppError::Unavailable(RETRY_AFTER_SECONDS))
        }
        Err(e) => Err(e),
    }
}
