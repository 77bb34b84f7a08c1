//! Who follows our actors: one table (`followers`) and one path for the blog and every
//! author ([`LocalActor`]). A Follow accepted or undone, a follower removed by the owner, a
//! remote account gone (Delete) or moved away (Move), and the lists, counts and inboxes the
//! collections, the outbox and followers synchronization read. Every follow that ends is
//! kept as a departure (`follower_departures`) in the transaction that ends it, for the
//! statistics.

use crate::{
    db::entities::{actor, follower, follower_departure, notification},
    error::{AppError, AppResult},
    services::{
        Site,
        local_actor::LocalActor,
        notifications,
        outbox::{self, Event},
    },
};
use chrono::Utc;
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, OnConflict, Query},
};
use std::collections::HashMap;
use url::Url;

/// `who` follows `local` with the Follow `follow_id`: stored (or refreshed, when they follow
/// again), and the Accept recorded. A blocked actor is not taken.
pub async fn accept(
    site: &Site,
    local: &LocalActor,
    follow_id: &Url,
    who: &actor::Model,
) -> AppResult<()> {
    if site.blocks.refuses(&site.db, &who.ap_id).await? {
        return Ok(());
    }
    // Writes only, the insert first: on SQLite a transaction that reads first and writes
    // later fails at once (busy) when another writer came in between. Whether the insert
    // wrote a row says whether the follower is new.
    let txn = crate::db::begin_write(&site.db).await?;
    let inserted = follower::Entity::insert(follower::ActiveModel {
        local_actor: Set(local.name()),
        actor_ap_id: Set(who.ap_id.clone()),
        inbox: Set(who.inbox.clone()),
        shared_inbox: Set(who.shared_inbox.clone()),
        follow_activity_id: Set(follow_id.to_string()),
        created_at: Set(Utc::now()),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([follower::Column::ActorApId, follower::Column::LocalActor])
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    if inserted == 0 {
        // A repeated Follow (Mastodon sends one again now and then) is no news; its id and
        // the inboxes are the ones to use from now on.
        follower::Entity::update_many()
            .col_expr(follower::Column::Inbox, who.inbox.clone().into())
            .col_expr(
                follower::Column::SharedInbox,
                who.shared_inbox.clone().into(),
            )
            .col_expr(
                follower::Column::FollowActivityId,
                follow_id.as_str().into(),
            )
            .filter(of_pair(local, &who.ap_id))
            .exec(&txn)
            .await?;
    } else {
        let (mails, kind) = (&site.settings.current().mail, notification::FOLLOW);
        let followed = followed_author(site, local);
        notifications::record(&txn, mails, kind, &who.ap_id, None, followed.as_deref()).await?;
    }
    let event = Event::FollowAccepted {
        local_actor: local.clone(),
        follower: who.ap_id.clone(),
    };
    outbox::commit_with(site, txn, &event).await
}

/// What a follow notification is about: the author's actor id when an author was followed;
/// none for the blog (the notification says "the blog" then).
fn followed_author(site: &Site, local: &LocalActor) -> Option<String> {
    local.username().map(|_| local.id(&site.urls).to_string())
}

/// The Follow an Undo names: by the actor it followed, or (when the Undo carries only its
/// id) by its id.
pub enum UndoneFollow<'a> {
    Of(&'a LocalActor),
    Id(&'a Url),
}

/// Ends the follows matching `which`, each kept as a departure for `reason` (one of
/// `follower_departure`'s constants). The departures are written first, copied from the rows
/// by the database, so a transaction that calls this begins with a write (see `accept`).
/// Returns the follows that ended.
async fn end(
    db: &impl ConnectionTrait,
    which: Condition,
    reason: &str,
) -> AppResult<Vec<follower::Model>> {
    use follower_departure::Column as D;
    let departed = Query::select()
        .columns([
            follower::Column::LocalActor,
            follower::Column::ActorApId,
            follower::Column::CreatedAt,
        ])
        .expr(Expr::val(reason))
        .expr(Expr::val(Utc::now()))
        .from(follower::Entity)
        .cond_where(which.clone())
        .to_owned();
    let keep = Query::insert()
        .into_table(follower_departure::Entity)
        .columns([
            D::LocalActor,
            D::ActorApId,
            D::FollowedAt,
            D::Reason,
            D::DepartedAt,
        ])
        .select_from(departed)
        .map_err(AppError::internal)?
        .to_owned();
    db.execute(&keep).await?;
    Ok(follower::Entity::delete_many()
        .filter(which)
        .exec_with_returning(db)
        .await?)
}

/// `actor` undid their Follow: removed, and the owner told. Returns whether they followed.
pub async fn unfollowed(site: &Site, actor: &Url, follow: UndoneFollow<'_>) -> AppResult<bool> {
    let which = match follow {
        UndoneFollow::Of(local) => follower::Column::LocalActor.eq(local.name()),
        UndoneFollow::Id(id) => follower::Column::FollowActivityId.eq(id.as_str()),
    };
    let of = Condition::all()
        .add(follower::Column::ActorApId.eq(actor.as_str()))
        .add(which);
    let txn = crate::db::begin_write(&site.db).await?;
    let ended = end(&txn, of, follower_departure::UNFOLLOWED).await?;
    // Each ended follow names whom it followed: an Undo naming only the Follow's id does not.
    for local in ended
        .iter()
        .filter_map(|f| LocalActor::from_name(&f.local_actor))
    {
        let (mails, kind) = (&site.settings.current().mail, notification::UNFOLLOW);
        let followed = followed_author(site, &local);
        notifications::record(&txn, mails, kind, actor.as_str(), None, followed.as_deref()).await?;
    }
    txn.commit().await?;
    Ok(!ended.is_empty())
}

/// The remote `actor` deleted itself or moved to another account (`reason`:
/// `follower_departure::DELETED` or `MOVED`): it follows none of our actors any more (a moved
/// account's new one sends a Follow of its own). Returns how many follows ended.
pub async fn remove_actor(db: &impl ConnectionTrait, actor: &Url, reason: &str) -> AppResult<u64> {
    let which = Condition::all().add(follower::Column::ActorApId.eq(actor.as_str()));
    Ok(end(db, which, reason).await?.len() as u64)
}

/// The owner removes the follower `id` (of whichever actor they follow; `blocking` when they
/// are being blocked too), and that actor's `Reject` of their Follow is recorded. Returns the
/// follower, if there was one.
pub async fn remove(site: &Site, id: i32, blocking: bool) -> AppResult<Option<follower::Model>> {
    // Read before the transaction (see `accept`).
    let Some(found) = follower::Entity::find_by_id(id).one(&site.db).await? else {
        return Ok(None);
    };
    let Some(local) = LocalActor::from_name(&found.local_actor) else {
        return Err(AppError::internal(format!(
            "follower {id} follows an unknown local actor {:?}",
            found.local_actor
        )));
    };
    let reason = if blocking {
        follower_departure::BLOCKED
    } else {
        follower_departure::REMOVED
    };
    let txn = crate::db::begin_write(&site.db).await?;
    let which = Condition::all().add(follower::Column::Id.eq(id));
    if end(&txn, which, reason).await?.is_empty() {
        return Ok(None);
    }
    let event = Event::FollowerRemoved {
        local_actor: local,
        follower: found.actor_ap_id.clone(),
        follow_id: found.follow_activity_id.clone(),
        inbox: found.inbox.clone(),
    };
    outbox::commit_with(site, txn, &event).await?;
    Ok(Some(found))
}

/// The owner removes `actor` from the followers of every one of our actors (they are being
/// blocked), each actor sending its `Reject`. Returns how many follows ended.
pub async fn remove_all(site: &Site, actor: &str) -> AppResult<usize> {
    let rows = follower::Entity::find()
        .filter(follower::Column::ActorApId.eq(actor))
        .all(&site.db)
        .await?;
    let mut removed = 0;
    for row in rows {
        removed += usize::from(remove(site, row.id, true).await?.is_some());
    }
    Ok(removed)
}

/// Ends every follow by an account the blocks refuse now (an actor or a domain the owner
/// blocked, a domain of an applied shared list), each with its `Reject`, as Mastodon severs
/// follows on a block: a blocked account gets no more posts. Called after every change that
/// can block more. Returns how many follows ended.
pub async fn remove_blocked(site: &Site) -> AppResult<usize> {
    let blocks = site.blocks.current(&site.db).await?;
    let rows = follower::Entity::find().all(&site.db).await?;
    let mut removed = 0;
    for row in rows.iter().filter(|r| blocks.blocks(&r.actor_ap_id)) {
        removed += usize::from(remove(site, row.id, true).await?.is_some());
    }
    if removed > 0 {
        tracing::info!(removed, "follows of blocked accounts ended");
    }
    Ok(removed)
}

fn of_pair(local: &LocalActor, actor: &str) -> Condition {
    Condition::all()
        .add(follower::Column::LocalActor.eq(local.name()))
        .add(follower::Column::ActorApId.eq(actor))
}

/// The follow of `local` by `actor`, if they follow it.
pub async fn find(
    db: &impl ConnectionTrait,
    local: &LocalActor,
    actor: &str,
) -> AppResult<Option<follower::Model>> {
    Ok(follower::Entity::find()
        .filter(of_pair(local, actor))
        .one(db)
        .await?)
}

/// The followers of `local`, or of every actor, oldest first.
pub async fn list(
    db: &DatabaseConnection,
    local: Option<&LocalActor>,
) -> AppResult<Vec<follower::Model>> {
    let mut query = follower::Entity::find().order_by_asc(follower::Column::Id);
    if let Some(local) = local {
        query = query.filter(follower::Column::LocalActor.eq(local.name()));
    }
    Ok(query.all(db).await?)
}

pub async fn count(db: &DatabaseConnection, local: &LocalActor) -> AppResult<u64> {
    Ok(follower::Entity::find()
        .filter(follower::Column::LocalActor.eq(local.name()))
        .count(db)
        .await?)
}

/// How many follow each of our actors that has followers: the blog first, then the authors
/// by name.
pub async fn counts(db: &DatabaseConnection) -> AppResult<Vec<(LocalActor, u64)>> {
    let rows: Vec<(String, i64)> = follower::Entity::find()
        .select_only()
        .column(follower::Column::LocalActor)
        .column_as(follower::Column::Id.count(), "count")
        .group_by(follower::Column::LocalActor)
        .into_tuple()
        .all(db)
        .await?;
    let mut counts: Vec<(LocalActor, u64)> = rows
        .into_iter()
        .filter_map(|(name, n)| Some((LocalActor::from_name(&name)?, n.max(0) as u64)))
        .collect();
    counts.sort_by(|a, b| a.0.username().cmp(&b.0.username()));
    Ok(counts)
}

/// Followers of `local` (or of every actor), newest first, each with the stored profile
/// (name, avatar) when there is one.
pub async fn with_profiles(
    db: &DatabaseConnection,
    local: Option<&LocalActor>,
) -> AppResult<Vec<(follower::Model, Option<actor::Model>)>> {
    let mut followers = list(db, local).await?;
    followers.reverse();
    let ids: Vec<&str> = followers.iter().map(|f| f.actor_ap_id.as_str()).collect();
    let mut actors: HashMap<String, actor::Model> = actor::Entity::find()
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

/// Where `local`'s followers receive what it sends: each one's shared inbox, else its own.
pub async fn inboxes(db: &DatabaseConnection, local: &LocalActor) -> AppResult<Vec<Url>> {
    let rows: Vec<(String, Option<String>)> = follower::Entity::find()
        .select_only()
        .column(follower::Column::Inbox)
        .column(follower::Column::SharedInbox)
        .filter(follower::Column::LocalActor.eq(local.name()))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(inbox, shared)| Url::parse(shared.as_deref().unwrap_or(&inbox)).ok())
        .collect())
}

/// The followers of `local` whose ids start with `prefix` (a server, for FEP-8fcf).
pub async fn ids_starting_with(
    db: &DatabaseConnection,
    local: &LocalActor,
    prefix: &str,
) -> AppResult<Vec<String>> {
    Ok(follower::Entity::find()
        .select_only()
        .column(follower::Column::ActorApId)
        .filter(follower::Column::LocalActor.eq(local.name()))
        .filter(follower::Column::ActorApId.starts_with(prefix))
        .into_tuple()
        .all(db)
        .await?)
}

/// Every follow, as (local actor, follower id, shared inbox): what followers synchronization
/// computes its digests from.
pub async fn all_ids(
    db: &DatabaseConnection,
) -> AppResult<Vec<(LocalActor, String, Option<String>)>> {
    let rows: Vec<(String, String, Option<String>)> = follower::Entity::find()
        .select_only()
        .column(follower::Column::LocalActor)
        .column(follower::Column::ActorApId)
        .column(follower::Column::SharedInbox)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(local, id, shared)| Some((LocalActor::from_name(&local)?, id, shared)))
        .collect())
}

/// Puts back a follower from an export; one already there stays as it is. Returns whether
/// it was added.
pub async fn restore(db: &DatabaseConnection, row: follower::ActiveModel) -> AppResult<bool> {
    let inserted = follower::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([follower::Column::ActorApId, follower::Column::LocalActor])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(inserted > 0)
}
