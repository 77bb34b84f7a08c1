//! Remote accounts that delete themselves or move: what the blog keeps of them goes, or
//! follows them to their new address (and so does the blog, when it followed them).

use crate::{
    db::entities::{actor, follower_departure},
    error::AppResult,
    services::{Site, comments, followers, follows, mentions, outbox, reactions},
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect,
};
use std::collections::HashMap;
use url::Url;

/// The stored profiles of these actors, by id (those never fetched are missing).
pub async fn profiles(
    db: &DatabaseConnection,
    ids: Vec<String>,
) -> AppResult<HashMap<String, actor::Model>> {
    Ok(actor::Entity::find()
        .filter(actor::Column::ApId.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.ap_id.clone(), a))
        .collect())
}

/// `actor` deleted itself: its comments (their places in the threads stay), mentions, its
/// follows of every local actor, its reactions and the blog's follow of it go, in one
/// transaction.
pub async fn deleted(site: &Site, actor: &Url) -> AppResult<()> {
    let txn = crate::db::begin_write(&site.db).await?;
    comments::delete_by_author(&txn, actor).await?;
    mentions::remove_by_author(&txn, actor).await?;
    followers::remove_actor(&txn, actor, follower_departure::DELETED).await?;
    reactions::remove_actor(&txn, actor).await?;
    follows::gone(&txn, actor).await?;
    txn.commit().await?;
    Ok(())
}

/// `old` moved to `new` (which the federation layer fetched and found naming `old`): its
/// comments link to the new profile, and it follows none of our actors any more — the new
/// account sends a Follow of its own. When the blog followed `old`, it follows `new` instead.
pub async fn moved(site: &Site, old: &Url, new: &Url) -> AppResult<()> {
    let txn = crate::db::begin_write(&site.db).await?;
    actor::Entity::update_many()
        .col_expr(actor::Column::MovedTo, Some(new.to_string()).into())
        .filter(actor::Column::ApId.eq(old.as_str()))
        .exec(&txn)
        .await?;
    followers::remove_actor(&txn, old, follower_departure::MOVED).await?;
    let events = follows::moved(&txn, site, old, new).await?;
    for event in &events {
        outbox::record(&txn, event).await?;
    }
    txn.commit().await?;
    if !events.is_empty() {
        outbox::recorded(site);
    }
    Ok(())
}

/// The inbox of every actor the blog knows (its server's shared inbox where it has one, so one
/// per such server): where news for everyone, such as the blog's retirement, goes.
pub async fn known_inboxes(db: &impl ConnectionTrait) -> AppResult<Vec<Url>> {
    let rows: Vec<(String, Option<String>)> = actor::Entity::find()
        .select_only()
        .column(actor::Column::Inbox)
        .column(actor::Column::SharedInbox)
        .into_tuple()
        .all(db)
        .await?;
    let mut inboxes: Vec<String> = rows
        .into_iter()
        .map(|(inbox, shared)| shared.unwrap_or(inbox))
        .collect();
    inboxes.sort();
    inboxes.dedup();
    Ok(inboxes
        .into_iter()
        .filter_map(|u| Url::parse(&u).ok())
        .collect())
}
