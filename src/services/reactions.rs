//! Likes and boosts of our posts, counted per actor.

use crate::{
    db::{
        changes::{self, Change},
        entities::{notification, reaction},
    },
    error::AppResult,
    services::notifications,
};
use chrono::Utc;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, TransactionTrait,
    sea_query::OnConflict,
};
use url::Url;

/// Records a like or boost; a repeat from the same actor changes nothing.
pub async fn add(
    db: &DatabaseConnection,
    kind: &str,
    activity_id: &Url,
    post_id: i32,
    actor: &Url,
) -> AppResult<()> {
    // Only that post's page shows it: other cached pages stay.
    let stored = store(db, kind, activity_id, post_id, actor);
    changes::within(Change::Reactions(post_id), stored).await
}

async fn store(
    db: &DatabaseConnection,
    kind: &str,
    activity_id: &Url,
    post_id: i32,
    actor: &Url,
) -> AppResult<()> {
    let txn = db.begin().await?;
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
        notifications::record(&txn, what, actor.as_str(), Some(post_id), None).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// Undoes a like or boost: by its activity id, or by actor and post when the Undo names only
/// what was liked.
pub async fn remove(
    db: &DatabaseConnection,
    kind: &str,
    activity_id: Option<&Url>,
    post_id: Option<i32>,
    actor: &Url,
) -> AppResult<u64> {
    let mut query = reaction::Entity::delete_many()
        .filter(reaction::Column::Kind.eq(kind))
        .filter(reaction::Column::ActorApId.eq(actor.as_str()));
    query = match (activity_id, post_id) {
        (_, Some(post_id)) => query.filter(reaction::Column::PostId.eq(post_id)),
        (Some(id), None) => query.filter(reaction::Column::ActivityId.eq(id.as_str())),
        (None, None) => return Ok(0),
    };
    let removed = query.exec(db);
    Ok(match post_id {
        Some(post_id) => changes::within(Change::Reactions(post_id), removed).await,
        None => removed.await,
    }?
    .rows_affected)
}

/// Removes everything an actor did (the actor was deleted).
pub async fn remove_actor(db: &DatabaseConnection, actor: &Url) -> AppResult<()> {
    reaction::Entity::delete_many()
        .filter(reaction::Column::ActorApId.eq(actor.as_str()))
        .exec(db)
        .await?;
    Ok(())
}
