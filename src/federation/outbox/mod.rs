//! What the blog does, as activities. Services record outbox events (`services::outbox`) in
//! the transaction of each change; `activities_for` turns each event into its activities with
//! one exhaustive `match` (a new kind of event does not compile until it says what it sends),
//! and they are stored with their deliveries in the transaction that removes the event — so
//! nothing is lost and nothing is sent twice, whenever a process dies. Activities stay typed
//! (`OutboxActivity`) until the queue serializes them, once. One file per concern: `posts`,
//! `replies`, `follows`, `interactions` (quote and reply requests), `actors` (profile edits,
//! moves, retirement), `reactions` (the owner's likes, boosts and quotes from the Reader),
//! `reports` (the owner's `Flag`), `outgoing` (what they all return and where it goes);
//! `collection`
//! lists in the outboxes the very activities `posts` delivers, with their ids.

mod actors;
mod collection;
mod follows;
mod interactions;
mod outgoing;
mod posts;
mod reactions;
mod replies;
mod reports;

pub use collection::listed;
pub use outgoing::Outgoing;

use outgoing::Change;

use crate::{
    error::AppResult,
    federation::{
        delivery::{self, backoff},
        state::AppState,
    },
    services::{
        local_actor::LocalActor,
        outbox::{self as events, Event},
    },
};
use activitypub_federation::config::{Data, FederationConfig};
use std::time::Duration;

/// The activities for `event`: none when there is nothing to send any more (a post deleted
/// before its Create went out), two for an author's new post (their Create, the blog's
/// Announce). Built from the rows as they are now.
pub async fn activities_for(data: &Data<AppState>, event: &Event) -> AppResult<Vec<Outgoing>> {
    let one = |outgoing: Option<Outgoing>| outgoing.into_iter().collect();
    Ok(match event {
        Event::PostPublished { post_id } => posts::changed(data, *post_id, Change::Created).await?,
        Event::PostUpdated { post_id } => posts::changed(data, *post_id, Change::Updated).await?,
        Event::PostDeleted {
            post_id,
            publication,
        } => posts::deleted(data, *post_id, *publication).await?,
        Event::ReplyCreated {
            comment_id,
            parent_author,
        } => one(replies::changed(data, *comment_id, parent_author, Change::Created).await?),
        Event::ReplyUpdated {
            comment_id,
            parent_author,
        } => one(replies::changed(data, *comment_id, parent_author, Change::Updated).await?),
        Event::ReplyDeleted {
            comment_id,
            parent_author,
        } => one(replies::changed(data, *comment_id, parent_author, Change::Deleted).await?),
        Event::FollowRequested { follow_id, target } => {
            one(follows::requested(data, follow_id, target).await?)
        }
        Event::FollowUndone { follow_id, target } => {
            one(follows::undone(data, follow_id, target).await?)
        }
        Event::FollowAccepted {
            local_actor,
            follower,
        } => one(follows::accepted(data, local_actor, follower).await?),
        Event::FollowerRemoved {
            local_actor,
            follower,
            follow_id,
            inbox,
        } => one(Some(follows::removed(
            data,
            local_actor,
            follower,
            follow_id,
            inbox,
        )?)),
        Event::AuthorProfileUpdated { author } => {
            one(actors::updated(data, &LocalActor::Author(author.clone())).await?)
        }
        Event::ActorUpdated { local_actor } => one(actors::updated(data, local_actor).await?),
        Event::ActorMoved {
            local_actor,
            target,
        } => vec![actors::moved(data, local_actor, target).await?],
        Event::ActorDeleted { local_actor } => vec![actors::deleted(data, local_actor).await?],
        Event::InteractionAccepted {
            authorization_id,
            request,
        } => one(interactions::accepted(data, *authorization_id, request).await?),
        Event::InteractionRejected { actor, request } => {
            one(interactions::rejected(data, actor, request).await?)
        }
        Event::AuthorizationRevoked { authorization_id } => {
            one(interactions::revoked(data, *authorization_id).await?)
        }
        Event::ReaderReacted { reaction_id } => one(reactions::reacted(data, *reaction_id).await?),
        Event::ReaderUndone {
            reaction,
            activity_id,
            object,
            author,
            note,
        } => {
            let undone = reactions::Undone {
                kind: reaction,
                activity_id,
                object,
                author,
                note: note.as_deref(),
            };
            one(reactions::undone(data, undone).await?)
        }
        Event::ReportSent { report_id } => one(reports::sent(data, *report_id).await?),
    })
}

/// The first wait after an event failed to become activities, doubled after each further
/// failure (with jitter) up to `RETRY_MAX_SECONDS`.
const RETRY_BASE_SECONDS: u64 = 30;
const RETRY_MAX_SECONDS: u64 = 3600;

/// How often the outbox worker looks for events other processes (the CLI) recorded.
const POLL: Duration = Duration::from_millis(500);

/// Runs until the task is dropped: federates events as soon as this process records them,
/// and those of other processes within `POLL`.
pub async fn worker(federation: FederationConfig<AppState>) {
    let data = federation.to_request_data();
    loop {
        if let Err(e) = dispatch(&data).await {
            tracing::error!(error = %e, "outbox");
        }
        let _ = tokio::time::timeout(POLL, data.outbox_wakeup.notified()).await;
    }
}

/// Turns every event that is due into its activities and deliveries. One that fails waits for
/// a later try (with backoff), and after `outbox::MAX_ATTEMPTS` is a dead letter: it never
/// holds back the events after it. Returns how many events brought at least one activity.
pub async fn dispatch(data: &Data<AppState>) -> AppResult<usize> {
    let mut stored = 0;
    loop {
        let batch = events::pending(&data.db, 100, data.clock.now()).await?;
        if batch.is_empty() {
            break;
        }
        for (id, event) in batch {
            match dispatch_one(data, id, &event).await {
                Ok(any) => stored += usize::from(any),
                Err(e) => {
                    tracing::warn!(id, error = %e, "outbox event not federated; tried again later");
                    let wait =
                        |attempts| Some(backoff(attempts, RETRY_BASE_SECONDS, RETRY_MAX_SECONDS));
                    let now = data.clock.now();
                    events::failed(&data.db, id, &e.to_string(), now, wait).await?;
                }
            }
        }
    }
    if stored > 0 {
        data.delivery_wakeup.notify_one();
    }
    Ok(stored)
}

/// One event: its activities are built from the rows as they are now (outside the
/// transaction: reads only), then stored with their deliveries in the transaction that takes
/// the event.
async fn dispatch_one(data: &Data<AppState>, id: i32, event: &Event) -> AppResult<bool> {
    let built = activities_for(data, event).await?;
    let txn = crate::db::begin_write(&data.db).await?;
    if !events::take(&txn, id).await? {
        // Another node took it.
        return Ok(false);
    }
    let any = !built.is_empty();
    for Outgoing {
        activity,
        public,
        inboxes,
    } in built
    {
        let sender = LocalActor::from_id(&data.urls, activity.actor()).unwrap_or(LocalActor::Blog);
        let to_followers = activity.addresses(sender.followers(&data.urls).as_str());
        delivery::enqueue(&txn, &activity, public, to_followers, inboxes).await?;
    }
    txn.commit().await?;
    Ok(any)
}
