//! Our actors themselves: an author's profile edit (`Update` of their actor, to their
//! followers, as Mastodon sends profile edits), a `Move` to a new account, and the `Delete` of
//! an actor when the blog is retired.

use super::outgoing::Outgoing;
use crate::{
    error::{AppError, AppResult},
    federation::{
        authors,
        objects::activity::{activity_by, public_addressing},
        protocol::{OutboxActivity, SentMove},
        state::AppState,
    },
    services::{
        followers,
        local_actor::{self, LocalActor},
        remote_actors,
    },
};
use activitypub_federation::config::Data;
use url::Url;

/// The Update of the actor of the author `username`. None when they are no actor (any more).
pub(super) async fn updated(data: &Data<AppState>, username: &str) -> AppResult<Option<Outgoing>> {
    let Some(author) = local_actor::author_user(data, username).await? else {
        return Ok(None);
    };
    let urls = &data.urls;
    let me = LocalActor::Author(author.username.clone());
    let person = authors::actor(data, &author).await?;
    let (to, _) = public_addressing(urls);
    let cc = vec![me.followers(urls).to_string()];
    let update = activity_by(&me.id(urls), "Update", &urls.new_activity(), person, to, cc);
    Ok(Some(Outgoing {
        activity: OutboxActivity::Person(Box::new(update)),
        public: true,
        inboxes: followers::inboxes(&data.db, &me).await?,
    }))
}

/// The `Move` of `local` to `target`, to its followers (each server then checks that `target`
/// names `local` in `alsoKnownAs` and moves its users' follows there).
pub(super) async fn moved(
    data: &Data<AppState>,
    local: &LocalActor,
    target: &str,
) -> AppResult<Outgoing> {
    let urls = &data.urls;
    let me = local.id(urls);
    let moved = SentMove {
        id: urls.new_activity(),
        kind: "Move".into(),
        actor: me.clone(),
        object: me,
        target: Url::parse(target).map_err(AppError::internal)?,
        to: vec![local.followers(urls).to_string()],
    };
    Ok(Outgoing {
        activity: OutboxActivity::Move(moved),
        public: false,
        inboxes: followers::inboxes(&data.db, local).await?,
    })
}

/// The `Delete` of `local` itself (the blog was retired), to its followers and to every
/// server the blog knows, so none keeps showing it.
pub(super) async fn deleted(data: &Data<AppState>, local: &LocalActor) -> AppResult<Outgoing> {
    let urls = &data.urls;
    let (to, _) = public_addressing(urls);
    let me = local.id(urls);
    let delete = activity_by(&me, "Delete", &urls.new_activity(), me.clone(), to, vec![]);
    let mut inboxes = followers::inboxes(&data.db, local).await?;
    inboxes.extend(remote_actors::known_inboxes(&data.db).await?);
    Ok(Outgoing {
        activity: OutboxActivity::Id(delete),
        public: true,
        inboxes,
    })
}
