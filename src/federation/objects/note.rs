//! Notes both ways: the blog's own replies as `Note`s (`comment_to_note`), and what other
//! servers send as the services read it (`note_to_remote_note`: its HTML sanitized, its links
//! counted in what was sent, its addressing reduced to who may see it), whichever list it
//! then goes to.

use super::text::one_language;
use crate::{
    db::entities::comment,
    federation::{
        PUBLIC,
        protocol::{ApObject, Note, Tag, ThreadCollection, id_of, ids_of},
    },
    render::{escape_html, markdown, sanitize},
    services::{
        local_actor::LocalActor,
        remote_notes::{Attachment, Audience, RemoteNote},
    },
    urls::Urls,
};
use serde_json::Value;
use url::Url;

/// Where one of the blog's own notes sits: its language, conversation and replies.
pub struct NoteThread {
    pub lang: String,
    pub context: Option<Url>,
    pub replies: ThreadCollection,
}

/// A reply the blog itself wrote (the owner answering a comment or another blog's post, or
/// privately a direct message).
pub fn comment_to_note(
    note: &comment::Model,
    parent_author: Option<&str>,
    thread: NoteThread,
    urls: &Urls,
) -> Note {
    // An answer to a direct message goes to its one recipient: no Public, no followers.
    let (mut to, mut cc) = match note.direct {
        true => (vec![], vec![]),
        false => (vec![PUBLIC.to_string()], vec![urls.followers().to_string()]),
    };
    let mut tag = vec![];
    if let Some(author) = parent_author {
        match note.direct {
            true => to.push(author.to_string()),
            false => cc.push(author.to_string()),
        }
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
        to,
        cc,
        tag,
        context: thread.context,
        replies: thread.replies,
    }
}

/// A remote note, by `author` (checked by the caller to be its author, on its server).
pub fn note_to_remote_note(note: &ApObject, author: &Url, urls: &Urls) -> RemoteNote {
    let html = note.content_html();
    RemoteNote {
        id: note.id.clone(),
        author: author.clone(),
        kind: note.kind.clone(),
        in_reply_to: note.in_reply_to.clone(),
        title: note.title(),
        content_html: sanitize::comment_html(&html),
        article_html: matches!(note.kind.as_str(), "Article" | "Page")
            .then(|| sanitize::article_html(&html, &note.id)),
        links: sanitize::link_count(&html),
        url: note.html_url(),
        published: note.published,
        updated: note.updated,
        audience: audience(note),
        mentions_blog: mentions(note, urls),
        quotes: note.quoted().cloned(),
        summary: note
            .summary_text()
            .map(|s| markdown::plain_text(&s))
            .filter(|s| !s.is_empty()),
        attachments: note
            .attachments(MAX_ATTACHMENTS)
            .into_iter()
            .map(|a| Attachment {
                url: a.url.to_string(),
                media_type: a.media_type,
                alt: a.name,
            })
            .collect(),
        context: note.context.clone(),
    }
}

/// More than Mastodon allows on a post (4) and Misskey (16): enough for any real one.
const MAX_ATTACHMENTS: usize = 16;

/// Public (or unlisted); else followers-only when addressed to a followers collection
/// (`…/followers` on Mastodon, GoToSocial, Misskey and Pleroma alike); else direct.
fn audience(note: &ApObject) -> Audience {
    if note.is_public() {
        return Audience::Public;
    }
    let recipients = ids_of(&note.to).into_iter().chain(ids_of(&note.cc));
    if recipients.into_iter().any(|a| a.ends_with("/followers")) {
        Audience::Followers
    } else {
        Audience::Direct
    }
}

/// Whether `note` names one of our actors (the blog, or an author by the form of its id): a
/// `Mention` tag, or among its recipients.
fn mentions(note: &ApObject, urls: &Urls) -> bool {
    let ours = |id: &Url| LocalActor::from_id(urls, id).is_some();
    let is_mention = |tag: &Value| {
        tag.get("type").and_then(Value::as_str) == Some("Mention")
            && tag.get("href").and_then(id_of).as_ref().is_some_and(ours)
    };
    let tagged = match &note.tag {
        Value::Array(tags) => tags.iter().any(is_mention),
        tag => is_mention(tag),
    };
    tagged
        || ids_of(&note.to)
            .iter()
            .chain(ids_of(&note.cc).iter())
            .filter_map(|a| Url::parse(a).ok())
            .any(|a| ours(&a))
}
