//! Posts from accounts the blog follows: kept so the owner can read and answer them.

use crate::{db::entities::remote_post, error::AppResult, services::remote_notes::RemoteNote};
use chrono::Utc;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    sea_query::OnConflict,
};
use url::Url;

/// Stores or replaces `note`, a followed account's post.
pub async fn store(db: &DatabaseConnection, note: &RemoteNote) -> AppResult<()> {
    let now = Utc::now();
    let row = remote_post::ActiveModel {
        ap_id: Set(note.id.to_string()),
        actor_ap_id: Set(note.author.to_string()),
        kind: Set(note.kind.clone()),
        name: Set(note.title.clone()),
        content_html: Set(note.content_html.clone()),
        url: Set(note.url.clone()),
        published_at: Set(note.published_at(now)),
        received_at: Set(now),
        ..Default::default()
    };
    remote_post::Entity::insert(row)
        .on_conflict(
            OnConflict::column(remote_post::Column::ApId)
                .update_columns([
                    remote_post::Column::Name,
                    remote_post::Column::ContentHtml,
                    remote_post::Column::Url,
                ])
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
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

pub async fn latest(db: &DatabaseConnection, limit: u64) -> AppResult<Vec<remote_post::Model>> {
    use sea_orm::QuerySelect;
    Ok(remote_post::Entity::find()
        .order_by_desc(remote_post::Column::ReceivedAt)
        .limit(limit)
        .all(db)
        .await?)
}
