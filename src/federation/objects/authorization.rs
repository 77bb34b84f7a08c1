//! The authorizations the blog grants (FEP-044f `QuoteAuthorization`, GoToSocial's
//! `ReplyAuthorization`), served at their own URL, and the `Accept` that carries one.

use crate::{
    db::entities::authorization,
    federation::protocol::{AcceptInteraction, InteractionAuthorization},
    urls::Urls,
};
use serde_json::Value;
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

/// The `Accept` of `request` (a QuoteRequest or ReplyRequest of `requester`) granting `row`.
pub fn accept_interaction(
    id: &Url,
    request: Value,
    requester: &str,
    row: &authorization::Model,
    urls: &Urls,
) -> AcceptInteraction {
    AcceptInteraction {
        id: id.clone(),
        kind: "Accept".into(),
        actor: urls.actor(),
        to: vec![requester.to_string()],
        object: request,
        result: urls.authorization(row.id),
    }
}
