//! `Undo` of the actor's own Follow, Like or Announce (embedded, as Mastodon sends it, or only
//! by id: then whatever of ours has that id).

use crate::{
    db::entities::reaction,
    error::{AppError, AppResult},
    federation::{
        protocol::activities::{Embedded, Undo},
        state::AppState,
    },
    services::{
        followers::{self, UndoneFollow},
        local_actor::LocalActor,
        reactions, reading, received,
    },
};
use activitypub_federation::config::Data;
use url::Url;

pub async fn handle(data: &Data<AppState>, undo: Undo) -> AppResult<()> {
    let undone = match undo.object {
        Embedded::Id(id) => return received::undone(data, &undo.actor, &id).await,
        Embedded::Object(undone) => undone,
    };
    if undone.actor.as_ref().is_some_and(|a| *a != undo.actor) {
        return Err(AppError::Unauthorized(
            "cannot undo another actor's activity".into(),
        ));
    }
    let actor = &undo.actor;
    let kind = match undone.kind.as_str() {
        "Follow" => {
            let (id, followed) = (undone.id.as_ref(), undone.object.as_ref());
            return unfollow(data, actor, id, followed).await;
        }
        "Like" => reaction::LIKE,
        "Announce" => reaction::ANNOUNCE,
        // Embedded without its type: whatever of ours has its id.
        "" => {
            return match &undone.id {
                Some(id) => received::undone(data, actor, id).await,
                None => Ok(()),
            };
        }
        _ => return Ok(()),
    };
    let (id, object) = (undone.id.as_ref(), undone.object.as_ref());
    // A followed account's boost of another post leaves the Reader's timeline.
    if let (reaction::ANNOUNCE, Some(id)) = (kind, id)
        && reading::remove_boost(&data.db, id, actor).await?
    {
        return Ok(());
    }
    reactions::remove(data, kind, id, object, actor)
        .await
        .map(drop)
}

/// The end of `actor`'s Follow (`id`) of `followed`: one of our actors, else whichever the
/// Follow's id names.
async fn unfollow(
    data: &Data<AppState>,
    actor: &Url,
    id: Option<&Url>,
    followed: Option<&Url>,
) -> AppResult<()> {
    let local = followed.and_then(|f| LocalActor::from_id(&data.urls, f));
    let follow = match (&local, id) {
        (Some(local), _) => UndoneFollow::Of(local),
        (None, Some(id)) => UndoneFollow::Id(id),
        (None, None) => return Ok(()),
    };
    followers::unfollowed(data, actor, follow).await.map(drop)
}
