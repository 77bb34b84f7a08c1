//! Fetching remote documents: signed GETs through the federation crate (content type, size,
//! id and address checks included), remote actors with the database as their cache, and the
//! key behind a signature's `keyId`.

use crate::{
    db::entities::actor,
    error::{AppError, AppResult},
    federation::state::AppState,
    federation::{
        actor::{RemoteActor, store},
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

/// The actor that owns the key `key_id`, from memory, the database or its server (see
/// `actor_for_key_uncached`).
pub async fn actor_for_key(
    key_id: &str,
    refresh: bool,
    data: &Data<AppState>,
) -> AppResult<RemoteActor> {
    if !refresh && let Some(actor) = data.keys.get(key_id) {
        return RemoteActor::new(actor);
    }
    let actor = actor_for_key_uncached(key_id, refresh, data).await?;
    data.keys.put(key_id, actor.model());
    Ok(actor)
}

/// The actor that owns the key `key_id`: the stored one unless `refresh`, else fetched again
/// (keys rotate). Handles keys embedded in the actor (`actor#main-key`) and keys published as
/// documents of their own with an `owner`.
async fn actor_for_key_uncached(
    key_id: &str,
    refresh: bool,
    data: &Data<AppState>,
) -> AppResult<RemoteActor> {
    if !refresh
        && let Some(stored) = actor::Entity::find()
            .filter(actor::Column::PublicKeyId.eq(key_id))
            .one(&data.db)
            .await?
    {
        return RemoteActor::new(stored);
    }
    let mut url = Url::parse(key_id)
        .map_err(|_| AppError::Unauthorized(format!("keyId {key_id:?} is not a URL")))?;
    url.set_fragment(None);
    let doc = json(&url, data).await?;
    if doc.get("inbox").is_some() {
        let actor: ApActor = serde_json::from_value(doc)
            .map_err(|e| AppError::BadRequest(format!("{url} is not an actor: {e}")))?;
        let key = actor.key(Some(key_id)).ok_or_else(|| {
            AppError::Unauthorized(format!("{url} does not publish key {key_id}"))
        })?;
        return store(&actor, Some(key), data).await;
    }
    let key: ApKey = serde_json::from_value(doc.get("publicKey").cloned().unwrap_or(doc))
        .map_err(|e| AppError::Unauthorized(format!("{key_id} is not a key: {e}")))?;
    let owner = key
        .owner
        .clone()
        .ok_or_else(|| AppError::Unauthorized(format!("key {key_id} has no owner")))?;
    if key.id != key_id || owner.host_str() != url.host_str() {
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
