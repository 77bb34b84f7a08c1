//! The persistent delivery queue: every outgoing activity is stored with one row per inbox,
//! in the same transaction, and a worker claims due rows, signs and sends them, and records
//! the outcome. Rows are claimed with a lease (`locked_until`), so a process that dies
//! mid-delivery leaves nothing stuck: the lease expires and another attempt is made.

use crate::{
    db::{
        entities::{activity, delivery},
        is_postgres,
    },
    error::{AppError, AppResult},
    federation::AP_CONTENT_TYPE,
    state::AppState,
};
use activitypub_federation::config::{Data, FederationConfig};
use bytes::Bytes;
use chrono::{DateTime, Duration as ChronoDuration, Utc};
use futures::StreamExt;
use http::StatusCode;
use rand::Rng;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Statement, TransactionTrait, Value as DbValue,
};
use serde_json::Value;
use std::{collections::HashMap, time::Duration};
use url::Url;

/// How long a claimed row stays with its worker before others may take it.
const LEASE_SECONDS: i64 = 120;
/// Rows claimed at once by one worker.
const BATCH: i64 = 256;

/// Stores `doc` (an activity with an `id`) and queues it for each of `inboxes` (de-duplicated).
/// Returns the activity's row id.
pub async fn enqueue(
    db: &DatabaseConnection,
    doc: &Value,
    public: bool,
    inboxes: impl IntoIterator<Item = Url>,
) -> AppResult<i32> {
    let ap_id = doc
        .get("id")
        .and_then(Value::as_str)
        .ok_or_else(|| AppError::internal("activity without id"))?
        .to_string();
    let kind = doc
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("Activity")
        .to_string();
    let object_ap_id = doc
        .get("object")
        .and_then(crate::federation::protocol::id_of);
    let mut unique: Vec<String> = inboxes.into_iter().map(|u| u.to_string()).collect();
    unique.sort();
    unique.dedup();
    let now = Utc::now();
    let txn = db.begin().await?;
    let stored = activity::Entity::insert(activity::ActiveModel {
        ap_id: Set(ap_id),
        kind: Set(kind),
        object_ap_id: Set(object_ap_id.map(|u| u.to_string())),
        json: Set(doc.to_string()),
        public: Set(public),
        created_at: Set(now),
        ..Default::default()
    })
    .exec(&txn)
    .await?;
    let activity_id = stored.last_insert_id;
    // Chunks keep each statement under SQLite's limit on bound variables.
    for chunk in unique.chunks(500) {
        let rows = chunk.iter().map(|inbox| delivery::ActiveModel {
            activity_id: Set(activity_id),
            inbox: Set(inbox.clone()),
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
        delivery::Entity::insert_many(rows)
            .exec_without_returning(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(activity_id)
}

/// Claimed work: one row to send.
#[derive(Debug)]
struct Job {
    id: i64,
    activity_id: i32,
    inbox: String,
    attempts: i32,
}

/// What became of one attempt.
#[derive(Debug, PartialEq)]
pub enum Outcome {
    Delivered(u16),
    /// Worth another try: a 5xx, 408, 429, a timeout, a connection error.
    Retry {
        status: Option<u16>,
        error: String,
        after: Option<Duration>,
    },
    /// The receiver refused it for good (another 4xx) or the inbox is not acceptable.
    Failed {
        status: Option<u16>,
        error: String,
    },
}

/// Claims up to `BATCH` due rows by setting their lease, atomically: on PostgreSQL several
/// nodes claim concurrently and `SKIP LOCKED` keeps them apart; SQLite has a single writer.
async fn claim(db: &DatabaseConnection, now: DateTime<Utc>) -> AppResult<Vec<Job>> {
    let postgres = is_postgres(db);
    let lock = if postgres {
        "FOR UPDATE SKIP LOCKED"
    } else {
        ""
    };
    let sql = format!(
        "UPDATE deliveries SET locked_until = {p1}, updated_at = {p2} \
         WHERE id IN (SELECT id FROM deliveries WHERE status = '{pending}' AND next_attempt_at <= {p3} \
         AND (locked_until IS NULL OR locked_until < {p4}) ORDER BY id LIMIT {p5} {lock}) \
         RETURNING id, activity_id, inbox, attempts",
        pending = delivery::PENDING,
        p1 = param(postgres, 1),
        p2 = param(postgres, 2),
        p3 = param(postgres, 3),
        p4 = param(postgres, 4),
        p5 = param(postgres, 5),
    );
    let lease = now + ChronoDuration::seconds(LEASE_SECONDS);
    let stmt = Statement::from_sql_and_values(
        db.get_database_backend(),
        sql,
        [
            DbValue::from(lease),
            DbValue::from(now),
            DbValue::from(now),
            DbValue::from(now),
            DbValue::from(BATCH),
        ],
    );
    let rows = db.query_all_raw(stmt).await?;
    rows.iter()
        .map(|row| {
            Ok(Job {
                id: row.try_get("", "id")?,
                activity_id: row.try_get("", "activity_id")?,
                inbox: row.try_get("", "inbox")?,
                attempts: row.try_get("", "attempts")?,
            })
        })
        .collect::<Result<Vec<_>, sea_orm::DbErr>>()
        .map_err(AppError::from)
}

fn param(postgres: bool, n: usize) -> String {
    if postgres {
        format!("${n}")
    } else {
        "?".into()
    }
}

/// Signs and POSTs one activity to one inbox.
pub async fn send(data: &Data<AppState>, inbox: &str, body: Bytes) -> Outcome {
    let failed = |error: String| Outcome::Failed {
        status: None,
        error,
    };
    let Ok(url) = Url::parse(inbox) else {
        return failed(format!("{inbox} is not a URL"));
    };
    let local = data.config.is_local_dev();
    if !(url.scheme() == "https" || (local && url.scheme() == "http")) {
        return failed(format!("{inbox}: only https inboxes are allowed"));
    }
    if let Err(e) = data.is_valid_ip(&url).await {
        return failed(format!("{inbox}: {e}"));
    }
    let request = data
        .http
        .post(url.as_str())
        .header(http::header::CONTENT_TYPE, AP_CONTENT_TYPE)
        .header(http::header::ACCEPT, AP_CONTENT_TYPE);
    let request = match data.sign_request(request, body).await {
        Ok(r) => r,
        Err(e) => return failed(format!("signing: {e}")),
    };
    match data.http.execute(request).await {
        Ok(response) => classify(response.status(), retry_after(response.headers())),
        Err(e) => Outcome::Retry {
            status: None,
            error: e.to_string(),
            after: None,
        },
    }
}

fn retry_after(headers: &http::HeaderMap) -> Option<Duration> {
    let value = headers.get(http::header::RETRY_AFTER)?.to_str().ok()?;
    if let Ok(seconds) = value.trim().parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    when.duration_since(std::time::SystemTime::now()).ok()
}

/// 2xx delivered; 408, 429 and 5xx retried; any other status is final (Mastodon does the same).
pub fn classify(status: StatusCode, after: Option<Duration>) -> Outcome {
    let code = status.as_u16();
    if status.is_success() {
        Outcome::Delivered(code)
    } else if status.is_server_error()
        || status == StatusCode::REQUEST_TIMEOUT
        || status == StatusCode::TOO_MANY_REQUESTS
    {
        Outcome::Retry {
            status: Some(code),
            error: format!("HTTP {code}"),
            after,
        }
    } else {
        Outcome::Failed {
            status: Some(code),
            error: format!("HTTP {code}"),
        }
    }
}

/// Exponential backoff with jitter: base · 2^(attempts-1), capped, ±25 %.
pub fn backoff(attempts: i32, base: u64, max: u64) -> Duration {
    let exp = base
        .saturating_mul(1u64 << (attempts.clamp(1, 30) - 1))
        .min(max)
        .max(1);
    let jitter = rand::thread_rng().gen_range(0.75..1.25);
    Duration::from_secs_f64(exp as f64 * jitter)
}

async fn record(
    db: &DatabaseConnection,
    job: &Job,
    outcome: Outcome,
    data: &Data<AppState>,
) -> AppResult<()> {
    let now = Utc::now();
    let attempts = job.attempts + 1;
    let cfg = &data.config.delivery;
    let mut row = delivery::ActiveModel {
        id: Set(job.id),
        attempts: Set(attempts),
        locked_until: Set(None),
        updated_at: Set(now),
        ..Default::default()
    };
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
            row.last_error = Set(Some(error));
        }
        Outcome::Retry { status, error, .. } | Outcome::Failed { status, error } => {
            tracing::warn!(inbox = %job.inbox, %error, attempts, "delivery failed for good");
            row.status = Set(delivery::FAILED.into());
            row.last_status = Set(status.map(i32::from));
            row.last_error = Set(Some(error));
        }
    }
    delivery::Entity::update(row).exec(db).await?;
    Ok(())
}

/// Sends everything due now; returns how many rows were handled.
pub async fn run_once(federation: &FederationConfig<AppState>) -> AppResult<usize> {
    let data = federation.to_request_data();
    let db = &data.db;
    let jobs = claim(db, Utc::now()).await?;
    if jobs.is_empty() {
        return Ok(0);
    }
    let mut bodies: HashMap<i32, Bytes> = HashMap::new();
    let ids: Vec<i32> = jobs.iter().map(|j| j.activity_id).collect();
    for a in activity::Entity::find()
        .filter(activity::Column::Id.is_in(ids))
        .all(db)
        .await?
    {
        bodies.insert(a.id, Bytes::from(a.json.into_bytes()));
    }
    let count = jobs.len();
    let concurrency = data.config.delivery.concurrency;
    futures::stream::iter(jobs)
        .for_each_concurrent(concurrency, |job| {
            let data = data.reset_request_count();
            let body = bodies.get(&job.activity_id).cloned();
            async move {
                let outcome = match body {
                    Some(body) => send(&data, &job.inbox, body).await,
                    None => Outcome::Failed {
                        status: None,
                        error: "activity is gone".into(),
                    },
                };
                if let Err(e) = record(&data.db, &job, outcome, &data).await {
                    tracing::error!(error = %e, job = job.id, "cannot record a delivery outcome");
                }
            }
        })
        .await;
    Ok(count)
}

/// The delivery worker: runs until the task is dropped. Wakes when this process queues
/// something, and polls for what other processes (the CLI, other nodes) queued.
pub async fn worker(federation: FederationConfig<AppState>) {
    let poll = Duration::from_millis(federation.config.delivery.poll_millis);
    loop {
        match run_once(&federation).await {
            Ok(n) if n > 0 => continue,
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "delivery queue"),
        }
        tokio::select! {
            _ = federation.delivery_wakeup.notified() => {}
            _ = tokio::time::sleep(poll) => {}
        }
    }
}

/// Counts per status for one activity (for the CLI and the dashboard).
pub async fn status_counts(
    db: &DatabaseConnection,
    activity_id: i32,
) -> AppResult<HashMap<String, u64>> {
    let rows = delivery::Entity::find()
        .filter(delivery::Column::ActivityId.eq(activity_id))
        .all(db)
        .await?;
    let mut counts = HashMap::new();
    for row in rows {
        *counts.entry(row.status).or_insert(0) += 1;
    }
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_and_backoff() {
        assert_eq!(
            classify(StatusCode::ACCEPTED, None),
            Outcome::Delivered(202)
        );
        assert!(matches!(
            classify(StatusCode::TOO_MANY_REQUESTS, None),
            Outcome::Retry { .. }
        ));
        assert!(matches!(
            classify(StatusCode::REQUEST_TIMEOUT, None),
            Outcome::Retry { .. }
        ));
        assert!(matches!(
            classify(StatusCode::BAD_GATEWAY, None),
            Outcome::Retry { .. }
        ));
        assert!(matches!(
            classify(StatusCode::FORBIDDEN, None),
            Outcome::Failed { .. }
        ));
        assert!(matches!(
            classify(StatusCode::GONE, None),
            Outcome::Failed { .. }
        ));
        let first = backoff(1, 60, 3600).as_secs_f64();
        assert!((45.0..=75.0).contains(&first));
        let capped = backoff(20, 60, 3600).as_secs_f64();
        assert!(capped <= 3600.0 * 1.25);
    }
}
