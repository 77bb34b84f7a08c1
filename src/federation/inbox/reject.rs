//! `Reject` of the blog's Follow (refused, or the blog was removed as a follower).

use crate::{
    error::AppResult,
    federation::{protocol::activities::Answer, state::AppState},
    services::follows,
};
use activitypub_federation::config::Data;

pub async fn handle(data: &Data<AppState>, reject: Answer) -> AppResult<()> {
    follows::answered(&data.db, &reject.actor, false)
        .await
        .map(drop)
}
