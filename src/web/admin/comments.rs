//! The moderation queue: comments waiting for approval (or hidden), with approve, reject,
//! spam and delete; and the blocks. The same actions as `feder comments` and `feder block`.

use super::{Author, page};
use crate::{
    db::entities::comment,
    error::{AppError, AppResult},
    federation::state::AppState,
    services::moderation,
};
use activitypub_federation::config::Data;
use axum::{
    Form,
    extract::{Path, Query},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use serde::{Deserialize, Serialize};

#[derive(Serialize)]
struct QueueItem {
    id: i32,
    author: String,
    author_url: String,
    html: String,
    published: String,
    status: String,
}

#[derive(Deserialize)]
pub struct QueueQuery {
    status: Option<String>,
}

pub async fn queue(
    data: Data<AppState>,
    author: Author,
    Query(query): Query<QueueQuery>,
) -> AppResult<Response> {
    let status = match query.status.as_deref() {
        Some(s @ (comment::APPROVED | comment::REJECTED | comment::SPAM)) => s,
        _ => comment::PENDING,
    };
    let items: Vec<QueueItem> = moderation::queue(&data.db, status, 200)
        .await?
        .into_iter()
        .map(|c| QueueItem {
            id: c.id,
            author: c
                .author_name
                .clone()
                .unwrap_or_else(|| c.author_ap_id.clone()),
            author_url: c.author_ap_id.clone(),
            html: c.content_html,
            published: c.published_at.format("%Y-%m-%d %H:%M").to_string(),
            status: c.status,
        })
        .collect();
    let blocks: Vec<String> = moderation::list_blocks(&data.db)
        .await?
        .into_iter()
        .map(|b| b.value)
        .collect();
    Ok(page(
        StatusCode::OK,
        "comments.html",
        minijinja::context! {
            title => "Comments", user => author.user.display_name, csrf => author.session.csrf_token,
            status => status, items => items, blocks => blocks,
        },
    ))
}

#[derive(Deserialize)]
pub struct ActionForm {
    csrf: String,
}

/// POST /admin/comments/{id}/{action}: approve, reject, spam or delete.
pub async fn act(
    data: Data<AppState>,
    author: Author,
    Path((id, action)): Path<(i32, String)>,
    Form(form): Form<ActionForm>,
) -> AppResult<Response> {
    if let Err(refused) = author.check_csrf(&form.csrf) {
        return Ok(refused.into_response());
    }
    let found = match action.as_str() {
        "approve" => moderation::set_status(&data.db, id, comment::APPROVED).await?,
        "reject" => moderation::set_status(&data.db, id, comment::REJECTED).await?,
        "spam" => moderation::set_status(&data.db, id, comment::SPAM).await?,
        "delete" => moderation::delete(&data.db, id).await?,
        _ => return Err(AppError::NotFound),
    };
    if !found {
        return Err(AppError::NotFound);
    }
    Ok(Redirect::to("/admin/comments").into_response())
}

#[derive(Deserialize)]
pub struct BlockForm {
    csrf: String,
    target: String,
    #[serde(default)]
    remove: Option<String>,
}

/// POST /admin/blocks: adds (or with `remove`, lifts) a block of an actor URL or a domain.
pub async fn block(
    data: Data<AppState>,
    author: Author,
    Form(form): Form<BlockForm>,
) -> AppResult<Response> {
    if let Err(refused) = author.check_csrf(&form.csrf) {
        return Ok(refused.into_response());
    }
    if form.remove.is_some() {
        moderation::remove_block(&data, &form.target).await?;
    } else {
        moderation::add_block(&data, &form.target).await?;
    }
    Ok(Redirect::to("/admin/comments").into_response())
}
