//! What a verified activity means for the blog (`federation::inbox` checks who sent it and
//! stores it first). Each `ActivityKind` has one function here; `objects` turns what was
//! sent into rows and the services store them (a reply: `on_create` → `store_comment` →
//! `services::comments::store_remote`, then shown by `web::pages`).

use crate::{
    config::CommentPolicy,
    db::entities::{authorization, comment, notification, reaction},
    error::{AppError, AppResult},
    federation::state::AppState,
    federation::{
        actor::{self, RemoteActor},
        fetch, guard, interactions, objects,
        protocol::{Activity, ActivityKind, ApActor, ApObject, id_of, ids_of},
    },
    render::sanitize,
    services::{
        authorizations::{self, Grant},
        comment_policy::{self, Candidate},
        comments,
        followers::{self, UndoneFollow},
        follows,
        local_actor::LocalActor,
        mentions, posts, reactions, reading,
    },
};
use activitypub_federation::config::Data;
use serde_json::Value;
use url::Url;

/// What an activity means for the blog: one function per `ActivityKind`. Called for a
/// verified, stored activity by the durable inbox (`federation::inbox`).
pub(crate) async fn dispatch(
    data: &Data<AppState>,
    activity: Activity,
    signer: RemoteActor,
) -> AppResult<()> {
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
        Some(object) => posts::live_at(data, object.as_str()).await?.map(|p| p.id),
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
    let Some(quoted) = interactions::quoted_url(object) else {
        return Ok(None);
    };
    Ok(posts::live_at(data, quoted.as_str()).await?.map(|p| p.id))
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
    let Some(post) = posts::find_by_id(&data.db, post_id).await? else {
        return Ok(None);
    };
    let html = objects::note::note_to_html(object);
    let candidate = Candidate {
        post: &post,
        author: author.as_str(),
        html: &html,
        name: None,
        website: None,
        links: sanitize::link_count(&object.content_html()),
        max_links: data.config.limits.max_links_per_comment,
    };
    let policy = data.settings.current().blog.comment_policy;
    let status = comment_policy::initial_status(&data.db, policy, &candidate).await?;
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
            // A server that did not answer may answer the next try (the inbox retries).
            Err(e) if e.is_transient() => return Err(e),
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
    if let Some(post) = posts::live_at(data, object.as_str()).await? {
        reactions::add(&data.db, kind, &activity.id, post.id, &activity.actor).await?;
    }
    Ok(())
}
