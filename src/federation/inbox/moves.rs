//! `Move`: the old account (the actor) moved to `target`, which must name it in
//! `alsoKnownAs`; the new account is fetched and stored, the old one's place handed over.

use crate::{
    error::{AppError, AppResult},
    federation::{
        actor, fetch,
        protocol::{ApActor, activities::Move, ids_of},
        state::AppState,
    },
    services::remote_actors,
};
use activitypub_federation::config::Data;

pub async fn handle(data: &Data<AppState>, moved: Move) -> AppResult<()> {
    if moved.object != moved.actor {
        return Err(AppError::Unauthorized(
            "an actor may only move itself".into(),
        ));
    }
    let new: ApActor = serde_json::from_value(fetch::json(&moved.target, data).await?)
        .map_err(|e| AppError::BadRequest(format!("move target: {e}")))?;
    if !ids_of(&new.also_known_as)
        .iter()
        .any(|a| a == moved.actor.as_str())
    {
        return Err(AppError::Unauthorized(
            "the move target does not name the old account".into(),
        ));
    }
    actor::store(&new, None, data).await?;
    remote_actors::moved(data, &moved.actor, &new.id).await
}
