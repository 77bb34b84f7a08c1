//! Likes and boosts of our posts, counted per actor.

use crate::{
    config::MailConfig,
    db::{
        changes::{self, Change},
        entities::{notification, reaction},
    },
    error::AppResult,
    services::{Site, notifications, posts},
};
use chrono::Utc;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    sea_query::OnConflict,
};
use url::Url;

/// Records `actor`'s like or boost (`activity_id`) of `object`, when that is one of our live
/// posts and the actor is not blocked; a repeat from the same actor changes nothing.
pub async fn add(
    site: &Site,
    kind: &str,
    activity_id: &Url,
    object: &Url,
    actor: &Url,
) -> AppResult<()> {
    if site.blocks.refuses(&site.db, actor.as_str()).await? {
        return Ok(());
    }
    let Some(post) = posts::live_at(site, object.as_str()).await? else {
        return Ok(());
    };
    // Only that post's page shows it: other cached pages stay.
    let mails = &site.settings.current().mail;
    let stored = store(&site.db, mails, kind, activity_id, post.id, actor);
    changes::within(Change::Reactions(post.id), stored).await
}

async fn store(
    db: &DatabaseConnection,
    mails: &MailConfig,
    kind: &str,
    activity_id: &Url,
    post_id: i32,
    actor: &Url,
) -> AppResult<()> {
    let txn = crate::db::begin_write(db).await?;
    let inserted = reaction::Entity::insert(reaction::ActiveModel {
        activity_id: Set(activity_id.to_string()),
        kind: Set(kind.to_string()),
        post_id: Set(post_id),
        actor_ap_id: Set(actor.to_string()),
        created_at: Set(Utc::now()),
        ..Default::default()
    })
    .on_conflict(OnConflict::new().do_nothing().to_owned())
    .exec_without_returning(&txn)
    .await?;
    if inserted > 0 {
        let what = if kind == reaction::LIKE {
            notification::LIKE
        } else {
            notification::BOOST
        };
        notifications::record(&txn, mails, what, actor.as_str(), Some(post_id), None).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// Undoes a like or boost: by what it liked when the Undo names one of our posts, else by
/// its activity id.
pub async fn remove(
    site: &Site,
    kind: &str,
    activity_id: Option<&Url>,
    object: Option<&Url>,
    actor: &Url,
) -> AppResult<u64> {
    let post_id = match object {
        Some(object) => posts::live_at(site, object.as_str()).await?.map(|p| p.id),
        None => None,
    };
    let mut query = reaction::Entity::delete_many()
        .filter(reaction::Column::Kind.eq(kind))
        .filter(reaction::Column::ActorApId.eq(actor.as_str()));
    query = match (activity_id, post_id) {
        (_, Some(post_id)) => query.filter(reaction::Column::PostId.eq(post_id)),
        (Some(id), None) => query.filter(reaction::Column::ActivityId.eq(id.as_str())),
        (None, None) => return Ok(0),
    };
    let removed = query.exec(&site.db);
    Ok(match post_id {
        Some(post_id) => changes::within(Change::Reactions(post_id), removed).await,
        None => removed.await,
    }?
    .rows_affected)
}

/// Removes everything an actor did (the actor was deleted).
pub async fn remove_actor(db: &impl ConnectionTrait, actor: &Url) -> AppResult<()> {
    reaction::Entity::delete_many()
        .filter(reaction::Column::ActorApId.eq(actor.as_str()))
        .exec(db)
        .await?;
    Ok(())
}
