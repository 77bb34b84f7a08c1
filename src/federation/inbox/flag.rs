//! `Flag`: another server reports something of ours (Mastodon sends it from its instance
//! actor, naming the reported account and posts); kept and shown to the owner.

use crate::{
    error::AppResult,
    federation::{protocol::activities::Flag, state::AppState},
    services::reports,
};
use activitypub_federation::config::Data;

pub async fn handle(data: &Data<AppState>, flag: Flag) -> AppResult<()> {
    let content = flag.content.as_deref().unwrap_or_default();
    reports::received(data, &flag.id, &flag.actor, &flag.objects(), content)
        .await
        .map(drop)
}
