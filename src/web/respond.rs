//! How handlers answer: an ActivityPub document, a page, and which of the two a client asks for.
//! Kept apart from the router so handlers can use them without importing it.

use crate::{error::AppError, federation::AP_CONTENT_TYPE};
use axum::{
    http::{HeaderMap, HeaderValue, header},
    response::{IntoResponse, Response},
};

/// Whether the client asks for ActivityPub JSON rather than a page.
pub fn wants_activity_json(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|accept| {
            accept.contains("application/activity+json") || accept.contains("application/ld+json")
        })
}

/// An ActivityPub document response.
pub fn activity_json(status: axum::http::StatusCode, doc: serde_json::Value) -> Response {
    activity_json_text(status, doc.to_string())
}

/// An ActivityPub document response whose JSON is text already (an activity as stored).
pub fn activity_json_text(status: axum::http::StatusCode, json: String) -> Response {
    let mut response = (status, json).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(AP_CONTENT_TYPE),
    );
    headers.insert(header::VARY, HeaderValue::from_static("Accept"));
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    response
}

/// A page answer: HTML, or an error page with the error's status.
pub fn html(status: axum::http::StatusCode, body: Result<String, minijinja::Error>) -> Response {
    match body {
        Ok(body) => {
            let mut response = (status, axum::response::Html(body)).into_response();
            response
                .headers_mut()
                .insert(header::VARY, HeaderValue::from_static("Accept"));
            response
        }
        Err(e) => AppError::internal(format!("template: {e:#}")).into_response(),
    }
}
