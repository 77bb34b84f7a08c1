//! Shared blocklists in /admin: subscribing to a list's address (fetched at once, then daily by
//! `feder serve`), a list's page with what applying it would block — domains, followers,
//! shown comments — before it is applied, "sync now", and the owner's exceptions.

use super::{
    auth::{Author, CsrfForm},
    comments::ActionForm,
    page,
};
use crate::{
    error::{AppError, AppResult},
    federation::{blocklist_sync, state::AppState},
    services::{blocklists, blocks},
    web::extract::Path,
};
use activitypub_federation::config::Data;
use axum::{
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct SubscribeForm {
    url: String,
}

/// POST /admin/blocklists: subscribes to a list and fetches it, then shows its effect.
pub async fn subscribe(
    data: Data<AppState>,
    CsrfForm(form): CsrfForm<SubscribeForm>,
) -> AppResult<Response> {
    let list = blocklists::subscribe(&data, &form.url).await?;
    blocklist_sync::sync(&data, &data.http, list.id).await?;
    Ok(Redirect::to(&format!("/admin/blocklists/{}", list.id)).into_response())
}

/// GET /admin/blocklists/{id}: the list, and what applying it blocks.
pub async fn show(
    data: Data<AppState>,
    author: Author,
    Path(id): Path<i32>,
) -> AppResult<Response> {
    let list = blocklists::find(&data, id).await?;
    let effect = blocklists::effect(&data, &list).await?;
    let settings = data.settings.current();
    Ok(page(
        StatusCode::OK,
        "blocklist.html",
        minijinja::context! {
            title => author.t("admin_blocklist"),
            id => list.id,
            url => list.url,
            applied => list.applied,
            listed => blocks::list_domains(&list).count(),
            fetched => list.fetched_at.map(|at| settings.local_time(at)),
            error => list.error,
            newly_blocked => effect.newly_blocked,
            excepted => effect.excepted,
            followers => effect.followers,
            comments => effect.comments,
            ..author.nav()
        },
    ))
}

/// POST /admin/blocklists/{id}/{action}: `apply`, `unapply`, `sync` or `delete`.
pub async fn act(
    data: Data<AppState>,
    Path((id, action)): Path<(i32, String)>,
    CsrfForm(_): CsrfForm<ActionForm>,
) -> AppResult<Response> {
    blocklists::find(&data, id).await?;
    match action.as_str() {
        "apply" => blocklists::set_applied(&data, id, true).await?,
        "unapply" => blocklists::set_applied(&data, id, false).await?,
        "sync" => blocklist_sync::sync(&data, &data.http, id).await?,
        "delete" => {
            blocklists::unsubscribe(&data, id).await?;
            return Ok(Redirect::to("/admin/comments#blocks").into_response());
        }
        _ => return Err(AppError::NotFound),
    }
    Ok(Redirect::to(&format!("/admin/blocklists/{id}")).into_response())
}

#[derive(Deserialize)]
pub struct ExceptionForm {
    domain: String,
    #[serde(default)]
    remove: Option<String>,
}

/// POST /admin/blocklists/exceptions: adds (or with `remove`, lifts) an exception.
pub async fn exception(
    data: Data<AppState>,
    CsrfForm(form): CsrfForm<ExceptionForm>,
) -> AppResult<Response> {
    if form.remove.is_some() {
        blocklists::remove_exception(&data, &form.domain).await?;
    } else {
        blocklists::except(&data, &form.domain).await?;
    }
    Ok(Redirect::to("/admin/comments#blocks").into_response())
}
