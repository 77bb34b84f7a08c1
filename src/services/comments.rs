//! Comments: replies from the fediverse threaded under our posts, and replies the owner writes
//! (to a comment, to someone else's post, or privately to a direct message).

use crate::{
    config::MailConfig,
    db::{
        changes::{self, Change},
        entities::{actor, comment, mention, notification, user},
    },
    error::{AppError, AppResult},
    render::markdown,
    services::{
        Site,
        blocks::Blocks,
        comment_policy,
        local_actor::{self, LocalActor},
        mail, notifications,
        outbox::{self, Event},
        posts,
        remote_notes::RemoteNote,
    },
};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
    TryInsertResult,
};
use std::collections::HashMap;
use url::Url;

/// The post whose thread `in_reply_to` belongs to: one of our live posts, or a stored comment.
pub async fn thread_post(data: &Site, in_reply_to: &Url) -> AppResult<Option<i32>> {
    if data.urls.slug_of(in_reply_to.as_str()).is_some() {
        return Ok(posts::live_at(data, in_reply_to.as_str())
            .await?
            .map(|p| p.id));
    }
    Ok(find(&data.db, in_reply_to).await?.and_then(|c| c.post_id))
}

/// The blog's own answers to any of `parents` (comment or direct message ids), oldest first.
pub async fn answers_to(
    db: &DatabaseConnection,
    parents: Vec<String>,
) -> AppResult<Vec<comment::Model>> {
    Ok(comment::Entity::find()
        .filter(comment::Column::InReplyTo.is_in(parents))
        .filter(comment::Column::IsLocal.eq(true))
        .filter(comment::Column::DeletedAt.is_null())
        .order_by_asc(comment::Column::Id)
        .all(db)
        .await?)
}

pub async fn find_by_id(db: &DatabaseConnection, id: i32) -> AppResult<Option<comment::Model>> {
    Ok(comment::Entity::find_by_id(id).one(db).await?)
}

pub async fn find(db: &impl ConnectionTrait, ap_id: &Url) -> AppResult<Option<comment::Model>> {
    Ok(comment::Entity::find()
        .filter(comment::Column::ApId.eq(ap_id.as_str()))
        .one(db)
        .await?)
}

/// Stores `note`, a remote reply in the thread of post `post_id`, with the moderation `status`
/// the comment policy gave it (`request`: the ReplyRequest it came with), and tells the owner
/// in the same transaction. A repeat of a stored one changes nothing.
pub async fn store_remote(
    site: &Site,
    note: &RemoteNote,
    post_id: i32,
    status: &str,
    request: Option<&Url>,
) -> AppResult<()> {
    let now = Utc::now();
    let row = comment::ActiveModel {
        status: Set(status.to_string()),
        ap_id: Set(note.id.to_string()),
        post_id: Set(Some(post_id)),
        in_reply_to: Set(note
            .in_reply_to
            .as_ref()
            .map(Url::to_string)
            .unwrap_or_default()),
        author_ap_id: Set(note.author.to_string()),
        content_html: Set(note.content_html.clone()),
        url: Set(note.url.clone()),
        is_local: Set(false),
        published_at: Set(note.published_at(now)),
        updated_at: Set(None),
        deleted_at: Set(None),
        reply_request_id: Set(request.map(Url::to_string)),
        ..Default::default()
    };
    // What it answers is read before the transaction, which then holds SQLite's one write
    // lock for its writes alone.
    let parent = match &note.in_reply_to {
        Some(url) => find(&site.db, url).await?,
        None => None,
    };
    // Only that post's page and the comments feed show it: other cached pages stay.
    let mails = &site.settings.current().mail;
    let stored = insert_remote(&site.db, mails, row, parent.as_ref(), status);
    changes::within(Change::Comments(post_id), stored).await
}

/// [`store_remote`]: the row, the owner's notification and mail, in one transaction, which
/// only writes: the inbox's busiest path, where each statement while SQLite's write lock is
/// held is one more round trip to SQLite's thread that every other writer waits for.
async fn insert_remote(
    db: &DatabaseConnection,
    mails: &MailConfig,
    row: comment::ActiveModel,
    parent: Option<&comment::Model>,
    status: &str,
) -> AppResult<()> {
    // Its first statement writes, so a plain BEGIN takes the write lock there, waiting for it
    // as `db::begin_write` would; BEGIN IMMEDIATE would hold the lock one round trip longer.
    let txn = db.begin().await?;
    let inserted = comment::Entity::insert(row)
        .on_conflict_do_nothing_on([comment::Column::ApId])
        .exec_with_returning_many(&txn)
        .await?;
    // A repeat of a stored reply returns no row.
    let TryInsertResult::Inserted(rows) = inserted else {
        return Ok(());
    };
    let Some(stored) = rows.into_iter().next() else {
        return Ok(());
    };
    // Spam and what a filter rejected are no news for the owner (each waits in its folder).
    if status != comment::SPAM && status != comment::REJECTED {
        notify(&txn, mails, &stored, parent).await?;
    }
    mail::answered(&txn, &stored, parent).await?;
    txn.commit().await?;
    Ok(())
}

/// Tells the owner of a new comment (remote or from the web form), on `txn`, in
/// /admin/notifications and by the mail `mails` asks for: an answer to one of the blog's own
/// replies (`parent`, the comment it answers, if stored) is told apart from a plain comment.
pub(crate) async fn notify(
    txn: &impl ConnectionTrait,
    mails: &MailConfig,
    stored: &comment::Model,
    parent: Option<&comment::Model>,
) -> AppResult<()> {
    // A web comment published with its writer's consent is local too, but not the blog's.
    let answers_ours = parent.is_some_and(|p| p.is_local && p.kind != comment::WEB);
    let kind = if answers_ours {
        notification::REPLY
    } else {
        notification::COMMENT
    };
    notifications::record_comment(txn, mails, kind, stored).await
}

/// Takes the new text of `note`, a stored remote comment (only its author may change it), held
/// or rejected when the edit brings in a filtered phrase (`comment_policy::after_edit`).
/// Returns whether one changed.
pub async fn update_remote(db: &DatabaseConnection, note: &RemoteNote) -> AppResult<bool> {
    let Some(existing) = find(db, &note.id).await? else {
        return Ok(false);
    };
    if existing.author_ap_id != note.author.as_str() || existing.deleted_at.is_some() {
        return Ok(false);
    }
    let post_id = existing.post_id;
    let filtered = comment_policy::after_edit(db, &existing.status, &note.content_html).await?;
    let mut row: comment::ActiveModel = existing.into();
    row.content_html = Set(note.content_html.clone());
    if let Some(status) = filtered {
        row.status = Set(status.to_string());
    }
    row.updated_at = Set(Some(note.updated.unwrap_or_else(Utc::now)));
    match post_id {
        Some(post_id) => changes::within(Change::Comments(post_id), row.update(db)).await?,
        None => row.update(db).await?,
    };
    Ok(true)
}

/// Deletes a comment (only its author may): the row stays as a marker so replies to it keep
/// their place, its content goes.
pub async fn delete_remote(db: &DatabaseConnection, id: &Url, author: &Url) -> AppResult<bool> {
    let result = comment::Entity::update_many()
        .col_expr(comment::Column::DeletedAt, Utc::now().into())
        .col_expr(comment::Column::ContentHtml, String::new().into())
        .filter(comment::Column::ApId.eq(id.as_str()))
        .filter(comment::Column::AuthorApId.eq(author.as_str()))
        .filter(comment::Column::DeletedAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected > 0)
}

/// Deletes every comment of an actor (the actor itself was deleted).
pub async fn delete_by_author(db: &impl ConnectionTrait, author: &Url) -> AppResult<u64> {
    let result = comment::Entity::update_many()
        .col_expr(comment::Column::DeletedAt, Utc::now().into())
        .col_expr(comment::Column::ContentHtml, String::new().into())
        .filter(comment::Column::AuthorApId.eq(author.as_str()))
        .filter(comment::Column::DeletedAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

/// Which comments a thread collection lists.
#[derive(Debug, Clone, Copy)]
pub enum Listed<'a> {
    /// Every comment under a post (its `replies` and its `context`).
    Post(i32),
    /// The replies to one comment (a `replies` of the blog's own notes).
    RepliesTo(&'a str),
}

/// Page `page` (from 1) of the ids of the approved, live comments `listed`, oldest first, and
/// how many there are.
pub async fn public_ids(
    db: &DatabaseConnection,
    listed: Listed<'_>,
    page: u64,
    page_size: u64,
) -> AppResult<(Vec<String>, u64)> {
    let select = comment::Entity::find()
        .filter(comment::Column::DeletedAt.is_null())
        .filter(comment::Column::Status.eq(comment::APPROVED))
        // Web comments whose writers did not agree stay on the page (published ones are the
        // blog's own Notes).
        .filter(
            sea_orm::Condition::any()
                .add(comment::Column::Kind.ne(comment::WEB))
                .add(comment::Column::IsLocal.eq(true)),
        );
    let select = match listed {
        Listed::Post(post_id) => select.filter(comment::Column::PostId.eq(post_id)),
        Listed::RepliesTo(ap_id) => select.filter(comment::Column::InReplyTo.eq(ap_id)),
    };
    let total = select.clone().count(db).await?;
    let ids = select
        .order_by_asc(comment::Column::PublishedAt)
        .order_by_asc(comment::Column::Id)
        .offset(page.saturating_sub(1).saturating_mul(page_size))
        .limit(page_size)
        .all(db)
        .await?
        .into_iter()
        .map(|c| c.ap_id)
        .collect();
    Ok((ids, total))
}

/// The approved comments of a post, oldest first, without those of blocked authors, with who
/// wrote them.
pub async fn thread(site: &Site, post_id: i32) -> AppResult<(Vec<comment::Model>, Writers)> {
    let db = &site.db;
    let blocks = Blocks::load(db).await?;
    let comments: Vec<comment::Model> = comment::Entity::find()
        .filter(comment::Column::PostId.eq(post_id))
        .filter(comment::Column::Status.eq(comment::APPROVED))
        .order_by_asc(comment::Column::PublishedAt)
        .order_by_asc(comment::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .filter(|c| !blocks.blocks(&c.author_ap_id))
        .collect();
    let writers = authors_of(site, &comments).await?;
    Ok((comments, writers))
}

/// Who wrote a set of comments, each by the id of its author: the stored profiles of
/// fediverse accounts, and the blog's authors who answered as themselves.
#[derive(Debug, Default)]
pub struct Writers {
    pub remote: HashMap<String, actor::Model>,
    pub local: HashMap<String, user::Model>,
}

/// Who wrote `comments`.
pub async fn authors_of(site: &Site, comments: &[comment::Model]) -> AppResult<Writers> {
    let authors: Vec<&str> = comments.iter().map(|c| c.author_ap_id.as_str()).collect();
    let remote = actor::Entity::find()
        .filter(actor::Column::ApId.is_in(authors))
        .all(&site.db)
        .await?
        .into_iter()
        .map(|a| (a.ap_id.clone(), a))
        .collect();
    let mut local = HashMap::new();
    for c in comments
        .iter()
        .filter(|c| c.is_local && c.kind != comment::WEB)
    {
        if local.contains_key(&c.author_ap_id) {
            continue;
        }
        let Ok(id) = Url::parse(&c.author_ap_id) else {
            continue;
        };
        if let Some(LocalActor::Author(username)) = LocalActor::from_id(&site.urls, &id)
            && let Some(user) = local_actor::author_user(site, &username).await?
        {
            local.insert(c.author_ap_id.clone(), user);
        }
    }
    Ok(Writers { remote, local })
}

/// The owner's reply to `in_reply_to` (a comment, one of our posts, or a remote post), whose
/// remote author (found by the federation layer) is addressed too; written by `by` (the blog,
/// or the author who wrote it), whose id the row keeps as its author.
pub async fn reply(
    site: &Site,
    in_reply_to: &Url,
    parent_author: Option<&Url>,
    by: &LocalActor,
    markdown_text: &str,
) -> AppResult<comment::Model> {
    let post_id = thread_post(site, in_reply_to).await?;
    let id = site.urls.comment(&uuid::Uuid::new_v4().to_string());
    let txn = crate::db::begin_write(&site.db).await?;
    let row = comment::ActiveModel {
        ap_id: Set(id.to_string()),
        post_id: Set(post_id),
        in_reply_to: Set(in_reply_to.to_string()),
        author_ap_id: Set(by.id(&site.urls).to_string()),
        content_html: Set(markdown::to_html(markdown_text)),
        url: Set(None),
        is_local: Set(true),
        status: Set(comment::APPROVED.into()),
        published_at: Set(Utc::now()),
        updated_at: Set(None),
        deleted_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    mail::answer_shown(&txn, row.id).await?;
    let event = Event::ReplyCreated {
        comment_id: row.id,
        parent_author: parent_author.map(Url::to_string),
    };
    outbox::commit_with(site, txn, &event).await?;
    Ok(row)
}

/// The owner's private answer to `message`, a direct message to the blog or one of its
/// authors: a note addressed to its author alone (`direct`), in no thread of ours, federated
/// to that author only. A message is answered by the actor it was sent to: an author by
/// that author, the blog (or a message from before the recipient was kept) by the blog,
/// whoever of the authors writes the answer.
pub async fn answer_directly(
    site: &Site,
    message: &mention::Model,
    author: &Url,
    markdown_text: &str,
) -> AppResult<comment::Model> {
    let addressed = match message
        .local_actor
        .as_deref()
        .and_then(LocalActor::from_name)
    {
        Some(LocalActor::Author(name)) => local_actor::author_user(site, &name).await?,
        _ => None,
    };
    let by = match addressed {
        Some(user) => LocalActor::Author(user.username),
        None => LocalActor::Blog,
    };
    let id = site.urls.comment(&uuid::Uuid::new_v4().to_string());
    let txn = crate::db::begin_write(&site.db).await?;
    let row = comment::ActiveModel {
        ap_id: Set(id.to_string()),
        post_id: Set(None),
        in_reply_to: Set(message.ap_id.clone()),
        author_ap_id: Set(by.id(&site.urls).to_string()),
        content_html: Set(markdown::to_html(markdown_text)),
        url: Set(None),
        is_local: Set(true),
        status: Set(comment::APPROVED.into()),
        published_at: Set(Utc::now()),
        updated_at: Set(None),
        deleted_at: Set(None),
        direct: Set(true),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let event = Event::ReplyCreated {
        comment_id: row.id,
        parent_author: Some(author.to_string()),
    };
    outbox::commit_with(site, txn, &event).await?;
    Ok(row)
}

pub async fn edit_reply(
    site: &Site,
    id: &Url,
    parent_author: Option<&Url>,
    markdown_text: &str,
) -> AppResult<comment::Model> {
    let mut row: comment::ActiveModel = own(&site.db, id).await?.into();
    row.content_html = Set(markdown::to_html(markdown_text));
    row.updated_at = Set(Some(Utc::now()));
    let txn = crate::db::begin_write(&site.db).await?;
    let row = row.update(&txn).await?;
    let event = Event::ReplyUpdated {
        comment_id: row.id,
        parent_author: parent_author.map(Url::to_string),
    };
    outbox::commit_with(site, txn, &event).await?;
    Ok(row)
}

pub async fn delete_reply(site: &Site, id: &Url, parent_author: Option<&Url>) -> AppResult<()> {
    let mut row: comment::ActiveModel = own(&site.db, id).await?.into();
    row.deleted_at = Set(Some(Utc::now()));
    row.content_html = Set(String::new());
    let txn = crate::db::begin_write(&site.db).await?;
    let row = row.update(&txn).await?;
    let event = Event::ReplyDeleted {
        comment_id: row.id,
        parent_author: parent_author.map(Url::to_string),
    };
    outbox::commit_with(site, txn, &event).await?;
    Ok(())
}

/// The actor of ours that speaks for `note`, one of the blog's own notes: the author who wrote
/// an answer, while they are an actor here; else the blog, which also publishes web comments
/// in their writer's name and wrote the answers from before authors answered as themselves.
pub async fn speaker(site: &Site, note: &comment::Model) -> AppResult<LocalActor> {
    if note.kind == comment::WEB {
        return Ok(LocalActor::Blog);
    }
    let Ok(id) = Url::parse(&note.author_ap_id) else {
        return Ok(LocalActor::Blog);
    };
    Ok(LocalActor::find(site, &id)
        .await?
        .unwrap_or(LocalActor::Blog))
}

/// A note of the blog's own that the fediverse may see (the owner's answers, and web comments
/// once approved), deleted ones included: they are served as tombstones. Never a private answer
/// to a direct message: that reached its one recipient in its Create.
pub async fn public_own(db: &DatabaseConnection, id: &Url) -> AppResult<comment::Model> {
    find(db, id)
        .await?
        .filter(|c| c.is_local && !c.direct && c.status == comment::APPROVED)
        .ok_or(AppError::NotFound)
}

/// The author of the remote comment `in_reply_to` names, if it is one Feder stored.
pub async fn remote_parent_author(
    db: &DatabaseConnection,
    in_reply_to: &str,
) -> AppResult<Option<String>> {
    let Ok(parent) = Url::parse(in_reply_to) else {
        return Ok(None);
    };
    Ok(find(db, &parent)
        .await?
        .filter(|p| !p.is_local)
        .map(|p| p.author_ap_id))
}

/// One of the owner's own replies, not deleted.
pub async fn own(db: &DatabaseConnection, id: &Url) -> AppResult<comment::Model> {
    find(db, id)
        .await?
        .filter(|c| c.is_local && c.deleted_at.is_none())
        .ok_or(AppError::NotFound)
}
