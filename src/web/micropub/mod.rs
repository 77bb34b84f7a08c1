//! Micropub (W3C Recommendation): posting from apps with a bearer token. Create (form-encoded,
//! multipart or JSON h-entry), update (replace/add/delete), delete, undelete, `q=config`,
//! `q=source`, `q=syndicate-to`, and the media endpoint. Errors are the spec's JSON:
//! 401 `unauthorized`, 403 `insufficient_scope`, 400 `invalid_request`.
//!
//! Here: the routes. `error` is the spec's error answers and `auth` the token checks every
//! endpoint shares; `query` answers `q=…`; `request` reads a POST's body into a
//! `MicropubRequest`; `write` creates, updates and deletes posts from it; `media` is the media
//! endpoint.

mod auth;
mod error;
mod media;
mod query;
mod request;
mod write;

use axum::{
    Router,
    extract::DefaultBodyLimit,
    routing::{get, post},
};

pub fn routes(max_upload_bytes: usize) -> Router {
    let limit = DefaultBodyLimit::max(max_upload_bytes + 64 * 1024);
    Router::new()
        .route(
            "/micropub",
            get(query::query).post(write::action).layer(limit),
        )
        .route("/micropub/media", post(media::upload).layer(limit))
}
