//! The owner's control over comments: blocks of actors and domains (and importing Mastodon's
//! domain-block CSV), the comment policy that decides whether a new comment is shown or waits,
//! and the moderation queue.

use crate::{
    db::entities::{block, comment},
    error::{AppError, AppResult, Text},
    services::{Site, authorizations, blocklists, followers, mail, spam_filter, web_comments},
};
use chrono::Utc;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, DatabaseConnection, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Select, sea_query::OnConflict,
};
use url::Url;

/// Adds a block: an actor URL, or a domain (`example.com`, also `*.example.com` or `@example.com`),
/// and ends the follows it blocks. Returns the normalized value.
pub async fn add_block(state: &Site, target: &str) -> AppResult<String> {
    let value = insert_block(state, target).await?;
    followers::remove_blocked(state).await?;
    Ok(value)
}

/// Stores one block (see `add_block`), without ending follows yet.
async fn insert_block(state: &Site, target: &str) -> AppResult<String> {
    let db = &state.db;
    let target = target.trim();
    let (kind, value) = match Url::parse(target) {
        Ok(url) if matches!(url.scheme(), "http" | "https") => (block::ACTOR, url.to_string()),
        _ => {
            let domain = blocklists::domain(target)
                .ok_or_else(|| AppError::Invalid(Text::with("error_block_target", [target])))?;
            (block::DOMAIN, domain)
        }
    };
    block::Entity::insert(block::ActiveModel {
        kind: Set(kind.to_string()),
        value: Set(value.clone()),
        created_at: Set(Utc::now()),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::column(block::Column::Value)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    state.blocks.invalidate();
    Ok(value)
}

pub async fn remove_block(state: &Site, value: &str) -> AppResult<bool> {
    let db = &state.db;
    let value = value.trim().to_ascii_lowercase();
    let result = block::Entity::delete_many()
        .filter(block::Column::Value.eq(value))
        .exec(db)
        .await?;
    state.blocks.invalidate();
    Ok(result.rows_affected > 0)
}

pub async fn list_blocks(db: &DatabaseConnection) -> AppResult<Vec<block::Model>> {
    Ok(block::Entity::find()
        .order_by_asc(block::Column::Value)
        .all(db)
        .await?)
}

/// Imports Mastodon's domain-block export (`#domain,#severity,…`, or one domain a line) as
/// the owner's own blocks (`blocklists::parse`: rows of severity `noop` are skipped). Returns
/// how many domains were added or already there.
pub async fn import_domain_blocks(state: &Site, csv: &str) -> AppResult<usize> {
    let domains = blocklists::parse(csv);
    for domain in &domains {
        insert_block(state, domain).await?;
    }
    followers::remove_blocked(state).await?;
    Ok(domains.len())
}

/// The comments the queue holds: those of others, web or fediverse (a web comment published
/// into the fediverse by the blog actor included), never the blog's own answers.
fn in_queue() -> Select<comment::Entity> {
    comment::Entity::find()
        .filter(comment::Column::DeletedAt.is_null())
        .filter(
            Condition::any()
                .add(comment::Column::IsLocal.eq(false))
                .add(comment::Column::Kind.eq(comment::WEB)),
        )
}

/// The statuses of the queue's tabs, in their order.
pub const QUEUE_STATUSES: [&str; 4] = [
    comment::PENDING,
    comment::APPROVED,
    comment::REJECTED,
    comment::SPAM,
];

/// Comments with `status`, newest first.
pub async fn queue(
    db: &DatabaseConnection,
    status: &str,
    limit: u64,
) -> AppResult<Vec<comment::Model>> {
    Ok(in_queue()
        .filter(comment::Column::Status.eq(status))
        .order_by_desc(comment::Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}

/// How many comments the queue holds with each status, in the order of `QUEUE_STATUSES`.
pub async fn queue_counts(db: &DatabaseConnection) -> AppResult<Vec<(&'static str, u64)>> {
    let mut counts = Vec::with_capacity(QUEUE_STATUSES.len());
    for status in QUEUE_STATUSES {
        let n = in_queue()
            .filter(comment::Column::Status.eq(status))
            .count(db)
            .await?;
        counts.push((status, n));
    }
    Ok(counts)
}

/// Sets a comment's status (approve, reject, spam), and teaches the spam filter the decision.
/// Returns whether it exists.
/// A web comment whose writer let it go into the fediverse goes (or leaves) with the decision.
pub async fn set_status(db: &DatabaseConnection, id: i32, status: &'static str) -> AppResult<bool> {
    let txn = crate::db::begin_write(db).await?;
    if let Some(existing) = comment::Entity::find_by_id(id).one(&txn).await? {
        spam_filter::learn_decision(&txn, &existing, status).await?;
        // A held reply that asked first (GoToSocial) hears the decision.
        authorizations::answer_held_reply(&txn, &existing, status).await?;
    }
    let result = comment::Entity::update_many()
        .col_expr(comment::Column::Status, status.into())
        .filter(comment::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    web_comments::federate_change(&txn, id).await?;
    if status == comment::APPROVED {
        mail::answer_shown(&txn, id).await?;
    }
    txn.commit().await?;
    Ok(result.rows_affected > 0)
}

/// Removes a comment for good (its replies move up to its parent on the page).
pub async fn delete(db: &DatabaseConnection, id: i32) -> AppResult<bool> {
    let txn = crate::db::begin_write(db).await?;
    let result = comment::Entity::update_many()
        .col_expr(comment::Column::DeletedAt, Utc::now().into())
        .col_expr(comment::Column::ContentHtml, String::new().into())
        .col_expr(comment::Column::Status, comment::REJECTED.into())
        .filter(comment::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    web_comments::federate_change(&txn, id).await?;
    txn.commit().await?;
    Ok(result.rows_affected > 0)
}
