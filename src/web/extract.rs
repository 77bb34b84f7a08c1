//! The extractors handlers use for the query string, the path and forms: axum's own, with what
//! they refuse turned into an `AppError` (as axum's `customize-extractor-error` example does),
//! so that `/?page=abc`, a malformed form or a body over its limit answers the blog's error
//! page in the interface language (`web::errors`) instead of axum's plain text. And the
//! address a request comes from, behind the proxies the blog trusts.

use crate::error::{AppError, Text};
use axum::{
    extract::{
        ConnectInfo, FromRequest, FromRequestParts,
        multipart::{MultipartError, MultipartRejection},
        rejection::{BytesRejection, FormRejection, PathRejection, QueryRejection},
    },
    http::{HeaderMap, StatusCode},
};
use std::net::SocketAddr;

#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(AppError))]
pub struct Query<T>(pub T);

#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(AppError))]
pub struct Path<T>(pub T);

#[derive(FromRequest)]
#[from_request(via(axum::Form), rejection(AppError))]
pub struct Form<T>(pub T);

/// What an extractor refused, by its status: too large, our own fault, or input that
/// `key` describes to the person who sent it.
fn refused(status: StatusCode, detail: String, key: &'static str) -> AppError {
    tracing::debug!(%status, %detail, "request refused by an extractor");
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::PayloadTooLarge
    } else if status.is_server_error() {
        AppError::Internal(detail)
    } else {
        AppError::Invalid(Text::new(key))
    }
}

impl From<QueryRejection> for AppError {
    fn from(rejection: QueryRejection) -> AppError {
        refused(rejection.status(), rejection.body_text(), "error_bad_query")
    }
}

/// A path whose parts are not what the route takes (`/admin/comments/abc/reply`) is an
/// address with nothing at it.
impl From<PathRejection> for AppError {
    fn from(rejection: PathRejection) -> AppError {
        if rejection.status().is_client_error() {
            AppError::NotFound
        } else {
            AppError::Internal(rejection.body_text())
        }
    }
}

impl From<FormRejection> for AppError {
    fn from(rejection: FormRejection) -> AppError {
        refused(rejection.status(), rejection.body_text(), "error_bad_form")
    }
}

impl From<BytesRejection> for AppError {
    fn from(rejection: BytesRejection) -> AppError {
        refused(rejection.status(), rejection.body_text(), "error_bad_form")
    }
}

impl From<MultipartRejection> for AppError {
    fn from(rejection: MultipartRejection) -> AppError {
        refused(
            rejection.status(),
            rejection.body_text(),
            "error_bad_upload",
        )
    }
}

impl From<MultipartError> for AppError {
    fn from(error: MultipartError) -> AppError {
        refused(error.status(), error.body_text(), "error_bad_upload")
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn client_addresses() {
        let mut headers = HeaderMap::new();
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
    }
}
