//! What every page shares: the context templates see on each page (the site, the interface text
//! and its language), rendering a template into a response, and the message and error pages.

use crate::{
    error::{AppError, Said},
    federation::state::AppState,
    render::i18n::{self, Language},
    web::{
        navigation,
        respond::{html, wants_activity_json},
        views,
    },
};
use axum::{
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use minijinja::{Value, context};

pub(super) fn ui(data: &AppState) -> &'static Language {
    i18n::language(&data.settings.current().blog.lang)
}

/// What every page's template sees: the blog, the interface text and its language.
pub fn common(data: &AppState) -> Value {
    let ui = ui(data);
    context! {
        site => views::site(data),
        nav => navigation::navigation(),
        t => ui.text,
        ui_lang => data.settings.current().blog.lang,
        lang => data.settings.current().blog.lang,
    }
}

pub(super) fn render(
    data: &AppState,
    status: StatusCode,
    template: &str,
    context: Value,
) -> Response {
    html(status, data.templates.render(template, context))
}

/// A page with a heading and one message, in the blog's interface language.
pub fn message_page(data: &AppState, status: StatusCode, heading: &str, message: &str) -> Response {
    let context = context! {
        heading => heading,
        message => message,
        ..common(data)
    };
    render(data, status, "error.html", context)
}

/// An error as a page for people, as JSON for ActivityPub clients.
pub fn error_page(data: &AppState, headers: &HeaderMap, error: AppError) -> Response {
    if wants_activity_json(headers) {
        return error.into_response();
    }
    status_page(data, error.status(), &error.said())
}

/// The interface text keys of a status's heading and of what it means.
pub fn status_words(status: StatusCode) -> (&'static str, &'static str) {
    match status {
        StatusCode::NOT_FOUND => ("not_found_title", "not_found_text"),
        StatusCode::GONE => ("gone_title", "gone_text"),
        StatusCode::UNAUTHORIZED => ("error_unauthorized_title", "error_unauthorized_text"),
        StatusCode::FORBIDDEN => ("error_forbidden_title", "error_forbidden_text"),
        StatusCode::PAYLOAD_TOO_LARGE => ("error_too_large_title", "error_too_large_text"),
        StatusCode::TOO_MANY_REQUESTS => ("error_too_many_title", "error_too_many_text"),
        s if s.is_server_error() => ("error_internal_title", "error_internal_text"),
        _ => ("error_bad_request_title", "error_bad_request_text"),
    }
}

/// The error page for `status`: its heading, and what was said, or what the status means.
pub fn status_page(data: &AppState, status: StatusCode, said: &Said) -> Response {
    let ui = ui(data);
    let (heading, meaning) = status_words(status);
    let message = match said {
        Said::Text(text) => ui.say(text),
        Said::Plain(message) => message.clone(),
        Said::Status => ui.get(meaning).to_string(),
    };
    message_page(data, status, ui.get(heading), &message)
}
