//! Micropub's error answers, the spec's JSON: 401 `unauthorized`, 403 `insufficient_scope`
//! (or `forbidden` for another author's post), 400 `invalid_request`, 413.

use crate::error::AppError;
use axum::{
    Json,
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use serde_json::json;

/// A Micropub error response.
#[derive(Debug)]
pub(super) enum MicropubError {
    Unauthorized,
    InsufficientScope(&'static str),
    /// The token is an author's, and the post is another author's.
    Forbidden,
    InvalidRequest(String),
    TooLarge,
    Server(AppError),
}

impl From<AppError> for MicropubError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::BadRequest(m) => MicropubError::InvalidRequest(m),
            // A Micropub client shows the description as it is: in English, as the spec's.
            AppError::Invalid(text) => MicropubError::InvalidRequest(text.to_string()),
            AppError::NotFound => MicropubError::InvalidRequest("no post at that url".into()),
            AppError::Gone => MicropubError::InvalidRequest("that post is deleted".into()),
            AppError::PayloadTooLarge => MicropubError::TooLarge,
            AppError::Unauthorized(_) => MicropubError::Unauthorized,
            AppError::Forbidden(_) => MicropubError::InsufficientScope("create"),
            other => MicropubError::Server(other),
        }
    }
}

impl IntoResponse for MicropubError {
    fn into_response(self) -> Response {
        let (status, body) = match self {
            MicropubError::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                json!({"error": "unauthorized", "error_description": "a valid access token is required"}),
            ),
            MicropubError::InsufficientScope(scope) => (
                StatusCode::FORBIDDEN,
                json!({"error": "insufficient_scope", "scope": scope,
                       "error_description": format!("the token lacks the {scope} scope")}),
            ),
            MicropubError::Forbidden => (
                StatusCode::FORBIDDEN,
                json!({"error": "forbidden", "error_description": "the post is another author's"}),
            ),
            MicropubError::InvalidRequest(message) => (
                StatusCode::BAD_REQUEST,
                json!({"error": "invalid_request", "error_description": message}),
            ),
            MicropubError::TooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                json!({"error": "invalid_request", "error_description": "the upload is too large"}),
            ),
            MicropubError::Server(e) => return e.into_response(),
        };
        let mut response = (status, Json(body)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer"),
            );
        }
        response
    }
}

pub(super) type MpResult<T> = Result<T, MicropubError>;

pub(super) fn invalid(message: impl Into<String>) -> MicropubError {
    MicropubError::InvalidRequest(message.into())
}

pub(super) fn multipart_error(e: axum::extract::multipart::MultipartError) -> MicropubError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        MicropubError::TooLarge
    } else {
        invalid(e.body_text())
    }
}
