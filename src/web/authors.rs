//! The authors' own actors (`blog.author_actors`): `/authors/<username>/actor`, its outbox and
//! followers. Their inbox is the blog's inbox handler (the Follow's object says whom it is for).

use crate::web::extract::{Path, Query};
use crate::{
    db::entities::user,
    error::{AppError, AppResult},
    federation::{authors, objects, outbox, state::AppState},
    services::{
        authors as author_service,
        local_actor::{self, LocalActor},
        posts,
    },
    web::{
        activitypub,
        respond::{activity_json, wants_activity_json},
    },
};
use activitypub_federation::config::Data;
use axum::{
    http::{HeaderMap, StatusCode, Uri},
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;

const PAGE_SIZE: u64 = 20;

#[derive(Deserialize)]
pub struct PageQuery {
    page: Option<u64>,
}

async fn author(data: &AppState, username: &str) -> AppResult<user::Model> {
    local_actor::author_user(data, username)
        .await?
        .ok_or(AppError::NotFound)
}

/// The author's actor; a browser goes to their page.
pub async fn actor(
    data: Data<AppState>,
    Path(username): Path<String>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let author = author(&data, &username).await?;
    if !wants_activity_json(&headers) {
        return Ok(Redirect::to(data.urls.author(&author.username).as_str()).into_response());
    }
    let doc = objects::document::with_context(authors::actor(&data, &author).await?);
    Ok(activity_json(StatusCode::OK, doc))
}

/// The author's outbox: the Create of each of their live posts as delivered, newest first,
/// paged.
pub async fn outbox(
    data: Data<AppState>,
    Path(username): Path<String>,
    Query(query): Query<PageQuery>,
) -> AppResult<Response> {
    let author = author(&data, &username).await?;
    let id = data.urls.author_outbox(&author.username);
    let names = [author.username.clone(), author.display_name.clone()];
    let total = author_service::post_count(&data.db, &author).await?;
    let Some(page) = query.page else {
        let first = objects::collection::page_url(&id, 1);
        let doc = objects::collection::ordered_collection(&id, total, Some(first));
        return Ok(activity_json(
            StatusCode::OK,
            objects::document::with_context(doc),
        ));
    };
    let page = page.clamp(1, 1_000_000);
    let (list, more) =
        posts::by_author(&data.db, &[author.id], &names, false, page, PAGE_SIZE).await?;
    let me = LocalActor::Author(author.username.clone());
    let mut items = Vec::with_capacity(list.len());
    for p in &list {
        items.push(objects::document::to_json(
            outbox::listed(&data, &me, p).await?,
        ));
    }
    let next = more.then(|| objects::collection::page_url(&id, page + 1));
    let page_id = objects::collection::page_url(&id, page);
    let doc = objects::collection::ordered_collection_page(&page_id, &id, items, next, total);
    Ok(activity_json(
        StatusCode::OK,
        objects::document::with_context(doc),
    ))
}

/// The author's followers: only their number, as for the blog.
pub async fn followers(data: Data<AppState>, Path(username): Path<String>) -> AppResult<Response> {
    let author = author(&data, &username).await?;
    activitypub::followers_of(&data, &LocalActor::Author(author.username)).await
}

/// FEP-8fcf: the author's followers on the requesting server, as for the blog.
pub async fn followers_synchronization(
    data: Data<AppState>,
    Path(username): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> AppResult<Response> {
    let author = author(&data, &username).await?;
    let local = LocalActor::Author(author.username);
    activitypub::followers_synchronization_of(&data, &local, &uri, &headers).await
}
