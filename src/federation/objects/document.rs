//! Top-level documents: the JSON-LD context every document we send starts with.

use crate::error::{AppError, AppResult};
use serde::Serialize;
use serde_json::{Value, json};
use std::sync::LazyLock;

/// The JSON-LD context of every document we send. Only terms are defined inline: Fedify and
/// others resolve no context URLs beyond ActivityStreams and security/v1 offline.
static CONTEXT: LazyLock<Value> = LazyLock::new(|| {
    json!([
        "https://www.w3.org/ns/activitystreams",
        "https://w3id.org/security/v1",
        {
            "Hashtag": "as:Hashtag",
            "sensitive": "as:sensitive",
            "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
            "alsoKnownAs": {"@id": "as:alsoKnownAs", "@type": "@id"},
            "movedTo": {"@id": "as:movedTo", "@type": "@id"},
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
});

/// A top-level document: `doc` as JSON with the JSON-LD context first.
pub fn with_context(doc: impl Serialize) -> Value {
    match to_json(doc) {
        Value::Object(mut map) => {
            let mut with = serde_json::Map::with_capacity(map.len() + 1);
            with.insert("@context".into(), CONTEXT.clone());
            with.append(&mut map);
            Value::Object(with)
        }
        other => other,
    }
}

/// A top-level document as the text that is signed and sent: `doc` serialized once, with the
/// JSON-LD context first.
pub fn to_text_with_context(doc: &impl Serialize) -> AppResult<String> {
    #[derive(Serialize)]
    struct Document<'a, T> {
        #[serde(rename = "@context")]
        context: &'a Value,
        #[serde(flatten)]
        doc: &'a T,
    }
    serde_json::to_string(&Document {
        context: &CONTEXT,
        doc,
    })
    .map_err(AppError::internal)
}

/// `doc` as JSON, for embedding in another document (a collection page's items).
pub fn to_json(doc: impl Serialize) -> Value {
    serde_json::to_value(doc).unwrap_or_else(|e| {
        // Our own structs always serialize; an error here is a bug, logged, not a panic.
        tracing::error!(error = %e, "a document did not serialize");
        Value::Null
    })
}
