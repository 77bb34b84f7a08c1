//! `QuoteRequest` (FEP-044f, as Mastodon 4.5 sends it): `object` is our post, `instrument` the
//! quote post (its id, or the post itself as Fedify and Mastodon may embed it). The post's
//! quote policy answers it (`services::received::quote_requested`; `outbox` sends the
//! `Accept` with its `QuoteAuthorization`, or the `Reject`).

use crate::{
    error::{AppError, AppResult},
    federation::{
        fetch, guard,
        objects::{authorization::interaction_request_to_answered, note::note_to_remote_note},
        protocol::{
            ApObject,
            activities::{Embedded, InteractionRequest},
        },
        state::AppState,
    },
    services::{
        posts,
        received::{self, QuoteAsked},
    },
};
use activitypub_federation::config::Data;

pub async fn handle(data: &Data<AppState>, request: InteractionRequest) -> AppResult<()> {
    let quote_id = request.instrument.id().clone();
    // Only its author's server speaks for a quote post (Mastodon checks the same).
    if !guard::same_origin(&quote_id, &request.actor) {
        return Err(AppError::BadRequest(
            "the quote post is not on the requester's server".into(),
        ));
    }
    // Not one of our posts: nothing to fetch (the service answers nothing either).
    if posts::live_at(data, request.object.as_str())
        .await?
        .is_none()
    {
        return Ok(());
    }
    let echo = interaction_request_to_answered(&request);
    let quote = quote_post(data, request.instrument).await;
    if let Some(quote) = &quote {
        if quote.author().as_ref() != Some(&request.actor) {
            return Err(AppError::Unauthorized(
                "the quote post is someone else's".into(),
            ));
        }
        if quote.quoted().is_some_and(|q| *q != request.object) {
            return Err(AppError::BadRequest(
                "the quote post quotes another post".into(),
            ));
        }
    }
    let asked = QuoteAsked {
        quote: quote.map(|q| note_to_remote_note(&q, &request.actor, &data.urls)),
        id: request.id,
        actor: request.actor,
        target: request.object,
        quote_id,
        request: echo,
    };
    received::quote_requested(data, asked).await
}

/// The quote post: embedded in the request, else fetched (one signed GET). None when it
/// cannot be had; the quote is granted all the same, the owner then sees it by its id.
async fn quote_post(data: &Data<AppState>, instrument: Embedded<ApObject>) -> Option<ApObject> {
    let quote = match instrument {
        Embedded::Object(quote) => quote,
        Embedded::Id(id) => match fetch::object(&id, data).await {
            Ok(quote) if quote.id == id => quote,
            Ok(_) => return None,
            Err(e) => {
                tracing::debug!(quote = %id, error = %e, "quote post not fetched");
                return None;
            }
        },
    };
    Some(quote)
}
