//! The dashboard (followers, recent comments, delivery of the latest posts) and the author's
//! profile.

use super::{
    auth::{Author, CsrfForm},
    page,
};
use crate::{
    error::{AppError, AppResult},
    federation::state::AppState,
    services::{authors, dashboard, deliveries, followers, users},
    web::extract::Query,
};
use activitypub_federation::config::Data;
use axum::{
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use serde::{Deserialize, Serialize};

#[derive(Serialize)]
struct CommentView {
    author: String,
    author_url: String,
    html: String,
    published: String,
    post_title: String,
    post_url: String,
}

#[derive(Serialize)]
struct DeliveryView {
    kind: String,
    post_url: String,
    created: String,
    delivered: u64,
    pending: u64,
    failed: u64,
}

pub async fn dashboard(data: Data<AppState>, author: Author) -> AppResult<Response> {
    let followers = followers::list(&data.db, None).await?;
    let settings = data.settings.current();
    let comments: Vec<CommentView> = dashboard::recent_comments(&data.db, 20)
        .await?
        .into_iter()
        .map(|c| CommentView {
            author: c
                .comment
                .author_name
                .clone()
                .unwrap_or_else(|| c.comment.author_ap_id.clone()),
            author_url: c.comment.author_ap_id.clone(),
            html: c.comment.content_html.clone(),
            published: settings.local_time(c.comment.published_at),
            post_title: c.post.as_ref().map(|p| p.title.clone()).unwrap_or_default(),
            post_url: c
                .post
                .as_ref()
                .map(|p| data.urls.post(&p.slug).to_string())
                .unwrap_or_default(),
        })
        .collect();
    let deliveries: Vec<DeliveryView> =
        deliveries::per_post(&data.db, data.urls.post("").as_str(), 20)
            .await?
            .into_iter()
            .map(|d| DeliveryView {
                delivered: d.delivered(),
                pending: d.pending(),
                failed: d.failed(),
                kind: d.kind,
                post_url: d.object,
                created: settings.local_time(d.created_at),
            })
            .collect();
    Ok(page(
        StatusCode::OK,
        "dashboard.html",
        minijinja::context! {
            title => author.t("admin_dashboard"),
            follower_count => followers.len(),
            followers => followers.iter().map(|f| f.actor_ap_id.clone()).collect::<Vec<_>>(),
            comments => comments, deliveries => deliveries, ..author.nav()
        },
    ))
}

fn profile_page(
    data: &AppState,
    author: &Author,
    status: StatusCode,
    error: Option<String>,
    saved: bool,
) -> Response {
    let u = &author.user;
    // With author actors, the account is followable here too (see `services::authors`).
    let blog = &data.config.blog;
    let blog_handle = (blog.author_actors && u.username != blog.username)
        .then(|| format!("@{}@{}", u.username, data.urls.host()));
    page(
        status,
        "profile.html",
        minijinja::context! {
            title => author.t("admin_profile"), user => u.display_name,
            profile => minijinja::context! {
                username => u.username, display_name => u.display_name, bio => u.bio,
                avatar_url => u.avatar_url, fediverse_handle => u.fediverse_handle,
                blog_handle => blog_handle,
            },
            error => error, saved => saved, ..author.nav()
        },
    )
}

#[derive(Deserialize)]
pub struct SavedQuery {
    saved: Option<String>,
}

pub async fn profile(
    data: Data<AppState>,
    author: Author,
    Query(query): Query<SavedQuery>,
) -> Response {
    profile_page(&data, &author, StatusCode::OK, None, query.saved.is_some())
}

#[derive(Deserialize)]
pub struct ProfileForm {
    display_name: String,
    #[serde(default)]
    bio: String,
    #[serde(default)]
    avatar_url: String,
    #[serde(default)]
    fediverse_handle: String,
}

pub async fn save_profile(
    data: Data<AppState>,
    author: Author,
    CsrfForm(form): CsrfForm<ProfileForm>,
) -> AppResult<Response> {
    let profile = users::Profile {
        display_name: form.display_name,
        bio: form.bio,
        avatar_url: Some(form.avatar_url),
        fediverse_handle: Some(form.fediverse_handle),
    };
    match authors::save_profile(&data, author.user.clone(), profile).await {
        Ok(_) => Ok(Redirect::to("/admin/profile?saved=1").into_response()),
        Err(e @ (AppError::BadRequest(_) | AppError::Invalid(_))) => Ok(profile_page(
            &data,
            &author,
            StatusCode::BAD_REQUEST,
            Some(author.say(&e)),
            false,
        )),
        Err(e) => Err(e),
    }
}
