//! Notes both ways: the blog's own replies as `Note`s (`comment_to_note`), and what other
//! servers send as rows — a reply as a comment (`note_to_comment`), a mention or a private
//! reply for the owner, a followed account's post for the reading list.

use super::text::one_language;
use crate::{
    db::entities::{comment, mention, remote_post},
    federation::{
        PUBLIC,
        protocol::{ApObject, Note, Tag, ThreadCollection, ids_of},
    },
    render::{escape_html, sanitize},
    urls::Urls,
};
use chrono::Utc;
use sea_orm::ActiveValue::Set;
use url::Url;

/// Where one of the blog's own notes sits: its language, conversation and replies.
pub struct NoteThread {
    pub lang: String,
    pub context: Option<Url>,
    pub replies: ThreadCollection,
}

/// A reply the blog itself wrote (the owner answering a comment or another blog's post).
pub fn comment_to_note(
    note: &comment::Model,
    parent_author: Option<&str>,
    thread: NoteThread,
    urls: &Urls,
) -> Note {
    let mut cc = vec![urls.followers().to_string()];
    let mut tag = vec![];
    if let Some(author) = parent_author {
        cc.push(author.to_string());
        tag.push(Tag {
            kind: "Mention".into(),
            href: author.to_string(),
            name: None,
        });
    }
    // A reader's comment from the web form, published by the blog in their name.
    let content = match (note.kind.as_str(), &note.author_name) {
        (comment::WEB, Some(name)) => {
            let name = match &note.author_website {
                Some(site) => format!(
                    "<a href=\"{}\">{}</a>",
                    escape_html(site),
                    escape_html(name)
                ),
                None => escape_html(name),
            };
            format!("<p><strong>{name}</strong> wrote:</p>{}", note.content_html)
        }
        _ => note.content_html.clone(),
    };
    Note {
        id: note.ap_id.clone(),
        kind: "Note".into(),
        attributed_to: urls.actor(),
        in_reply_to: note.in_reply_to.clone(),
        content_map: one_language(&thread.lang, &content),
        content,
        url: note.url.clone().unwrap_or_else(|| note.ap_id.clone()),
        published: note.published_at,
        updated: note.updated_at,
        to: vec![PUBLIC.into()],
        cc,
        tag,
        context: thread.context,
        replies: thread.replies,
    }
}

/// A remote reply as a comment row (its HTML sanitized); `post_id` and `in_reply_to` are
/// decided by the caller, who knows the thread.
pub fn note_to_comment(
    note: &ApObject,
    author: &Url,
    post_id: i32,
    in_reply_to: &Url,
    status: &str,
) -> comment::ActiveModel {
    let now = Utc::now();
    comment::ActiveModel {
        status: Set(status.to_string()),
        ap_id: Set(note.id.to_string()),
        post_id: Set(Some(post_id)),
        in_reply_to: Set(in_reply_to.to_string()),
        author_ap_id: Set(author.to_string()),
        content_html: Set(note_to_html(note)),
        url: Set(note.html_url()),
        is_local: Set(false),
        published_at: Set(note.published.filter(|p| *p <= now).unwrap_or(now)),
        updated_at: Set(None),
        deleted_at: Set(None),
        ..Default::default()
    }
}

/// The HTML of a remote note, sanitized for our pages.
pub fn note_to_html(note: &ApObject) -> String {
    sanitize::comment_html(&note.content_html())
}

/// A post that mentions the blog, as a row for the owner's list.
pub fn note_to_mention(object: &ApObject, author: &Url) -> mention::ActiveModel {
    owner_only(object, author, None, mention::PUBLIC)
}

/// A followers-only or direct reply to `parent` (one of our posts or comments), for the owner.
/// Followers-only when addressed to a followers collection (`…/followers` on Mastodon,
/// GoToSocial, Misskey and Pleroma alike), else direct.
pub fn note_to_private_reply(
    object: &ApObject,
    author: &Url,
    parent: &Url,
) -> mention::ActiveModel {
    let to_followers = ids_of(&object.to)
        .iter()
        .chain(ids_of(&object.cc).iter())
        .any(|a| a.ends_with("/followers"));
    let visibility = if to_followers {
        mention::FOLLOWERS
    } else {
        mention::DIRECT
    };
    owner_only(object, author, Some(parent), visibility)
}

fn owner_only(
    object: &ApObject,
    author: &Url,
    in_reply_to: Option<&Url>,
    visibility: &str,
) -> mention::ActiveModel {
    let now = Utc::now();
    mention::ActiveModel {
        ap_id: Set(object.id.to_string()),
        author_ap_id: Set(author.to_string()),
        content_html: Set(note_to_html(object)),
        url: Set(object.html_url()),
        published_at: Set(object.published.filter(|p| *p <= now).unwrap_or(now)),
        received_at: Set(now),
        in_reply_to: Set(in_reply_to.map(Url::to_string)),
        visibility: Set(visibility.to_string()),
        ..Default::default()
    }
}

/// A followed account's post (a Note, an Article, a Page…), as a row for the owner's reading
/// list.
pub fn note_to_remote_post(object: &ApObject, author: &Url) -> remote_post::ActiveModel {
    let now = Utc::now();
    remote_post::ActiveModel {
        ap_id: Set(object.id.to_string()),
        actor_ap_id: Set(author.to_string()),
        kind: Set(object.kind.clone()),
        name: Set(object.title()),
        content_html: Set(note_to_html(object)),
        url: Set(object.html_url()),
        published_at: Set(object.published.unwrap_or(now)),
        received_at: Set(now),
        ..Default::default()
    }
}
