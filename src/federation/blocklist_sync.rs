//! Fetching the shared blocklists the owner subscribed to (`services::blocklists`): once
//! when subscribed or asked, and every list again once a day (`worker`, in `feder serve`),
//! following a few http(s) redirects (lists move), each hop through the federation client's
//! address checks. What a fetch gave is kept by the service.

use crate::{
    error::AppResult,
    services::{Site, blocklists},
};
use chrono::Utc;
use std::time::Duration;
use url::Url;

/// A list larger than this is not one (IFTAS's and Oliphant's are far smaller).
const MAX_LIST_BYTES: usize = 4 * 1024 * 1024;

/// Fetches the list `id` with `http` and keeps its domains (or why it could not be had); the
/// fetch happens before anything is written.
pub async fn sync(
    site: &Site,
    http: &reqwest_middleware::ClientWithMiddleware,
    id: i32,
) -> AppResult<()> {
    let list = blocklists::find(site, id).await?;
    let fetched = fetch(http, &list.url).await;
    blocklists::record_fetched(site, id, fetched).await
}

/// Redirects one fetch of a list follows (a list moved to another address, or served
/// through a link shortener or a CDN); more is a loop.
const MAX_REDIRECTS: usize = 5;

/// Fetches the list at `url`, following up to `MAX_REDIRECTS` redirects by hand: the client
/// follows none (federation must not), and each hop goes through its address checks again.
async fn fetch(
    http: &reqwest_middleware::ClientWithMiddleware,
    url: &str,
) -> Result<String, String> {
    let mut url = Url::parse(url).map_err(|e| e.to_string())?;
    let mut redirects = 0;
    let mut response = loop {
        let response = http
            .get(url.as_str())
            .header("Accept", "text/csv, text/plain")
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if !response.status().is_redirection() {
            break response;
        }
        if redirects == MAX_REDIRECTS {
            return Err(format!("more than {MAX_REDIRECTS} redirects"));
        }
        redirects += 1;
        url = redirect_target(&url, &response)?;
    };
    if !response.status().is_success() {
        return Err(format!("answered {}", response.status()));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| e.to_string())? {
        body.extend_from_slice(&chunk);
        if body.len() > MAX_LIST_BYTES {
            return Err(format!("larger than {MAX_LIST_BYTES} bytes"));
        }
    }
    String::from_utf8(body).map_err(|_| "not UTF-8 text".to_string())
}

/// Where a redirect from `from` points: its `Location`, relative to `from`, http(s) only.
fn redirect_target(from: &Url, response: &reqwest::Response) -> Result<Url, String> {
    let status = response.status();
    let location = response
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|l| l.to_str().ok())
        .ok_or_else(|| format!("answered {status} without a Location"))?;
    let target = from
        .join(location)
        .map_err(|_| format!("answered {status} to {location:?}, which is no address"))?;
    if !matches!(target.scheme(), "http" | "https") {
        return Err(format!("redirected to {target}, not an http(s) address"));
    }
    Ok(target)
}

/// Fetches the lists not fetched for `blocklists::SYNC_EVERY`, until the task is dropped (`feder serve`).
pub async fn worker(site: Site, http: reqwest_middleware::ClientWithMiddleware) {
    let mut tick = tokio::time::interval(Duration::from_secs(60));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let due = Utc::now() - blocklists::SYNC_EVERY;
        let lists = match blocklists::list(&site).await {
            Ok(lists) => lists,
            Err(e) => {
                tracing::error!(error = %e, "blocklists");
                continue;
            }
        };
        for list in lists
            .into_iter()
            .filter(|l| l.fetched_at.is_none_or(|at| at < due))
        {
            if let Err(e) = sync(&site, &http, list.id).await {
                tracing::error!(error = %e, url = %list.url, "blocklist sync");
            }
        }
    }
}
