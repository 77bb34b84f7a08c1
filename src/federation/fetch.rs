//! Fetching remote documents: signed GETs through the federation crate (content type, size,
//! id and address checks included), remote actors with the database as their cache, and the
//! key behind a signature's `keyId`.

use crate::{
    db::entities::actor,
    error::{AppError, AppResult},
    federation::{
        actor::{RemoteActor, store},
        protocol::{ApActor, ApKey, ApObject},
    },
    state::AppState,
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

/// Keys of recent senders, in memory: the inbox verifies every request, and a database read
/// per request would cost more than the check itself. Entries live `KEY_TTL`; a key that fails
/// to verify is fetched again anyway.
#[derive(Default)]
pub struct KeyCache {
    entries: std::sync::Mutex<std::collections::HashMap<String, (std::time::Instant, RemoteActor)>>,
}

const KEY_TTL: std::time::Duration = std::time::Duration::from_secs(600);

impl KeyCache {
    fn get(&self, key_id: &str) -> Option<RemoteActor> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .get(key_id)
            .filter(|(at, _)| at.elapsed() < KEY_TTL)
            .map(|(_, actor)| actor.clone())
    }

    fn put(&self, key_id: &str, actor: &RemoteActor) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= 10_000 {
            entries.retain(|_, (at, _)| at.elapsed() < KEY_TTL);
            if entries.len() >= 10_000 {
                entries.clear();
            }
        }
        entries.insert(
            key_id.to_string(),
            (std::time::Instant::now(), actor.clone()),
        );
    }
}

/// The actor that owns the key `key_id`, from memory, the database or its server (see
/// `actor_for_key_uncached`).
pub async fn actor_for_key(
    key_id: &str,
    refresh: bool,
    data: &Data<AppState>,
) -> AppResult<RemoteActor> {
    if !refresh && let Some(actor) = data.keys.get(key_id) {
        return Ok(actor);
    }
    let actor = actor_for_key_uncached(key_id, refresh, data).await?;
    data.keys.put(key_id, &actor);
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
