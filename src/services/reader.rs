//! The owner's Reader (/admin/reader): the blog's own likes, boosts and quotes of posts from
//! the fediverse, each recorded with its outbox event in one transaction, taken back with an
//! Undo, and a quote's answer from its author's server (FEP-044f); and a draft blog post about
//! a post read there. The timeline itself is `reading`; following is `follows`.

use crate::{
    db::entities::{blog_reaction, post},
    error::{AppError, AppResult},
    render::markdown,
    services::{
        Site,
        outbox::{self, Event},
        posts::{self, PostInput},
    },
};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter,
};
use url::Url;

/// What the owner did to a remote post: like, boost or quote (`blog_reaction::LIKE`…).
pub struct Reaction<'a> {
    pub kind: &'static str,
    pub object: &'a Url,
    /// Its author, fetched and stored by the federation layer (the activity goes to them).
    pub author: &'a Url,
}

/// Longest start of an address made from a draft's title.
const DRAFT_SLUG: usize = 80;

/// A draft blog post by the account `author_id` about a post read in the Reader: `title` and
/// `markdown_text` (the Reader's start: the post's first words quoted, its author, a link to
/// it). Stored with the other drafts at an address of its own, so a second draft about the
/// same post is another draft, never an edit of the first.
pub async fn draft_about(
    site: &Site,
    author_id: i32,
    title: &str,
    markdown_text: &str,
) -> AppResult<post::Model> {
    let base: String = posts::slugify(title).chars().take(DRAFT_SLUG).collect();
    let slug = posts::free_slug(&site.db, base.trim_end_matches('-')).await?;
    let input = PostInput {
        title: title.trim().to_string(),
        slug: Some(slug),
        body_markdown: markdown_text.replace("\r\n", "\n"),
        draft: true,
        author_id: Some(author_id),
        ..Default::default()
    };
    let (draft, _) = posts::publish(site, input).await?;
    Ok(draft)
}

/// Likes or boosts `object` (once: a second time changes nothing).
pub async fn react(site: &Site, reaction: Reaction<'_>) -> AppResult<()> {
    if reaction.kind == blog_reaction::QUOTE {
        return Err(AppError::internal("a quote has words: reader::quote"));
    }
    store(site, reaction, None).await
}

/// Quotes `object` with `markdown_text`: a QuoteRequest to its author, pending until their
/// server accepts it.
pub async fn quote(site: &Site, object: &Url, author: &Url, markdown_text: &str) -> AppResult<()> {
    let text = markdown_text.trim();
    if text.is_empty() {
        return Err(AppError::BadRequest(
            "a quote needs words of its own".into(),
        ));
    }
    let reaction = Reaction {
        kind: blog_reaction::QUOTE,
        object,
        author,
    };
    store(site, reaction, Some(markdown::to_html(text))).await
}

async fn store(site: &Site, reaction: Reaction<'_>, html: Option<String>) -> AppResult<()> {
    if find(&site.db, reaction.kind, reaction.object)
        .await?
        .is_some()
    {
        return Ok(());
    }
    let note = html.is_some().then(|| {
        site.urls
            .comment(&uuid::Uuid::new_v4().to_string())
            .to_string()
    });
    let txn = crate::db::begin_write(&site.db).await?;
    let row = blog_reaction::ActiveModel {
        kind: Set(reaction.kind.to_string()),
        object_ap_id: Set(reaction.object.to_string()),
        object_author: Set(reaction.author.to_string()),
        activity_id: Set(site.urls.new_activity().to_string()),
        note_ap_id: Set(note),
        content_html: Set(html),
        state: Set(blog_reaction::SENT.to_string()),
        authorization: Set(None),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let event = Event::ReaderReacted {
        reaction_id: row.id,
    };
    outbox::commit_with(site, txn, &event).await
}

/// Takes back the owner's like, boost or quote (`kind`) of `object`: an Undo of it.
pub async fn undo(site: &Site, kind: &str, object: &Url) -> AppResult<()> {
    let row = find(&site.db, kind, object)
        .await?
        .ok_or(AppError::NotFound)?;
    let txn = crate::db::begin_write(&site.db).await?;
    blog_reaction::Entity::delete_by_id(row.id)
        .exec(&txn)
        .await?;
    let event = Event::ReaderUndone {
        reaction: row.kind,
        activity_id: row.activity_id,
        object: row.object_ap_id,
        author: row.object_author,
        note: row.note_ap_id,
    };
    outbox::commit_with(site, txn, &event).await
}

/// The owner's reaction of `kind` to `object`, if any.
pub async fn find(
    db: &DatabaseConnection,
    kind: &str,
    object: &Url,
) -> AppResult<Option<blog_reaction::Model>> {
    Ok(blog_reaction::Entity::find()
        .filter(blog_reaction::Column::Kind.eq(kind))
        .filter(blog_reaction::Column::ObjectApId.eq(object.as_str()))
        .one(db)
        .await?)
}

/// The owner's quote whose note is `note` (served at that id).
pub async fn quote_by_note(
    db: &DatabaseConnection,
    note: &Url,
) -> AppResult<Option<blog_reaction::Model>> {
    Ok(blog_reaction::Entity::find()
        .filter(blog_reaction::Column::Kind.eq(blog_reaction::QUOTE))
        .filter(blog_reaction::Column::NoteApId.eq(note.as_str()))
        .one(db)
        .await?)
}

pub async fn find_by_id(
    db: &DatabaseConnection,
    id: i32,
) -> AppResult<Option<blog_reaction::Model>> {
    Ok(blog_reaction::Entity::find_by_id(id).one(db).await?)
}

/// Every reaction of the owner to these posts (the Reader shows which it liked, boosted or
/// quoted).
pub async fn of_posts(
    db: &DatabaseConnection,
    objects: &[String],
) -> AppResult<Vec<blog_reaction::Model>> {
    Ok(blog_reaction::Entity::find()
        .filter(blog_reaction::Column::ObjectApId.is_in(objects.iter().cloned()))
        .all(db)
        .await?)
}

/// `actor` answered `request`: when it is the blog's QuoteRequest to them, the quote is
/// accepted (with the `authorization` their server granted) or rejected. Returns whether it
/// was one.
pub async fn quote_answered(
    site: &Site,
    request: &Url,
    actor: &Url,
    accepted: bool,
    authorization: Option<&Url>,
) -> AppResult<bool> {
    let Some(row) = blog_reaction::Entity::find()
        .filter(blog_reaction::Column::Kind.eq(blog_reaction::QUOTE))
        .filter(blog_reaction::Column::ActivityId.eq(request.as_str()))
        .one(&site.db)
        .await?
    else {
        return Ok(false);
    };
    // Only the author asked may answer.
    if row.object_author != actor.as_str() {
        return Ok(false);
    }
    let mut row: blog_reaction::ActiveModel = row.into();
    row.state = Set(if accepted {
        blog_reaction::ACCEPTED
    } else {
        blog_reaction::REJECTED
    }
    .to_string());
    row.authorization = Set(authorization.map(Url::to_string));
    row.update(&site.db).await?;
    Ok(true)
}
