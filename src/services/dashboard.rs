//! What the admin dashboard shows besides followers and deliveries (`services::deliveries`):
//! the recent comments with their posts.

use crate::{
    db::entities::{comment, post},
    error::AppResult,
};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::HashMap;

/// A comment with the post it is under.
pub struct RecentComment {
    pub comment: comment::Model,
    pub post: Option<post::Model>,
}

/// The newest comments that are not deleted, with their posts.
pub async fn recent_comments(db: &DatabaseConnection, limit: u64) -> AppResult<Vec<RecentComment>> {
    let comments = comment::Entity::find()
        .filter(comment::Column::DeletedAt.is_null())
        .filter(comment::Column::PostId.is_not_null())
        .order_by_desc(comment::Column::PublishedAt)
        .order_by_desc(comment::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    let ids: Vec<i32> = comments.iter().filter_map(|c| c.post_id).collect();
    let posts: HashMap<i32, post::Model> = post::Entity::find()
        .filter(post::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    Ok(comments
        .into_iter()
        .map(|c| RecentComment {
            post: c.post_id.and_then(|id| posts.get(&id).cloned()),
            comment: c,
        })
        .collect())
}
