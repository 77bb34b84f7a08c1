//! Bodies stored under an older post allowlist are rendered again, once, from their source:
//! the HTML a reader gets is always what `render::sanitize::post_html` lets through today,
//! also for posts written before it existed or changed.

use crate::{
    db::entities::{page, post, setting},
    error::AppResult,
    render::markdown,
};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, EntityTrait, PaginatorTrait, QueryOrder,
    sea_query::OnConflict,
};

/// Raise it when `sanitize::post_html` or the Markdown rendering changes what it keeps.
const POLICY_VERSION: &str = "1";

/// The `settings` key that remembers which version the stored bodies were rendered with.
const KEY: &str = "body_html_policy";

/// Rows read at a time, so that a large blog is not loaded at once.
const BATCH: u64 = 100;

/// Renders every post and page body again unless that was done for this policy version; the
/// number of bodies that changed. Followers are not sent updates: their servers sanitize
/// what they received themselves.
pub async fn refresh(db: &impl ConnectionTrait) -> AppResult<usize> {
    let done = setting::Entity::find_by_id(KEY.to_string()).one(db).await?;
    if done.is_some_and(|row| row.value == POLICY_VERSION) {
        return Ok(0);
    }
    let changed = refresh_posts(db).await? + refresh_pages(db).await?;
    setting::Entity::insert(setting::ActiveModel {
        key: Set(KEY.to_string()),
        value: Set(POLICY_VERSION.to_string()),
        updated_at: Set(Utc::now()),
    })
    .on_conflict(
        OnConflict::column(setting::Column::Key)
            .update_columns([setting::Column::Value, setting::Column::UpdatedAt])
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    if changed > 0 {
        tracing::info!(
            changed,
            "post and page bodies cleaned by the current allowlist"
        );
    }
    Ok(changed)
}

async fn refresh_posts(db: &impl ConnectionTrait) -> AppResult<usize> {
    let mut changed = 0;
    let mut pages = post::Entity::find()
        .order_by_asc(post::Column::Id)
        .paginate(db, BATCH);
    while let Some(rows) = pages.fetch_and_next().await? {
        for row in rows {
            let html = markdown::to_html(&row.body_markdown);
            if html != row.body_html {
                let mut row: post::ActiveModel = row.into();
                row.body_html = Set(html);
                row.update(db).await?;
                changed += 1;
            }
        }
    }
    Ok(changed)
}

async fn refresh_pages(db: &impl ConnectionTrait) -> AppResult<usize> {
    let mut changed = 0;
    let mut pages = page::Entity::find()
        .order_by_asc(page::Column::Id)
        .paginate(db, BATCH);
    while let Some(rows) = pages.fetch_and_next().await? {
        for row in rows {
            let html = markdown::to_html(&row.body_markdown);
            if html != row.body_html {
                let mut row: page::ActiveModel = row.into();
                row.body_html = Set(html);
                row.update(db).await?;
                changed += 1;
            }
        }
    }
    Ok(changed)
}
