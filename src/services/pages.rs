//! Static pages: an Impressum, an About page. Stored and edited like posts (Markdown), shown at
//! `/pages/<slug>` and in the navigation, never federated and never in feeds.

use crate::{
    db::entities::page,
    error::{AppError, AppResult, Text},
    render::markdown,
    services::{posts, stored_html},
    urls::Urls,
};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder,
};

/// A page as its author writes it.
#[derive(Debug, Clone, Default)]
pub struct PageInput {
    pub title: String,
    /// Made from the title when empty.
    pub slug: Option<String>,
    pub body_markdown: String,
    pub lang: String,
    pub published: bool,
    pub in_navigation: bool,
    pub navigation_order: i32,
}

/// Creates the page, or changes the one with this slug.
pub async fn save(
    db: &impl ConnectionTrait,
    urls: &Urls,
    input: PageInput,
) -> AppResult<page::Model> {
    let title = input.title.trim().to_string();
    if title.is_empty() {
        return Err(AppError::Invalid(Text::new("error_page_title")));
    }
    let slug = input
        .slug
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| posts::slugify(&title));
    if !posts::valid_slug(&slug) {
        return Err(AppError::Invalid(Text::with("error_slug_chars", [&slug])));
    }
    let now = Utc::now();
    let existing = find_any(db, &slug).await?;
    let status = if input.published {
        page::PUBLISHED
    } else {
        page::DRAFT
    };
    let summary = markdown::excerpt(&input.body_markdown, 280);
    let body_html = stored_html::body_html(db, urls, &input.body_markdown).await?;
    let mut row: page::ActiveModel = match existing.clone() {
        Some(old) => old.into(),
        None => page::ActiveModel {
            slug: Set(slug),
            created_at: Set(now),
            ..Default::default()
        },
    };
    row.title.set_if_not_equals(title);
    row.summary.set_if_not_equals(summary);
    row.body_html.set_if_not_equals(body_html);
    row.body_markdown.set_if_not_equals(input.body_markdown);
    row.lang.set_if_not_equals(input.lang);
    row.status.set_if_not_equals(status.to_string());
    row.in_navigation.set_if_not_equals(input.in_navigation);
    row.navigation_order
        .set_if_not_equals(input.navigation_order);
    match existing {
        // Saving what is there already (an import run again) changes nothing, not even the date.
        Some(old) if !row.is_changed() => Ok(old),
        Some(_) => {
            row.updated_at = Set(now);
            Ok(row.update(db).await?)
        }
        None => {
            row.updated_at = Set(now);
            Ok(row.insert(db).await?)
        }
    }
}

/// A published page by slug: what readers may see.
pub async fn find(db: &impl ConnectionTrait, slug: &str) -> AppResult<Option<page::Model>> {
    Ok(page::Entity::find()
        .filter(page::Column::Slug.eq(slug))
        .filter(page::Column::Status.eq(page::PUBLISHED))
        .one(db)
        .await?)
}

/// A page by slug whatever its status: for /admin and imports.
pub async fn find_any(db: &impl ConnectionTrait, slug: &str) -> AppResult<Option<page::Model>> {
    Ok(page::Entity::find()
        .filter(page::Column::Slug.eq(slug))
        .one(db)
        .await?)
}

/// Published pages in the navigation, in their order.
pub async fn navigation(db: &impl ConnectionTrait) -> AppResult<Vec<page::Model>> {
    Ok(page::Entity::find()
        .filter(page::Column::Status.eq(page::PUBLISHED))
        .filter(page::Column::InNavigation.eq(true))
        .order_by_asc(page::Column::NavigationOrder)
        .order_by_asc(page::Column::Title)
        .all(db)
        .await?)
}

/// Published pages (for the sitemap).
pub async fn published(db: &impl ConnectionTrait) -> AppResult<Vec<page::Model>> {
    Ok(page::Entity::find()
        .filter(page::Column::Status.eq(page::PUBLISHED))
        .order_by_asc(page::Column::Slug)
        .all(db)
        .await?)
}

/// Every page, for /admin.
pub async fn all(db: &impl ConnectionTrait) -> AppResult<Vec<page::Model>> {
    Ok(page::Entity::find()
        .order_by_asc(page::Column::NavigationOrder)
        .order_by_asc(page::Column::Title)
        .all(db)
        .await?)
}

/// Takes a published page back to draft: it leaves the blog and its navigation.
pub async fn unpublish(db: &impl ConnectionTrait, slug: &str) -> AppResult<page::Model> {
    let page = find_any(db, slug).await?.ok_or(AppError::NotFound)?;
    if page.status != page::PUBLISHED {
        return Err(AppError::Invalid(Text::with("error_not_published", [slug])));
    }
    set_status(db, page, page::DRAFT).await
}

/// Moves a page to the trash (off the blog); `restore` brings it back as a draft.
pub async fn trash(db: &impl ConnectionTrait, slug: &str) -> AppResult<page::Model> {
    let page = find_any(db, slug).await?.ok_or(AppError::NotFound)?;
    if page.status == page::TRASH {
        return Ok(page);
    }
    set_status(db, page, page::TRASH).await
}

/// Takes a page out of the trash, as a draft to look at before it is published again.
pub async fn restore(db: &impl ConnectionTrait, slug: &str) -> AppResult<page::Model> {
    let page = find_any(db, slug).await?.ok_or(AppError::NotFound)?;
    if page.status != page::TRASH {
        return Err(AppError::Invalid(Text::with("error_not_in_trash", [slug])));
    }
    set_status(db, page, page::DRAFT).await
}

async fn set_status(
    db: &impl ConnectionTrait,
    page: page::Model,
    status: &str,
) -> AppResult<page::Model> {
    let mut row: page::ActiveModel = page.into();
    row.status = Set(status.to_string());
    row.updated_at = Set(Utc::now());
    Ok(row.update(db).await?)
}

pub async fn delete(db: &impl ConnectionTrait, slug: &str) -> AppResult<()> {
    let result = page::Entity::delete_many()
        .filter(page::Column::Slug.eq(slug))
        .exec(db)
        .await?;
    if result.rows_affected == 0 {
        return Err(AppError::NotFound);
    }
    Ok(())
}
