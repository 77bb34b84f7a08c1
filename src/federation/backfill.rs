//! Backfilling threads: reads the remote `context` collections (FEP-f228) and walks the
//! `replies` collections of the comments Feder knows, and stores the replies it was never sent
//! (people answer each other without addressing the blog). Bounded in fetches per run; run on
//! demand (`feder comments refresh SLUG`) and periodically.

use crate::{
    db::entities::{comment, post},
    error::AppResult,
    federation::state::AppState,
    federation::{
        collections::{self, fetch_json},
        objects::note::note_to_remote_note,
        protocol::{ApObject, id_of},
    },
    services::{comments, received},
};
use activitypub_federation::{
    config::{Data, FederationConfig},
    fetch::object_id::ObjectId,
};
use chrono::Utc;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::Value;
use std::{
    collections::{HashSet, VecDeque},
    time::Duration,
};
use url::Url;

/// Most remote documents one refresh of one post fetches.
const FETCH_BUDGET: usize = 200;
/// Pages of one `replies` collection read.
const PAGES: usize = 3;

/// The ids of the items of a collection such as `replies` or `context` (embedded or by URL,
/// first pages only).
pub(crate) async fn reply_ids(
    data: &Data<AppState>,
    replies: &Value,
    budget: &mut usize,
) -> Vec<Url> {
    collections::item_ids(data, replies, PAGES, budget).await
}

/// A remote reply fetched for the thread of `post`, checked (public, its author on its
/// server) and stored with the status the comment policy gives it. Returns whether it was.
async fn store_fetched(
    data: &Data<AppState>,
    post: &post::Model,
    note: &ApObject,
    budget: &mut usize,
) -> AppResult<bool> {
    let (Some(author), Some(_)) = (note.author(), &note.in_reply_to) else {
        return Ok(false);
    };
    if !note.is_public() || author.host_str() != note.id.host_str() {
        return Ok(false);
    }
    // The author's profile, for the page.
    if *budget > 0 {
        *budget -= 1;
        let _ = ObjectId::<crate::federation::actor::RemoteActor>::from(author.clone())
            .dereference(&data.reset_request_count())
            .await;
    }
    let note = note_to_remote_note(note, &author, &data.urls);
    received::reply_fetched(data, post, &note).await
}

/// The public notes behind `ids` that Feder does not have yet, fetched (each checked to be
/// what its id says).
async fn unknown_notes(
    data: &Data<AppState>,
    ids: Vec<Url>,
    budget: &mut usize,
) -> AppResult<Vec<ApObject>> {
    let mut notes = Vec::new();
    for id in ids {
        if data.urls.is_local(&id) || comments::find(&data.db, &id).await?.is_some() {
            continue;
        }
        let Some(value) = fetch_json(data, &id, budget).await else {
            continue;
        };
        if let Ok(note) = serde_json::from_value::<ApObject>(value)
            && note.id == id
        {
            notes.push(note);
        }
    }
    Ok(notes)
}

/// FEP-f228: the items of a remote `context` collection (Mastodon 4.5, GoToSocial, Fedify) that
/// belong to `post`'s thread. The collection need not be in thread order, so an item whose
/// parent is not known yet waits for a later pass. Returns the ids stored.
async fn from_context(
    data: &Data<AppState>,
    post: &post::Model,
    context: &Url,
    budget: &mut usize,
) -> AppResult<Vec<Url>> {
    let Some(doc) = fetch_json(data, context, budget).await else {
        return Ok(vec![]);
    };
    let is_collection = doc
        .get("type")
        .and_then(Value::as_str)
        .is_some_and(|t| t.ends_with("Collection"));
    if !is_collection {
        return Ok(vec![]);
    }
    let ids = reply_ids(data, &doc, budget).await;
    let mut waiting = unknown_notes(data, ids, budget).await?;
    let mut stored = Vec::new();
    while !waiting.is_empty() {
        let before = stored.len();
        let mut later = Vec::new();
        for note in waiting {
            let in_thread = match &note.in_reply_to {
                Some(parent) => comments::thread_post(data, parent).await? == Some(post.id),
                None => continue,
            };
            if !in_thread {
                later.push(note);
            } else if store_fetched(data, post, &note, budget).await? {
                stored.push(note.id.clone());
            }
        }
        if stored.len() == before {
            break;
        }
        waiting = later;
    }
    Ok(stored)
}

/// Completes the thread of `post` from what other servers know: for every known remote
/// comment, its conversation's `context` collection first (each read once), then its
/// `replies` for what that does not list. Returns how many replies were stored.
pub async fn refresh(data: &Data<AppState>, post: &post::Model) -> AppResult<usize> {
    let known = comment::Entity::find()
        .filter(comment::Column::PostId.eq(post.id))
        .filter(comment::Column::IsLocal.eq(false))
        .filter(comment::Column::Kind.ne(comment::WEB))
        .filter(comment::Column::DeletedAt.is_null())
        .all(&data.db)
        .await?;
    let mut queue: VecDeque<Url> = known
        .iter()
        .filter_map(|c| Url::parse(&c.ap_id).ok())
        .collect();
    let mut budget = FETCH_BUDGET;
    let mut contexts_read = HashSet::new();
    let mut stored = 0;
    while let Some(parent) = queue.pop_front() {
        let Some(doc) = fetch_json(data, &parent, &mut budget).await else {
            continue;
        };
        if let Some(context) = doc.get("context").and_then(id_of)
            && matches!(context.scheme(), "http" | "https")
            && !data.urls.is_local(&context)
            && contexts_read.insert(context.clone())
        {
            let found = from_context(data, post, &context, &mut budget).await?;
            stored += found.len();
            queue.extend(found);
        }
        let Some(replies) = doc.get("replies") else {
            continue;
        };
        let ids = reply_ids(data, replies, &mut budget).await;
        for note in unknown_notes(data, ids, &mut budget).await? {
            if note.in_reply_to.as_ref() == Some(&parent)
                && store_fetched(data, post, &note, &mut budget).await?
            {
                stored += 1;
                queue.push_back(note.id.clone());
            }
        }
    }
    Ok(stored)
}

/// Every six hours, refreshes the threads of the posts of the last 30 days.
pub async fn periodic(federation: FederationConfig<AppState>) {
    loop {
        tokio::time::sleep(Duration::from_secs(6 * 3600)).await;
        let data = federation.to_request_data();
        let since = Utc::now() - chrono::Duration::days(30);
        let recent = post::Entity::find()
            .filter(post::Column::DeletedAt.is_null())
            .filter(post::Column::PublishedAt.gt(since))
            .all(&data.db)
            .await;
        for post in recent.unwrap_or_default() {
            match refresh(&data, &post).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(post = %post.slug, stored = n, "thread backfilled"),
                Err(e) => tracing::warn!(post = %post.slug, error = %e, "thread backfill failed"),
            }
        }
    }
}
