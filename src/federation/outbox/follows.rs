//! Follows both ways: the blog's `Follow` of an account and its `Undo`, to that account's
//! inbox; the `Accept` of a follower's Follow, and its `Reject` when the owner removes the
//! follower (Mastodon's "remove follower"), from the actor they follow to their own inbox
//! (where Mastodon sends what concerns follows).

use super::outgoing::{Outgoing, own_inbox};
use crate::{
    error::{AppError, AppResult},
    federation::{
        actor,
        objects::activity::{activity_by, blog_activity, follow, follower_to_follow},
        protocol::{Follow, OutboxActivity},
        state::AppState,
    },
    services::{followers, local_actor::LocalActor},
};
use activitypub_federation::config::Data;
use url::Url;

/// The blog's Follow of `target` (stored in `following` as `follow_id`). None when the
/// account is not stored (any more).
pub(super) async fn requested(
    data: &Data<AppState>,
    follow_id: &str,
    target: &str,
) -> AppResult<Option<Outgoing>> {
    let Some(who) = actor::stored(&data.db, target).await? else {
        return Ok(None);
    };
    let follow = follow(&parse(follow_id)?, &who.model().ap_id, &data.urls);
    Ok(Some(Outgoing {
        activity: OutboxActivity::Follow(follow),
        public: false,
        inboxes: own_inbox(&who),
    }))
}

/// The blog's Undo of its Follow (`follow_id`) of `target`.
pub(super) async fn undone(
    data: &Data<AppState>,
    follow_id: &str,
    target: &str,
) -> AppResult<Option<Outgoing>> {
    let Some(who) = actor::stored(&data.db, target).await? else {
        return Ok(None);
    };
    let urls = &data.urls;
    let ap_id = &who.model().ap_id;
    let follow = follow(&parse(follow_id)?, ap_id, urls);
    let to = vec![ap_id.clone()];
    let undo = blog_activity("Undo", &urls.new_activity(), follow, to, vec![], urls);
    Ok(Some(Outgoing {
        activity: OutboxActivity::FollowAnswer(undo),
        public: false,
        inboxes: own_inbox(&who),
    }))
}

/// The Accept of the Follow of a stored follower of `local`. None when they are gone
/// meanwhile.
pub(super) async fn accepted(
    data: &Data<AppState>,
    local: &LocalActor,
    follower: &str,
) -> AppResult<Option<Outgoing>> {
    let Some(row) = followers::find(&data.db, local, follower).await? else {
        return Ok(None);
    };
    let follow = follower_to_follow(&row.follow_activity_id, follower, &local.id(&data.urls))?;
    Ok(Some(answer(data, "Accept", local, follow, &row.inbox)))
}

/// The Reject of the Follow (`follow_id`) of a follower of `local` the owner removed (the row
/// is gone: the event carries what the Reject needs).
pub(super) fn removed(
    data: &Data<AppState>,
    local: &LocalActor,
    follower: &str,
    follow_id: &str,
    inbox: &str,
) -> AppResult<Outgoing> {
    let follow = follower_to_follow(follow_id, follower, &local.id(&data.urls))?;
    Ok(answer(data, "Reject", local, follow, inbox))
}

/// `kind` (Accept or Reject) of `follow`, from the actor it followed, to the follower's own
/// `inbox`.
fn answer(
    data: &Data<AppState>,
    kind: &str,
    local: &LocalActor,
    follow: Follow,
    inbox: &str,
) -> Outgoing {
    let urls = &data.urls;
    let to = vec![follow.actor.to_string()];
    let id = urls.new_activity();
    Outgoing {
        activity: OutboxActivity::FollowAnswer(activity_by(
            &local.id(urls),
            kind,
            &id,
            follow,
            to,
            vec![],
        )),
        public: false,
        inboxes: Url::parse(inbox).ok().into_iter().collect(),
    }
}

fn parse(id: &str) -> AppResult<Url> {
    Url::parse(id).map_err(AppError::internal)
}
