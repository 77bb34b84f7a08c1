//! Interactions that ask first: a `QuoteRequest` (FEP-044f, as Mastodon 4.5 sends it) is
//! answered per the post's quote policy with an `Accept` carrying a `QuoteAuthorization`, or a
//! `Reject` (`services::authorizations` decides and records; `outbox` sends). The shape of a
//! GoToSocial `ReplyRequest` as we answer it lives here too; the inbox stores its reply.

use crate::{
    db::entities::authorization,
    error::{AppError, AppResult},
    federation::{
        fetch, guard, objects,
        protocol::{Activity, ApObject, id_of},
        state::AppState,
    },
    services::{
        authorizations::{self, Grant},
        posts,
    },
};
use activitypub_federation::config::Data;
use serde_json::{Value, json};
use url::Url;

/// The post a quote post quotes: FEP-044f `quote`, or the older `quoteUrl`, `quoteUri` and
/// `_misskey_quote` that Mastodon and Misskey still send alongside.
pub fn quoted_url(object: &Value) -> Option<Url> {
    ["quote", "quoteUrl", "quoteUri", "_misskey_quote"]
        .iter()
        .find_map(|key| object.get(*key).and_then(id_of))
}

/// A ReplyRequest as the `object` of our answer: its id, actor, what it answers and the reply.
pub fn reply_request(activity: &Activity, parent: &Url, reply: &Url) -> Value {
    json!({
        "id": activity.id,
        "type": "ReplyRequest",
        "actor": activity.actor,
        "object": parent,
        "instrument": reply,
    })
}

/// `QuoteRequest`: `object` is our post, `instrument` the quote post (its id, or the post
/// itself as Fedify and Mastodon may embed it).
pub async fn on_quote_request(data: &Data<AppState>, activity: &Activity) -> AppResult<()> {
    let Some(target) = id_of(&activity.object) else {
        return Err(AppError::BadRequest("QuoteRequest has no object".into()));
    };
    let Some(quote_id) = id_of(&activity.instrument) else {
        return Err(AppError::BadRequest(
            "QuoteRequest has no instrument".into(),
        ));
    };
    // Only its author's server speaks for a quote post (Mastodon checks the same).
    if !guard::same_origin(&quote_id, &activity.actor) {
        return Err(AppError::BadRequest(
            "the quote post is not on the requester's server".into(),
        ));
    }
    let Some(post) = posts::live_at(data, target.as_str()).await? else {
        // Not one of our posts (or gone): nothing to answer, as Mastodon does.
        return Ok(());
    };
    let request = json!({
        "id": activity.id,
        "type": "QuoteRequest",
        "actor": activity.actor,
        "object": target,
        "instrument": quote_id,
    });
    if !authorizations::may_quote(data, &post, activity.actor.as_str()).await? {
        return authorizations::refuse(data, &activity.actor, request).await;
    }
    let quote = quote_post(data, activity, &quote_id).await;
    let row = match &quote {
        Some((object, _)) if object.author().as_ref() != Some(&activity.actor) => {
            return Err(AppError::Unauthorized(
                "the quote post is someone else's".into(),
            ));
        }
        Some((_, raw)) if quoted_url(raw).is_some_and(|q| q != target) => {
            return Err(AppError::BadRequest(
                "the quote post quotes another post".into(),
            ));
        }
        Some((object, _)) => Some(objects::note::note_to_mention(object, &activity.actor)),
        None => None,
    };
    let grant = Grant {
        kind: authorization::QUOTE,
        post_id: post.id,
        object: &quote_id,
        actor: &activity.actor,
        request,
        request_id: &activity.id,
    };
    authorizations::grant(data, grant, row).await.map(drop)
}

/// The quote post: embedded in the request, else fetched (one signed GET). None when it
/// cannot be had; the quote is granted all the same, the owner then sees it by its id.
async fn quote_post(
    data: &Data<AppState>,
    activity: &Activity,
    id: &Url,
) -> Option<(ApObject, Value)> {
    let raw = if activity.instrument.is_object() {
        activity.instrument.clone()
    } else {
        match fetch::json(id, data).await {
            Ok(raw) => raw,
            Err(e) => {
                tracing::debug!(quote = %id, error = %e, "quote post not fetched");
                return None;
            }
        }
    };
    let object: ApObject = serde_json::from_value(raw.clone()).ok()?;
    (object.id == *id).then_some((object, raw))
}
