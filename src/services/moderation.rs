//! The owner's control over comments: blocks of actors and domains (and importing Mastodon's
//! domain-block CSV), the comment policy that decides whether a new comment is shown or waits,
//! and the moderation queue.

use crate::{
    config::CommentPolicy,
    db::entities::{block, comment, post},
    error::{AppError, AppResult},
    services::Site,
};
use chrono::Utc;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, sea_query::OnConflict,
};
use std::collections::HashSet;
use url::Url;

/// A host and every domain above it: `a.b.example` → `a.b.example`, `b.example`, `example`.
fn domains_of(host: &str) -> Vec<String> {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let mut out = vec![host.clone()];
    let mut rest = host.as_str();
    while let Some((_, parent)) = rest.split_once('.') {
        out.push(parent.to_string());
        rest = parent;
    }
    out
}

/// All blocks, for filtering what is shown.
#[derive(Debug, Default)]
pub struct Blocks {
    actors: HashSet<String>,
    domains: HashSet<String>,
}

impl Blocks {
    pub async fn load(db: &DatabaseConnection) -> AppResult<Blocks> {
        let mut blocks = Blocks::default();
        for b in block::Entity::find().all(db).await? {
            if b.kind == block::DOMAIN {
                blocks.domains.insert(b.value);
            } else {
                blocks.actors.insert(b.value);
            }
        }
        Ok(blocks)
    }

    pub fn blocks(&self, actor: &str) -> bool {
        if self.actors.contains(actor) {
            return true;
        }
        Url::parse(actor)
            .ok()
            .and_then(|u| u.host_str().map(domains_of))
            .is_some_and(|ds| ds.iter().any(|d| self.domains.contains(d)))
    }
}

/// The blocks, kept in memory for the inbox: reloaded when older than `BLOCKS_TTL` (another
/// process, the CLI, may have changed them) and at once when this process changes them.
#[derive(Default)]
pub struct BlockCache {
    loaded: std::sync::Mutex<Option<(std::time::Instant, std::sync::Arc<Blocks>)>>,
}

const BLOCKS_TTL: std::time::Duration = std::time::Duration::from_secs(2);

impl BlockCache {
    pub async fn current(&self, db: &DatabaseConnection) -> AppResult<std::sync::Arc<Blocks>> {
        if let Some((at, blocks)) = self
            .loaded
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            && at.elapsed() < BLOCKS_TTL
        {
            return Ok(blocks.clone());
        }
        let blocks = std::sync::Arc::new(Blocks::load(db).await?);
        *self.loaded.lock().unwrap_or_else(|e| e.into_inner()) =
            Some((std::time::Instant::now(), blocks.clone()));
        Ok(blocks)
    }

    pub fn invalidate(&self) {
        *self.loaded.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }
}

/// Adds a block: an actor URL, or a domain (`example.com`, also `*.example.com` or `@example.com`).
/// Returns the normalized value.
pub async fn add_block(state: &Site, target: &str) -> AppResult<String> {
    let db = &state.db;
    let target = target.trim();
    let (kind, value) = match Url::parse(target) {
        Ok(url) if matches!(url.scheme(), "http" | "https") => (block::ACTOR, url.to_string()),
        _ => {
            let domain = target
                .trim_start_matches("*.")
                .trim_start_matches('@')
                .trim_end_matches('.')
                .to_ascii_lowercase();
            let valid = !domain.is_empty()
                && domain
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == ':');
            if !valid {
                return Err(AppError::BadRequest(format!(
                    "{target:?} is neither an actor URL nor a domain"
                )));
            }
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

/// Imports Mastodon's domain-block export (`#domain,#severity,…`, or one domain a line).
/// Rows of severity `noop` are skipped. Returns how many domains were added or already there.
pub async fn import_domain_blocks(state: &Site, csv: &str) -> AppResult<usize> {
    let mut count = 0;
    for line in csv.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with("#domain") || line.starts_with("domain,") {
            continue;
        }
        let mut fields = line.split(',');
        let domain = fields.next().unwrap_or_default().trim();
        let severity = fields.next().unwrap_or_default().trim();
        if severity.eq_ignore_ascii_case("noop") || domain.is_empty() {
            continue;
        }
        add_block(state, domain).await?;
        count += 1;
    }
    Ok(count)
}

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

/// Comments with `status`, newest first.
pub async fn queue(
    db: &DatabaseConnection,
    status: &str,
    limit: u64,
) -> AppResult<Vec<comment::Model>> {
    use sea_orm::QuerySelect;
    Ok(comment::Entity::find()
        .filter(comment::Column::Status.eq(status))
        .filter(comment::Column::DeletedAt.is_null())
        .order_by_desc(comment::Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}

/// Sets a comment's status (approve, reject, spam). Returns whether it exists.
pub async fn set_status(db: &DatabaseConnection, id: i32, status: &'static str) -> AppResult<bool> {
    let result = comment::Entity::update_many()
        .col_expr(comment::Column::Status, status.into())
        .filter(comment::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(result.rows_affected > 0)
}

/// Removes a comment for good (its replies move up to its parent on the page).
pub async fn delete(db: &DatabaseConnection, id: i32) -> AppResult<bool> {
    let result = comment::Entity::update_many()
        .col_expr(comment::Column::DeletedAt, Utc::now().into())
        .col_expr(comment::Column::ContentHtml, String::new().into())
        .col_expr(comment::Column::Status, comment::REJECTED.into())
        .filter(comment::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(result.rows_affected > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_and_parents() {
        assert_eq!(
            domains_of("A.b.Example."),
            vec!["a.b.example", "b.example", "example"]
        );
        let blocks = Blocks {
            actors: ["https://x.example/users/bad".to_string()]
                .into_iter()
                .collect(),
            domains: ["spam.example".to_string()].into_iter().collect(),
        };
        assert!(blocks.blocks("https://x.example/users/bad"));
        assert!(!blocks.blocks("https://x.example/users/good"));
        assert!(blocks.blocks("https://mail.spam.example/u/1"));
        assert!(!blocks.blocks("https://notspam.example/u/1"));
    }
}
