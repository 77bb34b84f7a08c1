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
    ActiveModelTrait,
    ActiveValue::{NotSet, Set},
    ColumnTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
    QuerySelect,
    sea_query::OnConflict,
};
use url::Url;

/// The row for `note`, received now (not seen yet).
fn row(note: &RemoteNote, now: DateTime<Utc>) -> remote_post::ActiveModel {
    let mut row = unstored(note, now).into_active_model().reset_all();
    row.id = NotSet;
    row.seen_at = Set(None);
    row
}

/// `note` as the Reader shows a post it has not stored (one of a thread it reads): seen, so
/// not marked new.
pub fn unstored(note: &RemoteNote, now: DateTime<Utc>) -> remote_post::Model {
    remote_post::Model {
        id: 0,
        ap_id: note.id.to_string(),
        actor_ap_id: note.author.to_string(),
        kind: note.kind.clone(),
        name: note.title.clone(),
        content_html: note
            .article_html
            .clone()
            .unwrap_or_else(|| note.content_html.clone()),
        url: note.url.clone(),
        published_at: note.published_at(now),
        received_at: now,
        summary: note.summary.clone(),
        // A list of strings always serializes.
        attachments: (!note.attachments.is_empty())
            .then(|| serde_json::to_string(&note.attachments).ok())
            .flatten(),
        in_reply_to: note.in_reply_to.as_ref().map(Url::to_string),
        context: note.context.as_ref().map(Url::to_string),
        boosted_by: None,
        announce_id: None,
        seen_at: Some(now),
    }
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
    remote_post::Entity::insert(row(note, Utc::now()))
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
    let mut row = row(note, Utc::now());
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

/// The posts `ids` are seen from now: the Reader calls it with the new ones it has shown
/// (a post that arrived meanwhile stays new).
pub async fn mark_seen(
    db: &DatabaseConnection,
    ids: Vec<i32>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    remote_post::Entity::update_many()
        .col_expr(
            remote_post::Column::SeenAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .filter(remote_post::Column::Id.is_in(ids))
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
