//! Who another account lists as its followers (its `followers` collection, page by page):
//! read when the blog names an old account in `alsoKnownAs`, before that account moves, so
//! /admin/moving can show who of them came over (once they move, the old account's list
//! shrinks as its followers leave).

use crate::{
    federation::{fetch, protocol::id_of, state::AppState},
    services::moves::OldFollowers,
};
use activitypub_federation::config::Data;
use serde_json::Value;
use url::Url;

/// Pages read at most (Mastodon's hold 12 followers each; others more).
const PAGES: usize = 100;

/// What `followers` (an account's followers collection) says: how many, and who when it
/// lists them (Mastodon does unless its user hides them; Feder and others give the number).
/// What cannot be read gives nothing rather than an error: the alias stands without it.
pub async fn listed(data: &Data<AppState>, followers: &Url) -> OldFollowers {
    let Some(collection) = fetched(data, followers).await else {
        return OldFollowers::default();
    };
    let total = collection.get("totalItems").and_then(Value::as_u64);
    let mut ids = Vec::new();
    let mut page = collection.get("first").cloned().unwrap_or(collection);
    for _ in 0..PAGES {
        if let Some(url) = page.as_str().and_then(|s| Url::parse(s).ok()) {
            match fetched(data, &url).await {
                Some(doc) => page = doc,
                None => break,
            }
        }
        // One item may come as the item itself, not a list (JSON-LD compaction).
        for key in ["orderedItems", "items"] {
            match page.get(key) {
                Some(Value::Array(items)) => ids.extend(items.iter().filter_map(id_of)),
                Some(item) => ids.extend(id_of(item)),
                None => {}
            }
        }
        match page.get("next").cloned() {
            Some(next) if !next.is_null() => page = next,
            _ => break,
        }
    }
    ids.sort();
    ids.dedup();
    OldFollowers { total, ids }
}

async fn fetched(data: &Data<AppState>, url: &Url) -> Option<Value> {
    match fetch::json(url, &data.reset_request_count()).await {
        Ok(doc) => Some(doc),
        Err(e) => {
            tracing::info!(%url, error = %e, "followers of an old account not read");
            None
        }
    }
}
