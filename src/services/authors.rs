//! Authors as fediverse accounts of their own (`blog.author_actors`): which /admin account is
//! an actor, who wrote a post, and who follows each author (`author_followers`).

use crate::{
    db::entities::{author_follower, notification, post, user},
    error::AppResult,
    services::{
        Site, notifications,
        outbox::{self, Event},
        posts, users,
    },
};
use chrono::Utc;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, DatabaseConnection, EntityTrait, PaginatorTrait,
    QueryFilter, TransactionTrait, sea_query::OnConflict,
};
use serde_json::Value;
use url::Url;

/// The account behind `@username@domain`, when authors are actors. The blog's own username
/// stays the blog's.
pub async fn actor_user(site: &Site, username: &str) -> AppResult<Option<user::Model>> {
    if !site.config.blog.author_actors || username == site.config.blog.username {
        return Ok(None);
    }
    users::find_by_username(&site.db, username).await
}

/// The account that wrote `post` and speaks for it in the fediverse, when authors are actors:
/// the writing account, else the account its `author` names (as the post page shows it).
pub async fn of_post(site: &Site, post: &post::Model) -> AppResult<Option<user::Model>> {
    if !site.config.blog.author_actors {
        return Ok(None);
    }
    let found = match post.author_id {
        Some(id) => users::find(&site.db, id).await?,
        None => None,
    };
    let found = match (found, post.author.as_deref()) {
        (Some(user), _) => Some(user),
        (None, Some(name)) => users::list(&site.db)
            .await?
            .into_iter()
            .find(|u| u.username == name || u.display_name == name),
        (None, None) => None,
    };
    Ok(found.filter(|u| u.username != site.config.blog.username))
}

/// Saves the profile `user` edited in /admin; with author actors, their followers are sent
/// the changed actor (`Update`), as Mastodon does for profile edits.
pub async fn save_profile(
    site: &Site,
    user: user::Model,
    profile: users::Profile,
) -> AppResult<user::Model> {
    let txn = site.db.begin().await?;
    let saved = users::update_profile(&txn, user, profile).await?;
    if actor_user(site, &saved.username).await?.is_none() {
        txn.commit().await?;
        return Ok(saved);
    }
    let event = Event::AuthorProfileUpdated {
        author: saved.username.clone(),
    };
    outbox::commit_with(site, txn, &event).await?;
    Ok(saved)
}

/// Stores (or refreshes) a follower of `author` and records the author's `Accept`.
pub async fn accept(
    site: &Site,
    author: &user::Model,
    follow: Value,
    follow_id: &Url,
    who: &crate::db::entities::actor::Model,
) -> AppResult<()> {
    // Read before the transaction: on SQLite a transaction that reads first and writes later
    // fails at once (busy) when another writer came in between.
    let known = author_follower::Entity::find()
        .filter(author_follower::Column::UserId.eq(author.id))
        .filter(author_follower::Column::ActorApId.eq(who.ap_id.as_str()))
        .count(&site.db)
        .await?
        > 0;
    let txn = site.db.begin().await?;
    author_follower::Entity::insert(author_follower::ActiveModel {
        user_id: Set(author.id),
        actor_ap_id: Set(who.ap_id.clone()),
        inbox: Set(who.inbox.clone()),
        shared_inbox: Set(who.shared_inbox.clone()),
        follow_activity_id: Set(follow_id.to_string()),
        created_at: Set(Utc::now()),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([
            author_follower::Column::UserId,
            author_follower::Column::ActorApId,
        ])
        .update_columns([
            author_follower::Column::Inbox,
            author_follower::Column::SharedInbox,
            author_follower::Column::FollowActivityId,
        ])
        .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    if !known {
        notifications::record(&txn, notification::FOLLOW, &who.ap_id, None, None).await?;
    }
    let event = Event::AuthorFollowAccepted {
        author: author.username.clone(),
        follower: who.ap_id.clone(),
        follow,
    };
    outbox::commit_with(site, txn, &event).await
}

/// `actor` undid their Follow of `author`. Returns whether they followed.
pub async fn unfollowed(db: &DatabaseConnection, author: i32, actor: &Url) -> AppResult<bool> {
    let txn = db.begin().await?;
    let result = author_follower::Entity::delete_many()
        .filter(author_follower::Column::UserId.eq(author))
        .filter(author_follower::Column::ActorApId.eq(actor.as_str()))
        .exec(&txn)
        .await?;
    if result.rows_affected > 0 {
        notifications::record(&txn, notification::UNFOLLOW, actor.as_str(), None, None).await?;
    }
    txn.commit().await?;
    Ok(result.rows_affected > 0)
}

/// The followers of one author.
pub async fn followers(
    db: &DatabaseConnection,
    author: i32,
) -> AppResult<Vec<author_follower::Model>> {
    Ok(author_follower::Entity::find()
        .filter(author_follower::Column::UserId.eq(author))
        .all(db)
        .await?)
}

pub async fn count(db: &DatabaseConnection, author: i32) -> AppResult<u64> {
    Ok(author_follower::Entity::find()
        .filter(author_follower::Column::UserId.eq(author))
        .count(db)
        .await?)
}

/// Every author's followers (for the export).
pub async fn all_followers(db: &DatabaseConnection) -> AppResult<Vec<author_follower::Model>> {
    Ok(author_follower::Entity::find().all(db).await?)
}

/// How many live posts `author` wrote (the posts their outbox lists).
pub async fn post_count(db: &DatabaseConnection, author: &user::Model) -> AppResult<u64> {
    let names = [author.username.clone(), author.display_name.clone()];
    let who = Condition::any()
        .add(post::Column::AuthorId.eq(author.id))
        .add(post::Column::Author.is_in(names));
    Ok(posts::live().filter(who).count(db).await?)
}
