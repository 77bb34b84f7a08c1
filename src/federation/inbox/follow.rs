//! `Follow` of one of our actors (the blog, or an author): the follower is stored and the
//! actor's `Accept` recorded (`services::followers`). A Follow of anyone else is ignored.

use crate::{
    error::AppResult,
    federation::{actor::RemoteActor, protocol::activities::Follow, state::AppState},
    services::{followers, local_actor::LocalActor},
};
use activitypub_federation::config::Data;

pub async fn handle(data: &Data<AppState>, follow: Follow, signer: &RemoteActor) -> AppResult<()> {
    let Some(local) = LocalActor::find(data, &follow.object).await? else {
        return Ok(());
    };
    followers::accept(data, &local, &follow.id, signer.model()).await
}
