//! The bearer token of a Micropub request: from the `Authorization` header (checked before
//! the body is read) or the body, and the scope and author it allows.

use super::error::{MicropubError, MpResult, invalid};
use crate::{
    db::entities::{api_token, post},
    federation::state::AppState,
    services::tokens,
};
use axum::http::{HeaderMap, header};

fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_string())
}

/// Bodies read before the request has shown a valid token: the spec lets a form-encoded body
/// carry its `access_token`, which is a post's text, never an upload. Anything larger needs
/// the token in the header, checked before a byte of the body is read.
pub(super) const UNAUTHENTICATED_BODY_BYTES: usize = 64 * 1024;

/// The token of the `Authorization` header: `None` without one, 401 for a wrong one.
pub(super) async fn header_token(
    data: &AppState,
    headers: &HeaderMap,
) -> MpResult<Option<api_token::Model>> {
    match bearer(headers) {
        None => Ok(None),
        Some(token) => tokens::verify(&data.db, &token)
            .await?
            .map(Some)
            .ok_or(MicropubError::Unauthorized),
    }
}

/// The request's token: the header's (already checked) or, as the spec also allows, the
/// body's; never both.
pub(super) async fn authorize(
    data: &AppState,
    from_header: Option<api_token::Model>,
    in_body: Option<String>,
) -> MpResult<api_token::Model> {
    match (from_header, in_body) {
        (Some(_), Some(_)) => Err(invalid(
            "send the token in the header or the body, not both",
        )),
        (Some(token), None) => Ok(token),
        (None, Some(token)) => tokens::verify(&data.db, &token)
            .await?
            .ok_or(MicropubError::Unauthorized),
        (None, None) => Err(MicropubError::Unauthorized),
    }
}

pub(super) fn require(token: &api_token::Model, scope: &'static str) -> MpResult<()> {
    if tokens::has_scope(token, scope) {
        Ok(())
    } else {
        Err(MicropubError::InsufficientScope(scope))
    }
}

/// An author's token changes (and reads unpublished) only that author's posts; a token made
/// for the blog (`feder token create` without a user) any post.
pub(super) fn require_own(token: &api_token::Model, post: &post::Model) -> MpResult<()> {
    match token.user_id {
        Some(user) if post.author_id != Some(user) => Err(MicropubError::Forbidden),
        _ => Ok(()),
    }
}
