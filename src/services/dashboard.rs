//! What the admin dashboard shows besides followers: recent comments and how the activities
//! about the latest posts were delivered.

use crate::{
    db::entities::{activity, comment, post},
    error::AppResult,
    federation::state::AppState,
    services::deliveries,
};
use chrono::{DateTime, Utc};
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

/// One activity about a post, and where its deliveries stand.
pub struct PostDelivery {
    pub kind: String,
    pub post_url: String,
    pub created_at: DateTime<Utc>,
    pub delivered: u64,
    pub pending: u64,
    pub failed: u64,
}

/// The latest Create, Update and Delete activities of posts, newest first.
pub async fn post_deliveries(data: &AppState, limit: u64) -> AppResult<Vec<PostDelivery>> {
    let prefix = data.urls.post("");
    let rows = activity::Entity::find()
        .filter(activity::Column::Kind.is_in(["Create", "Update", "Delete"]))
        .filter(activity::Column::ObjectApId.starts_with(prefix.as_str()))
        .order_by_desc(activity::Column::Id)
        .limit(limit)
        .all(&data.db)
        .await?;
    let mut list = Vec::with_capacity(rows.len());
    for row in rows {
        let counts = deliveries::status_counts(&data.db, row.id).await?;
        let count = |status: &str| counts.get(status).copied().unwrap_or(0);
        list.push(PostDelivery {
            delivered: count(crate::db::entities::delivery::DELIVERED),
            pending: count(crate::db::entities::delivery::PENDING),
            failed: count(crate::db::entities::delivery::FAILED),
            kind: row.kind,
            post_url: row.object_ap_id.unwrap_or_default(),
            created_at: row.created_at,
        });
    }
    Ok(list)
}
