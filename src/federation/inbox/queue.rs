//! The durable inbox in the database: storing verified activities (once per id, many at
//! once), claiming due rows under a lease, recording what became of a try, handing back the
//! leases of a crashed process, and pruning what is done.

use crate::{
    config::InboxConfig,
    db::{entities::inbox_activity, is_postgres, placeholder},
    error::AppResult,
    federation::{delivery::backoff, signatures::WINDOW_SECONDS},
};
use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryTrait, Statement, Value as DbValue,
    sea_query::{Expr, OnConflict, Query},
};
use std::collections::HashMap;

/// A verified activity, as it is stored.
pub(super) struct Received {
    pub activity_id: String,
    /// The signer (the activity's actor).
    pub actor: String,
    pub kind: String,
    pub document: String,
    /// When it came; the request that stores it holds it (processing it at once) until
    /// `now + lease`.
    pub now: DateTime<Utc>,
    pub lease: Duration,
}

/// Stores `batch` in one statement. Returns each one's row, in its order, or `None` for an
/// activity whose id was received before (also earlier in the same batch).
pub(super) async fn store(
    db: &DatabaseConnection,
    batch: Vec<Received>,
) -> AppResult<Vec<Option<i64>>> {
    if batch.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<String> = batch.iter().map(|r| r.activity_id.clone()).collect();
    let rows = batch
        .into_iter()
        .map(|received| inbox_activity::ActiveModel {
            activity_id: Set(received.activity_id),
            actor: Set(received.actor),
            kind: Set(received.kind),
            document: Set(received.document),
            status: Set(inbox_activity::PENDING.into()),
            attempts: Set(1),
            received_at: Set(received.now),
            next_attempt_at: Set(received.now),
            locked_until: Set(Some(received.now + received.lease)),
            finished_at: Set(None),
            last_error: Set(None),
            ..Default::default()
        });
    let mut insert = inbox_activity::Entity::insert_many(rows)
        .on_conflict(
            OnConflict::column(inbox_activity::Column::ActivityId)
                .do_nothing()
                .to_owned(),
        )
        .into_query();
    insert.returning(Query::returning().columns([
        inbox_activity::Column::Id,
        inbox_activity::Column::ActivityId,
    ]));
    let stored = db
        .query_all_raw(db.get_database_backend().build(&insert))
        .await?;
    let mut rows = stored
        .iter()
        .map(|row| {
            Ok((
                row.try_get::<String>("", "activity_id")?,
                row.try_get("", "id")?,
            ))
        })
        .collect::<Result<HashMap<String, i64>, sea_orm::DbErr>>()?;
    // The first of two with one id in the batch was stored; the second is a repeat.
    Ok(ids.iter().map(|id| rows.remove(id)).collect())
}

/// A row claimed for a try.
pub(super) struct Claimed {
    pub id: i64,
    pub actor: String,
    pub document: String,
    /// Tries so far, this one included.
    pub attempts: i32,
}

/// Claims up to `limit` due rows by setting their lease and counting the try, atomically: on
/// PostgreSQL several nodes claim at once and `SKIP LOCKED` keeps them apart; SQLite has one
/// writer. A row whose lease expired (its process died) is due again.
pub(super) async fn claim(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    limit: usize,
    lease: Duration,
) -> AppResult<Vec<Claimed>> {
    let postgres = is_postgres(db);
    let lock = if postgres {
        "FOR UPDATE SKIP LOCKED"
    } else {
        ""
    };
    let p = |n| placeholder(postgres, n);
    let sql = format!(
        "UPDATE inbox_activities SET locked_until = {p1}, attempts = attempts + 1 \
         WHERE id IN (SELECT id FROM inbox_activities WHERE status = '{pending}' \
         AND next_attempt_at <= {p2} AND (locked_until IS NULL OR locked_until < {p3}) \
         ORDER BY id LIMIT {p4} {lock}) \
         RETURNING id, actor, document, attempts",
        pending = inbox_activity::PENDING,
        p1 = p(1),
        p2 = p(2),
        p3 = p(3),
        p4 = p(4),
    );
    let stmt = Statement::from_sql_and_values(
        db.get_database_backend(),
        sql,
        [
            DbValue::from(now + lease),
            DbValue::from(now),
            DbValue::from(now),
            DbValue::from(limit as i64),
        ],
    );
    let rows = db.query_all_raw(stmt).await?;
    let mut claimed = rows
        .iter()
        .map(|row| {
            Ok(Claimed {
                id: row.try_get("", "id")?,
                actor: row.try_get("", "actor")?,
                document: row.try_get("", "document")?,
                attempts: row.try_get("", "attempts")?,
            })
        })
        .collect::<Result<Vec<_>, sea_orm::DbErr>>()?;
    claimed.sort_by_key(|c| c.id);
    Ok(claimed)
}

/// Rows whose tries are used up and whose last try ended without an outcome on record (the
/// process died, or the try ran past its lease) become dead letters instead of being claimed
/// once more: an activity that brings its process down is tried a bounded number of times,
/// not forever.
///
/// That bound is one more than `max_attempts`. A try with no outcome on record may have done
/// its work and lost only the write of its outcome: the process died between the commit of
/// what the activity stores and its done-mark (`DoneMarks` writes marks a moment later, in
/// batches), or that write failed (a full disk, a database gone) and the lease ran out
/// before it could be written again. From the row alone, that is indistinguishable from a
/// try that never got that far; giving up on it at `max_attempts` made work that was done a
/// dead letter, which "try again" would then do twice. So the last try whose end is unknown
/// is followed by one more, which the process takes only once the database takes writes
/// again (a claim is a write): processing is idempotent by activity id, so a try of work
/// that is done stores nothing and ends done, and one that fails again ends as a dead
/// letter with its own reason (`finish`). Returns how many.
pub(super) async fn give_up(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    max_attempts: i32,
) -> AppResult<u64> {
    let given_up = inbox_activity::Entity::update_many()
        .col_expr(
            inbox_activity::Column::Status,
            Expr::value(inbox_activity::DEAD),
        )
        .col_expr(
            inbox_activity::Column::LockedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(inbox_activity::Column::FinishedAt, Expr::value(now))
        .col_expr(
            inbox_activity::Column::LastError,
            Expr::value("no try ended: the process stopped or the try outlasted its lease"),
        )
        .filter(inbox_activity::Column::Status.eq(inbox_activity::PENDING))
        .filter(inbox_activity::Column::Attempts.gt(max_attempts))
        .filter(
            Condition::any()
                .add(inbox_activity::Column::LockedUntil.is_null())
                .add(inbox_activity::Column::LockedUntil.lt(now)),
        )
        .exec(db)
        .await?;
    Ok(given_up.rows_affected)
}

/// What became of one try.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Outcome {
    Done,
    /// Refused for good, with the reason: not tried again.
    Rejected(String),
    /// Failed for now (a server that did not answer, a busy database): tried again later, or
    /// a dead letter after `max_attempts` tries.
    Retry(String),
}

/// Records the outcome of try number `attempts` of row `id`, and ends its lease.
pub(super) async fn finish(
    db: &DatabaseConnection,
    id: i64,
    attempts: i32,
    outcome: &Outcome,
    now: DateTime<Utc>,
    config: &InboxConfig,
) -> AppResult<()> {
    let update = inbox_activity::Entity::update_many()
        .col_expr(
            inbox_activity::Column::LockedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(inbox_activity::Column::Id.eq(id))
        .filter(inbox_activity::Column::Status.eq(inbox_activity::PENDING));
    let finished = |update: sea_orm::UpdateMany<inbox_activity::Entity>, status: &str| {
        update
            .col_expr(inbox_activity::Column::Status, Expr::value(status))
            .col_expr(inbox_activity::Column::FinishedAt, Expr::value(now))
    };
    let update = match outcome {
        Outcome::Done => finished(update, inbox_activity::DONE).col_expr(
            inbox_activity::Column::LastError,
            Expr::value(Option::<String>::None),
        ),
        Outcome::Rejected(reason) => finished(update, inbox_activity::REJECTED)
            .col_expr(inbox_activity::Column::LastError, Expr::value(reason)),
        Outcome::Retry(reason) if attempts >= config.max_attempts => {
            finished(update, inbox_activity::DEAD)
                .col_expr(inbox_activity::Column::LastError, Expr::value(reason))
        }
        Outcome::Retry(reason) => {
            let wait = backoff(
                attempts,
                config.retry_base_seconds,
                config.max_retry_seconds,
            );
            let due = now + Duration::from_std(wait).unwrap_or(Duration::hours(1));
            update
                .col_expr(inbox_activity::Column::NextAttemptAt, Expr::value(due))
                .col_expr(inbox_activity::Column::LastError, Expr::value(reason))
        }
    };
    update.exec(db).await?;
    Ok(())
}

/// SQLite has one node: rows leased by a process that died can be taken at once.
pub(super) async fn release_leases(db: &DatabaseConnection) -> AppResult<()> {
    inbox_activity::Entity::update_many()
        .col_expr(
            inbox_activity::Column::LockedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(inbox_activity::Column::Status.eq(inbox_activity::PENDING))
        .filter(inbox_activity::Column::LockedUntil.is_not_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Done activities are kept while a signature on them could still be valid (an hour either
/// way, and a margin), so that a redelivery or a replay within that time changes nothing.
pub(super) fn keep_done() -> Duration {
    Duration::seconds(WINDOW_SECONDS * 2 + 600)
}

/// Refusals and dead letters stay this long for the owner to look at.
const KEEP_FAILED_DAYS: i64 = 30;

/// Removes done activities past `keep_done` and failed ones past a month. Returns how many.
pub(super) async fn prune(db: &DatabaseConnection, now: DateTime<Utc>) -> AppResult<u64> {
    let done = inbox_activity::Entity::delete_many()
        .filter(inbox_activity::Column::Status.eq(inbox_activity::DONE))
        .filter(inbox_activity::Column::FinishedAt.lt(now - keep_done()))
        .exec(db)
        .await?;
    let failed = inbox_activity::Entity::delete_many()
        .filter(
            inbox_activity::Column::Status.is_in([inbox_activity::REJECTED, inbox_activity::DEAD]),
        )
        .filter(inbox_activity::Column::FinishedAt.lt(now - Duration::days(KEEP_FAILED_DAYS)))
        .exec(db)
        .await?;
    Ok(done.rows_affected + failed.rows_affected)
}
