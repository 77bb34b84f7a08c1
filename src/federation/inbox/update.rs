//! `Update` of the actor's own profile (stored at once), or of a note: a comment's or a read
//! post's new text, or the note itself when its Create never reached us.

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
    match fetched::note_in_thread(data, object, &update.actor).await? {
        Some((note, ancestors)) => received::note_updated(data, note, ancestors).await,
        None => Ok(()),
    }
}
