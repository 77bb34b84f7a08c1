//! HTTP: the router and thin handlers that extract, call a service, and respond.

mod activitypub;
mod admin;
mod authors;
pub mod cache;
mod comment_mails;
mod comments;
mod comments_feed;
mod errors;
mod extract;
mod feeds;
mod inbox;
mod interact;
mod layout;
mod media;
mod micropub;
mod moved;
mod navigation;
mod pages;
mod redirects;
pub mod respond;
mod security;
pub mod serve;
mod static_pages;
pub mod views;
mod wellknown;

use crate::federation::state::AppState;
use activitypub_federation::config::{FederationConfig, FederationMiddleware};
use axum::{
    Extension, Router,
    extract::DefaultBodyLimit,
    middleware,
    routing::{get, post},
};
use std::sync::Arc;
use tower_http::compression::{CompressionLayer, CompressionLevel};

/// Incoming activities larger than this are refused with 413 (Mastodon's own limit is 1 MB).
pub const MAX_INBOX_BODY: usize = 1024 * 1024;

/// The whole application, shared by `feder serve` and the tests.
pub fn app(federation: FederationConfig<AppState>) -> Router {
    let cache = Arc::new(cache::PageCache::new(federation.changes.clone()));
    let old_addresses = Arc::new(redirects::RedirectCache::new(
        federation.db.clone(),
        federation.changes.clone(),
    ));
    let max_upload = federation.config.media.max_upload_bytes;
    // In an Arc: axum clones a middleware's state per request, and this one holds the site.
    let shared = Arc::new(federation.clone());
    let error_pages = middleware::from_fn_with_state(shared.clone(), errors::show);
    let moved = middleware::from_fn_with_state(shared, moved::serve);
    // Pages, feeds and documents that only change when the blog does: rendered once, kept
    // (compressed as each client asked) by the page cache. Inside the cache, so that a
    // cached answer needs no federation data.
    let cached = Router::new()
        .route("/", get(pages::home))
        .route("/posts/{slug}", get(pages::post))
        .route("/tags/{tag}", get(pages::tag))
        .route("/tags/{tag}/{feed}", get(feeds::tag_feed))
        .route("/authors/{author}", get(pages::author))
        .route("/archive", get(pages::archive))
        .route("/archive/{year}", get(pages::archive_year))
        .route("/archive/{year}/{month}", get(pages::archive_month))
        .route("/feed.atom", get(feeds::blog_atom))
        .route("/feed.rss", get(feeds::blog_rss))
        .route("/feed.json", get(feeds::blog_json))
        .route("/sitemap.xml", get(feeds::sitemap))
        .route("/pages/{slug}", get(static_pages::page))
        .route("/comments/feed.atom", get(comments_feed::atom))
        .layer(middleware::from_fn_with_state(
            federation.db.clone(),
            navigation::with_navigation,
        ))
        .layer(compression())
        .layer(FederationMiddleware::new(federation.clone()))
        .layer(middleware::from_fn_with_state(cache, cache::serve));
    Router::new()
        .merge(federation_routes())
        .merge(
            Router::new()
                .route(
                    "/posts/{slug}/comments",
                    post(comments::submit).layer(DefaultBodyLimit::max(comments::MAX_FORM_BODY)),
                )
                .layer(Extension(comments::CommentLimits::new(
                    federation.config.limits.web_comments_per_hour,
                ))),
        )
        .route(
            "/comments/{id}/delete",
            get(comments::delete_page)
                .post(comments::delete)
                .layer(DefaultBodyLimit::max(16 * 1024)),
        )
        .route(
            "/comments/{id}/answers",
            get(comment_mails::page)
                .post(comment_mails::set)
                .layer(DefaultBodyLimit::max(16 * 1024)),
        )
        .merge(
            Router::new()
                .route(
                    "/interact",
                    get(interact::interact)
                        .post(interact::interact)
                        .layer(DefaultBodyLimit::max(16 * 1024)),
                )
                .layer(Extension(interact::InteractLimits::new())),
        )
        .merge(
            // A draft's private preview: one reader's, so outside the page cache.
            Router::new()
                .route("/posts/{slug}/preview", get(pages::preview))
                .layer(middleware::from_fn_with_state(
                    federation.db.clone(),
                    navigation::with_navigation,
                )),
        )
        .route("/static/{file}", get(pages::static_file))
        .route("/robots.txt", get(pages::robots))
        .route("/favicon.ico", get(pages::favicon))
        .route("/media/{file}", get(media::file))
        .merge(admin::routes::routes(max_upload))
        .merge(micropub::routes(max_upload))
        .fallback(redirects::fallback)
        .layer(compression())
        .layer(FederationMiddleware::new(federation))
        .merge(cached)
        // A blog that moved or was retired, before anything else answers (but with the
        // error pages, for its 410).
        .layer(moved)
        .layer(error_pages)
        .layer(middleware::map_response(security::headers))
        // Old addresses of an imported blog, before anything else answers them.
        .layer(middleware::from_fn_with_state(
            old_addresses,
            redirects::serve,
        ))
}

/// The ActivityPub documents, collections and inboxes, WebFinger and NodeInfo.
fn federation_routes() -> Router {
    Router::new()
        .route("/posts/{slug}/replies", get(activitypub::replies))
        .route("/posts/{slug}/context", get(activitypub::context))
        .route("/posts/{slug}/likes", get(activitypub::likes))
        .route("/posts/{slug}/shares", get(activitypub::shares))
        .route("/actor", get(activitypub::actor))
        .route("/application", get(activitypub::application))
        .route("/application/outbox", get(activitypub::application_outbox))
        .route("/actor/outbox", get(activitypub::outbox))
        .route("/actor/followers", get(activitypub::followers))
        .route(
            "/actor/followers_synchronization",
            get(activitypub::followers_synchronization),
        )
        .route("/actor/following", get(activitypub::following))
        .route("/authors/{author}/actor", get(authors::actor))
        .route("/authors/{author}/outbox", get(authors::outbox))
        .route("/authors/{author}/followers", get(authors::followers))
        .route(
            "/authors/{author}/followers_synchronization",
            get(authors::followers_synchronization),
        )
        .route(
            "/authors/{author}/inbox",
            post(inbox::inbox).layer(DefaultBodyLimit::max(MAX_INBOX_BODY)),
        )
        .route(
            "/actor/inbox",
            post(inbox::inbox).layer(DefaultBodyLimit::max(MAX_INBOX_BODY)),
        )
        .route(
            "/inbox",
            post(inbox::inbox).layer(DefaultBodyLimit::max(MAX_INBOX_BODY)),
        )
        .route("/comments/{id}", get(activitypub::comment))
        .route("/comments/{id}/replies", get(activitypub::comment_replies))
        .route("/activities/{id}", get(activitypub::activity))
        .route("/authorizations/{id}", get(activitypub::authorization))
        .route("/.well-known/webfinger", get(wellknown::webfinger))
        .route("/.well-known/nodeinfo", get(wellknown::nodeinfo_links))
        .route("/nodeinfo/2.1", get(wellknown::nodeinfo))
        .route("/.well-known/host-meta", get(wellknown::host_meta))
}

/// gzip and brotli at a middle level: pages are compressed once per cache fill, and the
/// highest brotli level costs far more time than it saves bytes.
fn compression() -> CompressionLayer {
    CompressionLayer::new().quality(CompressionLevel::Precise(5))
}
