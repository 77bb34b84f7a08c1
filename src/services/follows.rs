//! The accounts the blog follows (`following`); who follows our actors is `followers`.

use crate::{
    db::entities::{actor, following},
    error::{AppError, AppResult},
    services::{
        Site,
        outbox::{self, Event},
    },
};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    sea_query::OnConflict,
};
use url::Url;

pub async fn count_following(db: &DatabaseConnection) -> AppResult<u64> {
    Ok(following::Entity::find()
        .filter(following::Column::Accepted.eq(true))
        .count(db)
        .await?)
}

/// Every account the blog follows or asked to follow, oldest first.
pub async fn list(db: &DatabaseConnection) -> AppResult<Vec<following::Model>> {
    Ok(following::Entity::find()
        .order_by_asc(following::Column::Id)
        .all(db)
        .await?)
}

/// Follows `target` (found by the federation layer): stores the follow and records `Follow`.
pub async fn follow(site: &Site, target: &actor::Model) -> AppResult<()> {
    let follow_id = site.urls.new_activity().to_string();
    let txn = crate::db::begin_write(&site.db).await?;
    following::Entity::insert(following::ActiveModel {
        actor_ap_id: Set(target.ap_id.clone()),
        follow_activity_id: Set(follow_id.clone()),
        accepted: Set(false),
        created_at: Set(Utc::now()),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::column(following::Column::ActorApId)
            .update_columns([
                following::Column::FollowActivityId,
                following::Column::Accepted,
            ])
            .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    let event = Event::FollowRequested {
        follow_id,
        target: target.ap_id.clone(),
    };
    outbox::commit_with(site, txn, &event).await?;
    Ok(())
}

/// Stops following `target`: removes the follow and records `Undo` of it.
pub async fn unfollow(site: &Site, target: &Url) -> AppResult<()> {
    let row = following::Entity::find()
        .filter(following::Column::ActorApId.eq(target.as_str()))
        .one(&site.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let txn = crate::db::begin_write(&site.db).await?;
    following::Entity::delete_by_id(row.id).exec(&txn).await?;
    let event = Event::FollowUndone {
        follow_id: row.follow_activity_id,
        target: row.actor_ap_id,
    };
    outbox::commit_with(site, txn, &event).await?;
    Ok(())
}

/// The followed actor accepted (or, with `accepted = false`, rejected) our Follow.
pub async fn answered(db: &DatabaseConnection, actor: &Url, accepted: bool) -> AppResult<bool> {
    let Some(row) = following::Entity::find()
        .filter(following::Column::ActorApId.eq(actor.as_str()))
        .one(db)
        .await?
    else {
        return Ok(false);
    };
    if accepted {
        let mut row: following::ActiveModel = row.into();
        row.accepted = Set(true);
        row.update(db).await?;
    } else {
        following::Entity::delete_by_id(row.id).exec(db).await?;
    }
    Ok(true)
}

pub async fn is_following(db: &DatabaseConnection, actor: &Url) -> AppResult<bool> {
    Ok(following::Entity::find()
        .filter(following::Column::ActorApId.eq(actor.as_str()))
        .count(db)
        .await?
        > 0)
}

/// `old`, which the blog follows (or asked to), moved to `new`: within `txn` (the move's
/// transaction) the follow of `old` ends and `new` is followed instead, as Mastodon's
/// `MoveWorker` does for its users (an `Undo` of the old Follow, a new `Follow`; the new
/// account then answers it). Returns the events to record; none when the blog did not
/// follow `old`.
pub async fn moved(
    txn: &DatabaseTransaction,
    site: &Site,
    old: &Url,
    new: &Url,
) -> AppResult<Vec<Event>> {
    let Some(row) = following::Entity::find()
        .filter(following::Column::ActorApId.eq(old.as_str()))
        .one(txn)
        .await?
    else {
        return Ok(vec![]);
    };
    following::Entity::delete_by_id(row.id).exec(txn).await?;
    let mut events = vec![Event::FollowUndone {
        follow_id: row.follow_activity_id,
        target: row.actor_ap_id,
    }];
    let followed_already = following::Entity::find()
        .filter(following::Column::ActorApId.eq(new.as_str()))
        .count(txn)
        .await?
        > 0;
    if !followed_already {
        let follow_id = site.urls.new_activity().to_string();
        following::Entity::insert(following::ActiveModel {
            actor_ap_id: Set(new.to_string()),
            follow_activity_id: Set(follow_id.clone()),
            accepted: Set(false),
            created_at: Set(Utc::now()),
            ..Default::default()
        })
        .exec_without_returning(txn)
        .await?;
        events.push(Event::FollowRequested {
            follow_id,
            target: new.to_string(),
        });
    }
    Ok(events)
}

/// `actor` deleted itself: the blog follows it no more (nothing to undo: it is gone, as
/// Mastodon drops its users' follows of a deleted account). Within `db`, the deletion's
/// transaction.
pub async fn gone(db: &impl ConnectionTrait, actor: &Url) -> AppResult<()> {
    following::Entity::delete_many()
        .filter(following::Column::ActorApId.eq(actor.as_str()))
        .exec(db)
        .await?;
    Ok(())
}
