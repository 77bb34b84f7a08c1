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
    render::{escape_html, i18n::Language, markdown, sanitize},
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

/// A reply written here (the owner answering a comment or another blog's post, or privately
/// a direct message), by `by`: the blog, or the author who wrote it. `ui`, the blog's
/// interface language, introduces a web comment the blog publishes ("Ann wrote:").
pub fn comment_to_note(
    note: &comment::Model,
    by: &LocalActor,
    parent_author: Option<&str>,
    thread: NoteThread,
    ui: &Language,
    urls: &Urls,
) -> Note {
    // An answer to a direct message goes to its one recipient: no Public, no followers.
    let (mut to, mut cc) = match note.direct {
        true => (vec![], vec![]),
        false => (vec![PUBLIC.to_string()], note_followers(by, urls)),
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
            let wrote = escape_html(ui.get("note_wrote"))
                .replace("%s", &format!("<strong>{name}</strong>"));
            format!("<p>{wrote}</p>{}", note.content_html)
        }
        _ => note.content_html.clone(),
    };
    Note {
        id: note.ap_id.clone(),
        kind: "Note".into(),
        attributed_to: by.id(urls),
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

/// The followers a public note of `by` is for: theirs, and the blog's when an author wrote it
/// (the post's readers follow the blog).
pub fn note_followers(by: &LocalActor, urls: &Urls) -> Vec<String> {
    let mut followers = vec![by.followers(urls).to_string()];
    if *by != LocalActor::Blog {
        followers.push(urls.followers().to_string());
    }
    followers
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
        mentions: mentioned(note, urls),
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

/// The first of our actors (the blog, or an author by the form of its id) that `note` names:
/// among its recipients (`to` before `cc`: whom it was sent to), else in a `Mention` tag.
fn mentioned(note: &ApObject, urls: &Urls) -> Option<LocalActor> {
    let ours = |id: &str| {
        Url::parse(id)
            .ok()
            .and_then(|id| LocalActor::from_id(urls, &id))
    };
    let mention = |tag: &Value| {
        if tag.get("type").and_then(Value::as_str) != Some("Mention") {
            return None;
        }
        LocalActor::from_id(urls, &tag.get("href").and_then(id_of)?)
    };
    let tags = match &note.tag {
        Value::Array(tags) => tags.iter().collect(),
        tag => vec![tag],
    };
    ids_of(&note.to)
        .iter()
        .chain(ids_of(&note.cc).iter())
        .find_map(|a| ours(a))
        .or_else(|| tags.into_iter().find_map(mention))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{federation::protocol::OrderedCollectionPage, render::i18n};
    use chrono::Utc;

    fn web_comment() -> comment::Model {
        comment::Model {
            id: 1,
            ap_id: "http://localhost:8080/comments/1".into(),
            post_id: Some(1),
            in_reply_to: "http://localhost:8080/posts/garten".into(),
            author_ap_id: "urn:feder:web:1".into(),
            content_html: "<p>Schön!</p>".into(),
            url: None,
            is_local: true,
            published_at: Utc::now(),
            updated_at: None,
            deleted_at: None,
            status: comment::APPROVED.into(),
            author_name: Some("Zoë <Z>".into()),
            kind: comment::WEB.into(),
            author_email: None,
            author_website: None,
            federate: true,
            federated_at: None,
            delete_token_hash: None,
            reply_request_id: None,
            answer_mail: None,
            direct: false,
        }
    }

    /// A web comment published by a German blog is introduced in German, its writer's name
    /// escaped; an English blog's in English.
    #[test]
    fn a_web_comment_is_introduced_in_the_blogs_language() {
        let urls = Urls::new(Url::parse("http://localhost:8080/").unwrap_or_else(|_| panic!()));
        let replies =
            Url::parse("http://localhost:8080/comments/1/replies").unwrap_or_else(|_| panic!());
        let thread = || NoteThread {
            lang: "de".into(),
            context: None,
            replies: ThreadCollection {
                id: replies.clone(),
                kind: "OrderedCollection".into(),
                attributed_to: None,
                total_items: 0,
                first: OrderedCollectionPage {
                    id: replies.clone(),
                    kind: "OrderedCollectionPage".into(),
                    part_of: replies.clone(),
                    total_items: 0,
                    ordered_items: vec![],
                    next: None,
                },
            },
        };
        let note = web_comment();
        let german = comment_to_note(
            &note,
            &LocalActor::Blog,
            None,
            thread(),
            i18n::language("de"),
            &urls,
        );
        assert_eq!(
            german.content,
            "<p><strong>Zoë &lt;Z&gt;</strong> schrieb:</p><p>Schön!</p>"
        );
        let english = comment_to_note(
            &note,
            &LocalActor::Blog,
            None,
            thread(),
            i18n::language("en"),
            &urls,
        );
        assert!(
            english
                .content
                .starts_with("<p><strong>Zoë &lt;Z&gt;</strong> wrote:</p>"),
            "{}",
            english.content
        );
    }
}
