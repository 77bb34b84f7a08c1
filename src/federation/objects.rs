//! The one place where database rows become ActivityPub JSON and incoming JSON becomes rows.
//! Objects are built without `@context`; `with_context` adds it to the top-level document.

use crate::{
    db::entities::{comment, post},
    error::AppResult,
    federation::{PUBLIC, protocol::ApObject},
    render::{escape_html, sanitize},
    state::AppState,
    urls::Urls,
};
use activitypub_federation::config::Data;
use chrono::{DateTime, SecondsFormat, Utc};
use sea_orm::ActiveValue::Set;
use serde_json::{Value, json};
use url::Url;

fn time(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Adds the JSON-LD context. Only terms are defined inline: Fedify and others resolve no
/// context URLs beyond ActivityStreams and security/v1 offline.
pub fn with_context(mut doc: Value) -> Value {
    let context = json!([
        "https://www.w3.org/ns/activitystreams",
        "https://w3id.org/security/v1",
        {
            "Hashtag": "as:Hashtag",
            "sensitive": "as:sensitive",
            "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
            "toot": "http://joinmastodon.org/ns#",
            "discoverable": "toot:discoverable",
            "indexable": "toot:indexable",
            "attributionDomains": {"@id": "toot:attributionDomains", "@type": "@id"},
            "schema": "http://schema.org#",
            "PropertyValue": "schema:PropertyValue",
            "value": "schema:value"
        }
    ]);
    if let Value::Object(map) = &mut doc {
        let mut with = serde_json::Map::with_capacity(map.len() + 1);
        with.insert("@context".into(), context);
        with.append(map);
        return Value::Object(with);
    }
    doc
}

pub async fn blog_actor(data: &Data<AppState>) -> AppResult<Value> {
    let urls = &data.urls;
    let settings = data.settings.current();
    let blog = &settings.blog;
    let icon = blog
        .icon_url
        .clone()
        .unwrap_or_else(|| urls.icon().to_string());
    let media_type = if icon.ends_with(".jpg") || icon.ends_with(".jpeg") {
        "image/jpeg"
    } else {
        "image/png"
    };
    let mut doc = json!({
        "id": urls.actor(),
        "type": "Person",
        "preferredUsername": blog.username,
        "name": blog.title,
        "summary": format!("<p>{}</p>", escape_html(&blog.description)),
        "url": urls.base(),
        "inbox": urls.inbox(),
        "outbox": urls.outbox(),
        "followers": urls.followers(),
        "following": urls.following(),
        "endpoints": {"sharedInbox": urls.shared_inbox()},
        "icon": {"type": "Image", "mediaType": media_type, "url": icon},
        "publicKey": {
            "id": urls.actor_key(),
            "owner": urls.actor(),
            "publicKeyPem": data.actor.public_key_pem,
        },
        "manuallyApprovesFollowers": false,
        "discoverable": true,
        "indexable": true,
        "attributionDomains": [urls.host()],
        "attachment": [{
            "type": "PropertyValue",
            "name": "Blog",
            "value": format!("<a href=\"{0}\" rel=\"me\">{0}</a>", escape_html(urls.base().as_str())),
        }],
    });
    // The profile's banner, when the owner set one in /admin/settings.
    if let (Some(url), Value::Object(map)) = (&settings.header_image_url, &mut doc) {
        map.insert("image".into(), json!({"type": "Image", "url": url}));
    }
    Ok(doc)
}

/// Totals shown with a post.
#[derive(Debug, Clone, Copy, Default)]
pub struct PostCounts {
    pub comments: u64,
    pub likes: u64,
    pub shares: u64,
}

pub fn article(post: &post::Model, counts: PostCounts, urls: &Urls) -> Value {
    let id = urls.post(&post.slug);
    let summary = format!("<p>{}</p>", escape_html(&post.summary));
    let tags: Vec<Value> = post
        .tag_list()
        .iter()
        .map(|t| json!({"type": "Hashtag", "href": urls.tag(t), "name": format!("#{t}")}))
        .collect();
    let mut article = json!({
        "id": id,
        "type": "Article",
        "attributedTo": urls.actor(),
        // Mastodon inserts `name` into its HTML unescaped: escape it here.
        "name": escape_html(&post.title),
        "nameMap": {&post.lang: escape_html(&post.title)},
        "summary": summary,
        "summaryMap": {&post.lang: summary},
        "content": post.body_html,
        "contentMap": {&post.lang: post.body_html},
        "mediaType": "text/html",
        "url": id,
        "published": time(&post.published_at),
        "updated": time(&post.updated_at),
        "to": [PUBLIC],
        "cc": [urls.followers()],
        "tag": tags,
        "sensitive": false,
        "replies": {
            "id": urls.post_replies(&post.slug),
            "type": "OrderedCollection",
            "totalItems": counts.comments,
        },
        "likes": {"id": urls.post_likes(&post.slug), "type": "Collection", "totalItems": counts.likes},
        "shares": {"id": urls.post_shares(&post.slug), "type": "Collection", "totalItems": counts.shares},
    });
    // The cover is `image`, not an `attachment`: Mastodon shows no link-preview card for
    // posts with attachments, and the card (from the page's og:image) is what we want.
    if let Some(cover) = &post.cover_url {
        article["image"] = json!({
            "type": "Image",
            "url": cover,
            "mediaType": image_media_type(cover),
            "name": post.cover_alt.clone().unwrap_or_default(),
        });
    }
    article
}

/// The media type of one of our images, by its extension.
pub fn image_media_type(url: &str) -> &'static str {
    let path = url.split(['?', '#']).next().unwrap_or_default();
    match path
        .rsplit('.')
        .next()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("gif") => "image/gif",
        Some("webp") => "image/webp",
        _ => "image/png",
    }
}

pub fn tombstone(id: &Url, former_type: &str, deleted: &DateTime<Utc>) -> Value {
    json!({"id": id, "type": "Tombstone", "formerType": former_type, "deleted": time(deleted)})
}

/// A reply the blog itself wrote (the owner answering a comment or another blog's post).
pub fn local_note(note: &comment::Model, parent_author: Option<&str>, urls: &Urls) -> Value {
    let mut cc = vec![urls.followers().to_string()];
    let mut tag = vec![];
    if let Some(author) = parent_author {
        cc.push(author.to_string());
        tag.push(json!({"type": "Mention", "href": author}));
    }
    json!({
        "id": note.ap_id,
        "type": "Note",
        "attributedTo": urls.actor(),
        "inReplyTo": note.in_reply_to,
        "content": note.content_html,
        "url": note.url.clone().unwrap_or_else(|| note.ap_id.clone()),
        "published": time(&note.published_at),
        "updated": note.updated_at.as_ref().map(time),
        "to": [PUBLIC],
        "cc": cc,
        "tag": tag,
    })
}

/// An activity of `kind` by the blog actor.
pub fn activity(
    kind: &str,
    id: &Url,
    object: Value,
    to: Vec<String>,
    cc: Vec<String>,
    urls: &Urls,
) -> Value {
    let mut doc = json!({
        "id": id,
        "type": kind,
        "actor": urls.actor(),
        "object": object,
    });
    if !to.is_empty() {
        doc["to"] = json!(to);
    }
    if !cc.is_empty() {
        doc["cc"] = json!(cc);
    }
    doc
}

pub fn follow(follow_id: &Url, target: &str, urls: &Urls) -> Value {
    json!({"id": follow_id, "type": "Follow", "actor": urls.actor(), "object": target})
}

/// The public addressing of everything the blog publishes.
pub fn public_addressing(urls: &Urls) -> (Vec<String>, Vec<String>) {
    (vec![PUBLIC.to_string()], vec![urls.followers().to_string()])
}

pub fn ordered_collection(id: &Url, total: u64, first: Option<Url>) -> Value {
    let mut doc = json!({"id": id, "type": "OrderedCollection", "totalItems": total});
    if let Some(first) = first {
        doc["first"] = json!(first);
    }
    doc
}

pub fn ordered_collection_page(
    id: &Url,
    part_of: &Url,
    items: Vec<Value>,
    next: Option<Url>,
    total: u64,
) -> Value {
    let mut doc = json!({
        "id": id,
        "type": "OrderedCollectionPage",
        "partOf": part_of,
        "totalItems": total,
        "orderedItems": items,
    });
    if let Some(next) = next {
        doc["next"] = json!(next);
    }
    doc
}

/// A remote reply as a comment row (its HTML sanitized); `post_id` and `in_reply_to` are
/// decided by the caller, who knows the thread.
pub fn comment_from_note(
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
        content_html: Set(comment_content(note)),
        url: Set(note.html_url()),
        is_local: Set(false),
        published_at: Set(note.published.filter(|p| *p <= now).unwrap_or(now)),
        updated_at: Set(None),
        deleted_at: Set(None),
        ..Default::default()
    }
}

/// The HTML of a remote note, sanitized for our pages.
pub fn comment_content(note: &ApObject) -> String {
    sanitize::comment_html(&note.content_html())
}
