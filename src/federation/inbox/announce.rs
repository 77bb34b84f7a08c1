//! `Announce` (a boost): of one of our posts, counted and the owner told; of another post by
//! an account the blog follows, that post (fetched from its own server) comes into the
//! Reader's timeline. Other boosts are not the blog's business.

use super::fetched;
use crate::{
    db::entities::reaction,
    error::AppResult,
    federation::{protocol::activities::Reaction, state::AppState},
    services::{follows, reactions, received},
};
use activitypub_federation::config::Data;

pub async fn handle(data: &Data<AppState>, boost: Reaction) -> AppResult<()> {
    if !data.urls.is_local(&boost.object) {
        // Fetched only for an account the blog follows: anyone else's boost costs nothing.
        if !follows::is_following(&data.db, &boost.actor).await? {
            return Ok(());
        }
        let Some(note) = fetched::boosted(data, &boost.object).await? else {
            return Ok(());
        };
        return received::boosted(data, &boost.actor, &boost.id, note).await;
    }
    let kind = reaction::ANNOUNCE;
    reactions::add(data, kind, &boost.id, &boost.object, &boost.actor).await
}
