//! The newest comments readers may see (approved, not deleted, not from blocked authors, on
//! published posts): what the comments feed lists.

use crate::{
    db::entities::{comment, post},
    error::AppResult,
    services::{blocks::Blocks, posts},
};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::HashMap;

/// Up to `limit` comments, newest first, each with its post.
pub async fn latest(
    db: &DatabaseConnection,
    limit: u64,
) -> AppResult<Vec<(comment::Model, post::Model)>> {
    let blocks = Blocks::load(db).await?;
    let live: HashMap<i32, post::Model> = posts::live()
        .all(db)
        .await?
        .into_iter()
        .filter(|p| p.deleted_at.is_none())
        .map(|p| (p.id, p))
        .collect();
    let comments = comment::Entity::find()
        .filter(comment::Column::PostId.is_in(live.keys().copied()))
        .filter(comment::Column::Status.eq(comment::APPROVED))
        .filter(comment::Column::DeletedAt.is_null())
        .order_by_desc(comment::Column::PublishedAt)
        .order_by_desc(comment::Column::Id)
        .limit(limit * 2)
        .all(db)
        .await?;
    Ok(comments
        .into_iter()
        .filter(|c| !blocks.blocks(&c.author_ap_id))
        .filter_map(|c| {
            let post = live.get(&c.post_id?)?.clone();
            Some((c, post))
        })
        .take(limit as usize)
        .collect())
}
