//! `Announce` (a boost) of one of our posts: counted, and the owner told. Boosts of other
//! posts are not the blog's business.

use crate::{
    db::entities::reaction,
    error::AppResult,
    federation::{protocol::activities::Reaction, state::AppState},
    services::reactions,
};
use activitypub_federation::config::Data;

pub async fn handle(data: &Data<AppState>, boost: Reaction) -> AppResult<()> {
    let kind = reaction::ANNOUNCE;
    reactions::add(data, kind, &boost.id, &boost.object, &boost.actor).await
}
