//! Posts: parsing a Markdown file with front matter, publishing (the row and its outbox event —
//! Create or Update for every follower — in one transaction), drafts and scheduled posts, quiet
//! imports, taking a post back (unpublish: a Delete to followers; the trash, restore and
//! emptying it), deleting (Delete, then 410 Gone), the private preview link of a draft, and the
//! queries pages need. Public queries see only published posts (`live`, `find`). Next stop of
//! a published post: `federation::outbox`.

use crate::{
    config::QuotePolicy,
    db::{
        changes::{self, Change},
        entities::{comment, post, reaction, user},
    },
    error::{AppError, AppResult, Text},
    render::markdown,
    services::{
        Site, authorizations,
        mail::links,
        outbox::{self, Event},
        settings, stored_html,
    },
};
use chrono::{DateTime, NaiveDate, Utc};
use gray_matter::{Matter, engine::YAML};
use ring::hmac;
use sea_orm::{
    ActiveModelTrait, ActiveValue, ActiveValue::Set, ColumnTrait, Condition, DatabaseConnection,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Select,
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
    /// Who may quote it: `anyone`, `followers`, `nobody`, or empty for the blog's setting;
    /// none leaves it as it was.
    pub quote_policy: Option<String>,
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
    quote_policy: Option<String>,
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
    // No title: a short note.
    let title = front
        .title
        .map(|t| t.trim().to_string())
        .unwrap_or_default();
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
        quote_policy: front.quote_policy,
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
    Err(AppError::Invalid(Text::with("error_bad_date", [text])))
}

pub fn slugify(title: &str) -> String {
    let slug = slug::slugify(title);
    if slug.is_empty() { "post".into() } else { slug }
}

pub fn valid_slug(slug: &str) -> bool {
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

/// Stores the post and records `Create` (new) or `Update` (a public slug) for every follower;
/// a draft is only stored (scheduled when its date is in the future).
pub async fn publish(site: &Site, input: PostInput) -> AppResult<(post::Model, Published)> {
    save(site, input, Federate::Yes).await
}

/// Stores the post like `publish`; with `Federate::Yes` its activity is recorded in the same
/// transaction (see `outbox`).
pub async fn save(
    site: &Site,
    input: PostInput,
    federate: Federate,
) -> AppResult<(post::Model, Published)> {
    crate::services::moves::refuse_when_closed(site)?;
    let mut slug = checked_slug(&input)?;
    let named = input.slug.as_deref().is_some_and(|s| !s.trim().is_empty());
    if !named && input.title.trim().is_empty() {
        // Two notes within a second: the second is not an edit of the first.
        slug = free_slug(&site.db, &slug).await?;
    }
    let now = Utc::now();
    let status = match (input.draft, input.published) {
        (false, _) => post::PUBLISHED,
        (true, Some(at)) if at > now => post::SCHEDULED,
        (true, _) => post::DRAFT,
    };
    let existing = find_any(&site.db, &slug).await?;
    if let Some(old) = &existing {
        if old.deleted_at.is_some() {
            return Err(AppError::Invalid(Text::with("error_slug_deleted", [&slug])));
        }
        if old.is_public() && status != post::PUBLISHED {
            return Err(AppError::Invalid(Text::with(
                "error_published_already",
                [&slug],
            )));
        }
        if old.status == post::TRASH {
            return Err(AppError::Invalid(Text::with("error_in_trash", [&slug])));
        }
    }
    let how = match (&existing, status) {
        (_, post::DRAFT) => Published::Draft,
        (_, post::SCHEDULED) => Published::Scheduled,
        (Some(old), _) if old.is_public() => Published::Updated,
        _ => Published::Created,
    };
    let decided = Decided {
        slug,
        status,
        how,
        author: author_name(site, &input).await?,
        body_html: stored_html::body_html(&site.db, &site.urls, &input.body_markdown).await?,
        now,
    };
    let row = post_row(site, input, decided, existing.as_ref())?;
    let change = change_of(existing.as_ref(), &row);
    let stored = store(site, row, existing.is_some(), federate, how);
    let model = changes::within(change, stored).await?;
    outbox::recorded(site);
    // An edit may have narrowed who may quote it: quotes it no longer allows are revoked.
    if how == Published::Updated {
        authorizations::revoke_excluded(site, Some(model.id)).await?;
    }
    Ok((model, how))
}

/// Writes the post and, when it is to be federated, its event, in one transaction.
async fn store(
    site: &Site,
    row: post::ActiveModel,
    exists: bool,
    federate: Federate,
    how: Published,
) -> AppResult<post::Model> {
    let txn = crate::db::begin_write(&site.db).await?;
    let model = match exists {
        true => row.update(&txn).await?,
        false => row.insert(&txn).await?,
    };
    if federate == Federate::Yes
        && let Some(event) = published_event(&model, how)
    {
        outbox::record(&txn, &event).await?;
    }
    txn.commit().await?;
    Ok(model)
}

/// What writing `row` over `existing` changes of what pages show: an edit that keeps the post
/// where lists have it (its status, date, tags and author) changes only the pages showing it.
fn change_of(existing: Option<&post::Model>, row: &post::ActiveModel) -> Change {
    fn keeps<V: PartialEq + Into<sea_orm::Value>>(value: &ActiveValue<V>, old: &V) -> bool {
        matches!(value, ActiveValue::Set(v) | ActiveValue::Unchanged(v) if v == old)
    }
    match existing {
        Some(old)
            if keeps(&row.status, &old.status)
                && keeps(&row.published_at, &old.published_at)
                && keeps(&row.tags, &old.tags)
                && keeps(&row.author, &old.author)
                && keeps(&row.author_id, &old.author_id) =>
        {
            Change::Post(old.id)
        }
        _ => Change::Site,
    }
}

/// The slug the post will have, checked: the one given, else made from the title, else (a
/// note) from its time. A post needs a title or some text, and a cover (if any) must be an
/// image address.
fn checked_slug(input: &PostInput) -> AppResult<String> {
    let slug = match input.slug.as_deref().map(str::trim) {
        Some(given) if !given.is_empty() => given.to_string(),
        _ if input.title.trim().is_empty() => note_slug(input.published.unwrap_or_else(Utc::now)),
        _ => slugify(&input.title),
    };
    if !valid_slug(&slug) {
        return Err(AppError::Invalid(Text::with("error_slug_chars", [&slug])));
    }
    if input.title.trim().is_empty() && input.body_markdown.trim().is_empty() {
        return Err(AppError::Invalid(Text::new("error_post_empty")));
    }
    // The cover goes into the page's <img> and the Article's image: the rule of the blog's
    // own images, so a `javascript:` address is refused rather than rendered.
    if let Some(cover) = &input.cover_url
        && !settings::is_image_address(cover.trim())
    {
        return Err(AppError::Invalid(Text::new("error_image_address")));
    }
    Ok(slug)
}

/// `base`, else `base-2`, `base-3`…: the first address no post has (in any state).
pub async fn free_slug(db: &DatabaseConnection, base: &str) -> AppResult<String> {
    let mut slug = base.to_string();
    let mut n = 1;
    while find_any(db, &slug).await?.is_some() {
        n += 1;
        slug = format!("{base}-{n}");
    }
    Ok(slug)
}

/// The address of a note (a post without a title) written at `at`.
pub fn note_slug(at: DateTime<Utc>) -> String {
    format!("note-{}", at.format("%Y%m%d-%H%M%S"))
}

/// The author's name: the one given, else the writing account's display name.
async fn author_name(site: &Site, input: &PostInput) -> AppResult<Option<String>> {
    Ok(match (&input.author, input.author_id) {
        (Some(name), _) => Some(name.clone()),
        (None, Some(id)) => user::Entity::find_by_id(id)
            .one(&site.db)
            .await?
            .map(|u| u.display_name),
        (None, None) => None,
    })
}

/// What `save` decided about a post before writing it.
struct Decided {
    slug: String,
    status: &'static str,
    how: Published,
    author: Option<String>,
    body_html: String,
    now: DateTime<Utc>,
}

/// The row to write: `existing` changed, or a new one.
fn post_row(
    site: &Site,
    input: PostInput,
    decided: Decided,
    existing: Option<&post::Model>,
) -> AppResult<post::ActiveModel> {
    let Decided {
        slug,
        status,
        how,
        author,
        body_html,
        now,
    } = decided;
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
        .unwrap_or_else(|| site.settings.current().blog.lang.clone());
    let mut row: post::ActiveModel = match existing {
        Some(old) => old.clone().into(),
        None => post::ActiveModel {
            slug: Set(slug),
            deleted_at: Set(None),
            trashed_from: Set(None),
            ..Default::default()
        },
    };
    row.tags = Set(serde_json::to_string(&input.tags).map_err(AppError::internal)?);
    row.body_html = Set(body_html);
    row.title = Set(input.title);
    row.summary = Set(summary);
    row.body_markdown = Set(input.body_markdown);
    row.lang = Set(lang);
    row.status = Set(status.to_string());
    row.trashed_from = Set(None);
    row.cover_url = Set(input.cover_url.filter(|c| !c.trim().is_empty()));
    row.cover_alt = Set(input.cover_alt.filter(|c| !c.trim().is_empty()));
    if let Some(policy) = input.quote_policy.as_deref().map(str::trim) {
        if !policy.is_empty() && QuotePolicy::parse(policy).is_none() {
            return Err(AppError::BadRequest(format!(
                "quote_policy {policy:?} should be anyone, followers or nobody"
            )));
        }
        row.quote_policy = Set(Some(policy.to_string()).filter(|p| !p.is_empty()));
    }
    row.author = Set(author.or(existing.and_then(|old| old.author.clone())));
    row.author_id = Set(input.author_id.or(existing.and_then(|old| old.author_id)));
    let published = match (existing, how) {
        // Publishing a draft without a date: it is published now, not when it was begun.
        (Some(old), Published::Created) if !old.is_public() => input.published.unwrap_or(now),
        (Some(old), _) => input.published.unwrap_or(old.published_at),
        (None, _) => input.published.unwrap_or(now),
    };
    row.published_at = Set(published);
    row.updated_at = Set(match (existing, input.updated) {
        (_, Some(updated)) => updated.max(published),
        (Some(old), None) if how == Published::Updated => now.max(old.updated_at),
        // Not edited yet: `updated` equal to `published` (servers then show no "edited").
        _ => published,
    });
    Ok(row)
}

/// What followers hear of a post that was stored as `how`.
fn published_event(post: &post::Model, how: Published) -> Option<Event> {
    match how {
        Published::Created => Some(Event::PostPublished { post_id: post.id }),
        Published::Updated => Some(Event::PostUpdated { post_id: post.id }),
        Published::Draft | Published::Scheduled => None,
    }
}

/// Publishes the scheduled posts whose time has come, each once even when several servers
/// share the database. Returns them.
pub async fn publish_due(site: &Site) -> AppResult<Vec<post::Model>> {
    // A blog that moved or was retired publishes nothing more; they stay scheduled.
    if site.settings.current().closed() {
        return Ok(vec![]);
    }
    let due = post::Entity::find()
        .filter(post::Column::Status.eq(post::SCHEDULED))
        .filter(post::Column::DeletedAt.is_null())
        .filter(post::Column::PublishedAt.lte(Utc::now()))
        .order_by_asc(post::Column::PublishedAt)
        .limit(100)
        .all(&site.db)
        .await?;
    let mut published = Vec::with_capacity(due.len());
    for post in due {
        let txn = crate::db::begin_write(&site.db).await?;
        // The status change is the claim: only the server whose update changed the row sends.
        let claimed = post::Entity::update_many()
            .col_expr(post::Column::Status, post::PUBLISHED.into())
            .filter(post::Column::Id.eq(post.id))
            .filter(post::Column::Status.eq(post::SCHEDULED))
            .exec(&txn)
            .await?;
        if claimed.rows_affected == 0 {
            continue;
        }
        outbox::record(&txn, &Event::PostPublished { post_id: post.id }).await?;
        txn.commit().await?;
        published.push(post::Model {
            status: post::PUBLISHED.into(),
            ..post
        });
    }
    if !published.is_empty() {
        outbox::recorded(site);
    }
    Ok(published)
}

/// Marks the post deleted (its URL answers 410 from now on) and records `Delete`. A draft,
/// never seen outside, is simply removed; a post that was published before it went to the
/// trash (its Delete sent then) answers 410 without another Delete.
pub async fn delete(site: &Site, slug: &str) -> AppResult<post::Model> {
    let post = find_any(&site.db, slug).await?.ok_or(AppError::NotFound)?;
    if post.deleted_at.is_some() {
        return Err(AppError::Gone);
    }
    if post.status == post::TRASH && post.trashed_from.as_deref() == Some(post::PUBLISHED) {
        let mut row: post::ActiveModel = post.into();
        row.status = Set(post::PUBLISHED.into());
        row.trashed_from = Set(None);
        row.deleted_at = Set(Some(Utc::now()));
        return Ok(row.update(&site.db).await?);
    }
    if !post.is_public() {
        post::Entity::delete_by_id(post.id).exec(&site.db).await?;
        return Ok(post);
    }
    let mut row: post::ActiveModel = post.into();
    row.deleted_at = Set(Some(Utc::now()));
    let txn = crate::db::begin_write(&site.db).await?;
    let post = row.update(&txn).await?;
    authorizations::revoke_for_post(&txn, post.id).await?;
    let deleted = Event::PostDeleted {
        post_id: post.id,
        publication: None,
    };
    outbox::commit_with(site, txn, &deleted).await?;
    Ok(post)
}

/// A post that is not deleted, by slug.
async fn existing(site: &Site, slug: &str) -> AppResult<post::Model> {
    let post = find_any(&site.db, slug).await?.ok_or(AppError::NotFound)?;
    match post.deleted_at {
        Some(_) => Err(AppError::Gone),
        None => Ok(post),
    }
}

/// Takes `post` off the blog with the status `status` (`trashed_from` kept for the trash):
/// when it was public, followers get a `Delete` — the WordPress plugin does the same since
/// 9.0 — and the quotes it allowed are revoked, in the transaction of the change.
async fn take_down(
    site: &Site,
    post: post::Model,
    status: &str,
    trashed_from: Option<String>,
) -> AppResult<post::Model> {
    let was_public = post.is_public();
    let withdrawn = post.publication;
    let mut row: post::ActiveModel = post.into();
    row.status = Set(status.into());
    row.trashed_from = Set(trashed_from);
    if was_public {
        row.updated_at = Set(Utc::now());
        // Its id is deleted for good on other servers: a later publication needs another.
        row.publication = Set(withdrawn + 1);
    }
    let txn = crate::db::begin_write(&site.db).await?;
    let post = row.update(&txn).await?;
    if !was_public {
        txn.commit().await?;
        return Ok(post);
    }
    authorizations::revoke_for_post(&txn, post.id).await?;
    let deleted = Event::PostDeleted {
        post_id: post.id,
        publication: Some(withdrawn),
    };
    outbox::commit_with(site, txn, &deleted).await?;
    Ok(post)
}

/// Takes a published post back to draft: it leaves the pages and feeds, and followers get a
/// `Delete`. Publishing it again later sends a new `Create`, of a new object id.
pub async fn unpublish(site: &Site, slug: &str) -> AppResult<post::Model> {
    let post = existing(site, slug).await?;
    if !post.is_public() {
        return Err(AppError::Invalid(Text::with("error_not_published", [slug])));
    }
    take_down(site, post, post::DRAFT, None).await
}

/// Moves a post to the trash (unpublished, as `unpublish` does, when it was public); `restore`
/// puts it back where it was.
pub async fn trash(site: &Site, slug: &str) -> AppResult<post::Model> {
    let post = existing(site, slug).await?;
    if post.status == post::TRASH {
        return Ok(post);
    }
    let from = post.status.clone();
    take_down(site, post, post::TRASH, Some(from)).await
}

/// Takes a post out of the trash, back to the status it had: a post that was published is
/// published again (a new `Create` to followers); a scheduled one whose time has passed is
/// published by the server's schedule.
pub async fn restore(site: &Site, slug: &str) -> AppResult<post::Model> {
    let post = existing(site, slug).await?;
    if post.status != post::TRASH {
        return Err(AppError::Invalid(Text::with("error_not_in_trash", [slug])));
    }
    let to = post
        .trashed_from
        .clone()
        .filter(|s| post::STATUSES.contains(&s.as_str()) && s != post::TRASH)
        .unwrap_or_else(|| post::DRAFT.into());
    let mut row: post::ActiveModel = post.into();
    row.status = Set(to.clone());
    row.trashed_from = Set(None);
    if to != post::PUBLISHED {
        return Ok(row.update(&site.db).await?);
    }
    row.updated_at = Set(Utc::now());
    let txn = crate::db::begin_write(&site.db).await?;
    let post = row.update(&txn).await?;
    outbox::commit_with(site, txn, &Event::PostPublished { post_id: post.id }).await?;
    Ok(post)
}

/// Publishes a draft or a scheduled post now, as the editor's *Publish* does (a `Create` to
/// followers); a published post stays as it is.
pub async fn publish_now(site: &Site, slug: &str) -> AppResult<post::Model> {
    let post = existing(site, slug).await?;
    match post.status.as_str() {
        post::PUBLISHED => return Ok(post),
        post::DRAFT | post::SCHEDULED => {}
        _ => {
            return Err(AppError::Invalid(Text::with("error_in_trash", [slug])));
        }
    }
    let now = Utc::now();
    let mut row: post::ActiveModel = post.into();
    row.status = Set(post::PUBLISHED.into());
    row.published_at = Set(now);
    row.updated_at = Set(now);
    let txn = crate::db::begin_write(&site.db).await?;
    let post = row.update(&txn).await?;
    outbox::commit_with(site, txn, &Event::PostPublished { post_id: post.id }).await?;
    Ok(post)
}

/// Deletes every post in the trash for good (those once published answer 410). Returns how
/// many.
pub async fn empty_trash(site: &Site) -> AppResult<usize> {
    let trashed = post::Entity::find()
        .filter(post::Column::Status.eq(post::TRASH))
        .filter(post::Column::DeletedAt.is_null())
        .all(&site.db)
        .await?;
    for post in &trashed {
        delete(site, &post.slug).await?;
    }
    Ok(trashed.len())
}

/// How many posts have each status (deleted ones not counted), in the order of
/// `post::STATUSES`.
pub async fn status_counts(db: &DatabaseConnection) -> AppResult<Vec<(&'static str, u64)>> {
    let mut counts = Vec::with_capacity(post::STATUSES.len());
    for status in post::STATUSES {
        let n = post::Entity::find()
            .filter(post::Column::Status.eq(status))
            .filter(post::Column::DeletedAt.is_null())
            .count(db)
            .await?;
        counts.push((status, n));
    }
    Ok(counts)
}

/// The key of a draft's private preview link: an HMAC of the post's id and slug, so the link
/// is unguessable, needs nothing stored, and stops working when the slug changes.
pub async fn preview_key(db: &DatabaseConnection, post: &post::Model) -> AppResult<String> {
    let key = links::derived_key(db, PREVIEW_LABEL).await?;
    let tag = hmac::sign(&key, preview_payload(post).as_bytes());
    Ok(tag.as_ref().iter().map(|b| format!("{b:02x}")).collect())
}

const PREVIEW_LABEL: &[u8] = b"feder post preview\0";

fn preview_payload(post: &post::Model) -> String {
    format!("{}:{}", post.id, post.slug)
}

/// Whether `key` opens the preview of `post` (checked by `hmac::verify`, in constant time).
pub async fn preview_allows(
    db: &DatabaseConnection,
    post: &post::Model,
    key: &str,
) -> AppResult<bool> {
    let Some(tag) = (0..key.len() / 2)
        .map(|i| u8::from_str_radix(key.get(2 * i..2 * i + 2)?, 16).ok())
        .collect::<Option<Vec<u8>>>()
        .filter(|t| t.len() * 2 == key.len())
    else {
        return Ok(false);
    };
    let secret = links::derived_key(db, PREVIEW_LABEL).await?;
    Ok(hmac::verify(&secret, preview_payload(post).as_bytes(), &tag).is_ok())
}

/// The posts with these ids, whatever their status.
pub async fn by_ids(
    db: &DatabaseConnection,
    ids: impl IntoIterator<Item = i32>,
) -> AppResult<Vec<post::Model>> {
    Ok(post::Entity::find()
        .filter(post::Column::Id.is_in(ids))
        .all(db)
        .await?)
}

pub async fn find_by_id(db: &DatabaseConnection, id: i32) -> AppResult<Option<post::Model>> {
    Ok(post::Entity::find_by_id(id).one(db).await?)
}

/// Brings a deleted post back (Micropub `undelete`) and announces it again with a Create.
pub async fn undelete(site: &Site, slug: &str) -> AppResult<post::Model> {
    let post = find_any(&site.db, slug).await?.ok_or(AppError::NotFound)?;
    if post.deleted_at.is_none() {
        return Ok(post);
    }
    let mut row: post::ActiveModel = post.into();
    row.deleted_at = Set(None);
    row.updated_at = Set(Utc::now());
    let txn = crate::db::begin_write(&site.db).await?;
    let post = row.update(&txn).await?;
    if post.is_public() {
        outbox::record(&txn, &Event::PostPublished { post_id: post.id }).await?;
    }
    txn.commit().await?;
    outbox::recorded(site);
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

/// Our live post at `url` (its id or page): published and not deleted. What a reply, a like, a
/// boost, a quote or an Undo from the fediverse can be about.
pub async fn live_at(site: &Site, url: &str) -> AppResult<Option<post::Model>> {
    let Some(slug) = site.urls.slug_of(url) else {
        return Ok(None);
    };
    Ok(live()
        .filter(post::Column::Slug.eq(slug))
        .one(&site.db)
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

/// What a post's collections count: approved comments, likes, boosts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PostCounts {
    pub comments: u64,
    pub likes: u64,
    pub shares: u64,
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
        // Without front matter (and so without a title) the text is a short note.
        let note = parse_markdown_file("no front matter").unwrap_or_else(|e| panic!("{e}"));
        assert!(note.title.is_empty());
        assert!(note.body_markdown.contains("no front matter"));
    }
}
