//! Errors as people see them: an error answer (an `AppError`, which says what it is on the
//! response, or a plain-text refusal of axum's own, such as a method not allowed) becomes the
//! blog's error page in the interface language for a browser, and JSON in the same words
//! for any other client. Answers that are already pages or JSON of their own (the inbox's,
//! Micropub's) pass as they are.

use crate::{
    error::{AppError, Said},
    federation::state::AppState,
    render::i18n::Language,
    web::{layout, respond::wants_activity_json},
};
use activitypub_federation::config::FederationConfig;
use axum::{
    extract::{Request, State},
    http::{HeaderMap, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use std::sync::Arc;

/// Headers of the error answer that the page keeps: they say when to come back, what is
/// allowed, and which cookie to set or forget.
const KEPT: [header::HeaderName; 5] = [
    header::RETRY_AFTER,
    header::ALLOW,
    header::WWW_AUTHENTICATE,
    header::SET_COOKIE,
    header::CACHE_CONTROL,
];

pub async fn show(
    State(federation): State<Arc<FederationConfig<AppState>>>,
    request: Request,
    next: Next,
) -> Response {
    let browser = wants_page(request.headers());
    let response = next.run(request).await;
    let status = response.status();
    if !status.is_client_error() && !status.is_server_error() {
        return response;
    }
    let said = match response.extensions().get::<Said>() {
        Some(said) => said.clone(),
        None if is_plain_text(response.headers()) => Said::Status,
        None => return response,
    };
    let data = federation.to_request_data();
    let shown = if browser {
        layout::status_page(&data, status, &said)
    } else if let Said::Text(text) = &said {
        let message = layout::ui(&data).say(text);
        (status, axum::Json(serde_json::json!({ "error": message }))).into_response()
    } else {
        return response;
    };
    with_kept_headers(&response, shown)
}

/// A browser asks for HTML; an ActivityPub client asking for JSON too gets JSON.
fn wants_page(headers: &HeaderMap) -> bool {
    !wants_activity_json(headers)
        && headers
            .get_all(header::ACCEPT)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|accept| accept.contains("text/html"))
}

/// An answer with no type or `text/plain`: what axum's own refusals look like.
fn is_plain_text(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|t| t.starts_with("text/plain"))
}

fn with_kept_headers(original: &Response, mut shown: Response) -> Response {
    for name in KEPT {
        for value in original.headers().get_all(&name) {
            shown.headers_mut().append(name.clone(), value.clone());
        }
    }
    shown
}

/// An error in words for a person: its words in the interface language, its message, or
/// what its status means.
pub fn message(lang: &Language, error: &AppError) -> String {
    match error.said() {
        Said::Text(text) => lang.say(&text),
        Said::Plain(message) => message,
        Said::Status => lang.get(layout::status_words(error.status()).1).to_string(),
    }
}
