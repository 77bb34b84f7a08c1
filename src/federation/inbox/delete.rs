//! `Delete` of a note (whichever list holds it lets it go), or of the actor itself (what the
//! blog keeps of it goes).

use crate::{
    error::AppResult,
    federation::{protocol::activities::Delete, state::AppState},
    services::{received, remote_actors},
};
use activitypub_federation::config::Data;

pub async fn handle(data: &Data<AppState>, delete: Delete) -> AppResult<()> {
    if delete.object == delete.actor {
        return remote_actors::deleted(data, &delete.actor).await;
    }
    received::note_deleted(data, &delete.object, &delete.actor).await
}
