//! What remote servers send us, read leniently: real servers send strings or arrays, objects or
//! ids, `Public` or `as:Public`, extra LD signatures and proofs. A field that has an unexpected
//! shape is treated as absent rather than failing the whole document.

use crate::error::AppError;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use url::Url;

/// The id of a value that is an id string, or an object (or link) with `id`/`href`.
pub fn id_of(value: &Value) -> Option<Url> {
    match value {
        Value::String(s) => Url::parse(s).ok(),
        Value::Object(map) => map
            .get("id")
            .or_else(|| map.get("href"))
            .and_then(Value::as_str)
            .and_then(|s| Url::parse(s).ok()),
        Value::Array(items) => items.iter().find_map(id_of),
        _ => None,
    }
}

/// Every id in a value that may be one id or a list of them (`to`, `cc`).
pub fn ids_of(value: &Value) -> Vec<String> {
    match value {
        Value::Array(items) => items.iter().flat_map(ids_of).collect(),
        Value::String(s) => vec![normalize_public(s)],
        Value::Object(_) => id_of(value)
            .map(|u| vec![u.to_string()])
            .unwrap_or_default(),
        _ => vec![],
    }
}

fn normalize_public(s: &str) -> String {
    match s {
        "Public" | "as:Public" => crate::federation::PUBLIC.to_string(),
        other => other.to_string(),
    }
}

pub(super) fn lenient_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => Some(s),
        _ => None,
    })
}

pub(super) fn lenient_url<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Url>, D::Error> {
    Ok(id_of(&Value::deserialize(d)?))
}

fn lenient_time<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => DateTime::parse_from_rfc3339(&s)
            .ok()
            .map(|t| t.with_timezone(&Utc)),
        _ => None,
    })
}

/// A `type` that may be a string or a list of strings (JSON-LD allows both).
pub(super) fn type_name<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => s,
        Value::Array(items) => items
            .iter()
            .find_map(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        _ => String::new(),
    })
}

/// The public key block of an actor (`publicKey`, one object or a list).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApKey {
    pub id: String,
    #[serde(default, deserialize_with = "lenient_url")]
    pub owner: Option<Url>,
    pub public_key_pem: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApActor {
    pub id: Url,
    #[serde(rename = "type", deserialize_with = "type_name")]
    pub kind: String,
    #[serde(default, deserialize_with = "lenient_string")]
    pub preferred_username: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub summary: Option<String>,
    #[serde(default)]
    pub url: Value,
    #[serde(default)]
    pub icon: Value,
    pub inbox: Url,
    #[serde(default)]
    pub endpoints: Value,
    #[serde(default, deserialize_with = "lenient_url")]
    pub shared_inbox: Option<Url>,
    #[serde(default)]
    pub public_key: Value,
    #[serde(default)]
    pub also_known_as: Value,
    #[serde(default, deserialize_with = "lenient_url")]
    pub followers: Option<Url>,
}

pub(super) const ACTOR_TYPES: [&str; 5] =
    ["Person", "Service", "Application", "Group", "Organization"];

impl ApActor {
    pub fn check(&self) -> Result<(), AppError> {
        if !ACTOR_TYPES.contains(&self.kind.as_str()) {
            return Err(AppError::BadRequest(format!(
                "{} is a {:?}, not an actor",
                self.id, self.kind
            )));
        }
        if !matches!(self.inbox.scheme(), "http" | "https") {
            return Err(AppError::BadRequest("actor inbox is not http(s)".into()));
        }
        // Else a Follow from one server would make the blog deliver to another one's inbox.
        if !crate::federation::guard::same_origin(&self.inbox, &self.id) {
            return Err(AppError::BadRequest(format!(
                "the inbox of {} is on another server",
                self.id
            )));
        }
        Ok(())
    }

    /// The key with id `key_id`, or the first key when no id is asked for.
    pub fn key(&self, key_id: Option<&str>) -> Option<ApKey> {
        let keys: Vec<ApKey> = match &self.public_key {
            Value::Array(items) => items
                .iter()
                .filter_map(|k| serde_json::from_value(k.clone()).ok())
                .collect(),
            other => serde_json::from_value(other.clone())
                .ok()
                .into_iter()
                .collect(),
        };
        keys.into_iter()
            .filter(|k| k.owner.as_ref().is_none_or(|o| o == &self.id))
            .find(|k| key_id.is_none_or(|wanted| k.id == wanted))
    }

    pub fn shared_inbox(&self) -> Option<Url> {
        self.endpoints
            .get("sharedInbox")
            .and_then(id_of)
            .or_else(|| self.shared_inbox.clone())
            .filter(|u| matches!(u.scheme(), "http" | "https"))
    }

    /// The profile page: `url` when it is on the actor's host (as Mastodon requires).
    pub fn html_url(&self) -> Option<String> {
        let url = match &self.url {
            Value::Array(items) => items.iter().find_map(|i| {
                let is_html = i
                    .get("mediaType")
                    .and_then(Value::as_str)
                    .is_none_or(|t| t == "text/html");
                is_html.then(|| id_of(i)).flatten()
            }),
            other => id_of(other),
        }?;
        (url.host_str() == self.id.host_str() && matches!(url.scheme(), "http" | "https"))
            .then(|| url.to_string())
    }

    pub fn icon_url(&self) -> Option<String> {
        let icon = match &self.icon {
            Value::Array(items) => items.first()?,
            other => other,
        };
        icon.get("url")
            .and_then(id_of)
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .map(|u| u.to_string())
    }
}

/// The activity types the inbox acts on; every other type is `Other` (answered 202, ignored).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActivityKind {
    Follow,
    Undo,
    Accept,
    Reject,
    Create,
    Update,
    Delete,
    Like,
    Announce,
    Move,
    /// FEP-044f: someone asks to quote one of our posts (`instrument`: the quote post).
    QuoteRequest,
    /// GoToSocial: someone asks to reply to a post whose `canReply` wants approval.
    ReplyRequest,
    /// A report about something of ours.
    Flag,
    Other,
}

impl ActivityKind {
    pub fn of(name: &str) -> ActivityKind {
        use ActivityKind::*;
        match name {
            "Follow" => Follow,
            "Undo" => Undo,
            "Accept" => Accept,
            "Reject" => Reject,
            "Create" => Create,
            "Update" => Update,
            "Delete" => Delete,
            "Like" => Like,
            "Announce" => Announce,
            "Move" => Move,
            "QuoteRequest" => QuoteRequest,
            "ReplyRequest" => ReplyRequest,
            "Flag" => Flag,
            _ => Other,
        }
    }
}

fn activity_kind<'de, D: Deserializer<'de>>(d: D) -> Result<(ActivityKind, String), D::Error> {
    let name = type_name(d)?;
    Ok((ActivityKind::of(&name), name))
}

/// Any incoming activity: the parts every type has, which the inbox checks before it acts
/// (`activities` reads each kind whole, typed); the object stays raw.
#[derive(Debug, Clone, Deserialize)]
pub struct Activity {
    #[serde(deserialize_with = "lenient_url_required")]
    pub id: Url,
    /// The type the inbox dispatches on, and the name as sent (for the log).
    #[serde(rename = "type", deserialize_with = "activity_kind")]
    pub kind: (ActivityKind, String),
    #[serde(deserialize_with = "lenient_url_required")]
    pub actor: Url,
    #[serde(default)]
    pub object: Value,
}

pub(super) fn lenient_url_required<'de, D: Deserializer<'de>>(d: D) -> Result<Url, D::Error> {
    id_of(&Value::deserialize(d)?).ok_or_else(|| serde::de::Error::custom("expected a URL"))
}

/// The first text of a language map (`contentMap`, `nameMap`, `summaryMap`).
fn first_of_map(map: &Value) -> Option<String> {
    map.as_object()
        .and_then(|m| m.values().find_map(Value::as_str))
        .map(str::to_string)
}

/// A Note (or Article, Page…) as sent in Create/Update or fetched by id.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApObject {
    pub id: Url,
    #[serde(rename = "type", deserialize_with = "type_name")]
    pub kind: String,
    #[serde(default)]
    pub attributed_to: Value,
    #[serde(default, deserialize_with = "lenient_url")]
    pub in_reply_to: Option<Url>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub name: Option<String>,
    #[serde(default)]
    pub name_map: Value,
    #[serde(default, deserialize_with = "lenient_string")]
    pub summary: Option<String>,
    #[serde(default)]
    pub summary_map: Value,
    #[serde(default, deserialize_with = "lenient_string")]
    pub content: Option<String>,
    #[serde(default)]
    pub content_map: Value,
    #[serde(default)]
    pub url: Value,
    #[serde(default, deserialize_with = "lenient_time")]
    pub published: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "lenient_time")]
    pub updated: Option<DateTime<Utc>>,
    #[serde(default)]
    pub to: Value,
    #[serde(default)]
    pub cc: Value,
    #[serde(default)]
    pub tag: Value,
    /// The post this one quotes: FEP-044f `quote`, or the older `quoteUrl`, `quoteUri` and
    /// `_misskey_quote` that Mastodon and Misskey still send alongside (see `quoted`).
    #[serde(default, deserialize_with = "lenient_url")]
    pub quote: Option<Url>,
    #[serde(default, deserialize_with = "lenient_url")]
    pub quote_url: Option<Url>,
    #[serde(default, deserialize_with = "lenient_url")]
    pub quote_uri: Option<Url>,
    #[serde(default, rename = "_misskey_quote", deserialize_with = "lenient_url")]
    pub misskey_quote: Option<Url>,
    /// Images, audio and video (`Document`, `Image`… with `url`, `mediaType` and `name`).
    #[serde(default)]
    pub attachment: Value,
    /// The conversation it belongs to (FEP-7888; Mastodon's `conversation` is not a URL).
    #[serde(default, deserialize_with = "lenient_url")]
    pub context: Option<Url>,
}

/// One attachment as read: its http(s) URL, media type (else its type) and description.
pub struct ApAttachment {
    pub url: Url,
    pub media_type: String,
    pub name: Option<String>,
}

impl ApObject {
    /// The post this one quotes, by whichever name it was given.
    pub fn quoted(&self) -> Option<&Url> {
        [
            &self.quote,
            &self.quote_url,
            &self.quote_uri,
            &self.misskey_quote,
        ]
        .into_iter()
        .find_map(Option::as_ref)
    }

    /// The author: `attributedTo` as an id, an object, or the first of a list.
    pub fn author(&self) -> Option<Url> {
        id_of(&self.attributed_to)
    }

    /// The HTML content: `content`, else the first entry of `contentMap`.
    pub fn content_html(&self) -> String {
        self.content
            .clone()
            .or_else(|| first_of_map(&self.content_map))
            .unwrap_or_default()
    }

    /// The title: `name`, else the first entry of `nameMap` (as Feder and Mastodon read it).
    pub fn title(&self) -> Option<String> {
        self.name.clone().or_else(|| first_of_map(&self.name_map))
    }

    pub fn html_url(&self) -> Option<String> {
        let url = match &self.url {
            Value::Array(items) => items.iter().find_map(id_of),
            other => id_of(other),
        }?;
        matches!(url.scheme(), "http" | "https").then(|| url.to_string())
    }

    /// Its attachments with an http(s) URL, at most `max`; the rest are dropped.
    pub fn attachments(&self, max: usize) -> Vec<ApAttachment> {
        let items = match &self.attachment {
            Value::Array(items) => items.iter().collect(),
            Value::Object(_) => vec![&self.attachment],
            _ => vec![],
        };
        items
            .into_iter()
            .filter_map(|item| {
                let url = item.get("url").and_then(id_of).or_else(|| id_of(item))?;
                if !matches!(url.scheme(), "http" | "https") {
                    return None;
                }
                let text = |key: &str| item.get(key).and_then(Value::as_str).map(str::to_string);
                let media_type = text("mediaType")
                    .or_else(|| text("type"))
                    .unwrap_or_default();
                let name = text("name").filter(|n| !n.trim().is_empty());
                Some(ApAttachment {
                    url,
                    media_type,
                    name,
                })
            })
            .take(max)
            .collect()
    }

    /// Its summary: `summary`, else the first entry of `summaryMap`.
    pub fn summary_text(&self) -> Option<String> {
        self.summary
            .clone()
            .or_else(|| first_of_map(&self.summary_map))
    }

    pub fn is_public(&self) -> bool {
        ids_of(&self.to)
            .iter()
            .chain(ids_of(&self.cc).iter())
            .any(|a| a == crate::federation::PUBLIC)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_lenient_shapes() {
        let note: ApObject = serde_json::from_value(serde_json::json!({
            "id": "https://a.example/notes/1",
            "type": ["Note"],
            "attributedTo": [{"type": "Person", "id": "https://a.example/u/x"}],
            "inReplyTo": {"id": "https://b.example/posts/p"},
            "contentMap": {"de": "<p>„Grüße“</p>"},
            "name": {"weird": true},
            "published": "not a date",
            "to": "as:Public"
        }))
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(note.kind, "Note");
        assert_eq!(
            note.author().map(|u| u.to_string()).as_deref(),
            Some("https://a.example/u/x")
        );
        assert_eq!(note.content_html(), "<p>„Grüße“</p>");
        assert!(note.name.is_none() && note.published.is_none());
        assert!(note.is_public());
    }

    #[test]
    fn picks_the_right_key() {
        let actor: ApActor = serde_json::from_value(serde_json::json!({
            "id": "https://a.example/u/x", "type": "Person", "inbox": "https://a.example/u/x/inbox",
            "publicKey": [
                {"id": "https://a.example/u/x#k1", "owner": "https://a.example/u/x", "publicKeyPem": "A"},
                {"id": "https://a.example/u/x#k2", "owner": "https://a.example/u/x", "publicKeyPem": "B"}
            ],
            "endpoints": {"sharedInbox": "https://a.example/inbox"}
        }))
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            actor
                .key(Some("https://a.example/u/x#k2"))
                .map(|k| k.public_key_pem),
            Some("B".into())
        );
        assert_eq!(actor.key(None).map(|k| k.public_key_pem), Some("A".into()));
        assert_eq!(
            actor.shared_inbox().map(|u| u.to_string()).as_deref(),
            Some("https://a.example/inbox")
        );
    }
}
