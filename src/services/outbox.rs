//! The transactional outbox: what happened that the fediverse must hear of. A service records an
//! [`Event`] in the same database transaction as the change itself, so after a crash at any
//! moment a change is either not written, or written with its event; the federation layer
//! (`federation::outbox`) turns each event into an activity with its deliveries and removes it
//! in one more transaction.

use crate::{
    db::entities::outbox_event,
    error::{AppError, AppResult},
    services::{Site, local_actor::LocalActor},
};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait,
    DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, QuerySelect, sea_query::Expr,
};
use serde::{Deserialize, Serialize};

/// One thing to federate. Events name rows by id (or remote actors by their ActivityPub id);
/// the activity is built from the rows as they are when it is sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    /// A post became public: `Create` to every follower (with author actors: `Create` from
    /// the author to theirs, and the blog's `Announce` of it to the blog's).
    PostPublished { post_id: i32 },
    /// A public post changed: `Update` to every follower.
    PostUpdated { post_id: i32 },
    /// A public post was deleted or taken off the blog: `Delete` (a Tombstone) to every
    /// follower, of the object id of `publication` (none: the post's current one).
    PostDeleted {
        post_id: i32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        publication: Option<i32>,
    },
    /// `local_actor` accepted the Follow of `follower` (a remote actor): `Accept` of the
    /// Follow stored in `followers`, from that actor to the follower.
    FollowAccepted {
        local_actor: LocalActor,
        follower: String,
    },
    /// One of the authors (a username) changed their profile: `Update` of their actor to
    /// their followers.
    AuthorProfileUpdated { author: String },
    /// What `local_actor`'s actor document shows changed (the blog's title, description,
    /// images, or an actor's `alsoKnownAs`): `Update` of the actor to its followers.
    ActorUpdated { local_actor: LocalActor },
    /// The owner removed a follower of `local_actor`: `Reject` of their Follow (`follow_id`)
    /// from that actor to the follower's own `inbox`, as Mastodon does for "remove follower".
    FollowerRemoved {
        local_actor: LocalActor,
        follower: String,
        follow_id: String,
        inbox: String,
    },
    /// The blog follows `target`: `Follow` with the id stored in `following`.
    FollowRequested { follow_id: String, target: String },
    /// The blog stopped following `target`: `Undo` of that Follow.
    FollowUndone { follow_id: String, target: String },
    /// A reply the owner wrote, created, edited or deleted; `parent_author` is the remote
    /// author of what it answers, addressed and delivered to beside the followers.
    ReplyCreated {
        comment_id: i32,
        parent_author: Option<String>,
    },
    ReplyUpdated {
        comment_id: i32,
        parent_author: Option<String>,
    },
    ReplyDeleted {
        comment_id: i32,
        parent_author: Option<String>,
    },
    /// A QuoteRequest or ReplyRequest (`request`) was granted: `Accept` with the
    /// authorization as `result`, to the requester.
    InteractionAccepted {
        authorization_id: i32,
        request: AnsweredRequest,
    },
    /// A QuoteRequest or ReplyRequest of `actor` was refused: `Reject` of it, to them.
    InteractionRejected {
        actor: String,
        request: AnsweredRequest,
    },
    /// An authorization was revoked: `Delete` of it, to its holder and the followers.
    AuthorizationRevoked { authorization_id: i32 },
    /// `local_actor` moved to `target` (a remote actor naming it): `Move` to its followers.
    ActorMoved {
        local_actor: LocalActor,
        target: String,
    },
    /// The blog was retired: `Delete` of `local_actor` to its followers and every server the
    /// blog knows.
    ActorDeleted { local_actor: LocalActor },
    /// The owner liked, boosted or quoted a remote post from the Reader (`blog_reactions`):
    /// `Like` to its author, `Announce` to them and the followers, or a `QuoteRequest` to them.
    ReaderReacted { reaction_id: i32 },
    /// The owner took back a like, boost or quote: `Undo` of `activity_id` (a `reaction` of
    /// that kind, of `object` by `author`), to whom it went; a quote's `note` is deleted
    /// instead (FEP-044f: a quote is withdrawn by deleting it).
    ReaderUndone {
        reaction: String,
        activity_id: String,
        object: String,
        author: String,
        #[serde(default)]
        note: Option<String>,
    },
    /// The owner reported a remote comment (`report_id`, a row of `reports`): `Flag` from the
    /// blog to the reported actor's own inbox.
    ReportSent { report_id: i32 },
}

/// A QuoteRequest or ReplyRequest as our `Accept` or `Reject` names it: its ids. Stored in
/// the event as the request's own JSON would have them (`type`, not `kind`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnsweredRequest {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub actor: String,
    /// What was asked about: our post (a quote) or what the reply answers.
    pub object: String,
    /// The quote post or the reply.
    pub instrument: String,
}

/// Records `event` on `db`, which should be the transaction of the change it reports.
pub async fn record(db: &impl ConnectionTrait, event: &Event) -> AppResult<()> {
    outbox_event::Entity::insert(outbox_event::ActiveModel {
        event: Set(serde_json::to_string(event).map_err(AppError::internal)?),
        created_at: Set(Utc::now()),
        attempts: Set(0),
        ..Default::default()
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Tells this process's outbox worker that events are waiting; call after the commit.
pub fn recorded(site: &Site) {
    site.outbox_wakeup.notify_one();
}

/// Records `event` in `txn`, the transaction of the change it reports, commits both, and wakes
/// the outbox worker.
pub async fn commit_with(site: &Site, txn: DatabaseTransaction, event: &Event) -> AppResult<()> {
    record(&txn, event).await?;
    txn.commit().await?;
    recorded(site);
    Ok(())
}

/// Tries of an event that fails to become activities (a row it names cannot be read, a bug)
/// before it is a dead letter: kept aside with its reason, no longer holding back later events.
pub const MAX_ATTEMPTS: i32 = 8;

/// The oldest events due to be federated, at most `limit`, with their row ids: not dead
/// letters, and not waiting for a later try. An event this version cannot read is a dead
/// letter at once (kept, for a version that can: `retry` after an upgrade).
pub async fn pending(
    db: &impl ConnectionTrait,
    limit: u64,
    now: DateTime<Utc>,
) -> AppResult<Vec<(i32, Event)>> {
    let rows = outbox_event::Entity::find()
        .filter(outbox_event::Column::DeadAt.is_null())
        .filter(
            Condition::any()
                .add(outbox_event::Column::NextAttemptAt.is_null())
                .add(outbox_event::Column::NextAttemptAt.lte(now)),
        )
        .order_by_asc(outbox_event::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    let mut events = Vec::with_capacity(rows.len());
    for row in rows {
        match serde_json::from_str(&row.event) {
            Ok(event) => events.push((row.id, event)),
            Err(e) => {
                tracing::error!(id = row.id, error = %e, "unreadable outbox event");
                let reason = format!("unreadable by this version: {e}");
                failed(db, row.id, &reason, now, |_| None).await?;
            }
        }
    }
    Ok(events)
}

/// Records that a try of event `id` failed for `reason`. `wait` says, from the number of
/// tries so far, how long until the next (none: never); after `MAX_ATTEMPTS` tries, or without
/// a next one, the event is a dead letter from `now`.
pub async fn failed(
    db: &impl ConnectionTrait,
    id: i32,
    reason: &str,
    now: DateTime<Utc>,
    wait: impl FnOnce(i32) -> Option<std::time::Duration>,
) -> AppResult<()> {
    let Some(row) = outbox_event::Entity::find_by_id(id).one(db).await? else {
        return Ok(());
    };
    let attempts = row.attempts + 1;
    let retry_at = wait(attempts)
        .filter(|_| attempts < MAX_ATTEMPTS)
        .map(|wait| now + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::hours(1)));
    let mut row: outbox_event::ActiveModel = row.into();
    row.attempts = Set(attempts);
    row.last_error = Set(Some(reason.to_string()));
    row.next_attempt_at = Set(retry_at);
    row.dead_at = Set(retry_at.is_none().then_some(now));
    row.update(db).await?;
    Ok(())
}

/// Events that failed at least once (dead letters and those waiting for another try), newest
/// first, at most `limit`.
pub async fn troubled(
    db: &impl ConnectionTrait,
    limit: u64,
) -> AppResult<Vec<outbox_event::Model>> {
    Ok(outbox_event::Entity::find()
        .filter(outbox_event::Column::Attempts.gt(0))
        .order_by_desc(outbox_event::Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}

/// Makes event `id` (or, with `None`, every dead letter) due now with a fresh count of tries.
/// Returns how many.
pub async fn retry(db: &impl ConnectionTrait, id: Option<i32>) -> AppResult<u64> {
    let update = outbox_event::Entity::update_many()
        .col_expr(outbox_event::Column::Attempts, Expr::value(0))
        .col_expr(
            outbox_event::Column::NextAttemptAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(
            outbox_event::Column::DeadAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        );
    let update = match id {
        Some(id) => update.filter(outbox_event::Column::Id.eq(id)),
        None => update.filter(outbox_event::Column::DeadAt.is_not_null()),
    };
    Ok(update.exec(db).await?.rows_affected)
}

/// Removes the event `id` on `db` (the transaction that stores its activity). Returns false
/// when another process took it first.
pub async fn take(db: &impl ConnectionTrait, id: i32) -> AppResult<bool> {
    let done = outbox_event::Entity::delete_by_id(id).exec(db).await?;
    Ok(done.rows_affected == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_keep_their_shape() {
        let event = Event::ReplyCreated {
            comment_id: 7,
            parent_author: Some("https://social.example/users/ana".into()),
        };
        let text = serde_json::to_string(&event).unwrap_or_default();
        assert_eq!(
            text,
            r#"{"kind":"reply_created","comment_id":7,"parent_author":"https://social.example/users/ana"}"#
        );
        assert_eq!(serde_json::from_str::<Event>(&text).ok(), Some(event));
        // As the migration of the follow events writes them.
        let accepted = r#"{"kind":"follow_accepted","local_actor":"author:alice","follower":"https://r.example/u"}"#;
        assert_eq!(
            serde_json::from_str::<Event>(accepted).ok(),
            Some(Event::FollowAccepted {
                local_actor: LocalActor::Author("alice".into()),
                follower: "https://r.example/u".into(),
            })
        );
        // Written when `request` was the request's JSON: the same shape.
        let rejected = r#"{"kind":"interaction_rejected","actor":"https://r.example/u","request":{"id":"https://r.example/q/1","type":"QuoteRequest","actor":"https://r.example/u","object":"https://blog.example/posts/a","instrument":"https://r.example/n/2"}}"#;
        assert_eq!(
            serde_json::from_str::<Event>(rejected).ok(),
            Some(Event::InteractionRejected {
                actor: "https://r.example/u".into(),
                request: AnsweredRequest {
                    id: "https://r.example/q/1".into(),
                    kind: "QuoteRequest".into(),
                    actor: "https://r.example/u".into(),
                    object: "https://blog.example/posts/a".into(),
                    instrument: "https://r.example/n/2".into(),
                },
            })
        );
        let removed = r#"{"kind":"follower_removed","local_actor":"blog","follower":"https://r.example/u","follow_id":"https://r.example/f/1","inbox":"https://r.example/u/inbox"}"#;
        assert_eq!(
            serde_json::from_str::<Event>(removed).ok(),
            Some(Event::FollowerRemoved {
                local_actor: LocalActor::Blog,
                follower: "https://r.example/u".into(),
                follow_id: "https://r.example/f/1".into(),
                inbox: "https://r.example/u/inbox".into(),
            })
        );
    }
}
