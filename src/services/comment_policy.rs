//! The comment policy: whether a new comment, from the fediverse or the web, is shown at once
//! or waits for the owner (`blog.comment_policy`, closed posts, too many links).

use crate::{
    config::CommentPolicy,
    db::entities::{comment, post},
    error::AppResult,
};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};
use url::Url;

/// Whether a new comment by `author` on `post` is shown at once or waits for the owner.
pub async fn initial_status(
    db: &DatabaseConnection,
    policy: CommentPolicy,
    post: Option<&post::Model>,
    author: &Url,
    links: usize,
    max_links: usize,
) -> AppResult<&'static str> {
    if post.is_some_and(|p| p.comments_closed) || links > max_links {
        return Ok(comment::PENDING);
    }
    Ok(match policy {
        CommentPolicy::Open => comment::APPROVED,
        CommentPolicy::Approval | CommentPolicy::Closed => comment::PENDING,
        CommentPolicy::FirstTime => {
            let approved_before = comment::Entity::find()
                .filter(comment::Column::AuthorApId.eq(author.as_str()))
                .filter(comment::Column::Status.eq(comment::APPROVED))
                .count(db)
                .await?;
            if approved_before > 0 {
                comment::APPROVED
            } else {
                comment::PENDING
            }
        }
    })
}
