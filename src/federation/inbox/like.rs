//! `Like` of one of our posts: counted, and the owner told.

use crate::{
    db::entities::reaction,
    error::AppResult,
    federation::{protocol::activities::Reaction, state::AppState},
    services::reactions,
};
use activitypub_federation::config::Data;

pub async fn handle(data: &Data<AppState>, like: Reaction) -> AppResult<()> {
    reactions::add(data, reaction::LIKE, &like.id, &like.object, &like.actor).await
}
