//! Our actors themselves: a profile edit, aliases included (`Update` of the actor, to its
//! followers, as Mastodon sends profile edits), a `Move` to a new account, and the `Delete` of
//! an actor when the blog is retired.

use super::outgoing::Outgoing;
use crate::{
    error::{AppError, AppResult},
    federation::{
        authors, objects,
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

/// The Update of `local`'s actor document, as it is now, to its followers (Mastodon reads the
/// profile again, `alsoKnownAs` included, which a `Move` to it is checked against). None for
/// an author who is no actor (any more).
pub(super) async fn updated(
    data: &Data<AppState>,
    local: &LocalActor,
) -> AppResult<Option<Outgoing>> {
    // The settings in memory may be older than the change (made by another process, such
    // as `feder alias add`, or not reloaded yet): the Update shows the stored ones.
    data.settings.reload(&data.db).await?;
    let person = match local {
        LocalActor::Blog => objects::actor::blog_to_person(data).await?,
        LocalActor::Author(username) => {
            let Some(author) = local_actor::author_user(data, username).await? else {
                return Ok(None);
            };
            authors::actor(data, &author).await?
        }
    };
    let urls = &data.urls;
    let (to, _) = public_addressing(urls);
    let cc = vec![local.followers(urls).to_string()];
    let update = activity_by(
        &local.id(urls),
        "Update",
        &urls.new_activity(),
        person,
        to,
        cc,
    );
    Ok(Some(Outgoing {
        activity: OutboxActivity::Person(Box::new(update)),
        public: true,
        inboxes: followers::inboxes(&data.db, local).await?,
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
