//! Writing outcomes: a delivered row is done; a retry is scheduled with backoff (at least what
//! the receiver's `Retry-After` asked); a final failure is kept with its error. Host health
//! follows: an answer revives the host, no answer counts against it.

use super::{
    hosts::{host_alive, host_failed},
    outcome::{Outcome, backoff},
    queue::Job,
};
use crate::{
    db::entities::{delivery, delivery_host},
    error::AppResult,
    federation::state::AppState,
};
use activitypub_federation::config::Data;
use chrono::{DateTime, Duration as ChronoDuration, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use std::collections::HashMap;

/// Records the outcome of one attempt (successes usually go in batches, `record_delivered`).
async fn record(data: &Data<AppState>, job: &Job, outcome: Outcome) -> AppResult<()> {
    let db = &data.db;
    let now = data.clock.now();
    let attempts = job.attempts + 1;
    let cfg = &data.config.delivery;
    let mut row = delivery::ActiveModel {
        id: Set(job.id),
        attempts: Set(attempts),
        locked_until: Set(None),
        updated_at: Set(now),
        ..Default::default()
    };
    let host_answered = !matches!(outcome, Outcome::Retry { .. });
    match outcome {
        Outcome::Delivered(code) => {
            row.status = Set(delivery::DELIVERED.into());
            row.last_status = Set(Some(code.into()));
            row.last_error = Set(None);
        }
        Outcome::Retry {
            status,
            error,
            after,
        } if attempts < cfg.max_attempts => {
            let wait = backoff(attempts, cfg.retry_base_seconds, cfg.max_retry_seconds)
                .max(after.unwrap_or_default());
            tracing::info!(inbox = %job.inbox, %error, ?wait, "delivery will be retried");
            row.next_attempt_at = Set(now + ChronoDuration::from_std(wait).unwrap_or_default());
            row.last_status = Set(status.map(i32::from));
            row.last_error = Set(Some(error.clone()));
            host_failed(db, &job.host, &error, now).await?;
            data.host_health.invalidate();
        }
        Outcome::Retry { status, error, .. } | Outcome::Failed { status, error } => {
            tracing::warn!(inbox = %job.inbox, %error, attempts, "delivery failed for good");
            row.status = Set(delivery::FAILED.into());
            row.last_status = Set(status.map(i32::from));
            if !host_answered {
                host_failed(db, &job.host, &error, now).await?;
                data.host_health.invalidate();
            }
            row.last_error = Set(Some(error));
        }
    }
    if host_answered {
        host_alive(db, &job.host).await?;
    }
    delivery::Entity::update(row).exec(db).await?;
    Ok(())
}

/// Writes outcomes as they come, in batches: all successes of a batch in one statement (a
/// fan-out would otherwise write once per delivery), the rest one by one.
pub(super) async fn record_outcomes(
    data: Data<AppState>,
    mut receiver: tokio::sync::mpsc::UnboundedReceiver<(Job, Outcome)>,
) {
    while let Some(first) = receiver.recv().await {
        let mut batch = vec![first];
        while batch.len() < 1000 {
            match receiver.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        let mut delivered: HashMap<u16, Vec<i64>> = HashMap::new();
        let mut hosts: Vec<String> = Vec::new();
        for (job, outcome) in batch {
            match outcome {
                Outcome::Delivered(code) => {
                    delivered.entry(code).or_default().push(job.id);
                    hosts.push(job.host);
                }
                other => {
                    if let Err(e) = record(&data, &job, other).await {
                        tracing::error!(error = %e, job = job.id, "cannot record a delivery outcome");
                    }
                }
            }
        }
        if let Err(e) = record_delivered(&data.db, delivered, hosts, data.clock.now()).await {
            tracing::error!(error = %e, "cannot record delivered activities");
        }
    }
}

async fn record_delivered(
    db: &DatabaseConnection,
    delivered: HashMap<u16, Vec<i64>>,
    mut hosts: Vec<String>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    use sea_orm::sea_query::{Expr, ExprTrait};
    for (code, ids) in delivered {
        for chunk in ids.chunks(500) {
            delivery::Entity::update_many()
                .col_expr(delivery::Column::Status, delivery::DELIVERED.into())
                .col_expr(
                    delivery::Column::Attempts,
                    Expr::col(delivery::Column::Attempts).add(1),
                )
                .col_expr(
                    delivery::Column::LockedUntil,
                    Option::<DateTime<Utc>>::None.into(),
                )
                .col_expr(delivery::Column::LastStatus, Some(i32::from(code)).into())
                .col_expr(delivery::Column::LastError, Option::<String>::None.into())
                .col_expr(delivery::Column::UpdatedAt, now.into())
                .filter(delivery::Column::Id.is_in(chunk.to_vec()))
                .exec(db)
                .await?;
        }
    }
    // Only hosts on record as failing need a write to become healthy again.
    hosts.sort();
    hosts.dedup();
    for chunk in hosts.chunks(500) {
        let failing = delivery_host::Entity::find()
            .filter(delivery_host::Column::FailuresInARow.gt(0))
            .filter(delivery_host::Column::Host.is_in(chunk.to_vec()))
            .all(db)
            .await?;
        for host in failing {
            host_alive(db, &host.host).await?;
        }
    }
    Ok(())
}
