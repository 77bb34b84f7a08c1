//! `Accept` of the blog's Follow (the account followed lets the blog read along), or of a
//! quote the owner asked to make from the Reader (FEP-044f).

use crate::{
    error::AppResult,
    federation::{protocol::activities::Answer, state::AppState},
    services::{follows, reader},
};
use activitypub_federation::config::Data;

pub async fn handle(data: &Data<AppState>, accept: Answer) -> AppResult<()> {
    if let Some(object) = &accept.object {
        let result = accept.result.as_ref();
        if reader::quote_answered(data, object, &accept.actor, true, result).await? {
            return Ok(());
        }
    }
    follows::answered(&data.db, &accept.actor, true)
        .await
        .map(drop)
}
