//! A blog that moved or was retired (`services::moves`). Moved: every page and feed, and
//! WebFinger for the blog, answer 301 to the new address, while the ActivityPub documents
//! keep answering, since servers fetch the old actor to check its `movedTo`. Retired: the
//! actors, documents and pages answer 410 Gone. /admin stays, and so does what it needs.

use crate::{
    federation::{
        objects::{document::with_context, tombstone::retired_to_tombstone},
        state::AppState,
    },
    web::respond::{activity_json, wants_activity_json},
};
use activitypub_federation::config::FederationConfig;
use axum::{
    extract::{Request, State},
    http::{Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use std::sync::Arc;
use url::Url;

/// Paths that stay as they are: the owner's, files, the server's own documents, and the
/// secret links of web commenters.
const KEPT: &[&str] = &[
    "/admin",
    "/static/",
    "/media/",
    "/micropub",
    "/nodeinfo",
    "/.well-known/nodeinfo",
    "/.well-known/host-meta",
    "/application",
    "/robots.txt",
];

fn kept(path: &str) -> bool {
    KEPT.iter().any(|p| path.starts_with(p))
        || (path.starts_with("/comments/") && path != "/comments/feed.atom")
}

pub async fn serve(
    State(federation): State<Arc<FederationConfig<AppState>>>,
    request: Request,
    next: Next,
) -> Response {
    let settings = federation.settings.current();
    let reading = matches!(*request.method(), Method::GET | Method::HEAD);
    if !reading || !(settings.retired || settings.moved_home.is_some()) {
        return next.run(request).await;
    }
    let path = request.uri().path();
    if kept(path) {
        return next.run(request).await;
    }
    let urls = &federation.urls;
    if settings.retired {
        if path == "/.well-known/webfinger" {
            return StatusCode::GONE.into_response();
        }
        let id = urls.base().join(path.trim_start_matches('/'));
        return match id {
            Ok(id) if wants_activity_json(request.headers()) => {
                let tombstone = retired_to_tombstone(&id, is_actor(path), settings.retired_at);
                activity_json(StatusCode::GONE, with_context(tombstone))
            }
            _ => crate::error::AppError::Gone.into_response(),
        };
    }
    let Some((home, handle)) = settings.moved_home.clone() else {
        return next.run(request).await;
    };
    let Ok(home) = Url::parse(&home) else {
        return next.run(request).await;
    };
    if path == "/.well-known/webfinger" {
        let query = request.uri().query().unwrap_or_default();
        if !asks_for_blog(query, &federation) {
            return next.run(request).await;
        }
        let mut to = home.join("/.well-known/webfinger").unwrap_or(home);
        to.query_pairs_mut()
            .append_pair("resource", &format!("acct:{handle}"));
        return moved_permanently(to.as_str());
    }
    if wants_activity_json(request.headers()) {
        return next.run(request).await;
    }
    let mut to = home
        .join(path.trim_start_matches('/'))
        .unwrap_or_else(|_| home.clone());
    to.set_query(request.uri().query());
    moved_permanently(to.as_str())
}

/// Whether `path` is one of our actors: the blog's, or an author's (`/authors/NAME/actor`).
fn is_actor(path: &str) -> bool {
    path == "/actor"
        || path
            .strip_prefix("/authors/")
            .and_then(|rest| rest.strip_suffix("/actor"))
            .is_some_and(|name| !name.is_empty() && !name.contains('/'))
}

/// Whether a WebFinger query asks for the blog (its handle, its actor or its home page).
fn asks_for_blog(query: &str, data: &AppState) -> bool {
    let Some(resource) = url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "resource")
        .map(|(_, v)| v.trim().to_string())
    else {
        return false;
    };
    let urls = &data.urls;
    let handle = format!(
        "acct:{}@{}",
        data.settings.current().blog.username,
        urls.host()
    );
    let resource = resource.trim_start_matches('@');
    resource.eq_ignore_ascii_case(&handle)
        || format!("acct:{resource}").eq_ignore_ascii_case(&handle)
        || resource == urls.actor().as_str()
        || resource.trim_end_matches('/') == urls.base().as_str().trim_end_matches('/')
}

fn moved_permanently(to: &str) -> Response {
    (
        StatusCode::MOVED_PERMANENTLY,
        [(header::LOCATION, to.to_string())],
    )
        .into_response()
}
