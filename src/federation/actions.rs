//! The owner's actions that need the network before anything is stored: following an account
//! (found by WebFinger or its URL) and replying (the author of what is answered is fetched, to be
//! addressed). Each looks up what it needs first, then calls the service that stores the change
//! and records its activity in one transaction — no fetch ever runs inside that transaction.

use crate::{
    db::entities::comment,
    error::{AppError, AppResult},
    federation::{actor::RemoteActor, fetch, state::AppState},
    services::{comments, follows},
};
use activitypub_federation::{config::Data, fetch::webfinger::webfinger_resolve_actor};
use url::Url;

/// Follows `who`: a handle (`user@host`, with or without a leading `@`) or an actor URL.
pub async fn follow(data: &Data<AppState>, who: &str) -> AppResult<RemoteActor> {
    let target = resolve(data, who).await?;
    follows::follow(data, target.model()).await?;
    Ok(target)
}

pub async fn unfollow(data: &Data<AppState>, who: &str) -> AppResult<()> {
    let target = resolve(data, who).await?;
    let id = Url::parse(&target.model().ap_id).map_err(AppError::internal)?;
    follows::unfollow(data, &id).await
}

async fn resolve(data: &Data<AppState>, who: &str) -> AppResult<RemoteActor> {
    if let Ok(url) = Url::parse(who)
        && matches!(url.scheme(), "http" | "https")
    {
        return fetch::actor(&url, data).await;
    }
    let handle = who.trim().trim_start_matches('@');
    if !handle.contains('@') {
        return Err(AppError::BadRequest(format!(
            "{who:?} is neither user@host nor a URL"
        )));
    }
    webfinger_resolve_actor::<AppState, RemoteActor>(handle, data).await
}

/// The owner's reply to `in_reply_to` (a comment, one of our posts, or a remote post).
pub async fn reply(
    data: &Data<AppState>,
    in_reply_to: &Url,
    markdown_text: &str,
) -> AppResult<comment::Model> {
    let author = parent_author(data, in_reply_to).await?;
    comments::reply(data, in_reply_to, author.as_ref(), markdown_text).await
}

pub async fn edit_reply(
    data: &Data<AppState>,
    id: &Url,
    markdown_text: &str,
) -> AppResult<comment::Model> {
    let author = own_parent_author(data, id).await?;
    comments::edit_reply(data, id, author.as_ref(), markdown_text).await
}

pub async fn delete_reply(data: &Data<AppState>, id: &Url) -> AppResult<()> {
    let author = own_parent_author(data, id).await?;
    comments::delete_reply(data, id, author.as_ref()).await
}

/// The remote author of what the owner's reply `id` answers.
async fn own_parent_author(data: &Data<AppState>, id: &Url) -> AppResult<Option<Url>> {
    let existing = comments::own(&data.db, id).await?;
    let parent = Url::parse(&existing.in_reply_to).map_err(AppError::internal)?;
    parent_author(data, &parent).await
}

/// The remote author of what a reply answers (fetched and stored, so the outbox can address
/// and deliver to them), or None when it is the blog itself.
async fn parent_author(data: &Data<AppState>, parent: &Url) -> AppResult<Option<Url>> {
    let author = match comments::find(&data.db, parent).await? {
        Some(comment) if comment.is_local => return Ok(None),
        Some(comment) => Url::parse(&comment.author_ap_id).map_err(AppError::internal)?,
        None if data.urls.is_local(parent) => return Ok(None),
        None => fetch::object(parent, data)
            .await?
            .author()
            .ok_or_else(|| AppError::BadRequest(format!("{parent} has no author")))?,
    };
    let actor = fetch::actor(&author, data).await?;
    Url::parse(&actor.model().ap_id)
        .map(Some)
        .map_err(AppError::internal)
}
