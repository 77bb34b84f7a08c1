//! Comments readers write in the form under a post: checked, rendered from plain text or a
//! small Markdown subset, judged by the comment policy fediverse replies pass too (policy,
//! links, the local spam filter) and stored in the same table as fediverse replies, so both
//! share one thread and one moderation queue. Each one
//! comes with a secret that lets its writer delete it. With the writer's consent, a shown web
//! comment is published into the fediverse thread (an outbox event in the same transaction).

use crate::{
    config::{CommentPolicy, MailConfig},
    db::{
        changes::{self, Change},
        entities::{comment, post},
    },
    error::AppResult,
    render::{markdown, sanitize},
    services::{
        comment_policy::{self, Candidate},
        comments,
        mail::{
            self, Mail,
            links::{self, Purpose},
        },
        outbox::{self, Event},
        users,
    },
    urls::Urls,
};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, QueryFilter,
};
use sha2::{Digest, Sha256};
use url::Url;

/// The longest name and text a web comment may have (and the configured limit, if lower).
const MAX_NAME_CHARS: usize = 80;
const MAX_TEXT_CHARS: usize = 10_000;

/// What a reader typed into the form.
pub struct NewComment<'a> {
    pub post: &'a post::Model,
    /// The comment (by id) this answers, if not the post.
    pub parent: Option<i32>,
    pub name: &'a str,
    pub email: &'a str,
    pub website: &'a str,
    pub text: &'a str,
    /// Publish it into the fediverse thread once it is approved.
    pub consent: bool,
}

/// The rules the blog applies, and the mails it sends the owner about a comment.
pub struct Rules {
    pub policy: CommentPolicy,
    pub max_links: usize,
    pub max_chars: usize,
    pub mails: MailConfig,
}

/// Why a comment was not taken, for the writer to correct.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invalid {
    Name,
    Text,
    TooLong,
    Email,
    Website,
    Closed,
    Parent,
}

impl Invalid {
    /// The interface text (see `templates/i18n`) that explains it.
    pub fn message_key(self) -> &'static str {
        match self {
            Invalid::Name => "comment_error_name",
            Invalid::Text => "comment_error_text",
            Invalid::TooLong => "comment_error_too_long",
            Invalid::Email => "comment_error_email",
            Invalid::Website => "comment_error_website",
            Invalid::Closed => "comments_closed",
            Invalid::Parent => "comment_error_parent",
        }
    }
}

/// A stored comment and the secret for its delete link (only its hash is stored).
pub struct Posted {
    pub comment: comment::Model,
    pub key: String,
}

fn hash(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Checks and stores a comment; `Ok(Err(_))` tells the writer what to correct.
pub async fn submit(
    db: &DatabaseConnection,
    urls: &Urls,
    rules: &Rules,
    new: NewComment<'_>,
) -> AppResult<Result<Posted, Invalid>> {
    // Only that post's page and the comments feed show it: other cached pages stay.
    let post_id = new.post.id;
    changes::within(
        Change::Comments(post_id),
        check_and_store(db, urls, rules, new),
    )
    .await
}

async fn check_and_store(
    db: &DatabaseConnection,
    urls: &Urls,
    rules: &Rules,
    new: NewComment<'_>,
) -> AppResult<Result<Posted, Invalid>> {
    let name = new.name.trim();
    let text = new.text.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Ok(Err(Invalid::Name));
    }
    if text.is_empty() {
        return Ok(Err(Invalid::Text));
    }
    if text.chars().count() > rules.max_chars.min(MAX_TEXT_CHARS) {
        return Ok(Err(Invalid::TooLong));
    }
    let Ok(email) = email(new.email) else {
        return Ok(Err(Invalid::Email));
    };
    let Ok(website) = website(new.website) else {
        return Ok(Err(Invalid::Website));
    };
    if !comment_policy::open_for_comments(new.post, rules.policy) {
        return Ok(Err(Invalid::Closed));
    }
    let parent = match new.parent {
        None => None,
        Some(id) => match shown_comment(db, new.post.id, id).await? {
            Some(parent) => Some(parent),
            None => return Ok(Err(Invalid::Parent)),
        },
    };
    let in_reply_to = match &parent {
        None => urls
            .post_object(&new.post.slug, new.post.publication)
            .to_string(),
        Some(parent) => parent.ap_id.clone(),
    };
    let html = sanitize::comment_html(&markdown::comment_to_html(text));
    // A writer is recognised by their e-mail (as WordPress does); without one, every comment
    // is a first one.
    let author = match &email {
        Some(email) => format!("urn:feder:web:{}", &hash(email)[..32]),
        None => format!("urn:feder:web:{}", uuid::Uuid::new_v4().simple()),
    };
    let candidate = Candidate {
        post: new.post,
        author: &author,
        html: &html,
        name: Some(name),
        website: website.as_deref(),
        links: sanitize::link_count(&html),
        max_links: rules.max_links,
    };
    let status = comment_policy::initial_status(db, rules.policy, &candidate).await?;
    let key = users::random_token();
    let has_email = email.is_some();
    let txn = crate::db::begin_write(db).await?;
    let row = comment::ActiveModel {
        ap_id: Set(urls.comment(&uuid::Uuid::new_v4().to_string()).to_string()),
        post_id: Set(Some(new.post.id)),
        in_reply_to: Set(in_reply_to),
        author_ap_id: Set(author),
        content_html: Set(html),
        url: Set(None),
        // Published by the blog actor (with consent): then it is one of the blog's notes.
        is_local: Set(new.consent),
        published_at: Set(Utc::now()),
        updated_at: Set(None),
        deleted_at: Set(None),
        status: Set(status.to_string()),
        author_name: Set(Some(name.to_string())),
        kind: Set(comment::WEB.to_string()),
        author_email: Set(email),
        author_website: Set(website),
        federate: Set(new.consent),
        federated_at: Set(None),
        delete_token_hash: Set(Some(hash(&key))),
        // Mails about answers only after the writer confirms (double opt-in); none for what
        // the filter took for spam, so the form cannot be used to send mail to strangers.
        answer_mail: Set(has_email
            .then_some(status)
            .filter(|s| *s != comment::SPAM)
            .map(|_| comment::ANSWER_MAIL_ASKED.to_string())),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    federate_change(&txn, row.id).await?;
    // Held or shown, the owner hears of it; spam and what a filter rejected wait in their folders.
    if row.status != comment::SPAM && row.status != comment::REJECTED {
        comments::notify(&txn, &rules.mails, &row, parent.as_ref()).await?;
    }
    record_mails(&txn, &row, parent.as_ref()).await?;
    txn.commit().await?;
    Ok(Ok(Posted { comment: row, key }))
}

/// Within `txn`, the mails a new web comment brings its writers (the owner's come with the
/// notification): the writer's confirmation (double opt-in), and to the writer of what it
/// answers.
async fn record_mails(
    txn: &impl ConnectionTrait,
    row: &comment::Model,
    parent: Option<&comment::Model>,
) -> AppResult<()> {
    if row.answer_mail.is_some() {
        mail::record(txn, &Mail::ConfirmAnswers { comment_id: row.id }).await?;
    }
    mail::answered(txn, row, parent).await
}

/// An approved, live comment of `post_id`.
async fn shown_comment(
    db: &DatabaseConnection,
    post_id: i32,
    id: i32,
) -> AppResult<Option<comment::Model>> {
    Ok(comment::Entity::find_by_id(id)
        .filter(comment::Column::PostId.eq(post_id))
        .filter(comment::Column::Status.eq(comment::APPROVED))
        .filter(comment::Column::DeletedAt.is_null())
        .one(db)
        .await?)
}

/// The comment replied to in `?reply_to=`, if it can be answered.
pub async fn reply_target(
    db: &DatabaseConnection,
    post_id: i32,
    id: i32,
) -> AppResult<Option<comment::Model>> {
    shown_comment(db, post_id, id).await
}

fn email(input: &str) -> Result<Option<String>, ()> {
    let email = input.trim().to_lowercase();
    if email.is_empty() {
        return Ok(None);
    }
    let valid = email.len() <= 254
        && !email.contains(char::is_whitespace)
        && email.split_once('@').is_some_and(|(user, host)| {
            !user.is_empty() && host.contains('.') && !host.contains('@')
        });
    if valid { Ok(Some(email)) } else { Err(()) }
}

fn website(input: &str) -> Result<Option<String>, ()> {
    let input = input.trim();
    if input.is_empty() {
        return Ok(None);
    }
    let with_scheme = if input.contains("://") {
        input.to_string()
    } else {
        format!("https://{input}")
    };
    match Url::parse(&with_scheme) {
        Ok(url)
            if matches!(url.scheme(), "http" | "https")
                && url.host_str().is_some()
                && url.as_str().len() <= 300 =>
        {
            Ok(Some(url.to_string()))
        }
        _ => Err(()),
    }
}

/// The web comment with `id` if `key` is its secret.
pub async fn find_with_key(
    db: &DatabaseConnection,
    id: i32,
    key: &str,
) -> AppResult<Option<comment::Model>> {
    let Some(found) = comment::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    let matches = found
        .delete_token_hash
        .as_deref()
        .is_some_and(|stored| users::same_secret(stored, &hash(key)))
        // The delete link of the mails to the writer (see `mail::links`).
        || (found.kind == comment::WEB && links::verify(db, Purpose::Delete, id, key).await?);
    Ok(matches.then_some(found))
}

/// Deletes a web comment for its writer: the row stays as a marker so replies keep their place.
/// Returns the comment as it was, or `None` when the key does not fit or it is gone already.
pub async fn delete_by_writer(
    db: &DatabaseConnection,
    id: i32,
    key: &str,
) -> AppResult<Option<comment::Model>> {
    let Some(found) = find_with_key(db, id, key).await? else {
        return Ok(None);
    };
    if found.deleted_at.is_some() {
        return Ok(None);
    }
    let txn = crate::db::begin_write(db).await?;
    let mut row: comment::ActiveModel = found.clone().into();
    row.deleted_at = Set(Some(Utc::now()));
    row.content_html = Set(String::new());
    row.update(&txn).await?;
    federate_change(&txn, found.id).await?;
    txn.commit().await?;
    Ok(Some(found))
}

/// The web comment a mail link (to turn mails about answers `on` or off) is for, if its
/// token fits and the comment is still there.
pub async fn find_with_mail_link(
    db: &DatabaseConnection,
    id: i32,
    on: bool,
    token: &str,
) -> AppResult<Option<comment::Model>> {
    let purpose = if on {
        Purpose::AnswersOn
    } else {
        Purpose::AnswersOff
    };
    let Some(found) = comment::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    let usable = found.kind == comment::WEB
        && found.author_email.is_some()
        && found.deleted_at.is_none()
        && links::verify(db, purpose, id, token).await?;
    Ok(usable.then_some(found))
}

/// Turns mails about answers to web comment `id` on (the double opt-in's confirmation) or off,
/// when `token` is the link's. Returns the comment, or `None` for a link that does not fit.
pub async fn set_answer_mail(
    db: &DatabaseConnection,
    id: i32,
    on: bool,
    token: &str,
) -> AppResult<Option<comment::Model>> {
    let Some(found) = find_with_mail_link(db, id, on, token).await? else {
        return Ok(None);
    };
    let state = if on {
        comment::ANSWER_MAIL_ON
    } else {
        comment::ANSWER_MAIL_OFF
    };
    let mut row: comment::ActiveModel = found.into();
    row.answer_mail = Set(Some(state.to_string()));
    Ok(Some(row.update(db).await?))
}

/// Within `txn`, after web comment `id` changed: when its writer consented and it is shown now
/// but was not published yet, marks it published and records its Create; when it was published
/// and is no longer shown (rejected, spam, deleted), records its Delete. A comment is published
/// at most once: approved again after a Delete, it stays on the page.
pub async fn federate_change(txn: &impl ConnectionTrait, id: i32) -> AppResult<()> {
    let Some(c) = comment::Entity::find_by_id(id).one(txn).await? else {
        return Ok(());
    };
    if c.kind != comment::WEB || !c.federate {
        return Ok(());
    }
    let shown = c.status == comment::APPROVED && c.deleted_at.is_none();
    match (shown, c.federated_at) {
        (true, None) => {
            let mut row: comment::ActiveModel = c.clone().into();
            row.federated_at = Set(Some(Utc::now()));
            row.update(txn).await?;
            let parent_author = remote_parent_author(txn, &c.in_reply_to).await?;
            outbox::record(
                txn,
                &Event::ReplyCreated {
                    comment_id: c.id,
                    parent_author,
                },
            )
            .await
        }
        (false, Some(_)) => {
            outbox::record(
                txn,
                &Event::ReplyDeleted {
                    comment_id: c.id,
                    parent_author: None,
                },
            )
            .await
        }
        _ => Ok(()),
    }
}

/// The fediverse author of the comment `parent` (to mention and deliver to), if it is one.
async fn remote_parent_author(
    txn: &impl ConnectionTrait,
    parent: &str,
) -> AppResult<Option<String>> {
    Ok(comment::Entity::find()
        .filter(comment::Column::ApId.eq(parent))
        .one(txn)
        .await?
        .filter(|p| p.kind != comment::WEB && !p.is_local)
        .map(|p| p.author_ap_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_and_websites() {
        assert_eq!(email(" A@B.example "), Ok(Some("a@b.example".into())));
        assert_eq!(email(""), Ok(None));
        assert!(email("no at sign").is_err() && email("a@b").is_err());
        assert_eq!(
            website("blog.example/me"),
            Ok(Some("https://blog.example/me".into()))
        );
        assert!(website("javascript:alert(1)").is_err());
    }
}
