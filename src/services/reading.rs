//! Posts from accounts the blog follows (and posts they boost): kept so the owner can read
//! and answer them in the Reader (/admin/reader) and with `feder reading`.

use crate::{
    db::entities::remote_post,
    error::{AppError, AppResult},
    services::{
        follows,
        remote_notes::{Attachment, RemoteNote},
    },
};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, sea_query::OnConflict,
};
use url::Url;

/// The row for `note`, received now.
fn row(note: &RemoteNote, now: DateTime<Utc>) -> AppResult<remote_post::ActiveModel> {
    let attachments = if note.attachments.is_empty() {
        None
    } else {
        Some(serde_json::to_string(&note.attachments).map_err(AppError::internal)?)
    };
    Ok(remote_post::ActiveModel {
        ap_id: Set(note.id.to_string()),
        actor_ap_id: Set(note.author.to_string()),
        kind: Set(note.kind.clone()),
        name: Set(note.title.clone()),
        content_html: Set(note.content_html.clone()),
        url: Set(note.url.clone()),
        published_at: Set(note.published_at(now)),
        received_at: Set(now),
        summary: Set(note.summary.clone()),
        attachments: Set(attachments),
        in_reply_to: Set(note.in_reply_to.as_ref().map(Url::to_string)),
        context: Set(note.context.as_ref().map(Url::to_string)),
        ..Default::default()
    })
}

/// What an edit changes of a stored post.
const EDITABLE: [remote_post::Column; 5] = [
    remote_post::Column::Name,
    remote_post::Column::ContentHtml,
    remote_post::Column::Url,
    remote_post::Column::Summary,
    remote_post::Column::Attachments,
];

/// Stores or replaces `note`, a followed account's post.
pub async fn store(db: &DatabaseConnection, note: &RemoteNote) -> AppResult<()> {
    remote_post::Entity::insert(row(note, Utc::now())?)
        .on_conflict(
            OnConflict::column(remote_post::Column::ApId)
                .update_columns(EDITABLE)
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Stores `note`, boosted by `booster` (a followed account) with the Announce `announce`:
/// it comes (again) to the top of the timeline, as new.
pub async fn store_boost(
    db: &DatabaseConnection,
    note: &RemoteNote,
    booster: &Url,
    announce: &Url,
) -> AppResult<()> {
    let mut row = row(note, Utc::now())?;
    row.boosted_by = Set(Some(booster.to_string()));
    row.announce_id = Set(Some(announce.to_string()));
    let mut columns = EDITABLE.to_vec();
    columns.extend([
        remote_post::Column::BoostedBy,
        remote_post::Column::AnnounceId,
        remote_post::Column::ReceivedAt,
        remote_post::Column::SeenAt,
    ]);
    remote_post::Entity::insert(row)
        .on_conflict(
            OnConflict::column(remote_post::Column::ApId)
                .update_columns(columns)
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// `booster` took back their boost `announce`: the post leaves the timeline, unless its
/// author is followed too (then it stays, as their own post).
pub async fn remove_boost(
    db: &DatabaseConnection,
    announce: &Url,
    booster: &Url,
) -> AppResult<bool> {
    let Some(row) = remote_post::Entity::find()
        .filter(remote_post::Column::AnnounceId.eq(announce.as_str()))
        .filter(remote_post::Column::BoostedBy.eq(booster.as_str()))
        .one(db)
        .await?
    else {
        return Ok(false);
    };
    let author = Url::parse(&row.actor_ap_id).map_err(AppError::internal)?;
    if follows::is_following(db, &author).await? {
        let mut row: remote_post::ActiveModel = row.into();
        row.boosted_by = Set(None);
        row.announce_id = Set(None);
        sea_orm::ActiveModelTrait::update(row, db).await?;
    } else {
        remote_post::Entity::delete_by_id(row.id).exec(db).await?;
    }
    Ok(true)
}

pub async fn remove(db: &DatabaseConnection, id: &Url, author: &Url) -> AppResult<bool> {
    let result = remote_post::Entity::delete_many()
        .filter(remote_post::Column::ApId.eq(id.as_str()))
        .filter(remote_post::Column::ActorApId.eq(author.as_str()))
        .exec(db)
        .await?;
    Ok(result.rows_affected > 0)
}

pub async fn find(db: &DatabaseConnection, id: &Url) -> AppResult<Option<remote_post::Model>> {
    Ok(remote_post::Entity::find()
        .filter(remote_post::Column::ApId.eq(id.as_str()))
        .one(db)
        .await?)
}

/// The latest `limit` posts, newest first (by when they reached the timeline).
pub async fn latest(db: &DatabaseConnection, limit: u64) -> AppResult<Vec<remote_post::Model>> {
    Ok(remote_post::Entity::find()
        .order_by_desc(remote_post::Column::ReceivedAt)
        .order_by_desc(remote_post::Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}

/// Every post not yet seen is seen from now: the Reader calls it once it has shown them.
pub async fn mark_seen(db: &DatabaseConnection, now: DateTime<Utc>) -> AppResult<()> {
    remote_post::Entity::update_many()
        .col_expr(
            remote_post::Column::SeenAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .filter(remote_post::Column::SeenAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// The attachments of a stored post (none when they cannot be read).
pub fn attachments(post: &remote_post::Model) -> Vec<Attachment> {
    post.attachments
        .as_deref()
        .and_then(|json| serde_json::from_str(json).ok())
        .unwrap_or_default()
}
