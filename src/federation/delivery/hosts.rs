//! Host health: a host that answers is healthy again, failures are counted (pausing it through
//! the circuit breaker), and a host without success for `DEAD_AFTER_DAYS` is dead: what is
//! queued for it is given up until it shows a sign of life.

use super::breaker::pause_for;
use crate::{
    db::{
        entities::{delivery, delivery_host},
        is_postgres, placeholder,
    },
    error::AppResult,
};
use chrono::{DateTime, Duration as ChronoDuration, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Statement,
    Value as DbValue,
};
use std::time::Duration;

/// No success for this long: the host is dead.
const DEAD_AFTER_DAYS: i64 = 7;

/// A host answered (or sent us something): it is healthy again. Writes only when it was not.
pub async fn host_alive(db: &DatabaseConnection, host: &str) -> AppResult<()> {
    delivery_host::Entity::update_many()
        .col_expr(delivery_host::Column::FailuresInARow, 0.into())
        .col_expr(
            delivery_host::Column::FirstFailureAt,
            Option::<DateTime<Utc>>::None.into(),
        )
        .col_expr(
            delivery_host::Column::PausedUntil,
            Option::<DateTime<Utc>>::None.into(),
        )
        .col_expr(delivery_host::Column::Dead, false.into())
        .col_expr(delivery_host::Column::LastSuccessAt, Utc::now().into())
        .filter(delivery_host::Column::Host.eq(host))
        .filter(delivery_host::Column::FailuresInARow.gt(0))
        .exec(db)
        .await?;
    Ok(())
}

/// Which hosts are on record as failing, kept in memory so that the inbox, which revives a
/// host whenever it hears from it, writes only when there is something to revive.
#[derive(Default)]
pub struct HostHealth {
    failing: std::sync::Mutex<Option<(std::time::Instant, std::collections::HashSet<String>)>>,
    /// One reader of the record at a time: when it is stale, the inbox requests arriving
    /// meanwhile wait for that one query instead of each running it (single flight).
    refreshing: tokio::sync::Mutex<()>,
}

impl HostHealth {
    /// Marks `host` healthy if it is on record as failing (refreshing the record every 10 s).
    pub async fn revive(&self, db: &DatabaseConnection, host: &str) -> AppResult<()> {
        if self.stale() {
            let _one = self.refreshing.lock().await;
            if self.stale() {
                let hosts = delivery_host::Entity::find()
                    .filter(delivery_host::Column::FailuresInARow.gt(0))
                    .all(db)
                    .await?
                    .into_iter()
                    .map(|h| h.host)
                    .collect();
                *self.failing.lock().unwrap_or_else(|e| e.into_inner()) =
                    Some((std::time::Instant::now(), hosts));
            }
        }
        let known_failing = self
            .failing
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_mut()
            .is_some_and(|(_, hosts)| hosts.remove(host));
        if known_failing {
            host_alive(db, host).await?;
        }
        Ok(())
    }

    /// Whether the record is missing or older than 10 s.
    fn stale(&self) -> bool {
        self.failing
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .is_none_or(|(at, _)| at.elapsed() > Duration::from_secs(10))
    }

    /// Forgets the record, so the next `revive` reads it again (after a failure was counted).
    pub fn invalidate(&self) {
        *self.failing.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }
}

/// Counts a failure against `host`: pauses it after several in a row, and declares it dead
/// when nothing succeeded for `DEAD_AFTER_DAYS`. The count is one atomic upsert, since several
/// deliveries to one host fail at once (and on several nodes).
pub(super) async fn host_failed(
    db: &DatabaseConnection,
    host: &str,
    error: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let postgres = is_postgres(db);
    let p = |n| placeholder(postgres, n);
    let sql = format!(
        "INSERT INTO delivery_hosts (host, failures_in_a_row, first_failure_at, dead, last_error) \
         VALUES ({p1}, 1, {p2}, {p3}, {p4}) \
         ON CONFLICT (host) DO UPDATE SET failures_in_a_row = delivery_hosts.failures_in_a_row + 1, \
         first_failure_at = COALESCE(delivery_hosts.first_failure_at, excluded.first_failure_at), \
         last_error = excluded.last_error \
         RETURNING failures_in_a_row, first_failure_at, dead",
        p1 = p(1),
        p2 = p(2),
        p3 = p(3),
        p4 = p(4),
    );
    let error: String = error.chars().take(500).collect();
    let stmt = Statement::from_sql_and_values(
        db.get_database_backend(),
        sql,
        [
            DbValue::from(host),
            DbValue::from(now),
            DbValue::from(false),
            DbValue::from(error),
        ],
    );
    let Some(row) = db.query_one_raw(stmt).await? else {
        return Ok(());
    };
    let failures: i32 = row.try_get("", "failures_in_a_row")?;
    let first: Option<DateTime<Utc>> = row.try_get("", "first_failure_at")?;
    let was_dead: bool = row.try_get("", "dead")?;
    let dead = first.is_some_and(|f| now - f > ChronoDuration::days(DEAD_AFTER_DAYS));
    if dead && !was_dead {
        tracing::warn!(
            host,
            "no successful delivery for {DEAD_AFTER_DAYS} days: host marked dead"
        );
    }
    let paused_until = pause_for(failures).map(|p| now + p);
    if paused_until.is_some() || dead {
        delivery_host::Entity::update_many()
            .col_expr(delivery_host::Column::PausedUntil, paused_until.into())
            .col_expr(delivery_host::Column::Dead, dead.into())
            .filter(delivery_host::Column::Host.eq(host))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// Gives up what is queued for dead hosts.
pub(super) async fn fail_dead_hosts(db: &DatabaseConnection) -> AppResult<u64> {
    let dead: Vec<String> = delivery_host::Entity::find()
        .filter(delivery_host::Column::Dead.eq(true))
        .all(db)
        .await?
        .into_iter()
        .map(|h| h.host)
        .collect();
    if dead.is_empty() {
        return Ok(0);
    }
    let result = delivery::Entity::update_many()
        .col_expr(delivery::Column::Status, delivery::FAILED.into())
        .col_expr(
            delivery::Column::LastError,
            Some(format!("host unreachable for {DEAD_AFTER_DAYS} days")).into(),
        )
        .col_expr(delivery::Column::UpdatedAt, Utc::now().into())
        .filter(delivery::Column::Status.eq(delivery::PENDING))
        .filter(delivery::Column::LockedUntil.is_null())
        .filter(delivery::Column::Host.is_in(dead))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}
