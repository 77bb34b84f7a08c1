//! One try at a stored activity: `dispatch` with its signer, within its lease (a moment of a
//! busy database is tried again at once), and what became of it recorded in the queue:
//! done (marked with others in one write: `done`), refused for good (bad input,
//! not allowed), or to be tried again (our database, a server that did not answer).

use super::queue::{self, Outcome};
use crate::{
    db::is_busy,
    error::{AppError, AppResult},
    federation::{actor::RemoteActor, inbox::dispatch, state::AppState},
};
use activitypub_federation::config::Data;
use chrono::{DateTime, Utc};
use rand::Rng;
use serde_json::Value;
use std::time::Duration;
use url::Url;

/// A stored activity ready for a try.
pub(super) struct Job {
    pub row: i64,
    /// Tries so far, this one included.
    pub attempts: i32,
    /// Its id, and the document as received.
    pub id: Url,
    pub document: Value,
    pub signer: RemoteActor,
    /// When the lease ends: the try stops there, so that no other node takes the activity
    /// while it still runs here.
    pub lease_until: DateTime<Utc>,
}

/// What the request waiting for a try learns of it.
pub(super) enum Tried {
    Done,
    /// Refused for good: the sender may hear why.
    Refused(AppError),
    /// Left for a later try (or, after the last one, a dead letter).
    Later,
}

/// A busy database is asked again this many times within one try, before the try counts as
/// failed and waits for the queue's backoff.
const BUSY_RETRIES: u32 = 8;

/// Runs one try of `job` and records its outcome.
pub(super) async fn run(data: &Data<AppState>, job: Job) -> Tried {
    let id = job.id.clone();
    let budget = (job.lease_until - data.clock.now())
        .to_std()
        .unwrap_or_default();
    let result = tokio::time::timeout(budget, attempt(data, &job.document, &job.signer)).await;
    let (outcome, tried) = match result {
        Ok(Ok(())) => (Outcome::Done, Tried::Done),
        Ok(Err(e)) if e.is_transient() => (Outcome::Retry(e.to_string()), Tried::Later),
        Ok(Err(e)) => (Outcome::Rejected(e.to_string()), Tried::Refused(e)),
        Err(_) => (
            Outcome::Retry("not done within its lease".into()),
            Tried::Later,
        ),
    };
    match &outcome {
        Outcome::Done => tracing::debug!(%id, "activity processed"),
        Outcome::Rejected(reason) => tracing::info!(%id, %reason, "activity refused"),
        Outcome::Retry(reason) => {
            tracing::info!(%id, attempt = job.attempts, %reason, "activity to be tried again")
        }
    }
    if outcome == Outcome::Done {
        data.inbox_done.mark(&data.site, job.row);
        return tried;
    }
    let now = data.clock.now();
    let config = &data.config.inbox;
    if let Err(e) = queue::finish(&data.db, job.row, job.attempts, &outcome, now, config).await {
        // The lease ends on its own, and the activity is tried again then.
        tracing::error!(%id, error = %e, "outcome of an inbox activity not recorded");
    }
    tried
}

/// `dispatch`, asked again at once (after a short pause) while the database is busy.
async fn attempt(data: &Data<AppState>, document: &Value, signer: &RemoteActor) -> AppResult<()> {
    let mut busy = 0;
    loop {
        match dispatch(data, document.clone(), signer).await {
            Err(AppError::Database(e)) if is_busy(&e) && busy < BUSY_RETRIES => {
                busy += 1;
                let pause = rand::thread_rng().gen_range(20..100) * u64::from(busy);
                tokio::time::sleep(Duration::from_millis(pause)).await;
            }
            other => return other,
        }
    }
}
