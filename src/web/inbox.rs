//! POST /inbox and /actor/inbox: hands the raw request to the federation layer, answers 202.

use crate::{
    error::AppResult,
    federation::activities::{self, InboxRequest},
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
    activities::receive(
        &data,
        InboxRequest {
            method: &method,
            path_and_query,
            headers: &headers,
            body: &body,
        },
    )
    .await?;
    Ok(StatusCode::ACCEPTED)
}
