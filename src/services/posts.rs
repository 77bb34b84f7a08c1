//! Posts: parsing a Markdown file with front matter, publishing (Create or Update to every
//! follower), deleting (Delete, then 410 Gone), and the queries pages need.

use crate::{
    db::entities::{comment, post, reaction},
    error::{AppError, AppResult},
    federation::{
        objects::PostCounts,
        outbox::{self, Outgoing},
    },
    render::markdown,
    state::AppState,
};
use activitypub_federation::config::Data;
use chrono::{DateTime, NaiveDate, Utc};
use gray_matter::{Matter, engine::YAML};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::Deserialize;
use std::sync::atomic::{AtomicU64, Ordering};

/// Counts the posts this process published, changed or deleted. Page caches compare it with
/// the count they were filled at, so a post shows at once where this process changed it.
static CHANGES: AtomicU64 = AtomicU64::new(0);

/// How many times this process changed posts so far.
pub fn changes() -> u64 {
    CHANGES.load(Ordering::Acquire)
}

fn changed() {
    CHANGES.fetch_add(1, Ordering::AcqRel);
}

/// A post as its author writes it.
#[derive(Debug, Clone, Default)]
pub struct PostInput {
    pub title: String,
    pub slug: Option<String>,
    pub lang: Option<String>,
    pub tags: Vec<String>,
    pub summary: Option<String>,
    pub published: Option<DateTime<Utc>>,
    pub author: Option<String>,
    pub body_markdown: String,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct FrontMatter {
    title: Option<String>,
    slug: Option<String>,
    lang: Option<String>,
    tags: Option<Tags>,
    summary: Option<String>,
    published: Option<String>,
    date: Option<String>,
    author: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Tags {
    List(Vec<String>),
    One(String),
}

/// Reads a Markdown file with a YAML front matter block (`---` … `---`).
pub fn parse_markdown_file(text: &str) -> AppResult<PostInput> {
    let matter = Matter::<YAML>::new();
    let parsed = matter
        .parse::<FrontMatter>(text)
        .map_err(|e| AppError::BadRequest(format!("front matter: {e}")))?;
    let front = parsed.data.unwrap_or_default();
    let title = front
        .title
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .ok_or_else(|| AppError::BadRequest("the front matter needs a title".into()))?;
    let tags = match front.tags {
        Some(Tags::List(list)) => list,
        Some(Tags::One(one)) => one.split(',').map(str::to_string).collect(),
        None => vec![],
    };
    let published = front
        .published
        .or(front.date)
        .map(|d| parse_date(&d))
        .transpose()?;
    Ok(PostInput {
        title,
        slug: front.slug,
        lang: front.lang,
        tags: tags
            .into_iter()
            .map(|t| t.trim().trim_start_matches('#').to_string())
            .filter(|t| !t.is_empty())
            .collect(),
        summary: front.summary,
        published,
        author: front.author,
        body_markdown: parsed.content,
    })
}

fn parse_date(text: &str) -> AppResult<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Ok(d) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc());
    }
    Err(AppError::BadRequest(format!(
        "published date {text:?} is neither 2026-11-27 nor 2026-11-27T10:00:00Z"
    )))
}

pub fn slugify(title: &str) -> String {
    let slug = slug::slugify(title);
    if slug.is_empty() { "post".into() } else { slug }
}

fn valid_slug(slug: &str) -> bool {
    !slug.is_empty()
        && slug.len() <= 200
        && slug
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Whether `publish` made a new post or changed an existing one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Published {
    Created,
    Updated,
}

/// Stores the post and queues `Create` (new) or `Update` (a slug that exists) to every follower.
pub async fn publish(
    data: &Data<AppState>,
    input: PostInput,
) -> AppResult<(post::Model, Published)> {
    let slug = input.slug.clone().unwrap_or_else(|| slugify(&input.title));
    if !valid_slug(&slug) {
        return Err(AppError::BadRequest(format!(
            "slug {slug:?} may only have letters, digits, - and _"
        )));
    }
    let now = Utc::now();
    let body_html = markdown::to_html(&input.body_markdown);
    let summary = input
        .summary
        .clone()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| markdown::excerpt(&input.body_markdown, 280));
    let lang = input
        .lang
        .clone()
        .unwrap_or_else(|| data.config.blog.lang.clone());
    let tags = serde_json::to_string(&input.tags).map_err(AppError::internal)?;
    let existing = find(&data.db, &slug).await?;
    let (model, how) = match existing {
        Some(old) if old.deleted_at.is_none() => {
            let mut row: post::ActiveModel = old.clone().into();
            row.title = Set(input.title);
            row.summary = Set(summary);
            row.body_markdown = Set(input.body_markdown);
            row.body_html = Set(body_html);
            row.lang = Set(lang);
            row.tags = Set(tags);
            row.author = Set(input.author.or(old.author));
            if let Some(published) = input.published {
                row.published_at = Set(published);
            }
            row.updated_at = Set(now.max(old.updated_at));
            (row.update(&data.db).await?, Published::Updated)
        }
        Some(_) => {
            return Err(AppError::BadRequest(format!(
                "a deleted post had the slug {slug:?}; its address stays gone: choose another slug"
            )));
        }
        None => {
            let published = input.published.unwrap_or(now);
            let row = post::ActiveModel {
                slug: Set(slug),
                title: Set(input.title),
                summary: Set(summary),
                body_markdown: Set(input.body_markdown),
                body_html: Set(body_html),
                lang: Set(lang),
                tags: Set(tags),
                author: Set(input.author),
                published_at: Set(published),
                updated_at: Set(published.max(now)),
                deleted_at: Set(None),
                ..Default::default()
            };
            (row.insert(&data.db).await?, Published::Created)
        }
    };
    changed();
    let counts = counts(&data.db, model.id).await?;
    let outgoing = match how {
        Published::Created => Outgoing::CreatePost(&model, counts),
        Published::Updated => Outgoing::UpdatePost(&model, counts),
    };
    outbox::send(data, outgoing).await?;
    Ok((model, how))
}

/// Marks the post deleted (its URL answers 410 from now on) and queues `Delete`.
pub async fn delete(data: &Data<AppState>, slug: &str) -> AppResult<post::Model> {
    let post = find(&data.db, slug).await?.ok_or(AppError::NotFound)?;
    if post.deleted_at.is_some() {
        return Err(AppError::Gone);
    }
    let mut row: post::ActiveModel = post.into();
    row.deleted_at = Set(Some(Utc::now()));
    let post = row.update(&data.db).await?;
    changed();
    outbox::send(data, Outgoing::DeletePost(&post)).await?;
    Ok(post)
}

/// A post by slug, deleted or not.
pub async fn find(db: &DatabaseConnection, slug: &str) -> AppResult<Option<post::Model>> {
    Ok(post::Entity::find()
        .filter(post::Column::Slug.eq(slug))
        .one(db)
        .await?)
}

/// Published posts, newest first: one page, and whether an older page exists.
pub async fn page(
    db: &DatabaseConnection,
    page: u64,
    per_page: u64,
) -> AppResult<(Vec<post::Model>, bool)> {
    let mut posts = post::Entity::find()
        .filter(post::Column::DeletedAt.is_null())
        .order_by_desc(post::Column::PublishedAt)
        .order_by_desc(post::Column::Id)
        .offset(page.saturating_sub(1).saturating_mul(per_page))
        .limit(per_page + 1)
        .all(db)
        .await?;
    let more = posts.len() as u64 > per_page;
    posts.truncate(per_page as usize);
    Ok((posts, more))
}

/// Published posts carrying `tag` (compared without regard to case), newest first: one page,
/// and whether an older page exists.
pub async fn tagged(
    db: &DatabaseConnection,
    tag: &str,
    page: u64,
    per_page: u64,
) -> AppResult<(Vec<post::Model>, bool)> {
    // Tags are a JSON list in a text column: match them here rather than with SQL that differs
    // between SQLite and PostgreSQL. Only ids and tags are read for all posts.
    let wanted = tag.to_lowercase();
    let ids: Vec<i32> = post::Entity::find()
        .select_only()
        .column(post::Column::Id)
        .column(post::Column::Tags)
        .filter(post::Column::DeletedAt.is_null())
        .order_by_desc(post::Column::PublishedAt)
        .order_by_desc(post::Column::Id)
        .into_tuple::<(i32, String)>()
        .all(db)
        .await?
        .into_iter()
        .filter(|(_, tags)| {
            serde_json::from_str::<Vec<String>>(tags)
                .unwrap_or_default()
                .iter()
                .any(|t| t.to_lowercase() == wanted)
        })
        .map(|(id, _)| id)
        .collect();
    let skip = page.saturating_sub(1).saturating_mul(per_page) as usize;
    let more = ids.len() > skip.saturating_add(per_page as usize);
    let page_ids: Vec<i32> = ids.into_iter().skip(skip).take(per_page as usize).collect();
    let posts = post::Entity::find()
        .filter(post::Column::Id.is_in(page_ids))
        .order_by_desc(post::Column::PublishedAt)
        .order_by_desc(post::Column::Id)
        .all(db)
        .await?;
    Ok((posts, more))
}

/// Published posts whose `author` is one of `names` (or, with `unattributed`, that name no
/// author), newest first: one page, and whether an older page exists.
pub async fn by_author(
    db: &DatabaseConnection,
    names: &[String],
    unattributed: bool,
    page: u64,
    per_page: u64,
) -> AppResult<(Vec<post::Model>, bool)> {
    let mut who = Condition::any().add(post::Column::Author.is_in(names.iter().cloned()));
    if unattributed {
        who = who.add(post::Column::Author.is_null());
    }
    let mut posts = post::Entity::find()
        .filter(post::Column::DeletedAt.is_null())
        .filter(who)
        .order_by_desc(post::Column::PublishedAt)
        .order_by_desc(post::Column::Id)
        .offset(page.saturating_sub(1).saturating_mul(per_page))
        .limit(per_page + 1)
        .all(db)
        .await?;
    let more = posts.len() as u64 > per_page;
    posts.truncate(per_page as usize);
    Ok((posts, more))
}

/// Every `author` that published posts name.
pub async fn authors(db: &DatabaseConnection) -> AppResult<Vec<String>> {
    Ok(post::Entity::find()
        .select_only()
        .column(post::Column::Author)
        .distinct()
        .filter(post::Column::DeletedAt.is_null())
        .filter(post::Column::Author.is_not_null())
        .into_tuple::<Option<String>>()
        .all(db)
        .await?
        .into_iter()
        .flatten()
        .collect())
}

/// When each published post was published, newest first (for the archive's years and months).
pub async fn publication_dates(db: &DatabaseConnection) -> AppResult<Vec<DateTime<Utc>>> {
    Ok(post::Entity::find()
        .select_only()
        .column(post::Column::PublishedAt)
        .filter(post::Column::DeletedAt.is_null())
        .order_by_desc(post::Column::PublishedAt)
        .into_tuple::<DateTime<Utc>>()
        .all(db)
        .await?)
}

/// Published posts from `from` up to (not including) `until`, newest first.
pub async fn published_between(
    db: &DatabaseConnection,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> AppResult<Vec<post::Model>> {
    Ok(post::Entity::find()
        .filter(post::Column::DeletedAt.is_null())
        .filter(post::Column::PublishedAt.gte(from))
        .filter(post::Column::PublishedAt.lt(until))
        .order_by_desc(post::Column::PublishedAt)
        .order_by_desc(post::Column::Id)
        .all(db)
        .await?)
}

pub async fn count_live(db: &DatabaseConnection) -> AppResult<u64> {
    Ok(post::Entity::find()
        .filter(post::Column::DeletedAt.is_null())
        .count(db)
        .await?)
}

/// The posts published just before and just after `post`.
pub async fn neighbours(
    db: &DatabaseConnection,
    post: &post::Model,
) -> AppResult<(Option<post::Model>, Option<post::Model>)> {
    let live = post::Entity::find()
        .filter(post::Column::DeletedAt.is_null())
        .filter(post::Column::Id.ne(post.id));
    let previous = live
        .clone()
        .filter(post::Column::PublishedAt.lte(post.published_at))
        .order_by_desc(post::Column::PublishedAt)
        .order_by_desc(post::Column::Id)
        .one(db)
        .await?;
    let next = live
        .filter(post::Column::PublishedAt.gt(post.published_at))
        .order_by_asc(post::Column::PublishedAt)
        .order_by_asc(post::Column::Id)
        .one(db)
        .await?;
    Ok((previous, next))
}

pub async fn counts(db: &DatabaseConnection, post_id: i32) -> AppResult<PostCounts> {
    let reactions = |kind: &'static str| {
        reaction::Entity::find()
            .filter(reaction::Column::PostId.eq(post_id))
            .filter(reaction::Column::Kind.eq(kind))
            .count(db)
    };
    Ok(PostCounts {
        comments: comment::Entity::find()
            .filter(comment::Column::PostId.eq(post_id))
            .filter(comment::Column::DeletedAt.is_null())
            .count(db)
            .await?,
        likes: reactions(reaction::LIKE).await?,
        shares: reactions(reaction::ANNOUNCE).await?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_matter() {
        let input = parse_markdown_file(
            "---\ntitle: Grüße aus „Köln“\ntags: [rust, fediverse]\nlang: de\npublished: 2026-01-02\n---\nHallo *Welt*.\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(input.title, "Grüße aus „Köln“");
        assert_eq!(input.tags, vec!["rust", "fediverse"]);
        assert_eq!(input.lang.as_deref(), Some("de"));
        assert_eq!(
            input.published.map(|p| p.to_rfc3339()).as_deref(),
            Some("2026-01-02T00:00:00+00:00")
        );
        assert!(input.body_markdown.contains("Hallo *Welt*"));
        assert_eq!(slugify(&input.title), "grusse-aus-koln");
        assert!(parse_markdown_file("no front matter").is_err());
    }
}
