//! The activities the inbox acts on, one typed struct each (with a typed object), read as
//! leniently as the rest of `received`: ids as strings or objects, objects embedded or by id,
//! extra fields ignored. What lacks a part its kind needs is refused as a bad request
//! (`read`); the inbox's handlers (`federation::inbox`) take them from there.

use super::received::{
    ACTOR_TYPES, ApActor, ApObject, lenient_url, lenient_url_required, type_name,
};
use crate::error::{AppError, AppResult};
use serde::{Deserialize, Deserializer, de::DeserializeOwned};
use serde_json::Value;
use url::Url;

/// The activity `raw` as a `T`, or a bad request saying what it lacks.
pub fn read<T: DeserializeOwned>(raw: Value, what: &str) -> AppResult<T> {
    serde_json::from_value(raw).map_err(|e| AppError::BadRequest(format!("not a {what}: {e}")))
}

/// The object of an activity: embedded, or only its id.
#[derive(Debug, Clone)]
pub enum Embedded<T> {
    Object(T),
    Id(Url),
}

impl<T: DeserializeOwned> Embedded<T> {
    fn from_value(value: Value) -> Result<Embedded<T>, String> {
        match value {
            Value::String(s) => Url::parse(&s).map(Embedded::Id).map_err(|e| e.to_string()),
            // A list where one was expected: its first (JSON-LD allows both).
            Value::Array(items) => match items.into_iter().next() {
                Some(first) => Embedded::from_value(first),
                None => Err("an empty list".into()),
            },
            Value::Object(_) => serde_json::from_value(value)
                .map(Embedded::Object)
                .map_err(|e| e.to_string()),
            other => Err(format!("{other} is neither an object nor an id")),
        }
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Embedded<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Embedded::from_value(Value::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

impl Embedded<ApObject> {
    pub fn id(&self) -> &Url {
        match self {
            Embedded::Object(object) => &object.id,
            Embedded::Id(id) => id,
        }
    }
}

/// `Follow`: the actor asks to follow `object` (the blog, or one of its authors).
#[derive(Debug, Clone, Deserialize)]
pub struct Follow {
    #[serde(deserialize_with = "lenient_url_required")]
    pub id: Url,
    #[serde(deserialize_with = "lenient_url_required")]
    pub actor: Url,
    #[serde(deserialize_with = "lenient_url_required")]
    pub object: Url,
}

/// `Accept` or `Reject` by the actor asked: of the blog's Follow, or of its `QuoteRequest`
/// (FEP-044f: then `result` is the QuoteAuthorization granted).
#[derive(Debug, Clone, Deserialize)]
pub struct Answer {
    #[serde(deserialize_with = "lenient_url_required")]
    pub actor: Url,
    /// What is answered (its id, or the activity embedded).
    #[serde(default, deserialize_with = "lenient_url")]
    pub object: Option<Url>,
    #[serde(default, deserialize_with = "lenient_url")]
    pub result: Option<Url>,
}

/// `Undo` of an earlier activity of the same actor.
#[derive(Debug, Clone, Deserialize)]
pub struct Undo {
    #[serde(deserialize_with = "lenient_url_required")]
    pub actor: Url,
    pub object: Embedded<Undone>,
}

/// What an Undo takes back, when it is embedded (Mastodon sends the whole Follow or Like).
#[derive(Debug, Clone, Deserialize)]
pub struct Undone {
    #[serde(default, deserialize_with = "lenient_url")]
    pub id: Option<Url>,
    #[serde(default, rename = "type", deserialize_with = "type_name")]
    pub kind: String,
    #[serde(default, deserialize_with = "lenient_url")]
    pub actor: Option<Url>,
    /// What was followed, liked or boosted.
    #[serde(default, deserialize_with = "lenient_url")]
    pub object: Option<Url>,
}

/// `Create`: a post or reply, embedded or by id.
#[derive(Debug, Clone, Deserialize)]
pub struct Create {
    #[serde(deserialize_with = "lenient_url_required")]
    pub actor: Url,
    pub object: Embedded<ApObject>,
}

/// `Update`: of the actor's own profile, or of a post or reply.
#[derive(Debug, Clone, Deserialize)]
pub struct Update {
    #[serde(deserialize_with = "lenient_url_required")]
    pub actor: Url,
    pub object: Updated,
}

/// What an Update changes.
#[derive(Debug, Clone)]
pub enum Updated {
    Actor(Box<ApActor>),
    Object(Box<Embedded<ApObject>>),
}

impl<'de> Deserialize<'de> for Updated {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(d)?;
        let kind = value.get("type").cloned().map(type_name).transpose();
        let is_actor = kind
            .map_err(serde::de::Error::custom)?
            .is_some_and(|k| ACTOR_TYPES.contains(&k.as_str()));
        if is_actor {
            return serde_json::from_value(value)
                .map(|actor| Updated::Actor(Box::new(actor)))
                .map_err(serde::de::Error::custom);
        }
        Embedded::from_value(value)
            .map(|object| Updated::Object(Box::new(object)))
            .map_err(serde::de::Error::custom)
    }
}

/// `Delete` of a post or reply (by id, or a `Tombstone`), or of the actor itself.
#[derive(Debug, Clone, Deserialize)]
pub struct Delete {
    #[serde(deserialize_with = "lenient_url_required")]
    pub actor: Url,
    #[serde(deserialize_with = "lenient_url_required")]
    pub object: Url,
}

/// `Like` or `Announce` (a boost) of `object`.
#[derive(Debug, Clone, Deserialize)]
pub struct Reaction {
    #[serde(deserialize_with = "lenient_url_required")]
    pub id: Url,
    #[serde(deserialize_with = "lenient_url_required")]
    pub actor: Url,
    #[serde(deserialize_with = "lenient_url_required")]
    pub object: Url,
}

/// `Move`: the actor (`object`, the old account) moved to `target`.
#[derive(Debug, Clone, Deserialize)]
pub struct Move {
    #[serde(deserialize_with = "lenient_url_required")]
    pub actor: Url,
    #[serde(deserialize_with = "lenient_url_required")]
    pub object: Url,
    #[serde(deserialize_with = "lenient_url_required")]
    pub target: Url,
}

/// `Flag`: the actor reports `object` (Mastodon: the reported account, then its posts, as
/// ids), with the reason as `content`.
#[derive(Debug, Clone, Deserialize)]
pub struct Flag {
    #[serde(deserialize_with = "lenient_url_required")]
    pub id: Url,
    #[serde(deserialize_with = "lenient_url_required")]
    pub actor: Url,
    pub object: Value,
    #[serde(default)]
    pub content: Option<String>,
}

impl Flag {
    /// What it reports: each id (or embedded object's id) that is a URL.
    pub fn objects(&self) -> Vec<Url> {
        super::received::ids_of(&self.object)
            .iter()
            .filter_map(|id| Url::parse(id).ok())
            .collect()
    }
}

/// A `QuoteRequest` (FEP-044f: `object` our post, `instrument` the quote post) or a
/// GoToSocial `ReplyRequest` (`object` what the reply answers, `instrument` the reply).
#[derive(Debug, Clone, Deserialize)]
pub struct InteractionRequest {
    #[serde(deserialize_with = "lenient_url_required")]
    pub id: Url,
    #[serde(rename = "type", deserialize_with = "type_name")]
    pub kind: String,
    #[serde(deserialize_with = "lenient_url_required")]
    pub actor: Url,
    #[serde(deserialize_with = "lenient_url_required")]
    pub object: Url,
    pub instrument: Embedded<ApObject>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn objects_embedded_or_by_id() {
        let undo: Undo = read(
            json!({"id": "https://a.example/u#undo", "type": "Undo", "actor": "https://a.example/u",
                   "object": {"id": "https://a.example/f", "type": "Follow",
                              "actor": "https://a.example/u", "object": "https://b.example/actor"}}),
            "Undo",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let Embedded::Object(inner) = undo.object else {
            panic!("embedded")
        };
        assert_eq!(inner.kind, "Follow");
        let by_id: Undo = read(
            json!({"type": "Undo", "actor": "https://a.example/u", "object": ["https://a.example/l"]}),
            "Undo",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(by_id.object, Embedded::Id(_)));
        let update: Update = read(
            json!({"type": "Update", "actor": "https://a.example/u",
                   "object": {"id": "https://a.example/u", "type": ["Person"],
                              "inbox": "https://a.example/u/inbox"}}),
            "Update",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(update.object, Updated::Actor(_)));
    }

    #[test]
    fn missing_parts_are_bad_requests() {
        let no_object =
            json!({"id": "https://a.example/1", "type": "Like", "actor": "https://a.example/u"});
        assert!(matches!(
            read::<Reaction>(no_object, "Like"),
            Err(AppError::BadRequest(_))
        ));
        let number = json!({"type": "Create", "actor": "https://a.example/u", "object": 7});
        assert!(read::<Create>(number, "Create").is_err());
    }
}
