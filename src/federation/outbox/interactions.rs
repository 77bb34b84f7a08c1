//! Answers to QuoteRequests and ReplyRequests: the `Accept` carrying the authorization, or the
//! `Reject`, to the requester's own inbox; and the `Delete` of a revoked authorization, to its
//! holder and to every follower, who may have seen the quote.

use super::outgoing::{Outgoing, own_inbox, shared_inbox};
use crate::{
    error::AppResult,
    federation::{
        actor,
        objects::{
            activity::{blog_activity, public_addressing},
            authorization::{accept_interaction, reject_interaction},
        },
        protocol::OutboxActivity,
        state::AppState,
    },
    services::{authorizations, followers, local_actor::LocalActor, outbox::AnsweredRequest},
};
use activitypub_federation::config::Data;

/// The Accept of `request` granting the authorization `authorization_id`. None when it was
/// revoked meanwhile, or the requester is not stored.
pub(super) async fn accepted(
    data: &Data<AppState>,
    authorization_id: i32,
    request: &AnsweredRequest,
) -> AppResult<Option<Outgoing>> {
    let Some(row) = authorizations::find(&data.db, authorization_id)
        .await?
        .filter(|r| r.revoked_at.is_none())
    else {
        return Ok(None);
    };
    let Some(who) = actor::stored(&data.db, &row.actor_ap_id).await? else {
        return Ok(None);
    };
    let accept = accept_interaction(data.urls.new_activity(), request, &row, &data.urls);
    Ok(Some(Outgoing {
        activity: OutboxActivity::AcceptInteraction(accept),
        public: false,
        inboxes: own_inbox(&who),
    }))
}

/// The Reject of `request`, by `actor`. None when the requester is not stored.
pub(super) async fn rejected(
    data: &Data<AppState>,
    actor: &str,
    request: &AnsweredRequest,
) -> AppResult<Option<Outgoing>> {
    let Some(who) = actor::stored(&data.db, actor).await? else {
        return Ok(None);
    };
    let reject = reject_interaction(data.urls.new_activity(), request, &data.urls);
    Ok(Some(Outgoing {
        activity: OutboxActivity::RejectInteraction(reject),
        public: false,
        inboxes: own_inbox(&who),
    }))
}

/// The Delete of the revoked authorization `authorization_id`.
pub(super) async fn revoked(
    data: &Data<AppState>,
    authorization_id: i32,
) -> AppResult<Option<Outgoing>> {
    let Some(row) = authorizations::find(&data.db, authorization_id).await? else {
        return Ok(None);
    };
    let urls = &data.urls;
    let (to, cc) = public_addressing(urls);
    let object = urls.authorization(row.id);
    let delete = blog_activity("Delete", &urls.new_activity(), object, to, cc, urls);
    let mut inboxes = followers::inboxes(&data.db, &LocalActor::Blog).await?;
    if let Some(who) = actor::stored(&data.db, &row.actor_ap_id).await? {
        inboxes.extend(shared_inbox(&who));
    }
    Ok(Some(Outgoing {
        activity: OutboxActivity::Id(delete),
        public: true,
        inboxes,
    }))
}
