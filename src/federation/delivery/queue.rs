//! The queue in the database: storing an activity with its deliveries, claiming due rows under
//! a lease, and handing back the leases of a crashed process.

use super::notify;
use crate::{
    db::{
        entities::{activity, delivery},
        placeholder,
    },
    error::AppResult,
    federation::{
        objects::document::to_text_with_context, protocol::OutboxActivity, signing::host_header,
    },
};
use chrono::{DateTime, Duration as ChronoDuration, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    DbBackend, EntityTrait, QueryFilter, Statement, Value as DbValue, sea_query::OnConflict,
};
use url::Url;

/// Stores `activity` (serialized here, once: the text that is signed and sent) and queues it
/// for each of `inboxes` (de-duplicated), in `txn` (the transaction that also takes the outbox
/// event; the caller commits). `to_followers`: whether it is addressed to its sender's
/// followers. An activity whose id is stored already (a post's `Create`, sent
/// again when the post is restored) is stored anew under that id. Returns its row id.
pub async fn enqueue(
    txn: &DatabaseTransaction,
    activity: &OutboxActivity,
    public: bool,
    to_followers: bool,
    inboxes: impl IntoIterator<Item = Url>,
) -> AppResult<i32> {
    let json = to_text_with_context(activity)?;
    let mut unique: Vec<String> = inboxes.into_iter().map(|u| u.to_string()).collect();
    unique.sort();
    unique.dedup();
    let now = Utc::now();
    let stored = activity::Entity::insert(activity::ActiveModel {
        ap_id: Set(activity.id().to_string()),
        kind: Set(activity.kind().to_string()),
        object_ap_id: Set(activity.object_id()),
        json: Set(json),
        public: Set(public),
        created_at: Set(now),
        sender: Set(Some(activity.actor().to_string())),
        to_followers: Set(to_followers),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::column(activity::Column::ApId)
            .update_columns([
                activity::Column::Json,
                activity::Column::Public,
                activity::Column::CreatedAt,
                activity::Column::Sender,
                activity::Column::ToFollowers,
            ])
            .to_owned(),
    )
    .exec(txn)
    .await?;
    let activity_id = stored.last_insert_id;
    // Chunks keep each statement under SQLite's limit on bound variables.
    for chunk in unique.chunks(500) {
        let rows = chunk.iter().map(|inbox| delivery::ActiveModel {
            activity_id: Set(activity_id),
            inbox: Set(inbox.clone()),
            host: Set(Url::parse(inbox)
                .map(|u| host_header(&u))
                .unwrap_or_default()),
            status: Set(delivery::PENDING.into()),
            attempts: Set(0),
            next_attempt_at: Set(now),
            locked_until: Set(None),
            last_status: Set(None),
            last_error: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        });
        // An activity sent again (a restored post's Create) to an inbox it went to before:
        // that delivery starts over.
        delivery::Entity::insert_many(rows)
            .on_conflict(
                OnConflict::columns([delivery::Column::ActivityId, delivery::Column::Inbox])
                    .update_columns([
                        delivery::Column::Status,
                        delivery::Column::Attempts,
                        delivery::Column::NextAttemptAt,
                        delivery::Column::LockedUntil,
                        delivery::Column::LastStatus,
                        delivery::Column::LastError,
                        delivery::Column::UpdatedAt,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(txn)
            .await?;
    }
    if txn.get_database_backend() == sea_orm::DbBackend::Postgres {
        notify::on_commit(txn).await?;
    }
    Ok(activity_id)
}

/// Claimed work: one row to send.
#[derive(Debug)]
pub(super) struct Job {
    pub id: i64,
    pub activity_id: i32,
    pub inbox: String,
    pub host: String,
    pub attempts: i32,
}

/// Claims up to `limit` due rows by setting their lease, atomically: on PostgreSQL several
/// nodes claim concurrently and `SKIP LOCKED` keeps them apart; SQLite has a single writer.
/// Rows for paused or dead hosts wait. Longest due first, in the order of the due index
/// (`status, next_attempt_at`, then the row id it ends with): each claim reads the rows in
/// flight and the ones it takes. Ordered by id alone, SQLite either sorted every due row on
/// each claim or walked the table from its first row, past everything delivered before (a
/// 10,000-inbox fan-out makes hundreds of claims).
pub(super) async fn claim(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    limit: usize,
    lease: ChronoDuration,
) -> AppResult<Vec<Job>> {
    let stmt = claim_statement(db.get_database_backend(), now, limit, lease);
    let rows = db.query_all_raw(stmt).await?;
    let mut jobs = rows
        .iter()
        .map(|row| {
            Ok(Job {
                id: row.try_get("", "id")?,
                activity_id: row.try_get("", "activity_id")?,
                inbox: row.try_get("", "inbox")?,
                host: row.try_get("", "host")?,
                attempts: row.try_get("", "attempts")?,
            })
        })
        .collect::<Result<Vec<_>, sea_orm::DbErr>>()?;
    jobs.sort_by_key(|j| j.id);
    Ok(jobs)
}

/// The claim of [`claim`], as one statement.
fn claim_statement(
    backend: DbBackend,
    now: DateTime<Utc>,
    limit: usize,
    lease: ChronoDuration,
) -> Statement {
    let postgres = backend == DbBackend::Postgres;
    let lock = if postgres {
        "FOR UPDATE SKIP LOCKED"
    } else {
        ""
    };
    let p = |n| placeholder(postgres, n);
    let sql = format!(
        "UPDATE deliveries SET locked_until = {p1}, updated_at = {p2} \
         WHERE id IN (SELECT id FROM deliveries WHERE status = '{pending}' AND next_attempt_at <= {p3} \
         AND (locked_until IS NULL OR locked_until < {p4}) \
         AND host NOT IN (SELECT host FROM delivery_hosts WHERE dead = {p5} OR paused_until > {p6}) \
         ORDER BY next_attempt_at, id LIMIT {p7} {lock}) \
         RETURNING id, activity_id, inbox, host, attempts",
        pending = delivery::PENDING,
        p1 = p(1),
        p2 = p(2),
        p3 = p(3),
        p4 = p(4),
        p5 = p(5),
        p6 = p(6),
        p7 = p(7),
    );
    Statement::from_sql_and_values(
        backend,
        sql,
        [
            DbValue::from(now + lease),
            DbValue::from(now),
            DbValue::from(now),
            DbValue::from(now),
            DbValue::from(true),
            DbValue::from(now),
            DbValue::from(limit as i64),
        ],
    )
}

/// SQLite has one node: rows leased by a process that crashed can be taken at once.
pub(super) async fn release_leases(db: &DatabaseConnection) -> AppResult<()> {
    delivery::Entity::update_many()
        .col_expr(
            delivery::Column::LockedUntil,
            Option::<DateTime<Utc>>::None.into(),
        )
        .filter(delivery::Column::Status.eq(delivery::PENDING))
        .filter(delivery::Column::LockedUntil.is_not_null())
        .exec(db)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A claim reads the due index in its own order: SQLite neither sorts every due row nor
    /// walks the table past what was delivered before (each of the hundreds of claims of a
    /// fan-out cost as much as the rows still queued), and the longest due row goes first.
    #[tokio::test]
    async fn a_claim_takes_the_longest_due_rows_through_the_due_index() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let url = format!("sqlite://{}/queue.db", dir.path().display());
        let db = crate::db::connect(&url)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let now = Utc::now();
        let stored = activity::Entity::insert(activity::ActiveModel {
            ap_id: Set("https://blog.example/activities/1".into()),
            kind: Set("Create".into()),
            json: Set("{}".into()),
            public: Set(true),
            created_at: Set(now),
            ..Default::default()
        })
        .exec(&db)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        // Queued first, but due later than the row queued after it (a retry long due).
        for (inbox, due) in [
            ("https://a.example/inbox", now - ChronoDuration::minutes(1)),
            ("https://b.example/inbox", now - ChronoDuration::hours(1)),
        ] {
            delivery::Entity::insert(delivery::ActiveModel {
                activity_id: Set(stored.last_insert_id),
                inbox: Set(inbox.into()),
                host: Set(inbox[8..17].into()),
                status: Set(delivery::PENDING.into()),
                attempts: Set(0),
                next_attempt_at: Set(due),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            })
            .exec(&db)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        }
        let lease = ChronoDuration::minutes(5);
        let statement = claim_statement(DbBackend::Sqlite, now, 1, lease);
        let plan = Statement::from_sql_and_values(
            DbBackend::Sqlite,
            format!("EXPLAIN QUERY PLAN {}", statement.sql),
            statement.values.map(|v| v.0).unwrap_or_default(),
        );
        let plan: Vec<String> = db
            .query_all_raw(plan)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .iter()
            .map(|row| row.try_get("", "detail").unwrap_or_else(|e| panic!("{e}")))
            .collect();
        assert!(
            plan.iter()
                .any(|step| step.contains("USING INDEX idx_deliveries_due")),
            "{plan:?}"
        );
        assert!(
            !plan.iter().any(|step| step.contains("TEMP B-TREE")),
            "{plan:?}"
        );
        let jobs = claim(&db, now, 1, lease)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let inboxes: Vec<&str> = jobs.iter().map(|j| j.inbox.as_str()).collect();
        assert_eq!(inboxes, ["https://b.example/inbox"]);
    }
}
