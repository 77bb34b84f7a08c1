//! The HTML stored for a post's or page's body, made in one place: when it is saved, and again,
//! once, for bodies stored under an older post allowlist, so that what a reader gets is always
//! what `render::sanitize::post_html` lets through today.

use crate::{
    db::entities::{page, post, setting},
    error::AppResult,
    render::markdown,
    services::media,
    urls::Urls,
};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, EntityTrait, PaginatorTrait, QueryOrder,
    sea_query::OnConflict,
};

/// Raise it when `body_html` changes what it makes. 2: images stored with the blog keep their
/// sizes (version 1 re-rendered without them).
const POLICY_VERSION: &str = "2";

/// The `settings` key that remembers which version the stored bodies were rendered with.
const KEY: &str = "body_html_policy";

/// Rows read at a time, so that a large blog is not loaded at once.
const BATCH: u64 = 100;

/// A body's stored HTML: the Markdown rendered and cleaned, and images stored with the blog
/// given their sizes.
pub async fn body_html(
    db: &impl ConnectionTrait,
    urls: &Urls,
    body_markdown: &str,
) -> AppResult<String> {
    media::with_sizes(db, urls, &markdown::to_html(body_markdown)).await
}

/// Renders every post and page body again unless that was done for this policy version; the
/// number of bodies that changed. Followers are not sent updates: their servers sanitize
/// what they received themselves.
pub async fn refresh(db: &impl ConnectionTrait, urls: &Urls) -> AppResult<usize> {
    let done = setting::Entity::find_by_id(KEY.to_string()).one(db).await?;
    if done.is_some_and(|row| row.value == POLICY_VERSION) {
        return Ok(0);
    }
    let changed = refresh_posts(db, urls).await? + refresh_pages(db, urls).await?;
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

async fn refresh_posts(db: &impl ConnectionTrait, urls: &Urls) -> AppResult<usize> {
    let mut changed = 0;
    let mut pages = post::Entity::find()
        .order_by_asc(post::Column::Id)
        .paginate(db, BATCH);
    while let Some(rows) = pages.fetch_and_next().await? {
        for row in rows {
            let html = body_html(db, urls, &row.body_markdown).await?;
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

async fn refresh_pages(db: &impl ConnectionTrait, urls: &Urls) -> AppResult<usize> {
    let mut changed = 0;
    let mut pages = page::Entity::find()
        .order_by_asc(page::Column::Id)
        .paginate(db, BATCH);
    while let Some(rows) = pages.fetch_and_next().await? {
        for row in rows {
            let html = body_html(db, urls, &row.body_markdown).await?;
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
