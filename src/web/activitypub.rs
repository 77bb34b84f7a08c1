//! ActivityPub documents: the blog actor, its collections, the application actor, post reply/like/share collections,
//! the owner's notes (answers and quotes) and the activities the blog sent.

use crate::web::extract::{Path, Query};
use crate::{
    db::entities::{activity, comment, post},
    error::{AppError, AppResult},
    federation::{
        followers_sync, objects, outbox, signatures::RequestParts, state::AppState, threads,
    },
    services::{
        authorizations, comments, followers, follows, local_actor::LocalActor, posts, reader,
    },
    web::respond::{activity_json, activity_json_text, wants_activity_json},
};
use activitypub_federation::config::Data;
use axum::{
    http::{HeaderMap, Method, StatusCode, Uri},
    response::{IntoResponse, Redirect, Response},
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Deserialize;

const PAGE_SIZE: u64 = 20;

#[derive(Deserialize)]
pub struct PageQuery {
    page: Option<u64>,
}

pub async fn actor(data: Data<AppState>, headers: HeaderMap) -> AppResult<Response> {
    if !wants_activity_json(&headers) {
        return Ok(Redirect::to(data.urls.base().as_str()).into_response());
    }
    Ok(activity_json(
        StatusCode::OK,
        objects::document::with_context(objects::actor::blog_to_person(&data).await?),
    ))
}

/// The application actor (FEP-2677). Served to anyone, signed or not: servers in secure mode
/// fetch it to check our signed fetches.
pub async fn application(data: Data<AppState>) -> Response {
    activity_json(
        StatusCode::OK,
        objects::document::with_context(objects::actor::instance_to_application(&data)),
    )
}

/// The application publishes nothing: its outbox is empty.
pub async fn application_outbox(data: Data<AppState>) -> Response {
    activity_json(
        StatusCode::OK,
        objects::document::with_context(objects::collection::ordered_collection(
            &data.urls.application_outbox(),
            0,
            None,
        )),
    )
}

/// The outbox: the Create of every live post (the Announce of an author's, with author
/// actors) as delivered, newest first, paged.
pub async fn outbox(data: Data<AppState>, Query(query): Query<PageQuery>) -> AppResult<Response> {
    let id = data.urls.outbox();
    let total = posts::count_live(&data.db).await?;
    let Some(page) = query.page else {
        let first = page_url(&id, 1);
        return Ok(activity_json(
            StatusCode::OK,
            objects::document::with_context(objects::collection::ordered_collection(
                &id,
                total,
                Some(first),
            )),
        ));
    };
    let page = page.clamp(1, 1_000_000);
    let list = posts::live()
        .order_by_desc(post::Column::PublishedAt)
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
        .all(&data.db)
        .await?;
    let mut items = Vec::with_capacity(list.len());
    for p in &list {
        let activity = outbox::listed(&data, &LocalActor::Blog, p).await?;
        items.push(objects::document::to_json(activity));
    }
    let next = (page * PAGE_SIZE < total).then(|| page_url(&id, page + 1));
    let doc =
        objects::collection::ordered_collection_page(&page_url(&id, page), &id, items, next, total);
    Ok(activity_json(
        StatusCode::OK,
        objects::document::with_context(doc),
    ))
}

fn page_url(id: &url::Url, page: u64) -> url::Url {
    objects::collection::page_url(id, page)
}

/// Followers and following: only the totals (who follows a blog is their business).
pub async fn followers(data: Data<AppState>) -> AppResult<Response> {
    followers_of(&data, &LocalActor::Blog).await
}

/// The followers collection of `local`: only their number.
pub async fn followers_of(data: &AppState, local: &LocalActor) -> AppResult<Response> {
    let total = followers::count(&data.db, local).await?;
    let id = local.followers(&data.urls);
    let doc = objects::collection::ordered_collection(&id, total, None);
    Ok(activity_json(
        StatusCode::OK,
        objects::document::with_context(doc),
    ))
}

pub async fn followers_synchronization(
    data: Data<AppState>,
    uri: Uri,
    headers: HeaderMap,
) -> AppResult<Response> {
    followers_synchronization_of(&data, &LocalActor::Blog, &uri, &headers).await
}

/// FEP-8fcf: the followers of `local` on the requesting server, for a signed GET only (as
/// Mastodon's `followers_synchronization`): the signer's server is the one whose followers
/// are listed.
pub async fn followers_synchronization_of(
    data: &Data<AppState>,
    local: &LocalActor,
    uri: &Uri,
    headers: &HeaderMap,
) -> AppResult<Response> {
    let base = data.urls.base();
    let request = RequestParts {
        method: &Method::GET,
        path_and_query: uri.path_and_query().map(|p| p.as_str()).unwrap_or("/"),
        headers,
        body: &[],
        scheme: base.scheme(),
        default_host: &data.urls.host(),
    };
    let signer = followers_sync::requester(data, &request).await?;
    let prefix = followers_sync::url_prefix(&signer)
        .ok_or_else(|| AppError::Unauthorized(format!("{signer} is not an http(s) actor")))?;
    let items = followers_sync::followers_on(&data.db, local, prefix).await?;
    let mut response = activity_json(
        StatusCode::OK,
        objects::document::with_context(objects::collection::partial_followers(
            &data.urls, local, items,
        )),
    );
    // Different for every server that asks: no shared cache may keep it.
    response.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("private, no-store"),
    );
    Ok(response)
}

pub async fn following(data: Data<AppState>) -> AppResult<Response> {
    let total = follows::count_following(&data.db).await?;
    Ok(activity_json(
        StatusCode::OK,
        objects::document::with_context(objects::collection::ordered_collection(
            &data.urls.following(),
            total,
            None,
        )),
    ))
}

async fn live_post(data: &AppState, slug: &str) -> AppResult<post::Model> {
    match posts::find(&data.db, slug).await? {
        Some(p) if p.deleted_at.is_none() => Ok(p),
        Some(_) => Err(AppError::Gone),
        None => Err(AppError::NotFound),
    }
}

/// The comments under a post, as ids, oldest first, paged (the first page also embedded).
pub async fn replies(
    data: Data<AppState>,
    Path(slug): Path<String>,
    Query(query): Query<PageQuery>,
) -> AppResult<Response> {
    let post = live_post(&data, &slug).await?;
    let doc = threads::replies(&data, &post, query.page).await?;
    Ok(activity_json(StatusCode::OK, doc))
}

/// A post's conversation (FEP-7888): the post, then every comment.
pub async fn context(
    data: Data<AppState>,
    Path(slug): Path<String>,
    Query(query): Query<PageQuery>,
) -> AppResult<Response> {
    let post = live_post(&data, &slug).await?;
    let doc = threads::context(&data, &post, query.page).await?;
    Ok(activity_json(StatusCode::OK, doc))
}

pub async fn likes(data: Data<AppState>, Path(slug): Path<String>) -> AppResult<Response> {
    let post = live_post(&data, &slug).await?;
    let counts = posts::counts(&data.db, post.id).await?;
    let doc = objects::collection::reaction_count(data.urls.post_likes(&slug), counts.likes);
    Ok(activity_json(
        StatusCode::OK,
        objects::document::with_context(doc),
    ))
}

pub async fn shares(data: Data<AppState>, Path(slug): Path<String>) -> AppResult<Response> {
    let post = live_post(&data, &slug).await?;
    let counts = posts::counts(&data.db, post.id).await?;
    let doc = objects::collection::reaction_count(data.urls.post_shares(&slug), counts.shares);
    Ok(activity_json(
        StatusCode::OK,
        objects::document::with_context(doc),
    ))
}

async fn own_note(data: &AppState, id: &str) -> AppResult<comment::Model> {
    comments::public_own(&data.db, &data.urls.comment(id)).await
}

/// A note the owner wrote: an answer, or a quote from the Reader.
pub async fn comment(data: Data<AppState>, Path(id): Path<String>) -> AppResult<Response> {
    let ap_id = data.urls.comment(&id);
    if let Some(quote) = reader::quote_by_note(&data.db, &ap_id).await? {
        let note = objects::reaction::reaction_to_quote_note(&quote, &data.urls)?;
        return Ok(activity_json(
            StatusCode::OK,
            objects::document::with_context(note),
        ));
    }
    let note = own_note(&data, &id).await?;
    if let Some(deleted) = note.deleted_at {
        return Ok(activity_json(
            StatusCode::GONE,
            objects::document::with_context(objects::tombstone::tombstone(
                &ap_id, "Note", &deleted,
            )),
        ));
    }
    let parent_author = comments::remote_parent_author(&data.db, &note.in_reply_to).await?;
    let note = threads::local_note(&data, &note, parent_author.as_deref()).await?;
    Ok(activity_json(
        StatusCode::OK,
        objects::document::with_context(note),
    ))
}

/// The replies to a note the owner wrote.
pub async fn comment_replies(
    data: Data<AppState>,
    Path(id): Path<String>,
    Query(query): Query<PageQuery>,
) -> AppResult<Response> {
    let note = own_note(&data, &id).await?;
    if note.deleted_at.is_some() {
        return Err(AppError::Gone);
    }
    let doc = threads::note_replies(&data, &note, query.page).await?;
    Ok(activity_json(StatusCode::OK, doc))
}

/// A quote or reply authorization the blog granted; 410 once revoked (or its post is gone).
pub async fn authorization(data: Data<AppState>, Path(id): Path<i32>) -> AppResult<Response> {
    let row = authorizations::find(&data.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let post = posts::find_by_id(&data.db, row.post_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if row.revoked_at.is_some() || post.deleted_at.is_some() {
        return Err(AppError::Gone);
    }
    let doc = objects::authorization::authorization_to_interaction_authorization(
        &row, &post.slug, &data.urls,
    );
    Ok(activity_json(
        StatusCode::OK,
        objects::document::with_context(doc),
    ))
}

/// An activity the blog sent, if it was public.
pub async fn activity(data: Data<AppState>, Path(id): Path<String>) -> AppResult<Response> {
    let ap_id = data.urls.activity(&id);
    let row = activity::Entity::find()
        .filter(activity::Column::ApId.eq(ap_id.as_str()))
        .filter(activity::Column::Public.eq(true))
        .one(&data.db)
        .await?
        .ok_or(AppError::NotFound)?;
    // Served as stored: the text that was signed and sent.
    Ok(activity_json_text(StatusCode::OK, row.json))
}
