//! The inbox: checking who sent an activity (HTTP signature, key owner = actor) and what it
//! means for the blog. Each `ActivityKind` has one function here; `objects` turns what was
//! sent into rows and the services store them (a reply: `on_create` → `store_comment` →
//! `services::comments::store_remote`, then shown by `web::pages`).

use crate::{
    config::CommentPolicy,
    db::entities::{actor as actor_entity, authorization, comment, notification, reaction},
    error::{AppError, AppResult},
    federation::state::AppState,
    federation::{
        actor::{self, RemoteActor},
        fetch, guard, interactions, objects,
        protocol::{Activity, ActivityKind, ApActor, ApObject, id_of, ids_of},
        signatures::{RequestParts, Signature, SignatureError},
    },
    services::{
        authorizations::{self, Grant},
        comment_policy, comments,
        followers::{self, UndoneFollow},
        follows,
        local_actor::LocalActor,
        mentions, posts, reactions, reading,
    },
};
use activitypub_federation::config::Data;
use chrono::Utc;
use http::{HeaderMap, Method};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::Value;
use std::time::Duration;
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
    // Blocked senders are dropped before anything is fetched or verified.
    if data
        .blocks
        .current(&data.db)
        .await?
        .blocks(activity.actor.as_str())
    {
        tracing::debug!(actor = %activity.actor, "activity of a blocked actor dropped");
        return Ok(());
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
    if activity.kind.0 == ActivityKind::Delete
        && id_of(&activity.object).as_ref() == Some(&activity.actor)
        && stored_actor(data, &activity.actor).await?.is_none()
    {
        tracing::debug!(actor = %activity.actor, "Delete of an unknown actor ignored");
        return Ok(());
    }

    if let Ok(key) = Url::parse(&signature.key_id)
        && data.blocks.current(&data.db).await?.blocks(key.as_str())
    {
        return Ok(());
    }
    guard::check_claims(&activity.actor, &activity.id, &signature.key_id)?;
    let deadline = tokio::time::Instant::now() + INBOX_DEADLINE;
    let signer = tokio::time::timeout_at(deadline, verify_signer(data, &signature))
        .await
        .map_err(|_| {
            AppError::Unauthorized(format!("key {} not fetched in time", signature.key_id))
        })??;
    if signer.model().ap_id != activity.actor.as_str() {
        return Err(AppError::Unauthorized(format!(
            "signed by {} on behalf of {}",
            signer.model().ap_id,
            activity.actor
        )));
    }
    // Charged only once the signature holds: unsigned traffic naming a server cannot use up
    // that server's budget.
    if let Err(wait) = data
        .actor_limits
        .check(activity.actor.as_str())
        .and_then(|()| {
            data.domain_limits
                .check(activity.actor.host_str().unwrap_or_default())
        })
    {
        return Err(AppError::TooManyRequests(wait.as_secs().max(1)));
    }
    if data.replays.seen(&data.db, activity.id.as_str()).await? {
        tracing::debug!(id = %activity.id, "activity received again within the window: ignored");
        return Ok(());
    }
    // Any activity is a sign of life of its server: deliveries to it resume.
    if let Some(host) = signer_host(&activity.actor) {
        data.host_health.revive(&data.db, &host).await?;
    }
    tracing::info!(
        kind = %activity.kind.1, id = %activity.id, actor = %activity.actor,
        signature = signature.scheme.name(), "activity received"
    );
    process(data, activity, signer, deadline).await
}

/// The longest an inbox request takes before it is answered: the signer's key, then the
/// activity's own work. Every remote fetch counts against the request's budget as well
/// (`state::FETCHES_PER_REQUEST`).
const INBOX_DEADLINE: Duration = Duration::from_secs(5);

/// Processes a verified activity. Work still running at `deadline` (a slow server asked for
/// a reply's parent) goes on in the background within its fetch budget, and the sender gets
/// its 202 at once rather than holding the connection (and retrying) meanwhile.
async fn process(
    data: &Data<AppState>,
    activity: Activity,
    signer: RemoteActor,
    deadline: tokio::time::Instant,
) -> AppResult<()> {
    // Bounded like every other inbox work: past the limit, the sender is asked to come back.
    let permit = tokio::time::timeout_at(deadline, data.inbox_work.clone().acquire_owned())
        .await
        .map_err(|_| AppError::TooManyRequests(10))?
        .map_err(AppError::internal)?;
    let id = activity.id.to_string();
    let task_data = data.clone();
    let task_id = id.clone();
    let mut task = tokio::spawn(async move {
        let _permit = permit;
        dispatch(&task_data, activity, signer).await?;
        task_data.replays.remember(&task_data.db, &task_id).await
    });
    match tokio::time::timeout_at(deadline, &mut task).await {
        Ok(finished) => finished.map_err(AppError::internal)?,
        Err(_) => {
            tracing::info!(%id, "activity still being processed at the deadline: answered 202, goes on");
            tokio::spawn(async move {
                match task.await {
                    Ok(Ok(())) => tracing::debug!(%id, "activity processed after its answer"),
                    Ok(Err(e)) => {
                        tracing::info!(%id, error = %e, "activity failed after its answer")
                    }
                    Err(e) => tracing::warn!(%id, error = %e, "activity task failed"),
                }
            });
            Ok(())
        }
    }
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
/// since actors rotate keys (as Mastodon does), but not more often than
/// `caches::REFETCH_AFTER` per key document.
pub async fn verify_signer(data: &Data<AppState>, signature: &Signature) -> AppResult<RemoteActor> {
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
        refresh_if_stale(data, &signer);
        return Ok(signer);
    }
    let refreshed = fetch::actor_for_key(&signature.key_id, true, data)
        .await
        .map_err(unauthorized)?;
    signature.verify(&refreshed.model().public_key_pem)?;
    Ok(refreshed)
}

/// Profiles (name, avatar) shown with comments are refreshed in the background once a day.
fn refresh_if_stale(data: &Data<AppState>, actor: &RemoteActor) {
    if Utc::now() - actor.model().fetched_at < chrono::Duration::days(1) {
        return;
    }
    let (data, id) = (data.reset_request_count(), actor.model().ap_id.clone());
    tokio::spawn(async move {
        if let Ok(url) = Url::parse(&id)
            && let Err(e) = fetch::actor(&url, &data).await
        {
            tracing::debug!(actor = %id, error = %e, "profile refresh failed");
        }
    });
}

async fn dispatch(data: &Data<AppState>, activity: Activity, signer: RemoteActor) -> AppResult<()> {
    match activity.kind.0 {
        ActivityKind::Follow => on_follow(data, &activity, &signer).await,
        ActivityKind::Undo => on_undo(data, &activity).await,
        ActivityKind::Accept => follows::answered(&data.db, &activity.actor, true)
            .await
            .map(drop),
        ActivityKind::Reject => follows::answered(&data.db, &activity.actor, false)
            .await
            .map(drop),
        ActivityKind::Create => on_create(data, &activity).await,
        ActivityKind::Update => on_update(data, &activity).await,
        ActivityKind::Delete => on_delete(data, &activity).await,
        ActivityKind::Like => on_reaction(data, &activity, reaction::LIKE).await,
        ActivityKind::Announce => on_reaction(data, &activity, reaction::ANNOUNCE).await,
        ActivityKind::Move => on_move(data, &activity).await,
        ActivityKind::QuoteRequest => interactions::on_quote_request(data, &activity).await,
        ActivityKind::ReplyRequest => on_reply_request(data, &activity).await,
        ActivityKind::Other => {
            tracing::debug!(kind = %activity.kind.1, "activity type ignored");
            Ok(())
        }
    }
}

/// A Follow of one of our actors (the blog, an author): accepted. Of anyone else: ignored.
async fn on_follow(
    data: &Data<AppState>,
    activity: &Activity,
    signer: &RemoteActor,
) -> AppResult<()> {
    let Some(target) = id_of(&activity.object) else {
        return Ok(());
    };
    let Some(local) = LocalActor::find(data, &target).await? else {
        return Ok(());
    };
    followers::accept(data, &local, &activity.id, signer.model()).await
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
            let target = activity.object.get("object").and_then(id_of);
            let local = target.and_then(|t| LocalActor::from_id(&data.urls, &t));
            let follow = match (&local, &inner_id) {
                (Some(local), _) => UndoneFollow::Of(local),
                (None, Some(id)) => UndoneFollow::Id(id),
                (None, None) => return Ok(()),
            };
            followers::unfollowed(&data.db, &activity.actor, follow).await?;
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
                followers::unfollowed(&data.db, &activity.actor, UndoneFollow::Id(id)).await?;
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
    if object.content_html().chars().count() > data.config.limits.max_comment_chars {
        return Err(AppError::BadRequest(
            "the content is longer than this blog accepts".into(),
        ));
    }
    if let Some(parent) = &object.in_reply_to
        && let Some(post_id) = place_in_thread(data, parent).await?
    {
        // Followers-only and direct replies are not for a public page (nor for our
        // collections): the owner sees them beside the mentions.
        if object.is_public() {
            store_comment(data, &object, &activity.actor, post_id, parent, None).await?;
        } else if !data
            .blocks
            .current(&data.db)
            .await?
            .blocks(activity.actor.as_str())
        {
            let row = objects::note::note_to_private_reply(&object, &activity.actor, parent);
            mentions::store(&data.db, row).await?;
        }
        return Ok(());
    }
    if let Some(post_id) = quoted_post(data, &activity.object).await? {
        let row = objects::note::note_to_mention(&object, &activity.actor);
        return mentions::store_as(&data.db, row, notification::QUOTE, Some(post_id)).await;
    }
    if mentions_blog(data, &object) {
        return mentions::store(
            &data.db,
            objects::note::note_to_mention(&object, &activity.actor),
        )
        .await;
    }
    if follows::is_following(&data.db, &activity.actor).await? {
        reading::store(
            &data.db,
            objects::note::note_to_remote_post(&object, &activity.actor),
        )
        .await?;
    }
    Ok(())
}

/// The post of ours a quote post quotes (see `interactions::quoted_url`).
async fn quoted_post(data: &Data<AppState>, object: &Value) -> AppResult<Option<i32>> {
    let quoted = interactions::quoted_url(object);
    let Some(slug) = quoted.and_then(|q| data.urls.slug_of(q.as_str())) else {
        return Ok(None);
    };
    Ok(posts::find(&data.db, &slug)
        .await?
        .filter(|p| p.deleted_at.is_none())
        .map(|p| p.id))
}

fn mentions_blog(data: &Data<AppState>, object: &ApObject) -> bool {
    let actor = data.urls.actor();
    let tagged = match &object.tag {
        Value::Array(tags) => tags.iter().any(|t| is_mention_of(t, &actor)),
        tag => is_mention_of(tag, &actor),
    };
    tagged
        || ids_of(&object.to)
            .iter()
            .chain(ids_of(&object.cc).iter())
            .any(|a| a == actor.as_str())
}

fn is_mention_of(tag: &Value, actor: &Url) -> bool {
    tag.get("type").and_then(Value::as_str) == Some("Mention")
        && tag.get("href").and_then(id_of).as_ref() == Some(actor)
}

/// Stores a comment with the status the blog's policy gives it (`request`: the ReplyRequest
/// it came with, answered when the owner decides). Returns that status (none: blocked).
pub(crate) async fn store_comment(
    data: &Data<AppState>,
    object: &ApObject,
    author: &Url,
    post_id: i32,
    parent: &Url,
    request: Option<&Url>,
) -> AppResult<Option<&'static str>> {
    if data.blocks.current(&data.db).await?.blocks(author.as_str()) {
        return Ok(None);
    }
    let post = posts::find_by_id(&data.db, post_id).await?;
    let html = object.content_html();
    let links = html
        .matches("<a ")
        .count()
        .saturating_sub(html.matches("mention").count() + html.matches("hashtag").count());
    let status = comment_policy::initial_status(
        &data.db,
        data.settings.current().blog.comment_policy,
        post.as_ref(),
        author,
        links,
        data.config.limits.max_links_per_comment,
    )
    .await?;
    let mut row = objects::note::note_to_comment(object, author, post_id, parent, status);
    row.reply_request_id = sea_orm::ActiveValue::Set(request.map(Url::to_string));
    comments::store_remote(&data.db, row).await?;
    Ok(Some(status))
}

/// GoToSocial's `ReplyRequest` (its reply to a post whose `canReply` asks for approval):
/// `object` is what it answers, `instrument` the reply. The reply is stored as any comment;
/// approved at once, it is accepted at once, else when the owner approves it
/// (`services::authorizations::answer_held_reply`). Comments closed: refused.
async fn on_reply_request(data: &Data<AppState>, activity: &Activity) -> AppResult<()> {
    let (Some(parent), Some(reply_id)) = (id_of(&activity.object), id_of(&activity.instrument))
    else {
        return Err(AppError::BadRequest(
            "ReplyRequest needs an object and an instrument".into(),
        ));
    };
    if !guard::same_origin(&reply_id, &activity.actor) {
        return Err(AppError::BadRequest(
            "the reply is not on the requester's server".into(),
        ));
    }
    let Some(post_id) = comments::thread_post(data, &parent).await? else {
        return Ok(());
    };
    let reply: ApObject = if activity.instrument.is_object() {
        serde_json::from_value(activity.instrument.clone())
            .map_err(|e| AppError::BadRequest(format!("instrument: {e}")))?
    } else {
        fetch::object(&reply_id, data).await?
    };
    if reply.id != reply_id
        || reply.author().as_ref() != Some(&activity.actor)
        || reply.in_reply_to.as_ref() != Some(&parent)
    {
        return Err(AppError::BadRequest(
            "the reply is not the requester's answer to this".into(),
        ));
    }
    let request = interactions::reply_request(activity, &parent, &reply_id);
    if data.settings.current().blog.comment_policy == CommentPolicy::Closed || !reply.is_public() {
        return authorizations::refuse(data, &activity.actor, request).await;
    }
    let stored = store_comment(
        data,
        &reply,
        &activity.actor,
        post_id,
        &parent,
        Some(&activity.id),
    );
    if stored.await? == Some(comment::APPROVED) {
        let grant = Grant {
            kind: authorization::REPLY,
            post_id,
            object: &reply_id,
            actor: &activity.actor,
            request,
            request_id: &activity.id,
        };
        authorizations::grant(data, grant, None).await?;
    }
    Ok(())
}

/// The post whose thread `parent` belongs to. When `parent` is a reply Feder never received,
/// its ancestors are fetched (a bounded number of signed GETs) until one of our posts or a
/// known comment is found; the ancestors found on the way are stored as comments too.
async fn place_in_thread(data: &Data<AppState>, parent: &Url) -> AppResult<Option<i32>> {
    let mut cursor = parent.clone();
    let mut ancestors: Vec<ApObject> = Vec::new();
    for _ in 0..=data.config.limits.max_thread_depth {
        if let Some(post_id) = comments::thread_post(data, &cursor).await? {
            // Oldest first, so each one's parent is stored before it.
            for ancestor in ancestors.iter().rev() {
                let (Some(author), Some(reply_to)) = (ancestor.author(), &ancestor.in_reply_to)
                else {
                    break;
                };
                if !ancestor.is_public()
                    || data.blocks.current(&data.db).await?.blocks(author.as_str())
                {
                    break;
                }
                // The author's profile, for the page (failing that, the comment still counts).
                if let Err(e) = fetch::actor(&author, data).await {
                    tracing::debug!(%author, error = %e, "author of a fetched reply not found");
                }
                store_comment(data, ancestor, &author, post_id, reply_to, None).await?;
            }
            return Ok(Some(post_id));
        }
        if data.urls.is_local(&cursor)
            || data.blocks.current(&data.db).await?.blocks(cursor.as_str())
        {
            return Ok(None);
        }
        let fetched = match fetch::object(&cursor, data).await {
            Ok(object) if object.id == cursor => object,
            Ok(_) => return Ok(None),
            Err(e) => {
                tracing::debug!(parent = %cursor, error = %e, "parent of a reply not fetched");
                return Ok(None);
            }
        };
        let Some(next) = fetched.in_reply_to.clone() else {
            return Ok(None);
        };
        ancestors.push(fetched);
        cursor = next;
    }
    Ok(None)
}

/// `Move`: the old account (the actor) moved to `target`, which must name it in `alsoKnownAs`.
async fn on_move(data: &Data<AppState>, activity: &Activity) -> AppResult<()> {
    let (Some(object), Some(target)) = (id_of(&activity.object), id_of(&activity.target)) else {
        return Err(AppError::BadRequest(
            "Move needs an object and a target".into(),
        ));
    };
    if object != activity.actor {
        return Err(AppError::Unauthorized(
            "an actor may only move itself".into(),
        ));
    }
    let new: ApActor = serde_json::from_value(fetch::json(&target, data).await?)
        .map_err(|e| AppError::BadRequest(format!("move target: {e}")))?;
    if !ids_of(&new.also_known_as)
        .iter()
        .any(|a| a == activity.actor.as_str())
    {
        return Err(AppError::Unauthorized(
            "the move target does not name the old account".into(),
        ));
    }
    actor::store(&new, None, data).await?;
    actor::record_move(&data.db, &activity.actor, &new.id).await?;
    // The new account sends a Follow of its own; the old one receives nothing more.
    followers::remove_actor(&data.db, &activity.actor).await?;
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
    let content = objects::note::note_to_html(&object);
    if comments::update_remote(
        &data.db,
        &object.id,
        &activity.actor,
        content,
        object.updated,
    )
    .await?
    {
        return Ok(());
    }
    if reading::find(&data.db, &object.id).await?.is_some() {
        return reading::store(
            &data.db,
            objects::note::note_to_remote_post(&object, &activity.actor),
        )
        .await;
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
        mentions::remove_by_author(&data.db, &id).await?;
        followers::remove_actor(&data.db, &id).await?;
        reactions::remove_actor(&data.db, &id).await?;
        return Ok(());
    }
    if !comments::delete_remote(&data.db, &id, &activity.actor).await?
        && !mentions::remove(&data.db, &id, &activity.actor).await?
    {
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
