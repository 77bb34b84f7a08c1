//! `Reject` of the blog's Follow (refused, or the blog was removed as a follower), or of a
//! quote the owner asked to make from the Reader.

use crate::{
    error::AppResult,
    federation::{protocol::activities::Answer, state::AppState},
    services::{follows, reader},
};
use activitypub_federation::config::Data;

pub async fn handle(data: &Data<AppState>, reject: Answer) -> AppResult<()> {
    if let Some(object) = &reject.object
        && reader::quote_answered(data, object, &reject.actor, false, None).await?
    {
        return Ok(());
    }
    follows::answered(&data.db, &reject.actor, false)
        .await
        .map(drop)
}
