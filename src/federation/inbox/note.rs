//! A remote note as the services read it (`note_to_remote_note`): its HTML sanitized, its
//! links counted in what was sent, its addressing reduced to who may see it.

use crate::{
    federation::protocol::{ApObject, id_of, ids_of},
    render::sanitize,
    services::remote_notes::{Audience, RemoteNote},
    urls::Urls,
};
use serde_json::Value;
use url::Url;

/// `note`, by `author` (checked by the caller to be its author, on its server).
pub fn note_to_remote_note(note: &ApObject, author: &Url, urls: &Urls) -> RemoteNote {
    let html = note.content_html();
    RemoteNote {
        id: note.id.clone(),
        author: author.clone(),
        kind: note.kind.clone(),
        in_reply_to: note.in_reply_to.clone(),
        title: note.title(),
        content_html: sanitize::comment_html(&html),
        links: sanitize::link_count(&html),
        url: note.html_url(),
        published: note.published,
        updated: note.updated,
        audience: audience(note),
        mentions_blog: mentions(note, &urls.actor()),
        quotes: note.quoted().cloned(),
    }
}

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

/// Whether `note` names `actor`: a `Mention` tag, or among its recipients.
fn mentions(note: &ApObject, actor: &Url) -> bool {
    let is_mention = |tag: &Value| {
        tag.get("type").and_then(Value::as_str) == Some("Mention")
            && tag.get("href").and_then(id_of).as_ref() == Some(actor)
    };
    let tagged = match &note.tag {
        Value::Array(tags) => tags.iter().any(is_mention),
        tag => is_mention(tag),
    };
    tagged
        || ids_of(&note.to)
            .iter()
            .chain(ids_of(&note.cc).iter())
            .any(|a| a == actor.as_str())
}
