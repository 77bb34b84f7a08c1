//! Followers of the blog, and the accounts the blog follows.

use crate::{
    db::entities::{actor, follower, following, notification},
    error::{AppError, AppResult},
    federation::{
        actor::RemoteActor,
        outbox::{self, Outgoing},
    },
    services::notifications,
    state::AppState,
};
use activitypub_federation::{config::Data, fetch::webfinger::webfinger_resolve_actor};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, TransactionTrait, sea_query::OnConflict,
};
use serde_json::Value;
use url::Url;

/// Stores (or refreshes) a follower and queues the `Accept`.
pub async fn accept(
    data: &Data<AppState>,
    follow: Value,
    follow_id: &Url,
    who: &RemoteActor,
) -> AppResult<()> {
    let m = who.model();
    let txn = data.db.begin().await?;
    let known = follower::Entity::find()
        .filter(follower::Column::ActorApId.eq(m.ap_id.as_str()))
        .count(&txn)
        .await?
        > 0;
    follower::Entity::insert(follower::ActiveModel {
        actor_ap_id: Set(m.ap_id.clone()),
        inbox: Set(m.inbox.clone()),
        shared_inbox: Set(m.shared_inbox.clone()),
        follow_activity_id: Set(follow_id.to_string()),
        created_at: Set(Utc::now()),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::column(follower::Column::ActorApId)
            .update_columns([
                follower::Column::Inbox,
                follower::Column::SharedInbox,
                follower::Column::FollowActivityId,
            ])
            .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    // A repeated Follow (Mastodon sends one again now and then) is no news.
    if !known {
        notifications::record(&txn, notification::FOLLOW, &m.ap_id, None, None).await?;
    }
    txn.commit().await?;
    outbox::send(
        data,
        Outgoing::AcceptFollow {
            follow,
            follower: who,
        },
    )
    .await?;
    Ok(())
}

/// Removes a follower (Undo(Follow), or the actor is gone). Returns whether one was removed.
pub async fn remove(db: &DatabaseConnection, actor: &Url) -> AppResult<bool> {
    let result = follower::Entity::delete_many()
        .filter(follower::Column::ActorApId.eq(actor.as_str()))
        .exec(db)
        .await?;
    Ok(result.rows_affected > 0)
}

/// The actor undid their Follow: removed, and the owner told. Returns whether one was removed.
pub async fn unfollowed(db: &DatabaseConnection, actor: &Url) -> AppResult<bool> {
    let txn = db.begin().await?;
    let result = follower::Entity::delete_many()
        .filter(follower::Column::ActorApId.eq(actor.as_str()))
        .exec(&txn)
        .await?;
    if result.rows_affected > 0 {
        notifications::record(&txn, notification::UNFOLLOW, actor.as_str(), None, None).await?;
    }
    txn.commit().await?;
    Ok(result.rows_affected > 0)
}

pub async fn list(db: &DatabaseConnection) -> AppResult<Vec<follower::Model>> {
    Ok(follower::Entity::find().all(db).await?)
}

/// Followers, newest first, each with the stored profile (name, avatar) when there is one.
pub async fn with_profiles(
    db: &DatabaseConnection,
) -> AppResult<Vec<(follower::Model, Option<actor::Model>)>> {
    use sea_orm::QueryOrder;
    let followers = follower::Entity::find()
        .order_by_desc(follower::Column::Id)
        .all(db)
        .await?;
    let ids: Vec<&str> = followers.iter().map(|f| f.actor_ap_id.as_str()).collect();
    let mut actors: std::collections::HashMap<String, actor::Model> = actor::Entity::find()
        .filter(actor::Column::ApId.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.ap_id.clone(), a))
        .collect();
    Ok(followers
        .into_iter()
        .map(|f| {
            let profile = actors.remove(&f.actor_ap_id);
            (f, profile)
        })
        .collect())
}

pub async fn find_follower(db: &DatabaseConnection, id: i32) -> AppResult<Option<follower::Model>> {
    Ok(follower::Entity::find_by_id(id).one(db).await?)
}

pub async fn count(db: &DatabaseConnection) -> AppResult<u64> {
    Ok(follower::Entity::find().count(db).await?)
}

pub async fn count_following(db: &DatabaseConnection) -> AppResult<u64> {
    Ok(following::Entity::find()
        .filter(following::Column::Accepted.eq(true))
        .count(db)
        .await?)
}

/// Follows `who`: a handle (`user@host`, with or without a leading `@`) or an actor URL.
pub async fn follow(data: &Data<AppState>, who: &str) -> AppResult<RemoteActor> {
    let target = resolve(data, who).await?;
    let follow_id = data.urls.new_activity();
    following::Entity::insert(following::ActiveModel {
        actor_ap_id: Set(target.model().ap_id.clone()),
        follow_activity_id: Set(follow_id.to_string()),
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
    .exec_without_returning(&data.db)
    .await?;
    outbox::send(
        data,
        Outgoing::Follow {
            follow_id: &follow_id,
            target: &target,
        },
    )
    .await?;
    Ok(target)
}

pub async fn unfollow(data: &Data<AppState>, who: &str) -> AppResult<()> {
    let target = resolve(data, who).await?;
    let row = following::Entity::find()
        .filter(following::Column::ActorApId.eq(target.model().ap_id.as_str()))
        .one(&data.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let follow_id = Url::parse(&row.follow_activity_id).map_err(AppError::internal)?;
    following::Entity::delete_by_id(row.id)
        .exec(&data.db)
        .await?;
    outbox::send(
        data,
        Outgoing::UndoFollow {
            follow_id: &follow_id,
            target: &target,
        },
    )
    .await?;
    Ok(())
}

async fn resolve(data: &Data<AppState>, who: &str) -> AppResult<RemoteActor> {
    if let Ok(url) = Url::parse(who)
        && matches!(url.scheme(), "http" | "https")
    {
        return crate::federation::fetch::actor(&url, data).await;
    }
    let handle = who.trim().trim_start_matches('@');
    if !handle.contains('@') {
        return Err(AppError::BadRequest(format!(
            "{who:?} is neither user@host nor a URL"
        )));
    }
    webfinger_resolve_actor::<AppState, RemoteActor>(handle, data).await
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
