//! Authors as fediverse accounts of their own (`blog.author_actors`): who wrote a post, and
//! their profile and posts. Their followers are `followers` (of a `LocalActor::Author`).

use crate::{
    db::entities::{post, user},
    error::AppResult,
    services::{
        Site,
        local_actor::{self, LocalActor},
        outbox::{self, Event},
        posts, users,
    },
};
use sea_orm::{ColumnTrait, Condition, DatabaseConnection, PaginatorTrait, QueryFilter};

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

/// The actor that speaks for `post`: its author's (see `of_post`), else the blog.
pub async fn actor_of_post(site: &Site, post: &post::Model) -> AppResult<LocalActor> {
    Ok(match of_post(site, post).await? {
        Some(author) => LocalActor::Author(author.username),
        None => LocalActor::Blog,
    })
}

/// Saves the profile `user` edited in /admin; with author actors, their followers are sent
/// the changed actor (`Update`), as Mastodon does for profile edits.
pub async fn save_profile(
    site: &Site,
    user: user::Model,
    profile: users::Profile,
) -> AppResult<user::Model> {
    let txn = crate::db::begin_write(&site.db).await?;
    let saved = users::update_profile(&txn, user, profile).await?;
    if local_actor::author_user(site, &saved.username)
        .await?
        .is_none()
    {
        txn.commit().await?;
        return Ok(saved);
    }
    let event = Event::AuthorProfileUpdated {
        author: saved.username.clone(),
    };
    outbox::commit_with(site, txn, &event).await?;
    Ok(saved)
}

/// How many live posts `author` wrote (the posts their outbox lists).
pub async fn post_count(db: &DatabaseConnection, author: &user::Model) -> AppResult<u64> {
    let names = [author.username.clone(), author.display_name.clone()];
    let who = Condition::any()
        .add(post::Column::AuthorId.eq(author.id))
        .add(post::Column::Author.is_in(names));
    Ok(posts::live().filter(who).count(db).await?)
}
