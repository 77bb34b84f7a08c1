//! A remote conversation read for the owner's Reader (/admin/reader/thread): the post, the
//! posts it answers, and the replies its conversation's `context` collection (FEP-f228) and
//! each post's `replies` list, read with the comment backfill's collection walking
//! (`backfill::reply_ids`). Read on demand within a fetch budget, kept nowhere (the authors'
//! profiles excepted, as every fetch keeps them), and never inside a database transaction.

use crate::{
    error::{AppError, AppResult},
    federation::{
        backfill::reply_ids,
        collections::fetch_json,
        fetch,
        objects::note::note_to_remote_note,
        protocol::{ApObject, id_of},
        state::AppState,
    },
    services::remote_notes::RemoteNote,
};
use activitypub_federation::config::Data;
use serde_json::Value;
use std::collections::{HashMap, HashSet, VecDeque};
use url::Url;

/// Most remote documents one reading of a thread fetches (posts, collections, authors).
const FETCH_BUDGET: usize = 80;
/// How far up the posts a post answers are followed.
const MAX_ANCESTORS: usize = 10;
/// Deeper replies are shown at this depth (a phone has no room for more indentation).
const MAX_DEPTH: usize = 5;

/// One post of a thread, with how deep it sits under the first one shown.
pub struct ThreadPost {
    pub note: RemoteNote,
    pub depth: usize,
}

/// A post as fetched: what it says and its document (for its `replies` and `context`).
struct Fetched {
    object: ApObject,
    author: Url,
    document: Value,
}

/// The public post `id`, fetched: it must be what its id says, by an author on its server.
async fn post(data: &Data<AppState>, id: &Url, budget: &mut usize) -> Option<Fetched> {
    if data.urls.is_local(id) {
        return None;
    }
    let document = fetch_json(data, id, budget).await?;
    let object: ApObject = serde_json::from_value(document.clone()).ok()?;
    let author = object.author()?;
    let genuine = object.id == *id && author.host_str() == id.host_str();
    (genuine && object.is_public()).then_some(Fetched {
        object,
        author,
        document,
    })
}

/// The thread `id` belongs to: the posts it answers, then every reply found, in thread order
/// (each reply under what it answers, oldest first). Fails only when `id` itself cannot be
/// read.
pub async fn read(data: &Data<AppState>, id: &Url) -> AppResult<Vec<ThreadPost>> {
    let mut budget = FETCH_BUDGET;
    let first = post(data, id, &mut budget)
        .await
        .ok_or_else(|| AppError::BadRequest(format!("{id} could not be read as a public post")))?;
    let mut posts: HashMap<Url, Fetched> = HashMap::new();
    let mut parent = first.object.in_reply_to.clone();
    posts.insert(id.clone(), first);
    for _ in 0..MAX_ANCESTORS {
        let Some(up) = parent.take().filter(|p| !posts.contains_key(p)) else {
            break;
        };
        if let Some(found) = post(data, &up, &mut budget).await {
            parent = found.object.in_reply_to.clone();
            posts.insert(up, found);
        }
    }
    // The conversation's own list first, then what each post lists as its replies.
    let contexts: HashSet<Url> = posts
        .values()
        .filter_map(|p| p.document.get("context").and_then(id_of))
        .filter(|c| matches!(c.scheme(), "http" | "https") && !data.urls.is_local(c))
        .collect();
    for context in contexts {
        let Some(collection) = fetch_json(data, &context, &mut budget).await else {
            continue;
        };
        let is_collection = collection
            .get("type")
            .and_then(Value::as_str)
            .is_some_and(|t| t.ends_with("Collection"));
        if is_collection {
            for item in reply_ids(data, &collection, &mut budget).await {
                add(data, &mut posts, item, &mut budget).await;
            }
        }
    }
    let mut queue: VecDeque<Url> = posts.keys().cloned().collect();
    while let Some(next) = queue.pop_front() {
        let Some(replies) = posts.get(&next).and_then(|p| p.document.get("replies")) else {
            continue;
        };
        let replies = replies.clone();
        for item in reply_ids(data, &replies, &mut budget).await {
            if add(data, &mut posts, item.clone(), &mut budget).await {
                queue.push_back(item);
            }
        }
    }
    authors(data, &posts, &mut budget).await;
    Ok(in_thread_order(data, posts))
}

/// Adds the post `id` when it is new and can be read; returns whether it was added.
async fn add(
    data: &Data<AppState>,
    posts: &mut HashMap<Url, Fetched>,
    id: Url,
    budget: &mut usize,
) -> bool {
    if posts.contains_key(&id) {
        return false;
    }
    match post(data, &id, budget).await {
        Some(found) => {
            posts.insert(id, found);
            true
        }
        None => false,
    }
}

/// Fetches the profiles of the thread's authors (kept, as every fetch keeps them), so the
/// page names them.
async fn authors(data: &Data<AppState>, posts: &HashMap<Url, Fetched>, budget: &mut usize) {
    let authors: HashSet<&Url> = posts.values().map(|p| &p.author).collect();
    for author in authors {
        if *budget == 0 {
            break;
        }
        *budget -= 1;
        if let Err(e) = fetch::actor(author, &data.reset_request_count()).await {
            tracing::debug!(%author, error = %e, "author of a thread post not fetched");
        }
    }
}

/// Each post after what it answers, siblings oldest first; a post whose parent is not in
/// the thread starts a branch of its own.
fn in_thread_order(data: &Data<AppState>, posts: HashMap<Url, Fetched>) -> Vec<ThreadPost> {
    let mut children: HashMap<Option<Url>, Vec<&Fetched>> = HashMap::new();
    for p in posts.values() {
        let parent = p
            .object
            .in_reply_to
            .clone()
            .filter(|parent| posts.contains_key(parent));
        children.entry(parent).or_default().push(p);
    }
    for list in children.values_mut() {
        list.sort_by(|a, b| {
            (a.object.published, a.object.id.as_str())
                .cmp(&(b.object.published, b.object.id.as_str()))
        });
    }
    let mut out = Vec::with_capacity(posts.len());
    let mut stack: Vec<(&Fetched, usize)> = children
        .get(&None)
        .map(|roots| roots.iter().rev().map(|p| (*p, 0)).collect())
        .unwrap_or_default();
    while let Some((p, depth)) = stack.pop() {
        out.push(ThreadPost {
            note: note_to_remote_note(&p.object, &p.author, &data.urls),
            depth: depth.min(MAX_DEPTH),
        });
        if let Some(replies) = children.get(&Some(p.object.id.clone())) {
            stack.extend(replies.iter().rev().map(|r| (*r, depth + 1)));
        }
    }
    out
}
