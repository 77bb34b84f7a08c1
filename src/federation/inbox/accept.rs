//! `Accept` of the blog's Follow: the account followed lets the blog read along.

use crate::{
    error::AppResult,
    federation::{protocol::activities::Answer, state::AppState},
    services::follows,
};
use activitypub_federation::config::Data;

pub async fn handle(data: &Data<AppState>, accept: Answer) -> AppResult<()> {
    follows::answered(&data.db, &accept.actor, true)
        .await
        .map(drop)
}
