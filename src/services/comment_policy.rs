//! The comment policy: the one place that decides the initial status of a new comment, from
//! the fediverse or the web form alike — rejected or waiting when it holds one of the owner's
//! filtered phrases (`comment_filters`, read on edits too), spam when the filter has learnt its
//! words, waiting for the owner (`blog.comment_policy`, a post whose comments are closed, too
//! many links), else shown at once.

use crate::{
    config::CommentPolicy,
    db::entities::{comment, post},
    error::AppResult,
    services::{comment_filters, spam_filter},
};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};

/// A new comment as the policy judges it.
pub struct Candidate<'a> {
    pub post: &'a post::Model,
    /// Who wrote it: an actor id, or a web writer's `urn:feder:web:…`.
    pub author: &'a str,
    /// Its HTML as it will be stored (sanitized).
    pub html: &'a str,
    /// The writer's name and website, when the web form gave them (the filter reads them too).
    pub name: Option<&'a str>,
    pub website: Option<&'a str>,
    /// Its real links (`render::sanitize::link_count`, the one rule for every comment), and
    /// how many make it wait (`limits.max_links_per_comment`, `…_per_web_comment`).
    pub links: usize,
    pub max_links: usize,
}

/// The policy for comments on `post`: the blog's, except that a post whose comments are
/// closed holds every comment for the owner. What the post's `canReply` publishes, too.
pub fn for_post(policy: CommentPolicy, post: &post::Model) -> CommentPolicy {
    match policy {
        CommentPolicy::Open | CommentPolicy::FirstTime if post.comments_closed => {
            CommentPolicy::Approval
        }
        policy => policy,
    }
}

/// Whether `post` takes new comments from the web form (a fediverse reply exists anyway, on
/// its own server: it is held for the owner instead).
pub fn open_for_comments(post: &post::Model, policy: CommentPolicy) -> bool {
    post.deleted_at.is_none() && !post.comments_closed && policy != CommentPolicy::Closed
}

/// Whether `new` is shown at once, waits for the owner, or is spam.
pub async fn initial_status(
    db: &DatabaseConnection,
    policy: CommentPolicy,
    new: &Candidate<'_>,
) -> AppResult<&'static str> {
    let filtered = comment_filters::verdict(db, new.html, new.name, new.website).await?;
    if filtered == Some(comment::REJECTED) {
        return Ok(comment::REJECTED);
    }
    let words = spam_filter::words(new.html, new.name, new.website);
    if spam_filter::score(db, &words)
        .await?
        .is_some_and(|p| p > spam_filter::SPAM_ABOVE)
    {
        return Ok(comment::SPAM);
    }
    if filtered.is_some() || new.links > new.max_links {
        return Ok(comment::PENDING);
    }
    Ok(match for_post(policy, new.post) {
        CommentPolicy::Open => comment::APPROVED,
        CommentPolicy::Approval | CommentPolicy::Closed => comment::PENDING,
        CommentPolicy::FirstTime => {
            let approved_before = comment::Entity::find()
                .filter(comment::Column::AuthorApId.eq(new.author))
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

/// The status a comment shown at once (`status`) takes when edited to `html`: an edit that
/// brings in a filtered phrase is held or rejected as a new comment with it would be. What
/// already waits, or was decided by the owner, stays as it is.
pub async fn after_edit(
    db: &DatabaseConnection,
    status: &str,
    html: &str,
) -> AppResult<Option<&'static str>> {
    if status != comment::APPROVED {
        return Ok(None);
    }
    comment_filters::verdict(db, html, None, None).await
}
