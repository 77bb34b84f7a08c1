//! Posts: parsing a Markdown file with front matter, publishing (Create or Update to every
//! follower), drafts and scheduled posts, quiet imports, deleting (Delete, then 410 Gone), and
//! the queries pages need. Public queries see only published posts (`live`, `find`).

use crate::{
    db::entities::{comment, post, reaction, user},
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
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Select,
};
use serde::Deserialize;

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
    /// Keep it unpublished: a draft, or a scheduled post when `published` is in the future.
    pub draft: bool,
    /// The account writing it (its display name becomes `author` unless one is given).
    pub author_id: Option<i32>,
    pub cover_url: Option<String>,
    pub cover_alt: Option<String>,
    /// Last change, for imports that keep their history (otherwise now).
    pub updated: Option<DateTime<Utc>>,
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
    updated: Option<String>,
    lastmod: Option<String>,
    author: Option<String>,
    draft: Option<bool>,
    cover: Option<String>,
    image: Option<String>,
    cover_alt: Option<String>,
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
    let updated = front
        .updated
        .or(front.lastmod)
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
        draft: front.draft.unwrap_or(false),
        author_id: None,
        cover_url: front.cover.or(front.image).filter(|c| !c.trim().is_empty()),
        cover_alt: front.cover_alt,
        updated,
    })
}

pub fn parse_date(text: &str) -> AppResult<DateTime<Utc>> {
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

/// What `publish` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Published {
    /// Made public now: followers get a Create.
    Created,
    /// Changed a public post: followers get an Update.
    Updated,
    /// Stored unpublished.
    Draft,
    /// Stored to be published at its date by the server.
    Scheduled,
}

/// Whether followers hear of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Federate {
    Yes,
    /// Imports: the post is stored (and in the outbox) but nothing is delivered.
    No,
}

/// Stores the post and queues `Create` (new) or `Update` (a public slug) to every follower;
/// a draft is only stored (scheduled when its date is in the future).
pub async fn publish(
    data: &Data<AppState>,
    input: PostInput,
) -> AppResult<(post::Model, Published)> {
    save(data, input, Federate::Yes).await
}

/// Stores the post like `publish`, and sends activities only with `Federate::Yes`.
pub async fn save(
    data: &Data<AppState>,
    input: PostInput,
    federate: Federate,
) -> AppResult<(post::Model, Published)> {
    let slug = input.slug.clone().unwrap_or_else(|| slugify(&input.title));
    if !valid_slug(&slug) {
        return Err(AppError::BadRequest(format!(
            "slug {slug:?} may only have letters, digits, - and _"
        )));
    }
    if input.title.trim().is_empty() {
        return Err(AppError::BadRequest("a post needs a title".into()));
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
        .filter(|l| !l.trim().is_empty())
        .unwrap_or_else(|| data.settings.current().blog.lang.clone());
    let tags = serde_json::to_string(&input.tags).map_err(AppError::internal)?;
    let author = match (&input.author, input.author_id) {
        (Some(name), _) => Some(name.clone()),
        (None, Some(id)) => user::Entity::find_by_id(id)
            .one(&data.db)
            .await?
            .map(|u| u.display_name),
        (None, None) => None,
    };
    let status = match (input.draft, input.published) {
        (false, _) => post::PUBLISHED,
        (true, Some(at)) if at > now => post::SCHEDULED,
        (true, _) => post::DRAFT,
    };
    let existing = find_any(&data.db, &slug).await?;
    if let Some(old) = &existing {
        if old.deleted_at.is_some() {
            return Err(AppError::BadRequest(format!(
                "a deleted post had the slug {slug:?}; its address stays gone: choose another slug"
            )));
        }
        if old.is_public() && status != post::PUBLISHED {
            return Err(AppError::BadRequest(format!(
                "{slug:?} is published already: it cannot become a draft again (delete it instead)"
            )));
        }
    }
    let how = match (&existing, status) {
        (_, post::DRAFT) => Published::Draft,
        (_, post::SCHEDULED) => Published::Scheduled,
        (Some(old), _) if old.is_public() => Published::Updated,
        _ => Published::Created,
    };
    let mut row: post::ActiveModel = match existing.clone() {
        Some(old) => old.into(),
        None => post::ActiveModel {
            slug: Set(slug),
            deleted_at: Set(None),
            ..Default::default()
        },
    };
    row.title = Set(input.title);
    row.summary = Set(summary);
    row.body_markdown = Set(input.body_markdown);
    row.body_html = Set(body_html);
    row.lang = Set(lang);
    row.tags = Set(tags);
    row.status = Set(status.to_string());
    row.cover_url = Set(input.cover_url.filter(|c| !c.trim().is_empty()));
    row.cover_alt = Set(input.cover_alt.filter(|c| !c.trim().is_empty()));
    match &existing {
        Some(old) => {
            row.author = Set(author.or(old.author.clone()));
            row.author_id = Set(input.author_id.or(old.author_id));
        }
        None => {
            row.author = Set(author);
            row.author_id = Set(input.author_id);
        }
    }
    let published = match (&existing, how) {
        // Publishing a draft without a date: it is published now, not when it was begun.
        (Some(old), Published::Created) if !old.is_public() => input.published.unwrap_or(now),
        (Some(old), _) => input.published.unwrap_or(old.published_at),
        (None, _) => input.published.unwrap_or(now),
    };
    row.published_at = Set(published);
    let updated = match (&existing, input.updated) {
        (_, Some(updated)) => updated.max(published),
        (Some(old), None) if how == Published::Updated => now.max(old.updated_at),
        _ => published.max(now),
    };
    row.updated_at = Set(updated);
    let model = match existing {
        Some(_) => row.update(&data.db).await?,
        None => row.insert(&data.db).await?,
    };
    if federate == Federate::Yes {
        send_published(data, &model, how).await?;
    }
    Ok((model, how))
}

async fn send_published(
    data: &Data<AppState>,
    model: &post::Model,
    how: Published,
) -> AppResult<()> {
    let counts = counts(&data.db, model.id).await?;
    let outgoing = match how {
        Published::Created => Outgoing::CreatePost(model, counts),
        Published::Updated => Outgoing::UpdatePost(model, counts),
        Published::Draft | Published::Scheduled => return Ok(()),
    };
    outbox::send(data, outgoing).await?;
    Ok(())
}

/// Publishes the scheduled posts whose time has come, each once even when several servers
/// share the database. Returns them.
pub async fn publish_due(data: &Data<AppState>) -> AppResult<Vec<post::Model>> {
    let due = post::Entity::find()
        .filter(post::Column::Status.eq(post::SCHEDULED))
        .filter(post::Column::DeletedAt.is_null())
        .filter(post::Column::PublishedAt.lte(Utc::now()))
        .order_by_asc(post::Column::PublishedAt)
        .limit(100)
        .all(&data.db)
        .await?;
    let mut published = Vec::with_capacity(due.len());
    for post in due {
        // The status change is the claim: only the server whose update changed the row sends.
        let claimed = post::Entity::update_many()
            .col_expr(post::Column::Status, post::PUBLISHED.into())
            .filter(post::Column::Id.eq(post.id))
            .filter(post::Column::Status.eq(post::SCHEDULED))
            .exec(&data.db)
            .await?;
        if claimed.rows_affected == 0 {
            continue;
        }
        let post = post::Model {
            status: post::PUBLISHED.into(),
            ..post
        };
        send_published(data, &post, Published::Created).await?;
        published.push(post);
    }
    Ok(published)
}

/// Marks the post deleted (its URL answers 410 from now on) and queues `Delete`. A draft,
/// never seen outside, is simply removed.
pub async fn delete(data: &Data<AppState>, slug: &str) -> AppResult<post::Model> {
    let post = find_any(&data.db, slug).await?.ok_or(AppError::NotFound)?;
    if post.deleted_at.is_some() {
        return Err(AppError::Gone);
    }
    if !post.is_public() {
        post::Entity::delete_by_id(post.id).exec(&data.db).await?;
        return Ok(post);
    }
    let mut row: post::ActiveModel = post.into();
    row.deleted_at = Set(Some(Utc::now()));
    let post = row.update(&data.db).await?;
    outbox::send(data, Outgoing::DeletePost(&post)).await?;
    Ok(post)
}

pub async fn find_by_id(db: &DatabaseConnection, id: i32) -> AppResult<Option<post::Model>> {
    Ok(post::Entity::find_by_id(id).one(db).await?)
}

/// Brings a deleted post back (Micropub `undelete`) and announces it again with a Create.
pub async fn undelete(data: &Data<AppState>, slug: &str) -> AppResult<post::Model> {
    let post = find_any(&data.db, slug).await?.ok_or(AppError::NotFound)?;
    if post.deleted_at.is_none() {
        return Ok(post);
    }
    let mut row: post::ActiveModel = post.into();
    row.deleted_at = Set(None);
    row.updated_at = Set(Utc::now());
    let post = row.update(&data.db).await?;
    if post.is_public() {
        send_published(data, &post, Published::Created).await?;
    }
    Ok(post)
}

/// A published post by slug, deleted or not: what the public side may know of.
pub async fn find(db: &DatabaseConnection, slug: &str) -> AppResult<Option<post::Model>> {
    Ok(post::Entity::find()
        .filter(post::Column::Slug.eq(slug))
        .filter(post::Column::Status.eq(post::PUBLISHED))
        .one(db)
        .await?)
}

/// A post by slug whatever its status (drafts too): for the author's tools only.
pub async fn find_any(db: &DatabaseConnection, slug: &str) -> AppResult<Option<post::Model>> {
    Ok(post::Entity::find()
        .filter(post::Column::Slug.eq(slug))
        .one(db)
        .await?)
}

/// Published, not deleted posts: the start of every public query of posts.
pub fn live() -> Select<post::Entity> {
    post::Entity::find()
        .filter(post::Column::DeletedAt.is_null())
        .filter(post::Column::Status.eq(post::PUBLISHED))
}

/// Every post of every status, newest first, for /admin and exports.
pub async fn all(db: &DatabaseConnection) -> AppResult<Vec<post::Model>> {
    Ok(post::Entity::find()
        .order_by_desc(post::Column::PublishedAt)
        .order_by_desc(post::Column::Id)
        .all(db)
        .await?)
}

/// Published posts, newest first: one page, and whether an older page exists.
pub async fn page(
    db: &DatabaseConnection,
    page: u64,
    per_page: u64,
) -> AppResult<(Vec<post::Model>, bool)> {
    let mut posts = live()
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
    let ids: Vec<i32> = live()
        .select_only()
        .column(post::Column::Id)
        .column(post::Column::Tags)
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

/// Published posts written by one of the accounts `ids`, or whose `author` is one of `names`
/// (or, with `unattributed`, that name no author), newest first: one page, and whether an
/// older page exists.
pub async fn by_author(
    db: &DatabaseConnection,
    ids: &[i32],
    names: &[String],
    unattributed: bool,
    page: u64,
    per_page: u64,
) -> AppResult<(Vec<post::Model>, bool)> {
    let mut who = Condition::any()
        .add(post::Column::AuthorId.is_in(ids.iter().copied()))
        .add(post::Column::Author.is_in(names.iter().cloned()));
    if unattributed {
        who = who.add(
            Condition::all()
                .add(post::Column::Author.is_null())
                .add(post::Column::AuthorId.is_null()),
        );
    }
    let mut posts = live()
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
    Ok(live()
        .select_only()
        .column(post::Column::Author)
        .distinct()
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
    Ok(live()
        .select_only()
        .column(post::Column::PublishedAt)
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
    Ok(live()
        .filter(post::Column::PublishedAt.gte(from))
        .filter(post::Column::PublishedAt.lt(until))
        .order_by_desc(post::Column::PublishedAt)
        .order_by_desc(post::Column::Id)
        .all(db)
        .await?)
}

pub async fn count_live(db: &DatabaseConnection) -> AppResult<u64> {
    Ok(live().count(db).await?)
}

/// The posts published just before and just after `post`.
pub async fn neighbours(
    db: &DatabaseConnection,
    post: &post::Model,
) -> AppResult<(Option<post::Model>, Option<post::Model>)> {
    let others = live().filter(post::Column::Id.ne(post.id));
    let previous = others
        .clone()
        .filter(post::Column::PublishedAt.lte(post.published_at))
        .order_by_desc(post::Column::PublishedAt)
        .order_by_desc(post::Column::Id)
        .one(db)
        .await?;
    let next = others
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
            .filter(comment::Column::Status.eq(comment::APPROVED))
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
