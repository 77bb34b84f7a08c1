//! GoToSocial's `ReplyRequest` (its reply to a post whose `canReply` asks for approval):
//! `object` is what it answers, `instrument` the reply. The reply is checked and read here;
//! `services::received::reply_requested` stores it as any comment and answers the request.

use crate::{
    error::{AppError, AppResult},
    federation::{
        fetch, guard,
        objects::{authorization::interaction_request_to_answered, note::note_to_remote_note},
        protocol::activities::{Embedded, InteractionRequest},
        state::AppState,
    },
    services::{
        comments,
        received::{self, RequestedReply},
    },
};
use activitypub_federation::config::Data;

pub async fn handle(data: &Data<AppState>, request: InteractionRequest) -> AppResult<()> {
    let reply_id = request.instrument.id().clone();
    if !guard::same_origin(&reply_id, &request.actor) {
        return Err(AppError::BadRequest(
            "the reply is not on the requester's server".into(),
        ));
    }
    // Not in one of our threads: nothing to fetch (the service answers nothing either).
    if comments::thread_post(data, &request.object)
        .await?
        .is_none()
    {
        return Ok(());
    }
    let echo = interaction_request_to_answered(&request);
    let reply = match request.instrument {
        Embedded::Object(reply) => reply,
        Embedded::Id(id) => fetch::object(&id, data).await?,
    };
    if reply.id != reply_id
        || reply.author().as_ref() != Some(&request.actor)
        || reply.in_reply_to.as_ref() != Some(&request.object)
    {
        return Err(AppError::BadRequest(
            "the reply is not the requester's answer to this".into(),
        ));
    }
    let asked = RequestedReply {
        reply: note_to_remote_note(&reply, &request.actor, &data.urls),
        id: request.id,
        parent: request.object,
        request: echo,
    };
    received::reply_requested(data, asked).await
}
