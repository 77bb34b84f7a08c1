//! Reading remote collections (`replies`, `context`, `followers`) within a fetch budget:
//! one document fetched per unit of budget, a collection walked page by page from `first`
//! along `next`. Used by the comment backfill, the Reader's threads and the followers of an
//! old account; what cannot be fetched ends the walk rather than failing it.

use crate::federation::{fetch, protocol::id_of, state::AppState};
use activitypub_federation::config::Data;
use serde_json::Value;
use url::Url;

/// Fetches `url` if the budget allows.
pub(crate) async fn fetch_json(
    data: &Data<AppState>,
    url: &Url,
    budget: &mut usize,
) -> Option<Value> {
    if *budget == 0 {
        return None;
    }
    *budget -= 1;
    match fetch::json(url, &data.reset_request_count()).await {
        Ok(doc) => Some(doc),
        Err(e) => {
            tracing::debug!(%url, error = %e, "collection document not fetched");
            None
        }
    }
}

/// The ids of the items of `collection` (the document, or its URL), read from at most `pages`
/// pages.
pub(crate) async fn item_ids(
    data: &Data<AppState>,
    collection: &Value,
    pages: usize,
    budget: &mut usize,
) -> Vec<Url> {
    let mut collection = collection.clone();
    if let Some(url) = collection.as_str().and_then(|s| Url::parse(s).ok()) {
        match fetch_json(data, &url, budget).await {
            Some(doc) => collection = doc,
            None => return vec![],
        }
    }
    let mut ids = Vec::new();
    let mut page = collection.get("first").cloned().unwrap_or(collection);
    for _ in 0..pages {
        if let Some(url) = page.as_str().and_then(|s| Url::parse(s).ok()) {
            match fetch_json(data, &url, budget).await {
                Some(doc) => page = doc,
                None => break,
            }
        }
        // One item may come as the item itself, not a list (JSON-LD compaction; Fedify).
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
    ids
}
