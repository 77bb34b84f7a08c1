//! The inbox: checking who sent an activity (HTTP signature, key owner = actor) and what it
//! means for the blog. Each activity type has one function here; the work is done by services.

use crate::{
    db::entities::{actor as actor_entity, reaction},
    error::{AppError, AppResult},
    federation::{
        actor::{self, RemoteActor},
        fetch,
        protocol::{Activity, ApActor, ApObject, id_of},
        signatures::{RequestParts, Signature, SignatureError},
    },
    services::{comments, follows, posts, reactions, reading},
    state::AppState,
};
use activitypub_federation::config::Data;
use chrono::Utc;
use http::{HeaderMap, Method};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use url::Url;

/// A POST to one of our inboxes, as received.
pub struct InboxRequest<'a> {
    pub method: &'a Method,
    pub path_and_query: &'a str,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
}

impl From<SignatureError> for AppError {
    fn from(e: SignatureError) -> AppError {
        if e.is_bad_request() {
            AppError::BadRequest(e.to_string())
        } else {
            AppError::Unauthorized(e.to_string())
        }
    }
}

/// Verifies and processes one incoming activity. `Ok` means 202: done, or deliberately ignored.
pub async fn receive(data: &Data<AppState>, req: InboxRequest<'_>) -> AppResult<()> {
    let raw: Value = serde_json::from_slice(req.body)
        .map_err(|e| AppError::BadRequest(format!("body is not JSON: {e}")))?;
    let activity: Activity = serde_json::from_value(raw.clone())
        .map_err(|e| AppError::BadRequest(format!("not an activity: {e}")))?;
    if data.urls.is_local(&activity.actor) {
        return Err(AppError::Unauthorized(
            "activities of local actors are not accepted here".into(),
        ));
    }
    let base = data.urls.base();
    let signature = Signature::parse(
        &RequestParts {
            method: req.method,
            path_and_query: req.path_and_query,
            headers: req.headers,
            body: req.body,
            scheme: base.scheme(),
            default_host: &data.urls.host(),
        },
        Utc::now(),
    )?;

    // An actor deleting itself: its key is usually gone already. One we never knew is of no
    // interest (as Mastodon does, answer 202 rather than make it retry for days).
    if activity.kind == "Delete"
        && id_of(&activity.object).as_ref() == Some(&activity.actor)
        && stored_actor(data, &activity.actor).await?.is_none()
    {
        tracing::debug!(actor = %activity.actor, "Delete of an unknown actor ignored");
        return Ok(());
    }

    let signer = verify_signer(data, &signature).await?;
    if signer.model().ap_id != activity.actor.as_str() {
        return Err(AppError::Unauthorized(format!(
            "signed by {} on behalf of {}",
            signer.model().ap_id,
            activity.actor
        )));
    }
    // Any activity is a sign of life of its server: deliveries to it resume.
    if let Some(host) = signer_host(&activity.actor) {
        crate::federation::delivery::host_alive(&data.db, &host).await?;
    }
    tracing::info!(
        kind = %activity.kind, id = %activity.id, actor = %activity.actor,
        signature = signature.scheme.name(), "activity received"
    );
    dispatch(data, activity, signer).await
}

fn signer_host(actor: &Url) -> Option<String> {
    actor
        .host_str()
        .map(|_| crate::federation::signing::host_header(actor))
}

async fn stored_actor(data: &Data<AppState>, id: &Url) -> AppResult<Option<actor_entity::Model>> {
    Ok(actor_entity::Entity::find()
        .filter(actor_entity::Column::ApId.eq(id.as_str()))
        .one(&data.db)
        .await?)
}

/// The actor whose key verifies the signature. A stored key that fails is fetched once more,
/// since actors rotate keys.
async fn verify_signer(data: &Data<AppState>, signature: &Signature) -> AppResult<RemoteActor> {
    let unauthorized = |e: AppError| match e {
        AppError::Database(_) | AppError::Internal(_) => e,
        other => AppError::Unauthorized(format!(
            "cannot get key {}: {}",
            signature.key_id,
            other.public_message()
        )),
    };
    let signer = fetch::actor_for_key(&signature.key_id, false, data)
        .await
        .map_err(unauthorized)?;
    if signature.verify(&signer.model().public_key_pem).is_ok() {
        return Ok(signer);
    }
    let refreshed = fetch::actor_for_key(&signature.key_id, true, data)
        .await
        .map_err(unauthorized)?;
    signature.verify(&refreshed.model().public_key_pem)?;
    Ok(refreshed)
}

async fn dispatch(data: &Data<AppState>, activity: Activity, signer: RemoteActor) -> AppResult<()> {
    match activity.kind.as_str() {
        "Follow" => on_follow(data, &activity, &signer).await,
        "Undo" => on_undo(data, &activity).await,
        "Accept" => follows::answered(&data.db, &activity.actor, true)
            .await
            .map(drop),
        "Reject" => follows::answered(&data.db, &activity.actor, false)
            .await
            .map(drop),
        "Create" => on_create(data, &activity).await,
        "Update" => on_update(data, &activity).await,
        "Delete" => on_delete(data, &activity).await,
        "Like" => on_reaction(data, &activity, reaction::LIKE).await,
        "Announce" => on_reaction(data, &activity, reaction::ANNOUNCE).await,
        other => {
            tracing::debug!(kind = other, "activity type ignored");
            Ok(())
        }
    }
}

async fn on_follow(
    data: &Data<AppState>,
    activity: &Activity,
    signer: &RemoteActor,
) -> AppResult<()> {
    if id_of(&activity.object).as_ref() != Some(&data.urls.actor()) {
        return Ok(());
    }
    let follow = json!({
        "id": activity.id,
        "type": "Follow",
        "actor": activity.actor,
        "object": data.urls.actor(),
    });
    follows::accept(data, follow, &activity.id, signer).await
}

async fn on_undo(data: &Data<AppState>, activity: &Activity) -> AppResult<()> {
    let inner_id = id_of(&activity.object);
    let inner_type = activity.object.get("type").and_then(Value::as_str);
    if let Some(inner_actor) = activity.object.get("actor").and_then(id_of)
        && inner_actor != activity.actor
    {
        return Err(AppError::Unauthorized(
            "cannot undo another actor's activity".into(),
        ));
    }
    let liked_post = match activity.object.get("object").and_then(id_of) {
        Some(object) => match data.urls.slug_of(object.as_str()) {
            Some(slug) => posts::find(&data.db, &slug).await?.map(|p| p.id),
            None => None,
        },
        None => None,
    };
    match inner_type {
        Some("Follow") => {
            follows::remove(&data.db, &activity.actor).await?;
        }
        Some("Like") => {
            reactions::remove(
                &data.db,
                reaction::LIKE,
                inner_id.as_ref(),
                liked_post,
                &activity.actor,
            )
            .await?;
        }
        Some("Announce") => {
            reactions::remove(
                &data.db,
                reaction::ANNOUNCE,
                inner_id.as_ref(),
                liked_post,
                &activity.actor,
            )
            .await?;
        }
        // Only the id: whatever of ours it names.
        None => {
            if let Some(id) = &inner_id {
                let is_follow = follows::list(&data.db).await?.iter().any(|f| {
                    f.follow_activity_id == id.as_str() && f.actor_ap_id == activity.actor.as_str()
                });
                if is_follow {
                    follows::remove(&data.db, &activity.actor).await?;
                }
                for kind in [reaction::LIKE, reaction::ANNOUNCE] {
                    reactions::remove(&data.db, kind, Some(id), None, &activity.actor).await?;
                }
            }
        }
        Some(_) => {}
    }
    Ok(())
}

/// The object of a Create/Update: embedded when it comes from the actor's own server, else
/// fetched from its origin (an embedded copy from elsewhere proves nothing).
async fn object_of(data: &Data<AppState>, activity: &Activity) -> AppResult<Option<ApObject>> {
    let Some(id) = id_of(&activity.object) else {
        return Err(AppError::BadRequest("activity has no object".into()));
    };
    if id.host_str() != activity.actor.host_str() {
        return Ok(None);
    }
    if activity.object.is_object() {
        return serde_json::from_value(activity.object.clone())
            .map(Some)
            .map_err(|e| AppError::BadRequest(format!("object: {e}")));
    }
    fetch::object(&id, data).await.map(Some)
}

async fn on_create(data: &Data<AppState>, activity: &Activity) -> AppResult<()> {
    let Some(object) = object_of(data, activity).await? else {
        return Ok(());
    };
    if object.author().as_ref() != Some(&activity.actor) {
        return Err(AppError::Unauthorized(
            "object is attributed to someone else".into(),
        ));
    }
    if let Some(parent) = &object.in_reply_to
        && let Some(post_id) = comments::thread_post(data, parent).await?
    {
        // Followers-only and direct replies are not for a public page.
        if object.is_public() {
            comments::store_remote(&data.db, &object, &activity.actor, post_id, parent).await?;
        }
        return Ok(());
    }
    if follows::is_following(&data.db, &activity.actor).await? {
        reading::store(&data.db, &object, &activity.actor).await?;
    }
    Ok(())
}

async fn on_update(data: &Data<AppState>, activity: &Activity) -> AppResult<()> {
    let object_type = activity
        .object
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if matches!(
        object_type,
        "Person" | "Service" | "Application" | "Group" | "Organization"
    ) {
        if id_of(&activity.object).as_ref() != Some(&activity.actor) {
            return Err(AppError::Unauthorized(
                "an actor may only update itself".into(),
            ));
        }
        let profile: ApActor = serde_json::from_value(activity.object.clone())
            .map_err(|e| AppError::BadRequest(format!("actor: {e}")))?;
        actor::store(&profile, None, data).await?;
        return Ok(());
    }
    let Some(object) = object_of(data, activity).await? else {
        return Ok(());
    };
    if object.author().as_ref() != Some(&activity.actor) {
        return Err(AppError::Unauthorized(
            "object is attributed to someone else".into(),
        ));
    }
    if comments::update_remote(&data.db, &object, &activity.actor).await? {
        return Ok(());
    }
    if reading::find(&data.db, &object.id).await?.is_some() {
        return reading::store(&data.db, &object, &activity.actor).await;
    }
    // An edit of a reply whose Create never reached us: take it as the reply.
    on_create(data, activity).await
}

async fn on_delete(data: &Data<AppState>, activity: &Activity) -> AppResult<()> {
    let Some(id) = id_of(&activity.object) else {
        return Err(AppError::BadRequest("Delete has no object".into()));
    };
    if id == activity.actor {
        comments::delete_by_author(&data.db, &id).await?;
        follows::remove(&data.db, &id).await?;
        reactions::remove_actor(&data.db, &id).await?;
        return Ok(());
    }
    if !comments::delete_remote(&data.db, &id, &activity.actor).await? {
        reading::remove(&data.db, &id, &activity.actor).await?;
    }
    Ok(())
}

async fn on_reaction(data: &Data<AppState>, activity: &Activity, kind: &str) -> AppResult<()> {
    let Some(object) = id_of(&activity.object) else {
        return Err(AppError::BadRequest("activity has no object".into()));
    };
    let Some(slug) = data.urls.slug_of(object.as_str()) else {
        return Ok(());
    };
    if let Some(post) = posts::find(&data.db, &slug)
        .await?
        .filter(|p| p.deleted_at.is_none())
    {
        reactions::add(&data.db, kind, &activity.id, post.id, &activity.actor).await?;
    }
    Ok(())
}
