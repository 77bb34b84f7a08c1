//! What Feder sends and serves, typed: each struct serializes to exactly the JSON other servers
//! read (field names in ActivityStreams camelCase, times as RFC 3339 seconds in UTC). Building
//! them from rows is `federation::objects`' job; `objects::document::with_context` adds the
//! JSON-LD context at the top level.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;
use std::collections::BTreeMap;
use url::Url;

/// Times as other servers write them: `2026-12-01T10:00:00Z`.
mod time {
    use super::*;

    pub fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&t.to_rfc3339_opts(SecondsFormat::Secs, true))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let text = String::deserialize(d)?;
        DateTime::parse_from_rfc3339(&text)
            .map(|t| t.with_timezone(&Utc))
            .map_err(serde::de::Error::custom)
    }
}

mod optional_time {
    use super::*;

    pub fn serialize<S: Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => super::time::serialize(t, s),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|text| {
                DateTime::parse_from_rfc3339(&text)
                    .map(|t| t.with_timezone(&Utc))
                    .map_err(serde::de::Error::custom)
            })
            .transpose()
    }
}

/// Text per language (`nameMap`, `summaryMap`, `contentMap`).
pub type LanguageMap = BTreeMap<String, String>;

/// A blog's actor (the blog itself is a `Person`, so every server shows and follows it), or
/// one of its authors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Person {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: String,
    pub preferred_username: String,
    pub name: String,
    pub summary: String,
    pub url: Url,
    pub inbox: Url,
    pub outbox: Url,
    pub followers: Url,
    /// The blog's; authors follow no one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub following: Option<Url>,
    pub endpoints: Endpoints,
    pub icon: Image,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<Image>,
    pub public_key: PublicKey,
    pub manually_approves_followers: bool,
    pub discoverable: bool,
    pub indexable: bool,
    pub attribution_domains: Vec<String>,
    pub attachment: Vec<PropertyValue>,
    /// The software behind the actor, with what it implements (FEP-844e).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generator: Option<Generator>,
    /// Other accounts of the same owner, which may move here (`feder alias`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub also_known_as: Vec<Url>,
    /// The account this one moved to (`feder move`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moved_to: Option<Url>,
}

/// The instance's `Application` actor (FEP-2677), shaped like Mastodon's instance actor: it
/// signs our fetches and says what the software implements (FEP-844e).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationActor {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: String,
    pub preferred_username: String,
    pub name: String,
    pub url: Url,
    pub inbox: Url,
    pub outbox: Url,
    pub endpoints: Endpoints,
    pub public_key: PublicKey,
    pub manually_approves_followers: bool,
    pub implements: Vec<Implementation>,
}

/// An actor's `generator`: the application actor, with its `implements` (FEP-844e).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Generator {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: String,
    pub implements: Vec<Implementation>,
}

/// One implemented specification (a `Link`, FEP-844e).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Implementation {
    pub href: Url,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Endpoints {
    pub shared_inbox: Url,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PublicKey {
    pub id: String,
    pub owner: Url,
    pub public_key_pem: String,
}

/// A profile field (Mastodon shows these as a table under the bio).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PropertyValue {
    #[serde(rename = "type")]
    pub kind: String,
    pub name: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Image {
    #[serde(rename = "type")]
    pub kind: String,
    pub media_type: String,
    pub url: String,
    /// The alt text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// A `tag` entry: a `Hashtag` (with `name` `#tag`) or a `Mention` (with the actor as `href`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tag {
    #[serde(rename = "type")]
    pub kind: String,
    pub href: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// A collection referred to from an object, with its size (`replies`, `likes`, `shares`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CollectionSummary {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: String,
    pub total_items: u64,
}

/// A thread collection (`replies`, or a conversation's `context`) with its first page embedded:
/// GoToSocial follows only an embedded first page, then its `next` links.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ThreadCollection {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: String,
    /// Who owns the conversation (FEP-7888), on `context` only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attributed_to: Option<Url>,
    pub total_items: u64,
    pub first: OrderedCollectionPage,
}

/// A post of the blog. The title and teaser are sent only as `nameMap` and `summaryMap`, never as
/// plain `name`/`summary`: Mastodon reads the maps (title `<h2>`, teaser, link), while GoToSocial
/// and Misskey read only plain `summary`/`name` and would show them as a content warning over a
/// collapsed body. `content` therefore starts with the linked title (see docs/federation.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Article {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: String,
    pub attributed_to: Url,
    /// The title; none for a note (Mastodon would show a `Note`'s `name` as its text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_map: Option<LanguageMap>,
    /// The teaser; none for a note (Mastodon shows a `Note`'s summary as a content warning).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary_map: Option<LanguageMap>,
    pub content: String,
    pub content_map: LanguageMap,
    pub media_type: String,
    pub url: Url,
    #[serde(with = "time")]
    pub published: DateTime<Utc>,
    /// Only after a real edit: GoToSocial marks any post with `updated` as edited.
    #[serde(
        default,
        with = "optional_time",
        skip_serializing_if = "Option::is_none"
    )]
    pub updated: Option<DateTime<Utc>>,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub tag: Vec<Tag>,
    pub sensitive: bool,
    /// The conversation (FEP-7888): a collection of the post and every comment.
    pub context: Url,
    pub replies: ThreadCollection,
    pub likes: CollectionSummary,
    pub shares: CollectionSummary,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<Image>,
    pub interaction_policy: InteractionPolicy,
}

/// Who may do what with a post, as GoToSocial publishes it and Mastodon 4.5 reads `canQuote`:
/// `automaticApproval` lists who is approved without asking.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InteractionPolicy {
    pub can_reply: Approval,
    pub can_like: Approval,
    pub can_announce: Approval,
    pub can_quote: Approval,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Approval {
    pub automatic_approval: Vec<String>,
    /// Who may ask (a `QuoteRequest`, GoToSocial's `ReplyRequest`) and wait for the owner.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub manual_approval: Vec<String>,
}

/// Permission the blog granted, served at its `id` (FEP-044f `QuoteAuthorization`, GoToSocial's
/// `ReplyAuthorization`): Mastodon and GoToSocial dereference it to check a quote or a reply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InteractionAuthorization {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: String,
    pub attributed_to: Url,
    /// The quote post or the reply.
    pub interacting_object: String,
    /// Our post.
    pub interaction_target: Url,
}

/// The `Accept` of a QuoteRequest or ReplyRequest: `result` is the authorization.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AcceptInteraction {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: String,
    pub actor: Url,
    pub to: Vec<String>,
    pub object: RequestEcho,
    pub result: Url,
}

/// A QuoteRequest or ReplyRequest as the `object` of our `Accept` or `Reject`: ids only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestEcho {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub actor: String,
    pub object: String,
    pub instrument: String,
}

/// A reply the blog wrote.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Note {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub attributed_to: Url,
    pub in_reply_to: String,
    pub content: String,
    pub content_map: LanguageMap,
    pub url: String,
    #[serde(with = "time")]
    pub published: DateTime<Utc>,
    #[serde(with = "optional_time")]
    pub updated: Option<DateTime<Utc>>,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub tag: Vec<Tag>,
    /// The post's conversation when the note is in one of our threads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<Url>,
    pub replies: ThreadCollection,
}

/// The blog's quote of a remote post (FEP-044f), the `instrument` of its QuoteRequest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QuoteNote {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: String,
    pub attributed_to: Url,
    pub content: String,
    /// The post quoted, by FEP-044f's name and by the older one Mastodon also reads.
    pub quote: Url,
    pub quote_url: Url,
    #[serde(with = "time")]
    pub published: DateTime<Utc>,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    /// The author's server's consent, once it accepted (FEP-044f: others check it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quote_authorization: Option<Url>,
}

/// The blog asks the author of `object` to let `instrument` quote it (FEP-044f).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuoteRequest {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: String,
    pub actor: Url,
    pub object: Url,
    pub instrument: QuoteNote,
    pub to: Vec<String>,
}

/// The blog's Like or Announce of a remote post, as its Undo names it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reacted {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: String,
    pub actor: Url,
    pub object: Url,
}

/// What a deleted post or reply is now, or anything of a retired blog (whose former type and
/// time may be unknown).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tombstone {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub former_type: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "optional_time"
    )]
    pub deleted: Option<DateTime<Utc>>,
}

/// A collection's front page: its size and, when it has items, its first page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderedCollection {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: String,
    pub total_items: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first: Option<Url>,
}

/// A collection served whole, by id (the partial followers collection of FEP-8fcf).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemsCollection {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: String,
    pub total_items: u64,
    pub ordered_items: Vec<String>,
}

/// One page of a collection; items are documents or ids.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderedCollectionPage {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: String,
    pub part_of: Url,
    pub total_items: u64,
    pub ordered_items: Vec<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<Url>,
}

/// An activity by the blog actor. `object` is a document (Article, Note, Tombstone, Follow…) or
/// the id of one; `to`/`cc` are left out when empty.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SentActivity<O> {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: String,
    pub actor: Url,
    pub object: O,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub to: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cc: Vec<String>,
}

/// `Move` of one of our actors (`actor` and `object`) to its new account, `target`: what
/// Mastodon sends, and acts on after checking that `target` names the old one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SentMove {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: String,
    pub actor: Url,
    pub object: Url,
    pub target: Url,
    pub to: Vec<String>,
}

/// The blog's Follow of an account (sent, and inside its Undo).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Follow {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: String,
    pub actor: Url,
    pub object: String,
}

/// The blog's report (`Flag`), as Mastodon sends one: `object` the reported actor, then what of
/// theirs is reported; `content` the reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SentFlag {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: String,
    pub actor: Url,
    pub object: Vec<Url>,
    pub content: String,
}

/// Every activity the blog and its authors send, typed until it is serialized, once, into the
/// delivery queue (`federation::outbox` builds them). The documents are boxed: an Article is
/// ten times the size of a Follow.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum OutboxActivity {
    /// `Create` or `Update` of a post.
    Article(Box<SentActivity<Article>>),
    /// `Create` or `Update` of one of the blog's replies.
    Note(Box<SentActivity<Note>>),
    /// `Delete` of a post or a reply.
    Tombstone(SentActivity<Tombstone>),
    /// `Update` of an author's actor.
    Person(Box<SentActivity<Person>>),
    /// `Announce` of a post, `Delete` of an authorization or of one of our actors: the object
    /// by its id.
    Id(SentActivity<Url>),
    /// `Move` of one of our actors.
    Move(SentMove),
    /// The blog's `Follow`.
    Follow(Follow),
    /// `Undo` of the blog's Follow; `Accept` or `Reject` of a follower's.
    FollowAnswer(SentActivity<Follow>),
    /// `Accept` of a QuoteRequest or ReplyRequest.
    AcceptInteraction(AcceptInteraction),
    /// `Reject` of a QuoteRequest or ReplyRequest.
    RejectInteraction(SentActivity<RequestEcho>),
    /// The blog's `QuoteRequest` of a remote post (from the Reader).
    QuoteRequest(Box<QuoteRequest>),
    /// `Undo` of the blog's Like or Announce of a remote post.
    UndoReaction(SentActivity<Reacted>),
    /// The blog's report of a remote account's post.
    Flag(SentFlag),
}

impl OutboxActivity {
    pub fn id(&self) -> &Url {
        match self {
            Self::Article(a) => &a.id,
            Self::Note(a) => &a.id,
            Self::Tombstone(a) => &a.id,
            Self::Person(a) => &a.id,
            Self::Id(a) => &a.id,
            Self::Move(m) => &m.id,
            Self::Follow(f) => &f.id,
            Self::FollowAnswer(a) => &a.id,
            Self::AcceptInteraction(a) => &a.id,
            Self::RejectInteraction(a) => &a.id,
            Self::QuoteRequest(q) => &q.id,
            Self::UndoReaction(a) => &a.id,
            Self::Flag(f) => &f.id,
        }
    }

    pub fn kind(&self) -> &str {
        match self {
            Self::Article(a) => &a.kind,
            Self::Note(a) => &a.kind,
            Self::Tombstone(a) => &a.kind,
            Self::Person(a) => &a.kind,
            Self::Id(a) => &a.kind,
            Self::Move(m) => &m.kind,
            Self::Follow(f) => &f.kind,
            Self::FollowAnswer(a) => &a.kind,
            Self::AcceptInteraction(a) => &a.kind,
            Self::RejectInteraction(a) => &a.kind,
            Self::QuoteRequest(q) => &q.kind,
            Self::UndoReaction(a) => &a.kind,
            Self::Flag(f) => &f.kind,
        }
    }

    /// Who sends it: the blog or one of its authors.
    pub fn actor(&self) -> &Url {
        match self {
            Self::Article(a) => &a.actor,
            Self::Note(a) => &a.actor,
            Self::Tombstone(a) => &a.actor,
            Self::Person(a) => &a.actor,
            Self::Id(a) => &a.actor,
            Self::Move(m) => &m.actor,
            Self::Follow(f) => &f.actor,
            Self::FollowAnswer(a) => &a.actor,
            Self::AcceptInteraction(a) => &a.actor,
            Self::RejectInteraction(a) => &a.actor,
            Self::QuoteRequest(q) => &q.actor,
            Self::UndoReaction(a) => &a.actor,
            Self::Flag(f) => &f.actor,
        }
    }

    /// The id of its object (what `/admin/deliveries` lists the activity under).
    pub fn object_id(&self) -> Option<String> {
        match self {
            Self::Article(a) => Some(a.object.id.to_string()),
            Self::Note(a) => Some(a.object.id.clone()),
            Self::Tombstone(a) => Some(a.object.id.to_string()),
            Self::Person(a) => Some(a.object.id.to_string()),
            Self::Id(a) => Some(a.object.to_string()),
            Self::Move(m) => Some(m.object.to_string()),
            Self::Follow(f) => Some(f.object.clone()),
            Self::FollowAnswer(a) => Some(a.object.id.to_string()),
            Self::AcceptInteraction(a) => Some(a.object.id.clone()),
            Self::RejectInteraction(a) => Some(a.object.id.clone()),
            Self::QuoteRequest(q) => Some(q.object.to_string()),
            Self::UndoReaction(a) => Some(a.object.object.to_string()),
            Self::Flag(f) => f.object.last().map(Url::to_string),
        }
    }

    /// Whether `collection` is among its recipients (`to` or `cc`).
    pub fn addresses(&self, collection: &str) -> bool {
        let (to, cc): (&[String], &[String]) = match self {
            Self::Article(a) => (&a.to, &a.cc),
            Self::Note(a) => (&a.to, &a.cc),
            Self::Tombstone(a) => (&a.to, &a.cc),
            Self::Person(a) => (&a.to, &a.cc),
            Self::Id(a) => (&a.to, &a.cc),
            Self::Move(m) => (&m.to, &[]),
            Self::Follow(_) => (&[], &[]),
            Self::FollowAnswer(a) => (&a.to, &a.cc),
            Self::AcceptInteraction(a) => (&a.to, &[]),
            Self::RejectInteraction(a) => (&a.to, &a.cc),
            Self::QuoteRequest(q) => (&q.to, &[]),
            Self::UndoReaction(a) => (&a.to, &a.cc),
            Self::Flag(_) => (&[], &[]),
        };
        to.iter().chain(cc).any(|r| r == collection)
    }
}
