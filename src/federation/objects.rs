//! The one place where database rows become the typed documents of `protocol` (Article, Note,
//! the actor, collections, activities) and where what other servers send becomes rows.
//! Objects are built without `@context`; `with_context` adds it to the top-level document.

use crate::{
    config::{CommentPolicy, QuotePolicy},
    db::entities::{authorization, comment, mention, post, remote_post, user},
    error::AppResult,
    federation::state::AppState,
    federation::{
        PUBLIC,
        protocol::{
            AcceptInteraction, ApObject, ApplicationActor, Approval, Article, CollectionSummary,
            Endpoints, Follow, Generator, Image, Implementation, InteractionAuthorization,
            InteractionPolicy, ItemsCollection, LanguageMap, Note, OrderedCollection,
            OrderedCollectionPage, Person, PropertyValue, PublicKey, SentActivity, Tag,
            ThreadCollection, Tombstone, ids_of,
        },
    },
    render::{escape_html, sanitize},
    services::{media, posts::PostCounts},
    urls::Urls,
};
use activitypub_federation::config::Data;
use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use serde::Serialize;
use serde_json::{Value, json};
use url::Url;

/// The JSON-LD context of every document we send. Only terms are defined inline: Fedify and
/// others resolve no context URLs beyond ActivityStreams and security/v1 offline.
fn context() -> Value {
    json!([
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
            "value": "schema:value",
            "gts": "https://gotosocial.org/ns#",
            "interactionPolicy": {"@id": "gts:interactionPolicy", "@type": "@id"},
            "canReply": {"@id": "gts:canReply", "@type": "@id"},
            "canLike": {"@id": "gts:canLike", "@type": "@id"},
            "canAnnounce": {"@id": "gts:canAnnounce", "@type": "@id"},
            "canQuote": {"@id": "gts:canQuote", "@type": "@id"},
            "automaticApproval": {"@id": "gts:automaticApproval", "@type": "@id"},
            "implements": {"@id": "https://w3id.org/fep/844e#implements", "@type": "@id", "@container": "@set"},
            "manualApproval": {"@id": "gts:manualApproval", "@type": "@id"},
            "interactingObject": {"@id": "gts:interactingObject", "@type": "@id"},
            "interactionTarget": {"@id": "gts:interactionTarget", "@type": "@id"},
            "ReplyAuthorization": "gts:ReplyAuthorization",
            "QuoteRequest": "https://w3id.org/fep/044f#QuoteRequest",
            "QuoteAuthorization": "https://w3id.org/fep/044f#QuoteAuthorization"
        }
    ])
}

/// A top-level document: `doc` as JSON with the JSON-LD context first.
pub fn with_context(doc: impl Serialize) -> Value {
    match to_json(doc) {
        Value::Object(mut map) => {
            let mut with = serde_json::Map::with_capacity(map.len() + 1);
            with.insert("@context".into(), context());
            with.append(&mut map);
            Value::Object(with)
        }
        other => other,
    }
}

/// `doc` as JSON, for embedding in another document (a collection page's items).
pub fn to_json(doc: impl Serialize) -> Value {
    serde_json::to_value(doc).unwrap_or_else(|e| {
        // Our own structs always serialize; an error here is a bug, logged, not a panic.
        tracing::error!(error = %e, "a document did not serialize");
        Value::Null
    })
}

fn html_paragraph(text: &str) -> String {
    format!("<p>{}</p>", escape_html(text))
}

fn one_language(lang: &str, text: &str) -> LanguageMap {
    LanguageMap::from([(lang.to_string(), text.to_string())])
}

pub async fn blog_actor(data: &Data<AppState>) -> AppResult<Person> {
    let urls = &data.urls;
    let settings = data.settings.current();
    let blog = &settings.blog;
    let icon = blog
        .icon_url
        .clone()
        .unwrap_or_else(|| urls.icon().to_string());
    let base = urls.base();
    Ok(Person {
        id: urls.actor(),
        kind: "Person".into(),
        preferred_username: blog.username.clone(),
        name: blog.title.clone(),
        summary: html_paragraph(&blog.description),
        url: base.clone(),
        inbox: urls.inbox(),
        outbox: urls.outbox(),
        followers: urls.followers(),
        following: Some(urls.following()),
        endpoints: Endpoints {
            shared_inbox: urls.shared_inbox(),
        },
        icon: Image {
            kind: "Image".into(),
            media_type: media::media_type_of(&icon).into(),
            url: icon,
            name: None,
        },
        // The profile's banner, when the owner set one in /admin/settings.
        image: settings.header_image_url.clone().map(|url| Image {
            kind: "Image".into(),
            media_type: media::media_type_of(&url).into(),
            url,
            name: None,
        }),
        public_key: PublicKey {
            id: urls.actor_key(),
            owner: urls.actor(),
            public_key_pem: data.actor.public_key_pem.clone(),
        },
        manually_approves_followers: false,
        discoverable: true,
        indexable: true,
        attribution_domains: vec![urls.host()],
        attachment: vec![PropertyValue {
            kind: "PropertyValue".into(),
            name: "Blog".into(),
            value: format!(
                "<a href=\"{0}\" rel=\"me\">{0}</a>",
                escape_html(base.as_str())
            ),
        }],
        generator: Some(generator(urls)),
    })
}

/// The software behind our actors: the application actor, with what it implements.
fn generator(urls: &Urls) -> Generator {
    Generator {
        id: urls.application(),
        kind: "Application".into(),
        implements: implements(),
    }
}

/// What the software implements, for FEP-844e. Only what a peer cannot see otherwise: the FEP
/// asks not to list what the objects themselves show (FEP-8fcf has its header, FEP-3b86 is in
/// WebFinger, FEP-7888 in every object's `context`).
fn implements() -> Vec<Implementation> {
    let spec = |href: &str, name: &str| {
        Url::parse(href).ok().map(|href| Implementation {
            href,
            name: name.into(),
        })
    };
    spec(
        "https://datatracker.ietf.org/doc/html/rfc9421",
        "RFC-9421: HTTP Message Signatures",
    )
    .into_iter()
    .collect()
}

/// The instance's application actor (FEP-2677). Its name is the host, as Mastodon names its
/// instance actor, so `acct:<host>@<host>` finds it too.
pub fn application_actor(data: &Data<AppState>) -> ApplicationActor {
    let urls = &data.urls;
    let id = urls.application();
    ApplicationActor {
        kind: "Application".into(),
        preferred_username: urls.base().host_str().unwrap_or_default().to_string(),
        name: format!("{} (Feder)", urls.host()),
        url: urls.base().clone(),
        inbox: urls.shared_inbox(),
        outbox: urls.application_outbox(),
        endpoints: Endpoints {
            shared_inbox: urls.shared_inbox(),
        },
        public_key: PublicKey {
            id: urls.application_key(),
            owner: id.clone(),
            public_key_pem: data.application.public_key_pem.clone(),
        },
        // Nobody follows the application: it publishes nothing.
        manually_approves_followers: true,
        implements: implements(),
        id,
    }
}

/// One of the blog's authors as an actor of their own: their profile (bio, avatar) from
/// /admin, their own key, the blog's shared inbox.
pub fn author_actor(data: &AppState, author: &user::Model, public_key_pem: String) -> Person {
    let urls = &data.urls;
    let name = &author.username;
    let icon = author
        .avatar_url
        .clone()
        .filter(|a| !a.trim().is_empty())
        .unwrap_or_else(|| urls.icon().to_string());
    let display_name = if author.display_name.trim().is_empty() {
        name.clone()
    } else {
        author.display_name.clone()
    };
    Person {
        id: urls.author_actor(name),
        kind: "Person".into(),
        preferred_username: name.clone(),
        name: display_name,
        summary: if author.bio.trim().is_empty() {
            String::new()
        } else {
            html_paragraph(&author.bio)
        },
        url: urls.author(name),
        inbox: urls.author_inbox(name),
        outbox: urls.author_outbox(name),
        followers: urls.author_followers(name),
        following: None,
        endpoints: Endpoints {
            shared_inbox: urls.shared_inbox(),
        },
        icon: Image {
            kind: "Image".into(),
            media_type: media::media_type_of(&icon).into(),
            url: icon,
            name: None,
        },
        image: None,
        public_key: PublicKey {
            id: urls.author_key(name),
            owner: urls.author_actor(name),
            public_key_pem,
        },
        manually_approves_followers: false,
        discoverable: true,
        indexable: true,
        // Mastodon credits the author under link previews of pages on these domains.
        attribution_domains: vec![urls.host()],
        attachment: vec![PropertyValue {
            kind: "PropertyValue".into(),
            name: "Blog".into(),
            value: format!(
                "<a href=\"{0}\" rel=\"me\">{0}</a>",
                escape_html(urls.base().as_str())
            ),
        }],
        generator: Some(generator(urls)),
    }
}

/// Who a post is by in the fediverse: the blog actor, or (with author actors) its author.
#[derive(Debug, Clone)]
pub struct Attribution {
    pub actor: Url,
    pub followers: Url,
}

impl Attribution {
    pub fn blog(urls: &Urls) -> Attribution {
        Attribution {
            actor: urls.actor(),
            followers: urls.followers(),
        }
    }

    pub fn author(urls: &Urls, username: &str) -> Attribution {
        Attribution {
            actor: urls.author_actor(username),
            followers: urls.author_followers(username),
        }
    }

    pub fn is_blog(&self, urls: &Urls) -> bool {
        self.actor == urls.actor()
    }
}

fn collection_summary(id: Url, kind: &str, total_items: u64) -> CollectionSummary {
    CollectionSummary {
        id,
        kind: kind.into(),
        total_items,
    }
}

/// `updated` only when the post was edited after it was published (to the second), so that a
/// new post does not arrive as *edited* on GoToSocial.
fn edited_at(post: &post::Model) -> Option<DateTime<Utc>> {
    (post.updated_at.timestamp() > post.published_at.timestamp()).then_some(post.updated_at)
}

/// What servers that show `content` (GoToSocial, Misskey, Akkoma, Pleroma) display: the title as
/// a link to the post, the teaser unless the body already begins with it, then the body.
fn article_content(post: &post::Model, url: &Url, name: &str, summary: &str) -> String {
    let title = format!(
        "<p><strong><a href=\"{}\">{name}</a></strong></p>",
        escape_html(url.as_str())
    );
    let teaser = if post.summary.trim().is_empty()
        || post.body_html.contains(&escape_html(post.summary.trim()))
    {
        String::new()
    } else {
        summary.to_string()
    };
    format!("{title}{teaser}{}", post.body_html)
}

/// Who may do what with a post: the blog's quote policy (or the post's own) and its comment
/// policy (or the post's comments held).
#[derive(Debug, Clone, Copy)]
pub struct PostPolicy {
    pub quote: QuotePolicy,
    pub comments: CommentPolicy,
}

/// Likes and boosts from anyone. Replies as the comment policy has them: from anyone when
/// they are shown at once; held for the owner (`manualApproval`, so GoToSocial asks with a
/// `ReplyRequest` and waits) when they wait; only the blog itself when comments are closed.
/// Quotes follow the quote policy (`services::authorizations` answers the `QuoteRequest`s):
/// the public, the blog's followers, or only the blog — "nobody" as GoToSocial writes it.
fn interaction_policy(urls: &Urls, policy: PostPolicy) -> InteractionPolicy {
    let approval = |who: String, ask: Vec<String>| Approval {
        automatic_approval: vec![who],
        manual_approval: ask,
    };
    let everyone = || approval(PUBLIC.into(), vec![]);
    let blog = urls.actor().to_string();
    InteractionPolicy {
        can_reply: match policy.comments {
            CommentPolicy::Open => everyone(),
            CommentPolicy::FirstTime | CommentPolicy::Approval => {
                approval(blog.clone(), vec![PUBLIC.into()])
            }
            CommentPolicy::Closed => approval(blog.clone(), vec![]),
        },
        can_like: everyone(),
        can_announce: everyone(),
        can_quote: approval(
            match policy.quote {
                QuotePolicy::Anyone => PUBLIC.into(),
                QuotePolicy::Followers => urls.followers().to_string(),
                QuotePolicy::Nobody => blog,
            },
            vec![],
        ),
    }
}

/// A post with its counts and the embedded first page of its `replies`, by `by`.
pub fn article(
    post: &post::Model,
    counts: PostCounts,
    replies: ThreadCollection,
    by: &Attribution,
    policy: PostPolicy,
    urls: &Urls,
) -> Article {
    let id = urls.post(&post.slug);
    let summary = html_paragraph(&post.summary);
    // Mastodon inserts the title into its HTML unescaped: escape it here.
    let name = escape_html(&post.title);
    let content = article_content(post, &id, &name, &summary);
    let tag = post
        .tag_list()
        .iter()
        .map(|t| Tag {
            kind: "Hashtag".into(),
            href: urls.tag(t).to_string(),
            name: Some(format!("#{t}")),
        })
        .collect();
    Article {
        id: id.clone(),
        kind: "Article".into(),
        attributed_to: by.actor.clone(),
        name_map: one_language(&post.lang, &name),
        summary_map: one_language(&post.lang, &summary),
        content_map: one_language(&post.lang, &content),
        content,
        media_type: "text/html".into(),
        url: id,
        published: post.published_at,
        updated: edited_at(post),
        to: vec![PUBLIC.into()],
        cc: article_cc(by, urls),
        tag,
        sensitive: false,
        context: urls.post_context(&post.slug),
        replies,
        likes: collection_summary(urls.post_likes(&post.slug), "Collection", counts.likes),
        shares: collection_summary(urls.post_shares(&post.slug), "Collection", counts.shares),
        // The cover is `image`, not an `attachment`: Mastodon shows no link-preview card for
        // posts with attachments, and the card (from the page's og:image) is what we want.
        image: post.cover_url.as_ref().map(|cover| Image {
            kind: "Image".into(),
            media_type: media::media_type_of(cover).into(),
            url: cover.clone(),
            name: Some(post.cover_alt.clone().unwrap_or_default()),
        }),
        interaction_policy: interaction_policy(urls, policy),
    }
}

/// An author's post is for their followers and, through the blog's boost, the blog's.
fn article_cc(by: &Attribution, urls: &Urls) -> Vec<String> {
    let mut cc = vec![by.followers.to_string()];
    if !by.is_blog(urls) {
        cc.push(urls.followers().to_string());
    }
    cc
}

/// The likes or boosts of a post: their number only.
pub fn reaction_count(id: Url, total: u64) -> CollectionSummary {
    collection_summary(id, "Collection", total)
}

pub fn tombstone(id: &Url, former_type: &str, deleted: &DateTime<Utc>) -> Tombstone {
    Tombstone {
        id: id.clone(),
        kind: "Tombstone".into(),
        former_type: former_type.into(),
        deleted: *deleted,
    }
}

/// What the authorization `row` (on post `slug`) says, served at its own URL.
pub fn authorization(
    row: &authorization::Model,
    slug: &str,
    urls: &Urls,
) -> InteractionAuthorization {
    let kind = if row.kind == authorization::QUOTE {
        "QuoteAuthorization"
    } else {
        "ReplyAuthorization"
    };
    InteractionAuthorization {
        id: urls.authorization(row.id),
        kind: kind.into(),
        attributed_to: urls.actor(),
        interacting_object: row.interacting_object.clone(),
        interaction_target: urls.post(slug),
    }
}

/// The `Accept` of `request` (a QuoteRequest or ReplyRequest of `requester`) granting `row`.
pub fn accept_interaction(
    id: &Url,
    request: Value,
    requester: &str,
    row: &authorization::Model,
    urls: &Urls,
) -> AcceptInteraction {
    AcceptInteraction {
        id: id.clone(),
        kind: "Accept".into(),
        actor: urls.actor(),
        to: vec![requester.to_string()],
        object: request,
        result: urls.authorization(row.id),
    }
}

/// A thread collection of `total` items whose first page (page 1) holds `first_items`.
pub fn thread_collection(
    id: &Url,
    owner: Option<Url>,
    first_items: Vec<String>,
    next: Option<Url>,
    total: u64,
) -> ThreadCollection {
    let items = first_items.into_iter().map(Value::String).collect();
    ThreadCollection {
        id: id.clone(),
        kind: "OrderedCollection".into(),
        attributed_to: owner,
        total_items: total,
        first: ordered_collection_page(&page_url(id, 1), id, items, next, total),
    }
}

/// Page `page` of the collection `id`.
pub fn page_url(id: &Url, page: u64) -> Url {
    let mut url = id.clone();
    url.set_query(Some(&format!("page={page}")));
    url
}

/// Where one of the blog's own notes sits: its language, conversation and replies.
pub struct NoteThread {
    pub lang: String,
    pub context: Option<Url>,
    pub replies: ThreadCollection,
}

/// A reply the blog itself wrote (the owner answering a comment or another blog's post).
pub fn local_note(
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

/// An activity of `kind` by the blog actor.
pub fn activity<O>(
    kind: &str,
    id: &Url,
    object: O,
    to: Vec<String>,
    cc: Vec<String>,
    urls: &Urls,
) -> SentActivity<O> {
    activity_by(&urls.actor(), kind, id, object, to, cc)
}

/// An activity of `kind` by `actor` (the blog, or one of its authors).
pub fn activity_by<O>(
    actor: &Url,
    kind: &str,
    id: &Url,
    object: O,
    to: Vec<String>,
    cc: Vec<String>,
) -> SentActivity<O> {
    SentActivity {
        id: id.clone(),
        kind: kind.into(),
        actor: actor.clone(),
        object,
        to,
        cc,
    }
}

pub fn follow(follow_id: &Url, target: &str, urls: &Urls) -> Follow {
    Follow {
        id: follow_id.clone(),
        kind: "Follow".into(),
        actor: urls.actor(),
        object: target.into(),
    }
}

/// The public addressing of everything the blog publishes.
pub fn public_addressing(urls: &Urls) -> (Vec<String>, Vec<String>) {
    (vec![PUBLIC.to_string()], vec![urls.followers().to_string()])
}

pub fn ordered_collection(id: &Url, total: u64, first: Option<Url>) -> OrderedCollection {
    OrderedCollection {
        id: id.clone(),
        kind: "OrderedCollection".into(),
        total_items: total,
        first,
    }
}

/// Our followers on one server, whole (FEP-8fcf).
pub fn partial_followers(urls: &Urls, items: Vec<String>) -> ItemsCollection {
    ItemsCollection {
        id: urls.followers_synchronization(),
        kind: "OrderedCollection".into(),
        total_items: items.len() as u64,
        ordered_items: items,
    }
}

pub fn ordered_collection_page(
    id: &Url,
    part_of: &Url,
    items: Vec<Value>,
    next: Option<Url>,
    total: u64,
) -> OrderedCollectionPage {
    OrderedCollectionPage {
        id: id.clone(),
        kind: "OrderedCollectionPage".into(),
        part_of: part_of.clone(),
        total_items: total,
        ordered_items: items,
        next,
    }
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

/// A post that mentions the blog, as a row for the owner's list.
pub fn mention_from(object: &ApObject, author: &Url) -> mention::ActiveModel {
    owner_only(object, author, None, mention::PUBLIC)
}

/// A followers-only or direct reply to `parent` (one of our posts or comments), for the owner.
/// Followers-only when addressed to a followers collection (`…/followers` on Mastodon,
/// GoToSocial, Misskey and Pleroma alike), else direct.
pub fn private_reply_from(object: &ApObject, author: &Url, parent: &Url) -> mention::ActiveModel {
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
        content_html: Set(comment_content(object)),
        url: Set(object.html_url()),
        published_at: Set(object.published.filter(|p| *p <= now).unwrap_or(now)),
        received_at: Set(now),
        in_reply_to: Set(in_reply_to.map(Url::to_string)),
        visibility: Set(visibility.to_string()),
        ..Default::default()
    }
}

/// A followed account's post, as a row for the owner's reading list.
pub fn remote_post_from(object: &ApObject, author: &Url) -> remote_post::ActiveModel {
    let now = Utc::now();
    remote_post::ActiveModel {
        ap_id: Set(object.id.to_string()),
        actor_ap_id: Set(author.to_string()),
        kind: Set(object.kind.clone()),
        name: Set(object.title()),
        content_html: Set(comment_content(object)),
        url: Set(object.html_url()),
        published_at: Set(object.published.unwrap_or(now)),
        received_at: Set(now),
        ..Default::default()
    }
}
