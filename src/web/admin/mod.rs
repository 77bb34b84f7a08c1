//! /admin: where authors write. Login sessions live in the database (cookie `feder_session`,
//! HttpOnly, SameSite=Lax, Secure outside local development); every form carries the
//! session's CSRF token, and cross-origin POSTs are refused. Pages use their own templates
//! (`templates/admin/`), which themes do not replace.

mod auth;
mod blocklists;
mod comments;
mod dashboard;
mod followers;
mod login;
mod media;
mod moving;
mod notifications;
mod pages;
mod posts;
mod reader;
mod reports;
pub mod routes;
mod settings;
mod stats;

use crate::{error::AppError, web::extract::Path};
use axum::{
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use minijinja::Environment;
use sha2::Digest;
use std::sync::LazyLock;

const TEMPLATES_SRC: &[(&str, &str)] = &[
    (
        "base.html",
        include_str!("../../../templates/admin/base.html"),
    ),
    (
        "login.html",
        include_str!("../../../templates/admin/login.html"),
    ),
    (
        "dashboard.html",
        include_str!("../../../templates/admin/dashboard.html"),
    ),
    (
        "posts.html",
        include_str!("../../../templates/admin/posts.html"),
    ),
    (
        "editor.html",
        include_str!("../../../templates/admin/editor.html"),
    ),
    (
        "pages.html",
        include_str!("../../../templates/admin/pages.html"),
    ),
    (
        "page_editor.html",
        include_str!("../../../templates/admin/page_editor.html"),
    ),
    (
        "media.html",
        include_str!("../../../templates/admin/media.html"),
    ),
    (
        "profile.html",
        include_str!("../../../templates/admin/profile.html"),
    ),
    (
        "comments.html",
        include_str!("../../../templates/admin/comments.html"),
    ),
    (
        "blocklist.html",
        include_str!("../../../templates/admin/blocklist.html"),
    ),
    (
        "reports.html",
        include_str!("../../../templates/admin/reports.html"),
    ),
    (
        "notifications.html",
        include_str!("../../../templates/admin/notifications.html"),
    ),
    (
        "settings.html",
        include_str!("../../../templates/admin/settings.html"),
    ),
    (
        "reader.html",
        include_str!("../../../templates/admin/reader.html"),
    ),
    (
        "reader_entry.html",
        include_str!("../../../templates/admin/reader_entry.html"),
    ),
    (
        "reader_thread.html",
        include_str!("../../../templates/admin/reader_thread.html"),
    ),
    (
        "followers.html",
        include_str!("../../../templates/admin/followers.html"),
    ),
    (
        "deliveries.html",
        include_str!("../../../templates/admin/deliveries.html"),
    ),
    (
        "answer.html",
        include_str!("../../../templates/admin/answer.html"),
    ),
    (
        "moving.html",
        include_str!("../../../templates/admin/moving.html"),
    ),
    (
        "stats.html",
        include_str!("../../../templates/admin/stats.html"),
    ),
    (
        "stats_figures.html",
        include_str!("../../../templates/admin/stats_figures.html"),
    ),
    (
        "stats_posts.html",
        include_str!("../../../templates/admin/stats_posts.html"),
    ),
    (
        "stats_year.html",
        include_str!("../../../templates/admin/stats_year.html"),
    ),
    (
        "stats_post.html",
        include_str!("../../../templates/admin/stats_post.html"),
    ),
];

/// The admin script and stylesheet, served under names with a hash of their content so
/// browsers may keep them for a year (and a strict CSP finds no inline code to allow).
struct Asset {
    path: String,
    content_type: &'static str,
    body: &'static str,
}

impl Asset {
    fn new(stem: &str, ext: &str, content_type: &'static str, body: &'static str) -> Asset {
        let digest = sha2::Sha256::digest(body.as_bytes());
        let hash: String = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
        Asset {
            path: format!("/admin/static/{stem}.{hash}.{ext}"),
            content_type,
            body,
        }
    }
}

static ASSETS: LazyLock<[Asset; 2]> = LazyLock::new(|| {
    [
        Asset::new(
            "admin",
            "js",
            "text/javascript; charset=utf-8",
            include_str!("../../../templates/admin/admin.js"),
        ),
        Asset::new(
            "admin",
            "css",
            "text/css; charset=utf-8",
            include_str!("../../../templates/admin/admin.css"),
        ),
    ]
});

static TEMPLATES: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    env.add_global("admin_js", ASSETS[0].path.clone());
    env.add_global("admin_css", ASSETS[1].path.clone());
    env.set_loader(|name| {
        Ok(TEMPLATES_SRC
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, t)| t.to_string()))
    });
    env
});

/// An admin page with `status`; every admin page forbids framing and foreign scripts.
pub fn page(status: StatusCode, name: &str, context: minijinja::Value) -> Response {
    match TEMPLATES.get_template(name).and_then(|t| t.render(context)) {
        Ok(body) => {
            let mut response = (status, axum::response::Html(body)).into_response();
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(
                    "default-src 'self'; img-src 'self' https: data:; script-src 'self'; \
                     style-src 'self'; frame-ancestors 'none'; form-action 'self'",
                ),
            );
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            headers.insert(
                header::REFERRER_POLICY,
                HeaderValue::from_static("same-origin"),
            );
            response
        }
        Err(e) => AppError::internal(format!("admin template {name}: {e:#}")).into_response(),
    }
}

pub(super) async fn asset_file(Path(file): Path<String>) -> Response {
    let wanted = format!("/admin/static/{file}");
    match ASSETS.iter().find(|a| a.path == wanted) {
        Some(asset) => (
            [
                (header::CONTENT_TYPE, asset.content_type),
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            ],
            asset.body,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// Where a form goes back to: an /admin page it names, else `default`.
pub fn safe_back(back: Option<&str>, default: &str) -> String {
    match back {
        Some(b) if b.starts_with("/admin") && !b.contains("//") && !b.contains('\\') => b.into(),
        _ => default.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_parse() {
        for (name, _) in TEMPLATES_SRC {
            assert!(TEMPLATES.get_template(name).is_ok(), "{name}");
        }
    }
}
