//! Backfilling threads: walks the `replies` collections of the comments Feder knows and stores
//! the replies it was never sent (people answer each other without addressing the blog).
//! Bounded in fetches per run; run on demand (`feder comments refresh SLUG`) and periodically.

use crate::{
    db::entities::{comment, post},
    error::AppResult,
    federation::state::AppState,
    federation::{
        activities::store_comment,
        fetch,
        protocol::{ApObject, id_of},
    },
    services::comments,
};
use activitypub_federation::{
    config::{Data, FederationConfig},
    fetch::object_id::ObjectId,
};
use chrono::Utc;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::Value;
use std::{collections::VecDeque, time::Duration};
use url::Url;

/// Most remote documents one refresh of one post fetches.
const FETCH_BUDGET: usize = 200;
/// Pages of one `replies` collection read.
const PAGES: usize = 3;

/// Fetches `url` if the budget allows.
async fn fetch_json(data: &Data<AppState>, url: &Url, budget: &mut usize) -> Option<Value> {
    if *budget == 0 {
        return None;
    }
    *budget -= 1;
    fetch::json(url, &data.reset_request_count()).await.ok()
}

/// The ids of the replies in a `replies` collection (embedded or by URL, first pages only).
async fn reply_ids(data: &Data<AppState>, replies: &Value, budget: &mut usize) -> Vec<Url> {
    let mut collection = replies.clone();
    if let Some(url) = replies.as_str().and_then(|s| Url::parse(s).ok()) {
        match fetch_json(data, &url, budget).await {
            Some(doc) => collection = doc,
            None => return vec![],
        }
    }
    let mut ids = Vec::new();
    let mut page = collection.get("first").cloned().unwrap_or(collection);
    for _ in 0..PAGES {
        if let Some(url) = page.as_str().and_then(|s| Url::parse(s).ok()) {
            match fetch_json(data, &url, budget).await {
                Some(doc) => page = doc,
                None => break,
            }
        }
        for key in ["orderedItems", "items"] {
            if let Some(Value::Array(items)) = page.get(key) {
                ids.extend(items.iter().filter_map(id_of));
            }
        }
        match page.get("next").cloned() {
            Some(next) if !next.is_null() => page = next,
            _ => break,
        }
    }
    ids
}

/// Walks the replies of every known remote comment of `post`; returns how many were stored.
pub async fn refresh(data: &Data<AppState>, post: &post::Model) -> AppResult<usize> {
    let known = comment::Entity::find()
        .filter(comment::Column::PostId.eq(post.id))
        .filter(comment::Column::IsLocal.eq(false))
        .filter(comment::Column::DeletedAt.is_null())
        .all(&data.db)
        .await?;
    let mut queue: VecDeque<Url> = known
        .iter()
        .filter_map(|c| Url::parse(&c.ap_id).ok())
        .collect();
    let mut budget = FETCH_BUDGET;
    let mut stored = 0;
    while let Some(parent) = queue.pop_front() {
        let Some(doc) = fetch_json(data, &parent, &mut budget).await else {
            continue;
        };
        let Some(replies) = doc.get("replies") else {
            continue;
        };
        for id in reply_ids(data, replies, &mut budget).await {
            if comments::find(&data.db, &id).await?.is_some() || data.urls.is_local(&id) {
                continue;
            }
            let Some(value) = fetch_json(data, &id, &mut budget).await else {
                continue;
            };
            let Ok(note) = serde_json::from_value::<ApObject>(value) else {
                continue;
            };
            let Some(author) = note.author() else {
                continue;
            };
            if note.id != id || note.in_reply_to.as_ref() != Some(&parent) || !note.is_public() {
                continue;
            }
            if author.host_str() != note.id.host_str() {
                continue;
            }
            // The author's profile, for the page.
            if budget > 0 {
                budget -= 1;
                let _ = ObjectId::<crate::federation::actor::RemoteActor>::from(author.clone())
                    .dereference(&data.reset_request_count())
                    .await;
            }
            store_comment(data, &note, &author, post.id, &parent).await?;
            stored += 1;
            queue.push_back(id);
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
