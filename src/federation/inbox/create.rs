//! `Create` of a note: read (and its missing ancestors fetched) here, placed by
//! `services::received` — a comment, a reply or mention for the owner, the reading list.

use super::fetched;
use crate::{
    error::AppResult,
    federation::{protocol::activities::Create, state::AppState},
    services::received,
};
use activitypub_federation::config::Data;

pub async fn handle(data: &Data<AppState>, create: Create) -> AppResult<()> {
    let Some(note) = fetched::note(data, create.object, &create.actor).await? else {
        return Ok(());
    };
    let ancestors = fetched::ancestors(data, &note).await?;
    received::note_created(data, note, ancestors).await
}
