//! Posts that mention the blog without replying to anything of ours, direct messages, and
//! followers-only or direct replies to our posts: listed for the owner (`feder mentions`,
//! /admin/notifications), never shown on the blog nor in its collections.

use crate::{
    db::entities::{mention, notification},
    error::AppResult,
    services::{
        Site,
        local_actor::LocalActor,
        notifications,
        remote_notes::{Audience, RemoteNote},
    },
};
use chrono::Utc;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, sea_query::OnConflict,
};
use url::Url;

/// What a remote note stored beside the mentions is to the owner.
#[derive(Debug, Clone, Copy)]
pub enum Listed {
    /// It names the blog.
    Mention,
    /// It quotes post `post_id`.
    Quote { post_id: i32 },
    /// A followers-only or direct reply to one of our posts or comments.
    PrivateReply,
}

/// `note` as a row of the owner's list.
pub fn row(note: &RemoteNote, listed: Listed) -> mention::ActiveModel {
    let now = Utc::now();
    // A quote is public by what it is; a mention or reply is as its author addressed it. A
    // direct one keeps what it answers (perhaps the owner's private answer before it).
    let (visibility, in_reply_to) = match (listed, note.audience) {
        (Listed::Quote { .. }, _) | (Listed::Mention, Audience::Public) => (mention::PUBLIC, &None),
        (_, Audience::Followers) => (mention::FOLLOWERS, &note.in_reply_to),
        (_, _) => (mention::DIRECT, &note.in_reply_to),
    };
    mention::ActiveModel {
        ap_id: Set(note.id.to_string()),
        author_ap_id: Set(note.author.to_string()),
        content_html: Set(note.content_html.clone()),
        url: Set(note.url.clone()),
        published_at: Set(note.published_at(now)),
        received_at: Set(now),
        in_reply_to: Set(in_reply_to.as_ref().map(Url::to_string)),
        visibility: Set(visibility.to_string()),
        local_actor: Set(note.mentions.as_ref().map(LocalActor::name)),
        ..Default::default()
    }
}

/// Stores `note` for the owner as what it is to them, and tells them in the same transaction;
/// a repeat changes nothing.
pub async fn store(site: &Site, note: &RemoteNote, listed: Listed) -> AppResult<()> {
    let (kind, post_id) = match listed {
        Listed::Quote { post_id } => (notification::QUOTE, Some(post_id)),
        // Addressed to the blog (or an author) alone: a direct message, told apart.
        _ if note.audience == Audience::Direct => (notification::DIRECT, None),
        Listed::Mention | Listed::PrivateReply => (notification::MENTION, None),
    };
    let txn = crate::db::begin_write(&site.db).await?;
    let inserted = mention::Entity::insert(row(note, listed))
        .on_conflict(
            OnConflict::column(mention::Column::ApId)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
    if inserted > 0 {
        let id = note.id.as_str();
        let (mails, author) = (&site.settings.current().mail, note.author.as_str());
        notifications::record(&txn, mails, kind, author, post_id, Some(id)).await?;
    }
    txn.commit().await?;
    Ok(())
}

pub async fn latest(db: &DatabaseConnection, limit: u64) -> AppResult<Vec<mention::Model>> {
    Ok(mention::Entity::find()
        .order_by_desc(mention::Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}

/// A direct message (or direct reply) by its row id.
pub async fn direct(db: &impl ConnectionTrait, id: i32) -> AppResult<Option<mention::Model>> {
    Ok(mention::Entity::find_by_id(id)
        .filter(mention::Column::Visibility.eq(mention::DIRECT))
        .one(db)
        .await?)
}

/// A stored mention, direct message or private reply by its ActivityPub id.
pub async fn find(db: &impl ConnectionTrait, ap_id: &Url) -> AppResult<Option<mention::Model>> {
    Ok(mention::Entity::find()
        .filter(mention::Column::ApId.eq(ap_id.as_str()))
        .one(db)
        .await?)
}

/// Removes a mention or private reply its author deleted. Returns whether there was one.
pub async fn remove(db: &DatabaseConnection, id: &Url, author: &Url) -> AppResult<bool> {
    let result = mention::Entity::delete_many()
        .filter(mention::Column::ApId.eq(id.as_str()))
        .filter(mention::Column::AuthorApId.eq(author.as_str()))
        .exec(db)
        .await?;
    Ok(result.rows_affected > 0)
}

/// Removes everything of an actor that was deleted.
pub async fn remove_by_author(db: &impl ConnectionTrait, author: &Url) -> AppResult<u64> {
    let result = mention::Entity::delete_many()
        .filter(mention::Column::AuthorApId.eq(author.as_str()))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}
