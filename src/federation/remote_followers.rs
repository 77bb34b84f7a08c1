//! Who another account lists as its followers (its `followers` collection, page by page):
//! read when the blog names an old account in `alsoKnownAs`, before that account moves, so
//! /admin/moving can show who of them came over (once they move, the old account's list
//! shrinks as its followers leave).

use crate::{
    federation::{
        collections::{fetch_json, item_ids},
        state::AppState,
    },
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
    let mut budget = PAGES + 1;
    let Some(collection) = fetch_json(data, followers, &mut budget).await else {
        tracing::info!(%followers, "followers of an old account not read");
        return OldFollowers::default();
    };
    let total = collection.get("totalItems").and_then(Value::as_u64);
    let mut ids = item_ids(data, &collection, PAGES, &mut budget).await;
    ids.sort();
    ids.dedup();
    OldFollowers { total, ids }
}
