//! What the owner is told about in /admin/notifications: recorded by the services that store
//! comments, mentions, reactions and followers, in the same transaction as the row itself, and
//! read back grouped ("3 people liked …"), newest first. Here it is also decided which of them
//! bring a mail (the kinds switched on in the mail settings at that moment): the mail is
//! recorded beside the notification, in the same transaction.

use crate::{
    config::MailConfig,
    db::entities::{actor, comment, mention, notification, post},
    error::AppResult,
    services::mail::{self, Mail},
};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use std::collections::HashMap;

/// Records one notification, and its mail when `mails` (the mail settings in effect) asks for
/// one of its kind; call it with the transaction that stores what it is about.
pub async fn record(
    db: &impl ConnectionTrait,
    mails: &MailConfig,
    kind: &str,
    actor: &str,
    post_id: Option<i32>,
    object: Option<&str>,
) -> AppResult<()> {
    let id = insert(db, kind, actor, post_id, object).await?;
    if mailed(mails, kind) {
        mail::record(
            db,
            &Mail::Notified {
                notification_id: id,
            },
        )
        .await?;
    }
    Ok(())
}

/// Records the notification of `stored`, a new comment that is not spam or rejected (`kind`:
/// a comment or a reply to one of the blog's answers), on `db`, the transaction that stores
/// it. A held comment brings the mail that asks for approval when that is switched on, else
/// (and a shown one) the mail of every comment when that is.
pub async fn record_comment(
    db: &impl ConnectionTrait,
    mails: &MailConfig,
    kind: &str,
    stored: &comment::Model,
) -> AppResult<()> {
    let object = Some(stored.ap_id.as_str());
    let id = insert(db, kind, &stored.author_ap_id, stored.post_id, object).await?;
    let held = stored.status == comment::PENDING;
    if held && mails.held_comments {
        let awaiting = Mail::CommentAwaiting {
            comment_id: stored.id,
        };
        mail::record(db, &awaiting).await?;
    } else if mailed(mails, kind) {
        mail::record(
            db,
            &Mail::Notified {
                notification_id: id,
            },
        )
        .await?;
    }
    Ok(())
}

/// Whether a notification of `kind` brings a mail of its own (likes, boosts, unfollows and
/// reports only come in the digest).
fn mailed(mails: &MailConfig, kind: &str) -> bool {
    match kind {
        notification::COMMENT | notification::REPLY => mails.each_comment,
        notification::FOLLOW => mails.follows,
        notification::MENTION => mails.mentions,
        notification::DIRECT => mails.direct_messages,
        notification::QUOTE => mails.quotes,
        _ => false,
    }
}

async fn insert(
    db: &impl ConnectionTrait,
    kind: &str,
    actor: &str,
    post_id: Option<i32>,
    object: Option<&str>,
) -> AppResult<i32> {
    let inserted = notification::Entity::insert(notification::ActiveModel {
        kind: Set(kind.to_string()),
        actor_ap_id: Set(actor.to_string()),
        post_id: Set(post_id),
        object_ap_id: Set(object.map(str::to_string)),
        created_at: Set(Utc::now()),
        read_at: Set(None),
        ..Default::default()
    })
    .exec(db)
    .await?;
    Ok(inserted.last_insert_id)
}

/// How many notifications the owner has not seen yet (the count in the admin navigation).
pub async fn unread_count(db: &impl ConnectionTrait) -> AppResult<u64> {
    Ok(notification::Entity::find()
        .filter(notification::Column::ReadAt.is_null())
        .count(db)
        .await?)
}

/// Marks everything up to `last_id` as seen (what the page showed; newer ones stay unread).
pub async fn mark_read(db: &impl ConnectionTrait, last_id: i32) -> AppResult<()> {
    notification::Entity::update_many()
        .col_expr(notification::Column::ReadAt, Utc::now().into())
        .filter(notification::Column::ReadAt.is_null())
        .filter(notification::Column::Id.lte(last_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Notifications of one kind about one thing, shown as one line.
pub struct Group {
    pub kind: String,
    /// Newest first, each with their stored profile when there is one.
    pub actors: Vec<(String, Option<actor::Model>)>,
    pub post: Option<post::Model>,
    /// The comment it is about (comments and replies to the blog's answers).
    pub comment: Option<comment::Model>,
    /// The post that mentions or quotes the blog.
    pub mention: Option<mention::Model>,
    /// The author's actor id, for a follow or unfollow of an author rather than the blog.
    pub followed: Option<String>,
    pub newest: DateTime<Utc>,
    pub unread: bool,
    /// The newest notification's id.
    pub last_id: i32,
}

/// Kinds that are summed up per post and day rather than listed one by one.
fn grouped(kind: &str) -> bool {
    matches!(
        kind,
        notification::LIKE | notification::BOOST | notification::FOLLOW | notification::UNFOLLOW
    )
}

/// The newest `limit` notifications, grouped, newest group first.
pub async fn latest(db: &impl ConnectionTrait, limit: u64) -> AppResult<Vec<Group>> {
    let rows = notification::Entity::find()
        .order_by_desc(notification::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    let related = Related::load(db, &rows).await?;
    let mut groups: Vec<Group> = Vec::new();
    let mut index: HashMap<(String, Option<i32>, Option<String>, String), usize> = HashMap::new();
    for row in rows {
        // Follows of the blog and of each author are told apart.
        let key = (
            row.kind.clone(),
            row.post_id,
            row.object_ap_id.clone(),
            row.created_at.format("%Y-%m-%d").to_string(),
        );
        let actor = (
            row.actor_ap_id.clone(),
            related.actors.get(&row.actor_ap_id).cloned(),
        );
        if grouped(&row.kind)
            && let Some(&at) = index.get(&key)
        {
            let group = &mut groups[at];
            if !group.actors.iter().any(|(id, _)| *id == actor.0) {
                group.actors.push(actor);
            }
            group.unread |= row.read_at.is_none();
            continue;
        }
        if grouped(&row.kind) {
            index.insert(key, groups.len());
        }
        let object = row.object_ap_id.as_deref().unwrap_or_default();
        groups.push(Group {
            post: row.post_id.and_then(|id| related.posts.get(&id).cloned()),
            comment: related.comments.get(object).cloned(),
            mention: related.mentions.get(object).cloned(),
            followed: matches!(
                row.kind.as_str(),
                notification::FOLLOW | notification::UNFOLLOW
            )
            .then(|| row.object_ap_id.clone())
            .flatten(),
            kind: row.kind,
            actors: vec![actor],
            newest: row.created_at,
            unread: row.read_at.is_none(),
            last_id: row.id,
        });
    }
    Ok(groups)
}

/// The rows notifications point at, loaded once per page.
struct Related {
    actors: HashMap<String, actor::Model>,
    posts: HashMap<i32, post::Model>,
    comments: HashMap<String, comment::Model>,
    mentions: HashMap<String, mention::Model>,
}

impl Related {
    async fn load(db: &impl ConnectionTrait, rows: &[notification::Model]) -> AppResult<Related> {
        let actor_ids: Vec<&str> = rows.iter().map(|r| r.actor_ap_id.as_str()).collect();
        let post_ids: Vec<i32> = rows.iter().filter_map(|r| r.post_id).collect();
        let objects: Vec<&str> = rows
            .iter()
            .filter_map(|r| r.object_ap_id.as_deref())
            .collect();
        let actors = actor::Entity::find()
            .filter(actor::Column::ApId.is_in(actor_ids))
            .all(db)
            .await?;
        let posts = post::Entity::find()
            .filter(post::Column::Id.is_in(post_ids))
            .all(db)
            .await?;
        let comments = comment::Entity::find()
            .filter(comment::Column::ApId.is_in(objects.clone()))
            .all(db)
            .await?;
        let mentions = mention::Entity::find()
            .filter(mention::Column::ApId.is_in(objects))
            .all(db)
            .await?;
        Ok(Related {
            actors: actors.into_iter().map(|a| (a.ap_id.clone(), a)).collect(),
            posts: posts.into_iter().map(|p| (p.id, p)).collect(),
            comments: comments.into_iter().map(|c| (c.ap_id.clone(), c)).collect(),
            mentions: mentions.into_iter().map(|m| (m.ap_id.clone(), m)).collect(),
        })
    }
}
