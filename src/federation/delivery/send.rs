//! One attempt: checking the inbox's address, signing (on a bounded pool of blocking threads)
//! and POSTing the activity, and reading the answer as an `Outcome`.

use super::outcome::{Outcome, classify};
use crate::{
    federation::state::AppState,
    federation::{AP_CONTENT_TYPE, signing::Signer},
};
use activitypub_federation::config::Data;
use bytes::Bytes;
use std::time::Duration;
use tokio::sync::Semaphore;
use url::Url;

/// One activity ready to send: its body and the digest of it.
#[derive(Clone)]
pub(super) struct Payload {
    pub body: Bytes,
    pub digest: String,
}

/// Signs and POSTs one activity to one inbox.
pub(super) async fn send(
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
