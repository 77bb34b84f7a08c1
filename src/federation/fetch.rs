//! Fetching remote documents: signed GETs through the federation crate (content type, size,
//! id and address checks included), remote actors with the database as their cache, and the
//! key behind a signature's `keyId`.

use crate::{
    db::entities::actor,
    error::{AppError, AppResult},
    federation::state::AppState,
    federation::{
        actor::{RemoteActor, store},
        caches,
        protocol::{ApActor, ApKey, ApObject},
    },
};
use activitypub_federation::{
    config::Data,
    fetch::{fetch_object_http, object_id::ObjectId},
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::Value;
use url::Url;

pub async fn json(url: &Url, data: &Data<AppState>) -> AppResult<Value> {
    Ok(fetch_object_http::<_, Value>(url, data).await?.object)
}

/// A remote actor, from the database when fresh enough, else fetched.
pub async fn actor(id: &Url, data: &Data<AppState>) -> AppResult<RemoteActor> {
    ObjectId::<RemoteActor>::from(id.clone())
        .dereference(data)
        .await
}

/// A remote object (a Note, an Article) fetched by its id.
pub async fn object(id: &Url, data: &Data<AppState>) -> AppResult<ApObject> {
    let value = json(id, data).await?;
    serde_json::from_value(value)
        .map_err(|e| AppError::BadRequest(format!("{id} is not an object: {e}")))
}

/// The actor that owns the key `key_id`, from memory or the database, else from its server
/// (also with `refresh`: the stored key failed, and keys rotate; then the document is fetched
/// again unless that was done within `caches::REFRESH_AFTER`). Fetches of one key document
/// are shared by everyone who asks at the same time, and their outcome, failures included,
/// is reused for a while (`caches::KeyFetches`): forged signatures and made-up keys cannot
/// make the blog fetch an actor per request.
pub async fn actor_for_key(
    key_id: &str,
    refresh: bool,
    data: &Data<AppState>,
) -> AppResult<RemoteActor> {
    let now = data.clock.now();
    if !refresh {
        if let Some(actor) = data.keys.get(key_id, now) {
            return RemoteActor::new(actor);
        }
        if let Some(stored) = actor::Entity::find()
            .filter(actor::Column::PublicKeyId.eq(key_id))
            .one(&data.db)
            .await?
        {
            data.keys.put(key_id, &stored, now);
            return RemoteActor::new(stored);
        }
    }
    let mut url = Url::parse(key_id)
        .map_err(|_| AppError::Unauthorized(format!("keyId {key_id:?} is not a URL")))?;
    url.set_fragment(None);
    let fresh_for = if refresh {
        caches::REFRESH_AFTER
    } else {
        caches::REFETCH_AFTER
    };
    let flight = data.keys.fetches.flight(url.as_str(), now, fresh_for);
    let outcome = flight
        .get_or_try_init(|| async {
            match key_owner(key_id, &url, data).await {
                Ok(actor) => Ok(Ok(actor.model().clone())),
                // Our own trouble is not remembered against the sender.
                Err(e @ (AppError::Database(_) | AppError::Internal(_))) => Err(e),
                Err(e) => Ok(Err(e.public_message())),
            }
        })
        .await?;
    match outcome {
        Ok(model) if model.public_key_id == key_id => {
            data.keys.put(key_id, model, now);
            RemoteActor::new(model.clone())
        }
        Ok(model) => Err(AppError::Unauthorized(format!(
            "{} does not publish key {key_id}",
            model.ap_id
        ))),
        Err(reason) => Err(AppError::Unauthorized(reason.clone())),
    }
}

/// Fetches the key document at `url` (the keyId without its fragment) and stores its owner:
/// an actor with the key embedded (`actor#main-key`; the key `key_id` names, else its first),
/// or a key published as a document of its own with an `owner` on the same server.
async fn key_owner(key_id: &str, url: &Url, data: &Data<AppState>) -> AppResult<RemoteActor> {
    let doc = json(url, data).await?;
    if doc.get("inbox").is_some() {
        let actor: ApActor = serde_json::from_value(doc)
            .map_err(|e| AppError::BadRequest(format!("{url} is not an actor: {e}")))?;
        let key = actor
            .key(Some(key_id))
            .or_else(|| actor.key(None))
            .ok_or_else(|| AppError::Unauthorized(format!("{url} publishes no key")))?;
        return store(&actor, Some(key), data).await;
    }
    let key: ApKey = serde_json::from_value(doc.get("publicKey").cloned().unwrap_or(doc))
        .map_err(|e| AppError::Unauthorized(format!("{key_id} is not a key: {e}")))?;
    let owner = key
        .owner
        .clone()
        .ok_or_else(|| AppError::Unauthorized(format!("key {key_id} has no owner")))?;
    let mut key_url = Url::parse(&key.id)
        .map_err(|_| AppError::Unauthorized(format!("key {key_id} has no valid id")))?;
    key_url.set_fragment(None);
    if key_url != *url || owner.host_str() != url.host_str() {
        return Err(AppError::Unauthorized(format!(
            "key {key_id} does not match its document"
        )));
    }
    let actor: ApActor = serde_json::from_value(json(&owner, data).await?)
        .map_err(|e| AppError::BadRequest(format!("{owner} is not an actor: {e}")))?;
    if actor.id != owner {
        return Err(AppError::Unauthorized(format!(
            "key {key_id} has a foreign owner"
        )));
    }
    store(&actor, Some(key), data).await
}
