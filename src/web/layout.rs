//! What every page shares: the context templates see on each page (the site, the interface text
//! and its language), rendering a template into a response, and the message and error pages.

use crate::{
    error::AppError,
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

/// 404 and 410 as a page for people, as JSON for everything else.
pub fn error_page(data: &AppState, headers: &HeaderMap, error: AppError) -> Response {
    if wants_activity_json(headers) || !matches!(error, AppError::NotFound | AppError::Gone) {
        return error.into_response();
    }
    let ui = ui(data);
    let (heading, message) = match error {
        AppError::Gone => ("gone_title", "gone_text"),
        _ => ("not_found_title", "not_found_text"),
    };
    message_page(data, error.status(), ui.get(heading), ui.get(message))
}
