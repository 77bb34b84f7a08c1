//! The /admin routes: which handler answers which path. Kept apart from `admin/mod.rs` (what
//! every admin handler shares) so the handlers can use that without a cycle back to here.

use super::{
    asset_file, blocklists, comments, dashboard, followers, login, media, moving, notifications,
    pages, posts, reader, reports, settings, stats,
};
use axum::{
    Router,
    extract::DefaultBodyLimit,
    routing::{get, post},
};

pub fn routes(max_upload_bytes: usize) -> Router {
    Router::new()
        .route("/admin", get(dashboard::dashboard))
        .route("/admin/login", get(login::form).post(login::login))
        .route("/admin/logout", post(login::logout))
        .route(
            "/admin/profile",
            get(dashboard::profile).post(dashboard::save_profile),
        )
        .route("/admin/posts", get(posts::list).post(posts::create))
        .route("/admin/posts/new", get(posts::new))
        .route("/admin/posts/autosave", post(posts::autosave))
        .route("/admin/posts/{slug}", post(posts::update))
        .route("/admin/posts/{slug}/edit", get(posts::edit))
        .route("/admin/posts/{slug}/delete", post(posts::delete))
        .route("/admin/posts/{slug}/unpublish", post(posts::unpublish))
        .route("/admin/posts/{slug}/trash", post(posts::trash))
        .route("/admin/posts/{slug}/restore", post(posts::restore))
        .route("/admin/bulk/posts", post(posts::bulk))
        .route("/admin/trash/empty", post(posts::empty_trash))
        .route("/admin/preview", post(posts::preview))
        .route("/admin/pages", get(pages::list).post(pages::create))
        .route("/admin/pages/new", get(pages::new))
        .route("/admin/pages/{slug}", post(pages::update))
        .route("/admin/pages/{slug}/edit", get(pages::edit))
        .route("/admin/pages/{slug}/delete", post(pages::delete))
        .route("/admin/pages/{slug}/{action}", post(pages::change_status))
        .route("/admin/comments", get(comments::queue))
        .route("/admin/bulk/comments", post(comments::bulk))
        .route("/admin/comments/{id}/reply", post(comments::reply))
        .route("/admin/comments/{id}/report", post(reports::report))
        .route("/admin/reports", get(reports::list))
        .route("/admin/stats", get(stats::overview))
        .route("/admin/stats/{year}", get(stats::year))
        .route("/admin/stats/posts/{slug}", get(stats::post))
        .route("/admin/comments/{id}/{action}", post(comments::act))
        .route("/admin/replies/{id}", post(comments::edit_answer))
        .route("/admin/replies/{id}/delete", post(comments::delete_answer))
        .route("/admin/blocks", post(comments::block))
        .route("/admin/filters", post(comments::add_filter))
        .route("/admin/blocklists", post(blocklists::subscribe))
        .route("/admin/blocklists/exceptions", post(blocklists::exception))
        .route("/admin/blocklists/{id}", get(blocklists::show))
        .route("/admin/blocklists/{id}/{action}", post(blocklists::act))
        .route("/admin/filters/{id}/delete", post(comments::remove_filter))
        .route("/admin/notifications", get(notifications::list))
        .route("/admin/messages/{id}/reply", post(notifications::answer))
        .route("/admin/reader", get(reader::timeline))
        .route("/admin/reader/thread", get(reader::thread))
        .route("/admin/reader/follow", post(reader::follow))
        .route("/admin/reader/unfollow", post(reader::unfollow))
        .route("/admin/reader/react", post(reader::react))
        .route("/admin/reader/reply", post(reader::reply))
        .route("/admin/reader/quote", post(reader::quote))
        .route("/admin/reader/draft", post(reader::draft))
        .route("/admin/settings", get(settings::form).post(settings::save))
        .route("/admin/settings/password", post(settings::password))
        .route("/admin/settings/mail", post(settings::save_mail))
        .route("/admin/moving", get(moving::show))
        .route("/admin/moving/aliases", post(moving::add_alias))
        .route("/admin/moving/aliases/remove", post(moving::remove_alias))
        .route("/admin/moving/move", post(moving::move_blog))
        .route("/admin/moving/retire", post(moving::retire))
        .route("/admin/followers", get(followers::list))
        .route("/admin/followers/{id}/remove", post(followers::remove))
        .route("/admin/deliveries", get(followers::deliveries))
        .route("/admin/deliveries/{activity}/retry", post(followers::retry))
        .route("/admin/inbox/{id}/retry", post(followers::retry_received))
        .route("/admin/outbox/{id}/retry", post(followers::retry_event))
        .route(
            "/admin/media",
            get(media::library)
                .post(media::upload)
                // Room for the multipart framing around the largest image.
                .layer(DefaultBodyLimit::max(max_upload_bytes + 64 * 1024)),
        )
        .route("/admin/media/{id}/alt", post(media::set_alt))
        .route("/admin/media/{id}/delete", post(media::delete))
        .route("/admin/static/{file}", get(asset_file))
}
