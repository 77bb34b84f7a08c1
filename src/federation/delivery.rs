//! The persistent delivery queue: every outgoing activity is stored with one row per inbox,
//! in the same transaction, and a worker claims due rows, signs and sends them, and records
//! the outcome. Rows are claimed with a lease (`locked_until`), so a process that dies
//! mid-delivery leaves nothing stuck: the lease expires and another attempt is made. On
//! PostgreSQL several nodes claim from one queue (`FOR UPDATE SKIP LOCKED`) and are woken by
//! `LISTEN/NOTIFY`.
//!
//! Per destination host: bounded concurrency, a circuit breaker that pauses a host after
//! failures in a row, and the dead-host rule (no success for 7 days: stop until it shows a
//! sign of life).

use crate::{
    db::{
        entities::{activity, delivery, delivery_host},
        is_postgres,
    },
    error::{AppError, AppResult},
    federation::state::AppState,
    federation::{
        AP_CONTENT_TYPE,
        local_actor::LocalActor,
        signing::{Signer, digest_header, host_header},
    },
};
use activitypub_federation::config::{Data, FederationConfig};
use bytes::Bytes;
use chrono::{DateTime, Duration as ChronoDuration, Utc};
use http::StatusCode;
use rand::Rng;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, QueryFilter, Statement, Value as DbValue,
};
use serde_json::Value;
use std::{collections::HashMap, sync::Arc, time::Duration};
use tokio::sync::Semaphore;
use url::Url;

/// Rows claimed at once by one worker.
const BATCH: usize = 256;
/// Deliveries in flight to one host at once, per node.
const PER_HOST: usize = 8;
/// Failures in a row after which a host is paused, and the longest pause.
const BREAKER_THRESHOLD: i32 = 5;
const MAX_PAUSE_SECONDS: i64 = 3600;
/// No success for this long: the host is dead.
const DEAD_AFTER_DAYS: i64 = 7;
/// The PostgreSQL channel that wakes workers.
const CHANNEL: &str = "feder_deliveries";

/// Stores `doc` (an activity with an `id`) and queues it for each of `inboxes` (de-duplicated),
/// in `txn` (the transaction that also takes the outbox event; the caller commits). Returns the
/// activity's row id.
pub async fn enqueue(
    txn: &DatabaseTransaction,
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
    let stored = activity::Entity::insert(activity::ActiveModel {
        ap_id: Set(ap_id),
        kind: Set(kind),
        object_ap_id: Set(object_ap_id.map(|u| u.to_string())),
        json: Set(doc.to_string()),
        public: Set(public),
        created_at: Set(now),
        ..Default::default()
    })
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
        delivery::Entity::insert_many(rows)
            .exec_without_returning(txn)
            .await?;
    }
    if txn.get_database_backend() == sea_orm::DbBackend::Postgres {
        // Delivered on commit, to every node's listener.
        txn.execute_unprepared(&format!("NOTIFY {CHANNEL}")).await?;
    }
    Ok(activity_id)
}

/// Claimed work: one row to send.
#[derive(Debug)]
struct Job {
    id: i64,
    activity_id: i32,
    inbox: String,
    host: String,
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

fn param(postgres: bool, n: usize) -> String {
    if postgres {
        format!("${n}")
    } else {
        "?".into()
    }
}

/// Claims up to `limit` due rows by setting their lease, atomically: on PostgreSQL several
/// nodes claim concurrently and `SKIP LOCKED` keeps them apart; SQLite has a single writer.
/// Rows for paused or dead hosts wait.
async fn claim(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    limit: usize,
    lease: ChronoDuration,
) -> AppResult<Vec<Job>> {
    let postgres = is_postgres(db);
    let lock = if postgres {
        "FOR UPDATE SKIP LOCKED"
    } else {
        ""
    };
    let p = |n| param(postgres, n);
    let sql = format!(
        "UPDATE deliveries SET locked_until = {p1}, updated_at = {p2} \
         WHERE id IN (SELECT id FROM deliveries WHERE status = '{pending}' AND next_attempt_at <= {p3} \
         AND (locked_until IS NULL OR locked_until < {p4}) \
         AND host NOT IN (SELECT host FROM delivery_hosts WHERE dead = {p5} OR paused_until > {p6}) \
         ORDER BY id LIMIT {p7} {lock}) \
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
    let stmt = Statement::from_sql_and_values(
        db.get_database_backend(),
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
    );
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

/// One activity ready to send: its body and the digest of it.
#[derive(Clone)]
struct Payload {
    body: Bytes,
    digest: String,
}

/// Signs and POSTs one activity to one inbox.
async fn send(
    data: &Data<AppState>,
    signer: &Signer,
    signing: &Semaphore,
    inbox: &str,
    payload: Payload,
) -> Outcome {
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
    // Signing is CPU work: on a blocking thread, and bounded so a fan-out cannot take every
    // core from the pages and the inbox.
    let signed = {
        let Ok(_permit) = signing.acquire().await else {
            return failed("shutting down".into());
        };
        let (signer, url, digest) = (signer.clone(), url.clone(), payload.digest.clone());
        match tokio::task::spawn_blocking(move || signer.sign_post(&url, &digest, AP_CONTENT_TYPE))
            .await
        {
            Ok(Ok(signed)) => signed,
            Ok(Err(e)) => return failed(format!("signing: {e}")),
            Err(e) => return failed(format!("signing task: {e}")),
        }
    };
    let request = data
        .http
        .post(url.as_str())
        .header(http::header::CONTENT_TYPE, AP_CONTENT_TYPE)
        .header(http::header::ACCEPT, AP_CONTENT_TYPE)
        .header(http::header::DATE, signed.date)
        .header("digest", signed.digest)
        .header("signature", signed.signature)
        .body(payload.body);
    match request.send().await {
        Ok(response) => classify(response.status(), retry_after(response.headers())),
        Err(e) => Outcome::Retry {
            status: None,
            error: error_chain(&e),
            after: None,
        },
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
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

/// The circuit breaker's pause after `failures` in a row (none below the threshold).
pub fn pause_for(failures: i32) -> Option<ChronoDuration> {
    (failures >= BREAKER_THRESHOLD).then(|| {
        let doublings = (failures - BREAKER_THRESHOLD).clamp(0, 16) as u32;
        ChronoDuration::seconds((60i64 << doublings).min(MAX_PAUSE_SECONDS))
    })
}

async fn record(data: &Data<AppState>, job: &Job, outcome: Outcome) -> AppResult<()> {
    let db = &data.db;
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
}

impl HostHealth {
    /// Marks `host` healthy if it is on record as failing (refreshing the record every 10 s).
    pub async fn revive(&self, db: &DatabaseConnection, host: &str) -> AppResult<()> {
        let stale = self
            .failing
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .is_none_or(|(at, _)| at.elapsed() > Duration::from_secs(10));
        if stale {
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

    /// Forgets the record, so the next `revive` reads it again (after a failure was counted).
    pub fn invalidate(&self) {
        *self.failing.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }
}

/// Counts a failure against `host`: pauses it after several in a row, and declares it dead
/// when nothing succeeded for `DEAD_AFTER_DAYS`. The count is one atomic upsert, since several
/// deliveries to one host fail at once (and on several nodes).
async fn host_failed(
    db: &DatabaseConnection,
    host: &str,
    error: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let postgres = is_postgres(db);
    let p = |n| param(postgres, n);
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
async fn fail_dead_hosts(db: &DatabaseConnection) -> AppResult<u64> {
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

/// Writes outcomes as they come, in batches: all successes of a batch in one statement (a
/// fan-out would otherwise write once per delivery), the rest one by one.
async fn record_outcomes(
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
        if let Err(e) = record_delivered(&data.db, delivered, hosts).await {
            tracing::error!(error = %e, "cannot record delivered activities");
        }
    }
}

async fn record_delivered(
    db: &DatabaseConnection,
    delivered: HashMap<u16, Vec<i64>>,
    mut hosts: Vec<String>,
) -> AppResult<()> {
    use sea_orm::sea_query::{Expr, ExprTrait};
    let now = Utc::now();
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

/// The delivery worker of one process.
pub struct Worker {
    federation: FederationConfig<AppState>,
    signer: Signer,
    in_flight: Arc<Semaphore>,
    signing: Arc<Semaphore>,
    per_host: std::sync::Mutex<HashMap<String, Arc<Semaphore>>>,
    lease: ChronoDuration,
    /// Outcomes on their way to the database, written in batches by `record_outcomes`.
    outcomes: tokio::sync::mpsc::UnboundedSender<(Job, Outcome)>,
}

impl Worker {
    /// The worker, and the task that records its outcomes (spawn it beside the worker).
    pub fn new(
        federation: FederationConfig<AppState>,
    ) -> AppResult<(Arc<Worker>, impl std::future::Future<Output = ()> + use<>)> {
        let (outcomes, receiver) = tokio::sync::mpsc::unbounded_channel();
        let recorder = record_outcomes(federation.to_request_data(), receiver);
        let signer = Signer::from_pem(
            LocalActor::private_key_pem(&federation.actor),
            federation.urls.actor_key(),
        )
        .map_err(AppError::internal)?;
        let cfg = &federation.config.delivery;
        Ok((
            Arc::new(Worker {
                in_flight: Arc::new(Semaphore::new(cfg.concurrency)),
                signing: Arc::new(Semaphore::new(cfg.signing_threads())),
                lease: ChronoDuration::seconds(cfg.lease_seconds as i64),
                per_host: Default::default(),
                signer,
                federation,
                outcomes,
            }),
            recorder,
        ))
    }

    fn host_limit(&self, host: &str) -> Arc<Semaphore> {
        let mut map = self.per_host.lock().unwrap_or_else(|e| e.into_inner());
        // Forget idle hosts now and then, so a fan-out to many hosts does not grow the map.
        if map.len() > 4096 {
            map.retain(|_, s| s.available_permits() < PER_HOST);
        }
        map.entry(host.to_string())
            .or_insert_with(|| Arc::new(Semaphore::new(PER_HOST)))
            .clone()
    }

    /// Claims what is due (as much as there is room for) and starts sending it. Returns how
    /// many rows it claimed.
    pub async fn claim_and_start(self: &Arc<Self>) -> AppResult<usize> {
        let concurrency = self.federation.config.delivery.concurrency;
        let room = self.in_flight.available_permits().min(BATCH);
        // Claim in batches: one claim per freed slot would make a write per delivery.
        if room == 0 || (room < concurrency && room < (concurrency / 4).max(1)) {
            return Ok(0);
        }
        let data = self.federation.to_request_data();
        let jobs = claim(&data.db, Utc::now(), room, self.lease).await?;
        if jobs.is_empty() {
            return Ok(0);
        }
        let mut ids: Vec<i32> = jobs.iter().map(|j| j.activity_id).collect();
        ids.sort_unstable();
        ids.dedup();
        let payloads: HashMap<i32, Payload> = activity::Entity::find()
            .filter(activity::Column::Id.is_in(ids))
            .all(&data.db)
            .await?
            .into_iter()
            .map(|a| {
                let digest = digest_header(a.json.as_bytes());
                (
                    a.id,
                    Payload {
                        body: Bytes::from(a.json.into_bytes()),
                        digest,
                    },
                )
            })
            .collect();
        let count = jobs.len();
        for job in jobs {
            let Ok(permit) = self.in_flight.clone().try_acquire_owned() else {
                // Cannot happen (we claimed no more than the room), but if it did the lease
                // hands the row back to the queue.
                break;
            };
            let worker = self.clone();
            let payload = payloads.get(&job.activity_id).cloned();
            tokio::spawn(async move {
                let data = worker.federation.to_request_data();
                let host = worker.host_limit(&job.host);
                let outcome = match (payload, host.acquire().await) {
                    (Some(payload), Ok(_host_permit)) => {
                        send(&data, &worker.signer, &worker.signing, &job.inbox, payload).await
                    }
                    (None, _) => Outcome::Failed {
                        status: None,
                        error: "activity is gone".into(),
                    },
                    (_, Err(_)) => Outcome::Retry {
                        status: None,
                        error: "shutting down".into(),
                        after: None,
                    },
                };
                drop(permit);
                if worker.outcomes.send((job, outcome)).is_err() {
                    tracing::error!("delivery outcomes cannot be recorded: recorder gone");
                }
                worker.federation.delivery_wakeup.notify_one();
            });
        }
        Ok(count)
    }

    /// Waits until all started deliveries are done (for tests and benchmarks).
    pub async fn idle(&self) {
        let total = self.federation.config.delivery.concurrency as u32;
        if let Ok(all) = self.in_flight.acquire_many(total).await {
            drop(all);
        }
    }
}

/// The delivery worker: runs until the task is dropped. Wakes when this process queues
/// something or a delivery finishes, when PostgreSQL notifies that another process queued
/// something, and polls as a fallback.
pub async fn worker(federation: FederationConfig<AppState>) {
    let worker = match Worker::new(federation.clone()) {
        Ok((w, recorder)) => {
            tokio::spawn(recorder);
            w
        }
        Err(e) => {
            tracing::error!(error = %e, "delivery worker cannot start");
            return;
        }
    };
    let db = &federation.db;
    if is_postgres(db) {
        tokio::spawn(listen(federation.clone()));
    } else if let Err(e) = release_leases(db).await {
        tracing::error!(error = %e, "cannot release delivery leases");
    }
    let poll = Duration::from_millis(federation.config.delivery.poll_millis);
    let mut last_sweep = std::time::Instant::now() - Duration::from_secs(3600);
    loop {
        if last_sweep.elapsed() > Duration::from_secs(60) {
            last_sweep = std::time::Instant::now();
            match fail_dead_hosts(db).await {
                Ok(0) => {}
                Ok(n) => tracing::warn!(count = n, "deliveries to dead hosts given up"),
                Err(e) => tracing::error!(error = %e, "dead-host sweep"),
            }
        }
        match worker.claim_and_start().await {
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

/// SQLite has one node: rows leased by a process that crashed can be taken at once.
async fn release_leases(db: &DatabaseConnection) -> AppResult<()> {
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

/// Turns PostgreSQL notifications into wake-ups of this process's worker.
async fn listen(federation: FederationConfig<AppState>) {
    use sea_orm::sqlx::postgres::PgListener;
    loop {
        let result = async {
            let mut listener = PgListener::connect(&federation.config.database.url).await?;
            listener.listen(CHANNEL).await?;
            loop {
                listener.recv().await?;
                federation.delivery_wakeup.notify_one();
            }
            #[allow(unreachable_code)] // the loop only ends with an error; this names the type
            Ok::<(), sea_orm::sqlx::Error>(())
        }
        .await;
        if let Err(e) = result {
            tracing::warn!(error = %e, "delivery notifications interrupted; reconnecting");
        }
        tokio::time::sleep(Duration::from_secs(5)).await;
    }
}

/// How many deliveries of one activity are in each status (`delivered`, `pending`, `failed`).
pub async fn status_counts(
    db: &DatabaseConnection,
    activity_id: i32,
) -> AppResult<HashMap<String, u64>> {
    use sea_orm::QuerySelect;
    // Counted by the database: a fan-out has thousands of rows.
    let rows: Vec<(String, i64)> = delivery::Entity::find()
        .select_only()
        .column(delivery::Column::Status)
        .column_as(delivery::Column::Id.count(), "n")
        .filter(delivery::Column::ActivityId.eq(activity_id))
        .group_by(delivery::Column::Status)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(status, n)| (status, u64::try_from(n).unwrap_or_default()))
        .collect())
}

/// Delivery status of one recent activity.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ActivityStatus {
    pub activity: String,
    pub kind: String,
    pub created_at: DateTime<Utc>,
    pub delivered: u64,
    pub pending: u64,
    pub failed: u64,
    /// Hosts whose last attempt failed, with the error.
    pub failing: Vec<(String, String)>,
}

/// Per recent activity: delivered / pending / failed counts and the failing hosts.
pub async fn recent_status(db: &DatabaseConnection, limit: u64) -> AppResult<Vec<ActivityStatus>> {
    use sea_orm::{QueryOrder, QuerySelect};
    let activities = activity::Entity::find()
        .order_by_desc(activity::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    let mut out = Vec::with_capacity(activities.len());
    for a in activities {
        let counts = status_counts(db, a.id).await?;
        let count = |status: &str| counts.get(status).copied().unwrap_or(0);
        // The last error of each host that has not been delivered to.
        let failing_rows: Vec<(String, Option<String>)> = delivery::Entity::find()
            .select_only()
            .column(delivery::Column::Host)
            .column(delivery::Column::LastError)
            .filter(delivery::Column::ActivityId.eq(a.id))
            .filter(delivery::Column::Status.ne(delivery::DELIVERED))
            .filter(delivery::Column::LastError.is_not_null())
            .limit(1000)
            .into_tuple()
            .all(db)
            .await?;
        let mut failing: Vec<(String, String)> = Vec::new();
        for (host, error) in failing_rows {
            if let Some(error) = error
                && !failing.iter().any(|(h, _)| *h == host)
            {
                failing.push((host, error));
            }
        }
        out.push(ActivityStatus {
            activity: a.ap_id,
            kind: a.kind,
            created_at: a.created_at,
            delivered: count(delivery::DELIVERED),
            pending: count(delivery::PENDING),
            failed: count(delivery::FAILED),
            failing,
        });
    }
    Ok(out)
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
        assert_eq!(pause_for(4), None);
        assert_eq!(pause_for(5), Some(ChronoDuration::seconds(60)));
        assert_eq!(pause_for(7), Some(ChronoDuration::seconds(240)));
        assert_eq!(
            pause_for(40),
            Some(ChronoDuration::seconds(MAX_PAUSE_SECONDS))
        );
    }
}
