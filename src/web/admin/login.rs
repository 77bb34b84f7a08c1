//! Logging in and out. The login form's CSRF token sits in a short-lived cookie (there is no
//! session yet); failed attempts are throttled per user name and address, and per name from
//! everywhere, except for a browser that brings the device cookie a past login set
//! (`services::throttle`).

use super::{
    auth::{
        Author, CsrfForm, DEVICE_COOKIE, LOGIN_COOKIE, SESSION_COOKIE, check_origin, cookie,
        current, set_cookie, ui,
    },
    page,
};
use crate::{
    error::AppResult,
    federation::state::AppState,
    services::users::{self, LoginFailure},
    web::extract::{Form, Query, client_ip},
};
use activitypub_federation::config::Data;
use axum::{
    Extension,
    extract::ConnectInfo,
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use serde::{Deserialize, de::IgnoredAny};
use std::net::SocketAddr;

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// Only our own admin pages are places to go after login (no open redirect).
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with("/admin")
                && !n.contains("//")
                && !n.contains('\\')
                && !n.chars().any(char::is_control) =>
        {
            n.to_string()
        }
        _ => "/admin".into(),
    }
}

fn login_page(
    data: &AppState,
    status: StatusCode,
    next: &str,
    error: Option<&'static str>,
    username: &str,
) -> Response {
    let token = users::random_token();
    let lang = ui(data);
    let mut response = page(
        status,
        "login.html",
        minijinja::context! {
            title => lang.get("admin_log_in"),
            site_title => data.config.blog.title,
            csrf => token,
            next => next,
            error => error.map(|key| lang.get(key)),
            username => username,
            t => lang.text, ui_lang => lang.code,
        },
    );
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(data, LOGIN_COOKIE, &token, 3600),
    );
    response
}

pub async fn form(
    data: Data<AppState>,
    Query(query): Query<NextQuery>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let next = safe_next(query.next.as_deref());
    if current(&data, &headers).await?.is_some() {
        return Ok(Redirect::to(&next).into_response());
    }
    Ok(login_page(&data, StatusCode::OK, &next, None, ""))
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    csrf: String,
    next: Option<String>,
}

pub async fn login(
    data: Data<AppState>,
    connect: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> AppResult<Response> {
    check_origin(&data, &headers)?;
    let next = safe_next(form.next.as_deref());
    let expected = cookie(&headers, LOGIN_COOKIE).unwrap_or_default();
    if expected.is_empty() || !users::same_secret(&form.csrf, &expected) {
        return Ok(login_page(
            &data,
            StatusCode::FORBIDDEN,
            &next,
            Some("admin_error_login_expired"),
            &form.username,
        ));
    }
    let ip = client_ip(
        connect.as_ref().map(|c| &c.0),
        &headers,
        &data.config.server.trusted_proxies,
    );
    let username = form.username.trim();
    let device = cookie(&headers, DEVICE_COOKIE);
    let checked =
        users::authenticate(&data.db, username, &form.password, &ip, device.as_deref()).await?;
    match checked {
        Ok(users::LoggedIn { user, device }) => {
            let (token, _) = users::start_session(&data.db, &user).await?;
            tracing::info!(user = %user.username, %ip, "logged in");
            let max_age = users::session_lifetime().num_seconds();
            let mut response = Redirect::to(&next).into_response();
            let headers = response.headers_mut();
            headers.append(
                header::SET_COOKIE,
                set_cookie(&data, SESSION_COOKIE, &token, max_age),
            );
            headers.append(header::SET_COOKIE, set_cookie(&data, LOGIN_COOKIE, "", 0));
            let device_age = users::DEVICE_LIFETIME.num_seconds();
            headers.append(
                header::SET_COOKIE,
                set_cookie(&data, DEVICE_COOKIE, &device, device_age),
            );
            Ok(response)
        }
        Err(LoginFailure::Throttled) => {
            tracing::warn!(user = %username, %ip, "login throttled");
            Ok(login_page(
                &data,
                StatusCode::TOO_MANY_REQUESTS,
                &next,
                Some("admin_error_login_throttled"),
                username,
            ))
        }
        Err(LoginFailure::Busy) => {
            let mut page = login_page(
                &data,
                StatusCode::SERVICE_UNAVAILABLE,
                &next,
                Some("admin_error_busy"),
                username,
            );
            page.headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
            Ok(page)
        }
        Err(LoginFailure::Invalid) => Ok(login_page(
            &data,
            StatusCode::UNAUTHORIZED,
            &next,
            Some("admin_error_login_wrong"),
            username,
        )),
    }
}

pub async fn logout(
    data: Data<AppState>,
    author: Author,
    CsrfForm(_): CsrfForm<IgnoredAny>,
) -> AppResult<Response> {
    users::end_session(&data.db, author.session.id).await?;
    let mut response = Redirect::to("/admin/login").into_response();
    response
        .headers_mut()
        .append(header::SET_COOKIE, set_cookie(&data, SESSION_COOKIE, "", 0));
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_in_admin() {
        assert_eq!(safe_next(Some("/admin/posts")), "/admin/posts");
        assert_eq!(safe_next(Some("https://evil.example/admin")), "/admin");
        assert_eq!(safe_next(Some("/admin//evil.example")), "/admin");
        assert_eq!(safe_next(None), "/admin");
        assert_eq!(safe_next(Some("/admin\r\nSet-Cookie: a=b")), "/admin");
    }
}
