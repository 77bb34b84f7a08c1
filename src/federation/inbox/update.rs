//! `Update` of the actor's own profile (stored at once), or of a note: a comment's or a read
//! post's new text, or the note itself when its Create never reached us (only then are its
//! missing ancestors fetched).

use super::fetched;
use crate::{
    error::{AppError, AppResult},
    federation::{
        actor,
        protocol::activities::{Update, Updated},
        state::AppState,
    },
    services::received,
};
use activitypub_federation::config::Data;

pub async fn handle(data: &Data<AppState>, update: Update) -> AppResult<()> {
    let object = match update.object {
        Updated::Actor(profile) if profile.id != update.actor => {
            return Err(AppError::Unauthorized(
                "an actor may only update itself".into(),
            ));
        }
        Updated::Actor(profile) => return actor::store(&profile, None, data).await.map(drop),
        Updated::Object(object) => *object,
    };
    let Some(note) = fetched::note(data, object, &update.actor).await? else {
        return Ok(());
    };
    let Some(unknown) = received::note_updated(data, note).await? else {
        return Ok(());
    };
    // An edit of a note whose Create never reached us: taken as the note, placed as new.
    let ancestors = fetched::ancestors(data, &unknown).await?;
    received::note_created(data, unknown, ancestors).await
}
