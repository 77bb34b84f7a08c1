//! /admin/moving: the blog's other accounts (`alsoKnownAs`, so an old account can move
//! here, with who of its followers came over, per server), moving the blog to a new address with how far its followers have come, per
//! server, and retiring it after a typed confirmation. The same as `feder alias`, `feder
//! move` and `feder retire`.

use super::{
    auth::{Author, CsrfForm},
    page,
};
use crate::{
    error::{AppError, AppResult},
    federation::{actions, state::AppState},
    services::{local_actor::LocalActor, moves},
};
use activitypub_federation::config::Data;
use axum::{
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;

async fn moving_page(
    data: &Data<AppState>,
    author: &Author,
    status: StatusCode,
    error: Option<String>,
) -> AppResult<Response> {
    let settings = data.settings.current();
    let blog = settings.identity(&LocalActor::Blog.name());
    let mut aliases = Vec::new();
    for alias in &blog.also_known_as {
        let arrivals = moves::arrivals(data, &LocalActor::Blog, alias).await?;
        aliases.push(minijinja::context! { id => alias, arrivals => arrivals });
    }
    let progress: Vec<_> = moves::progress(data)
        .await?
        .into_iter()
        .map(|p| {
            minijinja::context! {
                server => p.server, at_move => p.at_move, still_here => p.still_here,
                moved => p.at_move.saturating_sub(p.still_here),
            }
        })
        .collect();
    let handle = format!("{}@{}", settings.blog.username, data.urls.host());
    Ok(page(
        status,
        "moving.html",
        minijinja::context! {
            title => author.t("admin_moving"), aliases => aliases,
            moved_to => blog.moved_to, moved_home => settings.moved_home.as_ref().map(|h| h.0.clone()),
            retired => settings.retired, progress => progress, handle => handle,
            actor => LocalActor::Blog.id(&data.urls).to_string(),
            error => error, ..author.nav()
        },
    ))
}

pub async fn show(data: Data<AppState>, author: Author) -> AppResult<Response> {
    moving_page(&data, &author, StatusCode::OK, None).await
}

/// A refusal the owner can act on shows on the page; anything else is an error.
async fn refused(data: &Data<AppState>, author: &Author, error: AppError) -> AppResult<Response> {
    match error {
        e @ (AppError::BadRequest(_)
        | AppError::Invalid(_)
        | AppError::NotFound
        | AppError::Upstream(_)) => {
            let message = author.say(&e);
            moving_page(data, author, StatusCode::BAD_REQUEST, Some(message)).await
        }
        e => Err(e),
    }
}

#[derive(Deserialize)]
pub struct AccountForm {
    /// A handle (`user@host`) or an actor URL.
    account: String,
}

/// POST /admin/moving/aliases: name another account, so it can move here (and keep who it
/// lists as its followers, to see who came over).
pub async fn add_alias(
    data: Data<AppState>,
    author: Author,
    CsrfForm(form): CsrfForm<AccountForm>,
) -> AppResult<Response> {
    match actions::add_alias(&data, &LocalActor::Blog, &form.account).await {
        Ok(_) => Ok(Redirect::to("/admin/moving").into_response()),
        Err(e) => refused(&data, &author, e).await,
    }
}

/// POST /admin/moving/aliases/remove: stop naming an account.
pub async fn remove_alias(
    data: Data<AppState>,
    CsrfForm(form): CsrfForm<AccountForm>,
) -> AppResult<Response> {
    moves::remove_alias(&data, &LocalActor::Blog, form.account.trim()).await?;
    Ok(Redirect::to("/admin/moving").into_response())
}

/// POST /admin/moving/move: the blog moves to the account given, which must name it.
pub async fn move_blog(
    data: Data<AppState>,
    author: Author,
    CsrfForm(form): CsrfForm<AccountForm>,
) -> AppResult<Response> {
    match actions::move_blog(&data, &form.account).await {
        Ok(_) => Ok(Redirect::to("/admin/moving").into_response()),
        Err(e) => refused(&data, &author, e).await,
    }
}

#[derive(Deserialize)]
pub struct RetireForm {
    /// The blog's handle, typed by the owner.
    confirm: String,
}

/// POST /admin/moving/retire: with the blog's handle typed as confirmation, the blog is
/// retired.
pub async fn retire(
    data: Data<AppState>,
    author: Author,
    CsrfForm(form): CsrfForm<RetireForm>,
) -> AppResult<Response> {
    let settings = data.settings.current();
    let handle = format!("{}@{}", settings.blog.username, data.urls.host());
    if form.confirm.trim().trim_start_matches('@') != handle {
        let message = author
            .t("admin_retire_confirm_wrong")
            .replace("%s", &handle);
        return moving_page(&data, &author, StatusCode::BAD_REQUEST, Some(message)).await;
    }
    match moves::retire(&data).await {
        Ok(()) => Ok(Redirect::to("/admin/moving").into_response()),
        Err(e) => refused(&data, &author, e).await,
    }
}
