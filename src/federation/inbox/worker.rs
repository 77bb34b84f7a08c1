//! The inbox worker of `feder serve`: claims stored activities that are due (a try failed for
//! now, a lease expired because its process died, a request left it), runs each on its own
//! task as the request would have, and prunes what is done.

use super::{
    process::{self, Job},
    queue::{self, Claimed, Outcome},
};
use crate::{
    db::is_postgres,
    error::{AppError, AppResult},
    federation::{actor, protocol::Activity, state::AppState},
};
use activitypub_federation::config::{Data, FederationConfig};
use chrono::Duration as ChronoDuration;
use serde::Deserialize;
use serde_json::Value;
use std::time::Duration;

/// Rows claimed at once.
const BATCH: usize = 32;
/// How often done and old failed activities are removed.
const PRUNE_EVERY: ChronoDuration = ChronoDuration::minutes(1);

/// Runs until the task is dropped. Wakes when a try is due by the clock (polling), and when
/// this process asks (`AppState::inbox_wakeup`: a retry from /admin, a test that moved the
/// clock).
pub async fn worker(federation: FederationConfig<AppState>) {
    let data = federation.to_request_data();
    if !is_postgres(&data.db)
        && let Err(e) = queue::release_leases(&data.db).await
    {
        tracing::error!(error = %e, "cannot release inbox leases");
    }
    let poll = Duration::from_millis(data.config.inbox.poll_millis.max(10));
    let mut pruned_at = None;
    loop {
        let now = data.clock.now();
        if pruned_at.is_none_or(|at| now - at > PRUNE_EVERY) {
            pruned_at = Some(now);
            match queue::prune(&data.db, now).await {
                Ok(0) => {}
                Ok(n) => tracing::debug!(count = n, "inbox activities pruned"),
                Err(e) => tracing::warn!(error = %e, "inbox prune"),
            }
        }
        match claim_and_start(&federation).await {
            Ok(n) if n > 0 => continue,
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "inbox queue"),
        }
        tokio::select! {
            _ = data.inbox_wakeup.notified() => {}
            _ = tokio::time::sleep(poll) => {}
        }
    }
}

/// Claims what is due, as far as there is room for inbox work, and starts a try of each.
/// Returns how many it claimed.
async fn claim_and_start(federation: &FederationConfig<AppState>) -> AppResult<usize> {
    let data = federation.to_request_data();
    let room = data.inbox_work.available_permits().min(BATCH);
    if room == 0 {
        return Ok(0);
    }
    let now = data.clock.now();
    let given_up = queue::give_up(&data.db, now, data.config.inbox.max_attempts).await?;
    if given_up > 0 {
        tracing::warn!(
            count = given_up,
            "inbox activities whose tries never ended: dead letters"
        );
    }
    let lease = ChronoDuration::seconds(data.config.inbox.lease_seconds as i64);
    let claimed = queue::claim(&data.db, now, room, lease).await?;
    let count = claimed.len();
    for row in claimed {
        let permit = data
            .inbox_work
            .clone()
            .acquire_owned()
            .await
            .map_err(AppError::internal)?;
        // Each try has a fetch budget of its own, as a request has.
        let data = federation.to_request_data();
        let lease_until = now + lease;
        tokio::spawn(async move {
            let _permit = permit;
            let (id, attempts) = (row.id, row.attempts);
            match job(&data, row, lease_until).await {
                Ok(job) => {
                    process::run(&data, job).await;
                }
                Err(outcome) => {
                    let now = data.clock.now();
                    let config = &data.config.inbox;
                    if let Err(e) =
                        queue::finish(&data.db, id, attempts, &outcome, now, config).await
                    {
                        tracing::error!(row = id, error = %e, "inbox outcome not recorded");
                    }
                }
            }
        });
    }
    Ok(count)
}

/// The stored activity as the request had it: the document parsed, the signer from the
/// database. What cannot be read is refused; a database that cannot answer, retried.
async fn job(
    data: &Data<AppState>,
    row: Claimed,
    lease_until: chrono::DateTime<chrono::Utc>,
) -> Result<Job, Outcome> {
    let document: Value = serde_json::from_str(&row.document)
        .map_err(|e| Outcome::Rejected(format!("not JSON: {e}")))?;
    let activity = Activity::deserialize(&document)
        .map_err(|e| Outcome::Rejected(format!("not an activity: {e}")))?;
    let signer = actor::stored(&data.db, &row.actor)
        .await
        .map_err(|e| match e {
            AppError::Database(_) => Outcome::Retry(e.to_string()),
            other => Outcome::Rejected(other.to_string()),
        })?
        .ok_or_else(|| Outcome::Rejected(format!("the signer {} is not known", row.actor)))?;
    Ok(Job {
        row: row.id,
        attempts: row.attempts,
        id: activity.id,
        document,
        signer,
        lease_until,
    })
}
