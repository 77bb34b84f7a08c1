//! /admin: where authors write. Login sessions live in the database (cookie `feder_session`,
//! HttpOnly, SameSite=Lax, Secure outside local development); every form carries the
//! session's CSRF token, and cross-origin POSTs are refused. Pages use their own templates
//! (`templates/admin/`), which themes do not replace.

mod comments;
mod dashboard;
mod followers;
mod login;
mod media;
mod notifications;
mod pages;
mod posts;
pub mod routes;
mod settings;

use crate::{
    db::entities::{session, user},
    error::{AppError, AppResult},
    federation::state::AppState,
    render::i18n::{self, Language},
    services::{notifications as notifications_service, users},
};
use activitypub_federation::config::Data;
use axum::{
    extract::{ConnectInfo, FromRequestParts, Path},
    http::{HeaderMap, HeaderValue, Method, StatusCode, header, request::Parts},
    response::{IntoResponse, Redirect, Response},
};
use minijinja::Environment;
use sha2::Digest;
use std::{net::SocketAddr, sync::LazyLock};

pub const SESSION_COOKIE: &str = "feder_session";
/// Holds the CSRF token of the login form, before there is a session.
pub const LOGIN_COOKIE: &str = "feder_login";

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
        "notifications.html",
        include_str!("../../../templates/admin/notifications.html"),
    ),
    (
        "settings.html",
        include_str!("../../../templates/admin/settings.html"),
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

/// A logged-in author, with the session the request came with.
pub struct Author {
    pub user: user::Model,
    pub session: session::Model,
    /// Notifications not seen yet: the count in the navigation.
    pub unread: u64,
    /// The blog's interface language, which the admin pages are written in too.
    pub lang: &'static Language,
}

/// The interface language of the blog (settings over `blog.lang`), as the public pages use it.
pub fn ui(data: &AppState) -> &'static Language {
    i18n::language(&data.settings.current().blog.lang)
}

impl Author {
    /// What every admin page's header needs: the author, the CSRF token, the unread count,
    /// and the interface text (`t.<key>`) with its language.
    pub fn nav(&self) -> minijinja::Value {
        minijinja::context! {
            user => self.user.display_name, csrf => self.session.csrf_token, unread => self.unread,
            t => self.lang.text, ui_lang => self.lang.code,
        }
    }

    /// An interface string by key, in the blog's language.
    pub fn t(&self, key: &'static str) -> &'static str {
        self.lang.get(key)
    }

    /// Refuses a form whose CSRF token is not this session's.
    pub fn check_csrf(&self, token: &str) -> Result<(), Refused> {
        if users::same_secret(token, &self.session.csrf_token) {
            Ok(())
        } else {
            Err(Refused(self.t("admin_error_csrf")))
        }
    }
}

/// A request refused for coming from elsewhere (403).
#[derive(Debug)]
pub struct Refused(&'static str);

/// A form that only carries its CSRF token (delete buttons).
#[derive(serde::Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        (StatusCode::FORBIDDEN, self.0).into_response()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Author {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        let data = Data::<AppState>::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        if parts.method != Method::GET && parts.method != Method::HEAD {
            check_origin(&data, &parts.headers).map_err(IntoResponse::into_response)?;
        }
        let found = current(&data, &parts.headers)
            .await
            .map_err(IntoResponse::into_response)?;
        match found {
            Some((session, user)) => {
                let unread = notifications_service::unread_count(&data.db)
                    .await
                    .map_err(IntoResponse::into_response)?;
                Ok(Author {
                    user,
                    session,
                    unread,
                    lang: ui(&data),
                })
            }
            None if parts.method == Method::GET => {
                let next = parts
                    .uri
                    .path_and_query()
                    .map(|p| p.as_str())
                    .unwrap_or("/admin");
                let target = format!(
                    "/admin/login?next={}",
                    url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
                );
                Err(Redirect::to(&target).into_response())
            }
            None => Err((
                StatusCode::UNAUTHORIZED,
                ui(&data).get("admin_error_login_first"),
            )
                .into_response()),
        }
    }
}

/// The session (and its user) of the request's cookie, if it is live.
pub async fn current(
    data: &AppState,
    headers: &HeaderMap,
) -> AppResult<Option<(session::Model, user::Model)>> {
    match cookie(headers, SESSION_COOKIE) {
        Some(token) => users::session(&data.db, &token).await,
        None => Ok(None),
    }
}

/// Browsers send `Origin` with every POST: one that is not ours is a cross-site request.
pub fn check_origin(data: &AppState, headers: &HeaderMap) -> Result<(), Refused> {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return Ok(());
    };
    let ours = data.urls.base().origin().ascii_serialization();
    if origin.to_str().is_ok_and(|o| o == ours) {
        Ok(())
    } else {
        Err(Refused(ui(data).get("admin_error_cross_site")))
    }
}

/// The value of a cookie in the request.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.to_string())
        .filter(|v| !v.is_empty())
}

/// A `Set-Cookie` value for an admin cookie: HttpOnly, SameSite=Lax, Secure unless local.
pub fn set_cookie(data: &AppState, name: &str, value: &str, max_age: i64) -> HeaderValue {
    let secure = if data.config.is_local_dev() {
        ""
    } else {
        "; Secure"
    };
    let text =
        format!("{name}={value}; Path=/admin; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}");
    // Names and values are ours (URL-safe base64): always a valid header value.
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The address a login attempt is counted against: the peer, or, when the peer is one of the
/// `server.trusted_proxies`, the last address in `X-Forwarded-For` that is not one of them
/// (anyone else can write that header).
pub fn client_ip(
    connect: Option<&ConnectInfo<SocketAddr>>,
    headers: &HeaderMap,
    trusted: &[std::net::IpAddr],
) -> String {
    let Some(peer) = connect.map(|c| c.0.ip()) else {
        return "unknown".into();
    };
    if !trusted.contains(&peer) {
        return peer.to_string();
    }
    let forwarded = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|v| v.trim().parse::<std::net::IpAddr>().ok())
        .collect::<Vec<_>>();
    forwarded
        .into_iter()
        .rev()
        .find(|ip| !trusted.contains(ip))
        .unwrap_or(peer)
        .to_string()
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

/// The page for an error from a service: its message for bad input, a generic one otherwise.
pub fn error_message(error: &AppError) -> String {
    match error {
        AppError::BadRequest(m) | AppError::Forbidden(m) | AppError::Unauthorized(m) => m.clone(),
        other => other.public_message(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_and_addresses() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; feder_session=abc; b="),
        );
        assert_eq!(cookie(&headers, SESSION_COOKIE).as_deref(), Some("abc"));
        assert_eq!(cookie(&headers, "b"), None);
        headers.insert(
            "x-forwarded-for",
            HeaderValue::from_static("10.0.0.1, 203.0.113.7"),
        );
        let local = ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 4000)));
        let remote = ConnectInfo(SocketAddr::from(([198, 51, 100, 2], 4000)));
        let proxy = [std::net::IpAddr::from([127, 0, 0, 1])];
        assert_eq!(client_ip(Some(&local), &headers, &proxy), "203.0.113.7");
        assert_eq!(client_ip(Some(&local), &headers, &[]), "127.0.0.1");
        assert_eq!(client_ip(Some(&remote), &headers, &proxy), "198.51.100.2");
        for (name, _) in TEMPLATES_SRC {
            assert!(TEMPLATES.get_template(name).is_ok(), "{name}");
        }
    }
}
