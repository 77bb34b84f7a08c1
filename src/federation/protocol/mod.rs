//! The wire format, both ways: plain serde structs of every document Feder sends (`sent`:
//! actor, Article, Note, Tombstone, collections, activities) and of what it reads from other
//! servers (`received`: actors, objects, read leniently; `activities`: one typed struct per
//! activity the inbox acts on). Nothing here touches the database; `federation::objects`
//! converts between these and rows.

pub mod activities;
mod received;
mod sent;

pub use received::*;
pub use sent::*;

/// Properties of reading what other servers send: any JSON, however shaped, is read or
/// refused without panicking, and every accessor answers on what was read.
#[cfg(test)]
mod properties {
    use super::activities::{self as typed, read};
    use super::*;
    use proptest::prelude::*;
    use serde_json::Value;

    /// JSON made of the fields activities have, with values of every shape.
    fn json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            prop_oneof![
                Just("https://a.example/u/x".to_string()),
                Just("Public".to_string()),
                Just("as:Public".to_string()),
                Just("https://www.w3.org/ns/activitystreams#Public".to_string()),
                Just("Note".to_string()),
                Just("Create".to_string()),
                Just("Person".to_string()),
                Just("2026-12-01T10:00:00Z".to_string()),
                Just("javascript:alert(1)".to_string()),
                any::<String>(),
            ]
            .prop_map(Value::String),
        ];
        let key = prop_oneof![
            Just("id"),
            Just("type"),
            Just("actor"),
            Just("object"),
            Just("target"),
            Just("to"),
            Just("cc"),
            Just("content"),
            Just("contentMap"),
            Just("name"),
            Just("nameMap"),
            Just("summary"),
            Just("inReplyTo"),
            Just("attributedTo"),
            Just("url"),
            Just("href"),
            Just("published"),
            Just("updated"),
            Just("tag"),
            Just("inbox"),
            Just("endpoints"),
            Just("sharedInbox"),
            Just("publicKey"),
            Just("publicKeyPem"),
            Just("owner"),
            Just("icon"),
            Just("preferredUsername"),
            Just("instrument"),
            Just("quote"),
            Just("_misskey_quote"),
        ];
        leaf.prop_recursive(4, 64, 8, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::vec((key.clone(), inner), 0..10).prop_map(|pairs| {
                    Value::Object(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
                }),
            ]
        })
    }

    proptest! {
        #[test]
        fn any_json_is_read_or_refused(value in json()) {
            let _ = id_of(&value);
            let _ = ids_of(&value);
            let bytes = serde_json::to_vec(&value).unwrap_or_default();
            if let Ok(activity) = serde_json::from_slice::<Activity>(&bytes) {
                let _ = id_of(&activity.object);
            }
            if let Ok(object) = serde_json::from_value::<ApObject>(value.clone()) {
                let _ = (object.author(), object.content_html(), object.title());
                let _ = (object.html_url(), object.is_public(), object.quoted());
            }
            let _ = read::<typed::Follow>(value.clone(), "Follow");
            let _ = read::<typed::Answer>(value.clone(), "Accept");
            let _ = read::<typed::Undo>(value.clone(), "Undo");
            let _ = read::<typed::Create>(value.clone(), "Create");
            let _ = read::<typed::Update>(value.clone(), "Update");
            let _ = read::<typed::Delete>(value.clone(), "Delete");
            let _ = read::<typed::Reaction>(value.clone(), "Like");
            let _ = read::<typed::Move>(value.clone(), "Move");
            let _ = read::<typed::InteractionRequest>(value.clone(), "QuoteRequest");
            if let Ok(actor) = serde_json::from_value::<ApActor>(value) {
                let _ = (actor.check(), actor.key(None), actor.key(Some("k")));
                let _ = (actor.shared_inbox(), actor.html_url(), actor.icon_url());
            }
        }

        #[test]
        fn any_bytes_are_read_or_refused(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
            let _ = serde_json::from_slice::<Activity>(&bytes);
            let _ = serde_json::from_slice::<ApObject>(&bytes);
            let _ = serde_json::from_slice::<ApActor>(&bytes);
        }
    }
}
