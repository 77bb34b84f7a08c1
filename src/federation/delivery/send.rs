//! One delivery: checking the inbox's address, signing (on a bounded pool of blocking threads)
//! and POSTing the activity, and reading the answer as an `Outcome`. A host that refuses the
//! signature (`schemes::refused_signature`) is asked once more in the other scheme, and the
//! scheme it accepted is remembered (`schemes`).

use super::{
    outcome::{Outcome, classify},
    schemes::{SchemeMemory, refused_signature},
};
use crate::{
    federation::state::AppState,
    federation::{
        AP_CONTENT_TYPE,
        followers_sync::{self, FollowersSync},
        signatures::Scheme,
        signing::{BodyDigests, Signer, host_header},
    },
    services::local_actor::LocalActor,
};
use activitypub_federation::config::Data;
use bytes::Bytes;
use chrono::Utc;
use std::time::Duration;
use tokio::sync::Semaphore;
use url::Url;

/// One activity ready to send: its body and the digests of it.
#[derive(Clone)]
pub(super) struct Payload {
    pub body: Bytes,
    pub digests: BodyDigests,
    /// Addressed to the followers of its actor (one of ours): a shared inbox of theirs gets
    /// the FEP-8fcf header.
    pub followers_of: Option<LocalActor>,
}

/// What a delivery needs besides its inbox and payload.
pub(super) struct Sender<'a> {
    pub data: &'a Data<AppState>,
    pub signer: &'a Signer,
    pub signing: &'a Semaphore,
    pub schemes: &'a SchemeMemory,
    pub followers_sync: &'a FollowersSync,
}

fn failed(error: String) -> Outcome {
    Outcome::Failed {
        status: None,
        error,
    }
}

/// Signs and POSTs one activity to one inbox, knocking twice if the first signature is refused.
pub(super) async fn send(sender: &Sender<'_>, inbox: &str, payload: Payload) -> Outcome {
    let data = sender.data;
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
    let host = host_header(&url);
    let sync = if let Some(local) = &payload.followers_of {
        match sender
            .followers_sync
            .header_for(&data.db, &data.urls, local, inbox)
            .await
        {
            Ok(header) => header,
            Err(e) => {
                return Outcome::Retry {
                    status: None,
                    error: format!("followers digest: {e}"),
                    after: None,
                };
            }
        }
    } else {
        None
    };
    let request = Request {
        url: &url,
        payload: &payload,
        sync: sync.as_deref(),
    };
    let first = sender.schemes.first(&host, Utc::now());
    let (scheme, answer) = match attempt(sender, first, &request).await {
        Ok(response) if refused_signature(response.status().as_u16()) => {
            let second = match first {
                Scheme::Rfc9421 => Scheme::Cavage,
                Scheme::Cavage => Scheme::Rfc9421,
            };
            tracing::debug!(
                %host,
                status = response.status().as_u16(),
                first = first.name(),
                second = second.name(),
                "signature refused: knocking again"
            );
            (second, attempt(sender, second, &request).await)
        }
        other => (first, other),
    };
    let response = match answer {
        Ok(response) => response,
        Err(outcome) => return outcome,
    };
    if response.status().is_success()
        && let Err(e) = sender
            .schemes
            .accepted(&data.db, &host, scheme, Utc::now())
            .await
    {
        tracing::warn!(%host, error = %e, "cannot remember the host's signature scheme");
    }
    classify(response.status(), retry_after(response.headers()))
}

/// What is POSTed, whatever the signature.
struct Request<'a> {
    url: &'a Url,
    payload: &'a Payload,
    /// The `Collection-Synchronization` header, if any.
    sync: Option<&'a str>,
}

/// One signed POST; an error is the outcome of a request that got no answer.
async fn attempt(
    sender: &Sender<'_>,
    scheme: Scheme,
    request: &Request<'_>,
) -> Result<reqwest::Response, Outcome> {
    let Request { url, payload, sync } = *request;
    // Signing is CPU work: on a blocking thread, and bounded so a fan-out cannot take every
    // core from the pages and the inbox.
    let signed = {
        let Ok(_permit) = sender.signing.acquire().await else {
            return Err(failed("shutting down".into()));
        };
        let (signer, url, digests) = (sender.signer.clone(), url.clone(), payload.digests.clone());
        match tokio::task::spawn_blocking(move || {
            signer.sign_post(scheme, &url, &digests, AP_CONTENT_TYPE)
        })
        .await
        {
            Ok(Ok(signed)) => signed,
            Ok(Err(e)) => return Err(failed(format!("signing: {e}"))),
            Err(e) => return Err(failed(format!("signing task: {e}"))),
        }
    };
    let mut request = sender
        .data
        .http
        .post(url.as_str())
        .header(http::header::CONTENT_TYPE, AP_CONTENT_TYPE)
        .header(http::header::ACCEPT, AP_CONTENT_TYPE);
    for (name, value) in signed.headers {
        request = request.header(name, value);
    }
    if let Some(sync) = sync {
        request = request.header(followers_sync::HEADER, sync);
    }
    request
        .body(payload.body.clone())
        .send()
        .await
        .map_err(|e| Outcome::Retry {
            status: None,
            error: error_chain(&e),
            after: None,
        })
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
