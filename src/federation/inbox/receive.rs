//! Receiving one POST to an inbox: the cheap checks (JSON, local actor, blocks, claims), the
//! signature (key owner = actor), the rate limits, then the activity stored in the durable
//! inbox before anything is answered; the request then processes it while it may (the fast
//! path), and what is not done by the deadline is left to its lease and the worker.

use super::{
    process::{self, Job, Tried},
    queue::Received,
};
use crate::{
    error::{AppError, AppResult},
    federation::state::AppState,
    federation::{
        actor::{self, RemoteActor},
        fetch, guard,
        protocol::{Activity, ActivityKind, id_of},
        signatures::{RequestParts, Signature, SignatureError},
    },
};
use activitypub_federation::config::Data;
use chrono::Utc;
use http::{HeaderMap, Method};
use serde::Deserialize;
use serde_json::Value;
use std::time::Duration;
use url::Url;

/// A POST to one of our inboxes, as received.
pub struct InboxRequest<'a> {
    pub method: &'a Method,
    pub path_and_query: &'a str,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
}

impl From<SignatureError> for AppError {
    fn from(e: SignatureError) -> AppError {
        if e.is_bad_request() {
            AppError::BadRequest(e.to_string())
        } else {
            AppError::Unauthorized(e.to_string())
        }
    }
}

/// The longest an inbox request takes before it is answered: the signer's key, storing, then
/// as much of the activity's own work as fits. Every remote fetch counts against the request's
/// budget as well (`state::FETCHES_PER_REQUEST`).
const INBOX_DEADLINE: Duration = Duration::from_secs(5);

/// Storing one activity may wait this long for the database (SQLite busy with another writer,
/// a pool with no free connection) before the sender is asked to come back.
const STORE_TIMEOUT: Duration = Duration::from_secs(5);

/// Seconds a sender is asked to wait when the activity cannot be stored now.
pub const RETRY_AFTER_SECONDS: u64 = 30;

/// Verifies one incoming activity and stores it. `Ok` means 202: stored (and most often
/// processed already), received before, or deliberately ignored. A refusal found while
/// processing within the deadline is answered as such (4xx); the activity stays recorded.
pub async fn receive(data: &Data<AppState>, req: InboxRequest<'_>) -> AppResult<()> {
    let text = std::str::from_utf8(req.body)
        .map_err(|_| AppError::BadRequest("body is not UTF-8".into()))?;
    let document: Value = serde_json::from_str(text)
        .map_err(|e| AppError::BadRequest(format!("body is not JSON: {e}")))?;
    let activity = Activity::deserialize(&document)
        .map_err(|e| AppError::BadRequest(format!("not an activity: {e}")))?;
    if data.urls.is_local(&activity.actor) {
        return Err(AppError::Unauthorized(
            "activities of local actors are not accepted here".into(),
        ));
    }
    // Blocked senders are dropped before anything is fetched or verified.
    if data
        .blocks
        .current(&data.db)
        .await?
        .blocks(activity.actor.as_str())
    {
        tracing::debug!(actor = %activity.actor, "activity of a blocked actor dropped");
        return Ok(());
    }
    let deadline = tokio::time::Instant::now() + INBOX_DEADLINE;
    let Some(signer) = verify(data, &req, &activity, deadline).await? else {
        return Ok(());
    };
    // Charged only once the signature holds: unsigned traffic naming a server cannot use up
    // that server's budget.
    if let Err(wait) = data
        .actor_limits
        .check(activity.actor.as_str())
        .and_then(|()| {
            data.domain_limits
                .check(activity.actor.host_str().unwrap_or_default())
        })
    {
        return Err(AppError::TooManyRequests(wait.as_secs().max(1)));
    }
    // Any activity is a sign of life of its server: deliveries to it resume.
    if let Some(host) = signer_host(&activity.actor) {
        data.host_health.revive(&data.db, &host).await?;
    }
    let now = data.clock.now();
    let lease = chrono::Duration::seconds(data.config.inbox.lease_seconds as i64);
    let received = Received {
        activity_id: activity.id.to_string(),
        actor: activity.actor.to_string(),
        kind: activity.kind.1.clone(),
        document: text.to_string(),
        now,
        lease,
    };
    let stored = tokio::time::timeout(STORE_TIMEOUT, data.inbox_arrivals.store(&data.db, received))
        .await
        .map_err(|_| AppError::Unavailable(RETRY_AFTER_SECONDS))?
        .map_err(|e| {
            tracing::warn!(id = %activity.id, error = %e, "activity not stored: sender asked to retry");
            AppError::Unavailable(RETRY_AFTER_SECONDS)
        })?;
    let Some(row) = stored else {
        tracing::debug!(id = %activity.id, "activity received before: ignored");
        return Ok(());
    };
    tracing::info!(
        kind = %activity.kind.1, id = %activity.id, actor = %activity.actor, "activity received"
    );
    let job = Job {
        row,
        attempts: 1,
        id: activity.id,
        document,
        signer,
        lease_until: now + lease,
    };
    fast_path(data, job, deadline).await
}

/// The signature and who made it: `None` for what is dropped without an answer of its own
/// (an unknown actor deleting itself, a blocked key).
async fn verify(
    data: &Data<AppState>,
    req: &InboxRequest<'_>,
    activity: &Activity,
    deadline: tokio::time::Instant,
) -> AppResult<Option<RemoteActor>> {
    let base = data.urls.base();
    let signature = Signature::parse(
        &RequestParts {
            method: req.method,
            path_and_query: req.path_and_query,
            headers: req.headers,
            body: req.body,
            scheme: base.scheme(),
            default_host: &data.urls.host(),
        },
        Utc::now(),
    )?;
    // An actor deleting itself: its key is usually gone already. One we never knew is of no
    // interest (as Mastodon does, answer 202 rather than make it retry for days).
    if activity.kind.0 == ActivityKind::Delete
        && id_of(&activity.object).as_ref() == Some(&activity.actor)
        && actor::stored(&data.db, activity.actor.as_str())
            .await?
            .is_none()
    {
        tracing::debug!(actor = %activity.actor, "Delete of an unknown actor ignored");
        return Ok(None);
    }
    if let Ok(key) = Url::parse(&signature.key_id)
        && data.blocks.current(&data.db).await?.blocks(key.as_str())
    {
        return Ok(None);
    }
    guard::check_claims(&activity.actor, &activity.id, &signature.key_id)?;
    let signer = tokio::time::timeout_at(deadline, verify_signer(data, &signature))
        .await
        .map_err(|_| {
            AppError::Unauthorized(format!("key {} not fetched in time", signature.key_id))
        })??;
    if signer.model().ap_id != activity.actor.as_str() {
        return Err(AppError::Unauthorized(format!(
            "signed by {} on behalf of {}",
            signer.model().ap_id,
            activity.actor
        )));
    }
    tracing::debug!(id = %activity.id, signature = signature.scheme.name(), "signature verified");
    Ok(Some(signer))
}

/// Processes a stored activity while the sender waits, until `deadline`. What is still
/// running then goes on under its lease (the sender gets its 202 at once rather than holding
/// the connection, and retrying, meanwhile); should this process die, the lease expires and
/// the worker takes it.
async fn fast_path(
    data: &Data<AppState>,
    job: Job,
    deadline: tokio::time::Instant,
) -> AppResult<()> {
    let id = job.id.to_string();
    let task_data = data.clone();
    let mut task = tokio::spawn(async move {
        // Bounded like every other inbox work; the lease bounds the wait.
        let Ok(_permit) = task_data.inbox_work.clone().acquire_owned().await else {
            return Tried::Later;
        };
        process::run(&task_data, job).await
    });
    match tokio::time::timeout_at(deadline, &mut task).await {
        Ok(Ok(Tried::Refused(e))) => Err(e),
        Ok(Ok(Tried::Done | Tried::Later)) => Ok(()),
        Ok(Err(e)) => {
            tracing::warn!(%id, error = %e, "inbox task failed; the worker tries again");
            Ok(())
        }
        Err(_) => {
            tracing::info!(%id, "activity still being processed at the deadline: answered 202, goes on");
            Ok(())
        }
    }
}

fn signer_host(actor: &Url) -> Option<String> {
    actor
        .host_str()
        .map(|_| crate::federation::signing::host_header(actor))
}

/// The actor whose key verifies the signature. A stored key that fails is fetched once more,
/// since actors rotate keys (as Mastodon does), but not more often than once per
/// `caches::REFRESH_AFTER` and key document.
pub async fn verify_signer(data: &Data<AppState>, signature: &Signature) -> AppResult<RemoteActor> {
    let unauthorized = |e: AppError| match e {
        AppError::Database(_) | AppError::Internal(_) => e,
        other => AppError::Unauthorized(format!(
            "cannot get key {}: {}",
            signature.key_id,
            other.public_message()
        )),
    };
    let signer = fetch::actor_for_key(&signature.key_id, false, data)
        .await
        .map_err(unauthorized)?;
    if check(data, signature, &signer).is_ok() {
        refresh_if_stale(data, &signer);
        return Ok(signer);
    }
    let refreshed = fetch::actor_for_key(&signature.key_id, true, data)
        .await
        .map_err(unauthorized)?;
    check(data, signature, &refreshed)?;
    Ok(refreshed)
}

/// Checks `signature` with the key `actor` has stored, read from its PEM once and then kept
/// (`caches::ParsedKeys`: a changed PEM is read again).
fn check(
    data: &Data<AppState>,
    signature: &Signature,
    actor: &RemoteActor,
) -> Result<(), SignatureError> {
    let key = data
        .keys
        .parsed
        .get(&signature.key_id, &actor.model().public_key_pem)
        .ok_or_else(|| SignatureError::Invalid(signature.key_id.clone()))?;
    signature.verify_with(&key)
}

/// Profiles (name, avatar) shown with comments are refreshed in the background once a day.
fn refresh_if_stale(data: &Data<AppState>, actor: &RemoteActor) {
    if Utc::now() - actor.model().fetched_at < chrono::Duration::days(1) {
        return;
    }
    let (data, id) = (data.reset_request_count(), actor.model().ap_id.clone());
    tokio::spawn(async move {
        if let Ok(url) = Url::parse(&id)
            && let Err(e) = fetch::actor(&url, &data).await
        {
            tracing::debug!(actor = %id, error = %e, "profile refresh failed");
        }
    });
}
