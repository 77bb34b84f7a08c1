//! Who is asking: the logged-in `Author` of the session cookie, and the checks that a change
//! comes from that author's own page. A form is taken by `CsrfForm` and an upload by
//! `CsrfMultipart`, which refuse it (403, the error page) unless it carries the session's
//! CSRF token; every POST is also refused when its `Origin` is another site's.

use crate::{
    db::entities::{session, user},
    error::{AppError, AppResult, Text},
    federation::state::AppState,
    render::i18n::{self, Language},
    services::{notifications, users},
};
use activitypub_federation::config::Data;
use axum::{
    body::Bytes,
    extract::{FromRequest, FromRequestParts, Multipart, Request},
    http::{HeaderMap, HeaderValue, Method, header, request::Parts},
    response::{IntoResponse, Redirect, Response},
};
use serde::{Deserialize, de::DeserializeOwned};

pub const SESSION_COOKIE: &str = "feder_session";
/// Holds the CSRF token of the login form, before there is a session.
pub const LOGIN_COOKIE: &str = "feder_login";
/// Marks a browser that logged in as a name before (OWASP's device cookie): its logins are
/// not held back by the lock that strangers' guesses put on the name.
pub const DEVICE_COOKIE: &str = "feder_device";

/// A logged-in author, with the session the request came with.
#[derive(Clone)]
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

    /// An error in words for this author: its words in the interface language, or its message.
    pub fn say(&self, error: &AppError) -> String {
        crate::web::errors::message(self.lang, error)
    }

    /// Refuses a form whose CSRF token is not this session's.
    fn check_csrf(&self, token: &str) -> AppResult<()> {
        if users::same_secret(token, &self.session.csrf_token) {
            Ok(())
        } else {
            Err(AppError::Forbidden(self.t("admin_error_csrf").into()))
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Author {
    type Rejection = Response;

    /// Looked up once per request: a `CsrfForm` beside an `Author` finds it here again.
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        if let Some(author) = parts.extensions.get::<Author>() {
            return Ok(author.clone());
        }
        let data = Data::<AppState>::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        if parts.method != Method::GET && parts.method != Method::HEAD {
            check_origin(&data, &parts.headers).map_err(IntoResponse::into_response)?;
        }
        let found = current(&data, &parts.headers)
            .await
            .map_err(IntoResponse::into_response)?;
        let Some((session, user)) = found else {
            return Err(not_logged_in(&data, parts));
        };
        let unread = notifications::unread_count(&data.db)
            .await
            .map_err(IntoResponse::into_response)?;
        let author = Author {
            user,
            session,
            unread,
            lang: ui(&data),
        };
        parts.extensions.insert(author.clone());
        Ok(author)
    }
}

/// A page asked for without a session goes to the login form (and back after it); anything
/// else is refused.
fn not_logged_in(data: &AppState, parts: &Parts) -> Response {
    if parts.method != Method::GET {
        let message = ui(data).get("admin_error_login_first");
        return AppError::Unauthorized(message.into()).into_response();
    }
    let next = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/admin");
    let target = format!(
        "/admin/login?next={}",
        url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
    );
    Redirect::to(&target).into_response()
}

/// A form of the logged-in author, read only once it carried the session's CSRF token (the
/// field `csrf`, which `T` need not name). `CsrfForm<IgnoredAny>` is a button that sends
/// nothing else.
pub struct CsrfForm<T>(pub T);

#[derive(Deserialize)]
struct Token {
    #[serde(default)]
    csrf: String,
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for CsrfForm<T> {
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Response> {
        let (mut parts, body) = request.into_parts();
        let author = Author::from_request_parts(&mut parts, state).await?;
        let bytes = Bytes::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(|e| AppError::from(e).into_response())?;
        let form = || AppError::Invalid(Text::new("error_bad_form")).into_response();
        let token: Token = serde_urlencoded::from_bytes(&bytes).map_err(|_| form())?;
        author
            .check_csrf(&token.csrf)
            .map_err(IntoResponse::into_response)?;
        serde_urlencoded::from_bytes(&bytes)
            .map(CsrfForm)
            .map_err(|_| form())
    }
}

/// An upload of the logged-in author whose first field is the session's CSRF token, checked
/// before a byte of the file is read; the fields after it are the handler's.
pub struct CsrfMultipart(pub Multipart);

impl<S: Send + Sync> FromRequest<S> for CsrfMultipart {
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Response> {
        let (mut parts, body) = request.into_parts();
        let author = Author::from_request_parts(&mut parts, state).await?;
        let mut multipart = Multipart::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(|e| AppError::from(e).into_response())?;
        let first = multipart
            .next_field()
            .await
            .map_err(|e| AppError::from(e).into_response())?;
        let token = match first {
            Some(field) if field.name() == Some("csrf") => field
                .text()
                .await
                .map_err(|e| AppError::from(e).into_response())?,
            _ => String::new(),
        };
        author
            .check_csrf(&token)
            .map_err(IntoResponse::into_response)?;
        Ok(CsrfMultipart(multipart))
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
pub fn check_origin(data: &AppState, headers: &HeaderMap) -> AppResult<()> {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return Ok(());
    };
    let ours = data.urls.base().origin().ascii_serialization();
    if origin.to_str().is_ok_and(|o| o == ours) {
        Ok(())
    } else {
        let message = ui(data).get("admin_error_cross_site");
        Err(AppError::Forbidden(message.into()))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; feder_session=abc; b="),
        );
        assert_eq!(cookie(&headers, SESSION_COOKIE).as_deref(), Some("abc"));
        assert_eq!(cookie(&headers, "b"), None);
    }
}
