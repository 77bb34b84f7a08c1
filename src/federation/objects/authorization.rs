//! The authorizations the blog grants (FEP-044f `QuoteAuthorization`, GoToSocial's
//! `ReplyAuthorization`), served at their own URL, the `Accept` that carries one and the
//! `Reject` of a request, and a received request as those answers name it.

use crate::{
    db::entities::authorization,
    federation::protocol::{
        AcceptInteraction, InteractionAuthorization, RequestEcho, SentActivity,
        activities::InteractionRequest,
    },
    services::outbox::AnsweredRequest,
    urls::Urls,
};
use url::Url;

/// What the authorization `row` (on post `slug`) says, served at its own URL.
pub fn authorization_to_interaction_authorization(
    row: &authorization::Model,
    slug: &str,
    urls: &Urls,
) -> InteractionAuthorization {
    let kind = if row.kind == authorization::QUOTE {
        "QuoteAuthorization"
    } else {
        "ReplyAuthorization"
    };
    InteractionAuthorization {
        id: urls.authorization(row.id),
        kind: kind.into(),
        attributed_to: urls.actor(),
        interacting_object: row.interacting_object.clone(),
        interaction_target: urls.post(slug),
    }
}

/// A received QuoteRequest or ReplyRequest as the services keep it to answer: its ids.
pub fn interaction_request_to_answered(request: &InteractionRequest) -> AnsweredRequest {
    AnsweredRequest {
        id: request.id.to_string(),
        kind: request.kind.clone(),
        actor: request.actor.to_string(),
        object: request.object.to_string(),
        instrument: request.instrument.id().to_string(),
    }
}

/// The request as the `object` of our answer: ids only (Mastodon matches it by its id).
fn answered_request_to_echo(request: &AnsweredRequest) -> RequestEcho {
    RequestEcho {
        id: request.id.clone(),
        kind: request.kind.clone(),
        actor: request.actor.clone(),
        object: request.object.clone(),
        instrument: request.instrument.clone(),
    }
}

/// The `Accept` (`id`) of `request` granting `row`, to the requester.
pub fn accept_interaction(
    id: Url,
    request: &AnsweredRequest,
    row: &authorization::Model,
    urls: &Urls,
) -> AcceptInteraction {
    AcceptInteraction {
        id,
        kind: "Accept".into(),
        actor: urls.actor(),
        to: vec![request.actor.clone()],
        object: answered_request_to_echo(request),
        result: urls.authorization(row.id),
    }
}

/// The blog's `Reject` (`id`) of `request`, to the requester.
pub fn reject_interaction(
    id: Url,
    request: &AnsweredRequest,
    urls: &Urls,
) -> SentActivity<RequestEcho> {
    SentActivity {
        id,
        kind: "Reject".into(),
        actor: urls.actor(),
        object: answered_request_to_echo(request),
        to: vec![request.actor.clone()],
        cc: vec![],
    }
}
