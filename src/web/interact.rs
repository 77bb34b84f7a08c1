//! "Reply from your instance" and "Follow this blog": the reader gives their handle, we ask
//! their server by WebFinger where interactions start, and send them there (303) with our URL.
//!
//! Order of preference: the FEP-3b86 intent (`Follow` for the blog, `Object` for a post), the
//! OStatus subscribe template Mastodon has always published, then Mastodon's
//! `/authorize_interaction` on their host. Outside local development only https and public
//! addresses are asked (the shared HTTP client refuses private ones after DNS).

use crate::{
    federation::{limits::RateLimiter, state::AppState},
    render::i18n,
    services::local_actor::LocalActor,
    web::{extract::client_ip, pages::message_page},
};
use activitypub_federation::{config::Data, fetch::webfinger::Webfinger};
use axum::{
    Extension,
    extract::{ConnectInfo, RawForm},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};
use url::Url;

const FEP_3B86_OBJECT: &str = "https://w3id.org/fep/3b86/Object";
const FEP_3B86_FOLLOW: &str = "https://w3id.org/fep/3b86/Follow";
const OSTATUS_SUBSCRIBE: &str = "http://ostatus.org/schema/1.0/subscribe";

/// A WebFinger answer larger than this is not one.
const MAX_WEBFINGER_BYTES: usize = 256 * 1024;
/// Redirects followed (with the same checks) when asking for WebFinger: some servers send the
/// account's domain on to the host that runs the software.
const MAX_REDIRECTS: usize = 2;

/// A found account's WebFinger answer is reused this long, a failed lookup this long.
const FOUND_TTL: Duration = Duration::from_secs(3600);
const FAILED_TTL: Duration = Duration::from_secs(600);
/// Accounts remembered; past it, expired ones go, and if that is not enough, all.
const CACHED_ACCOUNTS: usize = 10_000;
/// WebFinger lookups (answers not in the cache) per client address and minute, and for the
/// whole blog: anyone can ask, so the blog must not become a way to flood other servers.
const LOOKUPS_PER_CLIENT: u32 = 10;
const LOOKUPS_PER_MINUTE: u32 = 120;

/// A WebFinger answer, or why there was none.
type Answer = Result<Arc<Webfinger>, String>;

/// What `/interact` remembers: WebFinger answers (and failures) by account, and how many
/// lookups each client and everyone together made lately.
pub struct InteractLimits {
    answers: Mutex<HashMap<String, (Instant, Answer)>>,
    per_client: RateLimiter,
    global: RateLimiter,
}

impl InteractLimits {
    pub fn new() -> Arc<InteractLimits> {
        Arc::new(InteractLimits {
            answers: Mutex::default(),
            per_client: RateLimiter::new(LOOKUPS_PER_CLIENT),
            global: RateLimiter::new(LOOKUPS_PER_MINUTE),
        })
    }

    fn cached(&self, account: &str) -> Option<Answer> {
        let answers = self.answers.lock().unwrap_or_else(|e| e.into_inner());
        let (at, answer) = answers.get(account)?;
        let ttl = if answer.is_ok() {
            FOUND_TTL
        } else {
            FAILED_TTL
        };
        (at.elapsed() < ttl).then(|| answer.clone())
    }

    fn remember(&self, account: &str, answer: Answer) {
        let mut answers = self.answers.lock().unwrap_or_else(|e| e.into_inner());
        if answers.len() >= CACHED_ACCOUNTS {
            answers.retain(|_, (at, _)| at.elapsed() < FOUND_TTL);
            if answers.len() >= CACHED_ACCOUNTS {
                answers.clear();
            }
        }
        answers.insert(account.to_string(), (Instant::now(), answer));
    }
}

/// The WebFinger answer for `account`: remembered, or asked for when the client and the blog
/// have lookups left. `Err(None)` when they have not.
async fn lookup(
    data: &Data<AppState>,
    limits: &InteractLimits,
    client: &str,
    account: &Account,
    local_dev: bool,
) -> Result<Arc<Webfinger>, Option<String>> {
    let key = format!("{}@{}", account.user.to_ascii_lowercase(), account.host);
    if let Some(answer) = limits.cached(&key) {
        return answer.map_err(Some);
    }
    if limits.per_client.check(client).is_err() || limits.global.check("").is_err() {
        return Err(None);
    }
    let answer = webfinger(data, account, local_dev).await.map(Arc::new);
    limits.remember(&key, answer.clone());
    answer.map_err(Some)
}

/// GET `/interact?uri=…&handle=…` and the same as a POSTed form.
pub async fn interact(
    data: Data<AppState>,
    Extension(limits): Extension<Arc<InteractLimits>>,
    connect: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    RawForm(form): RawForm,
) -> Response {
    let ui = i18n::language(&data.settings.current().blog.lang);
    let mut uri = None;
    let mut handle = String::new();
    for (name, value) in url::form_urlencoded::parse(&form) {
        match &*name {
            "uri" => uri = Url::parse(value.trim()).ok(),
            "handle" => handle = value.trim().to_string(),
            _ => {}
        }
    }
    let bad = |text: String| {
        message_page(
            &data,
            StatusCode::BAD_REQUEST,
            ui.get("bad_request_title"),
            &text,
        )
    };
    // Only our own pages are sent on: this is no open redirect to arbitrary addresses.
    let Some(uri) = uri.filter(|u| data.urls.is_local(u)) else {
        return bad(ui.get("not_found_text").to_string());
    };
    let local_dev = data.config.is_local_dev();
    let Some(account) = Account::parse(&handle, local_dev) else {
        return bad(ui.get("handle_invalid").replacen("%s", &handle, 1));
    };
    let follow = uri == *data.urls.base() || LocalActor::from_id(&data.urls, &uri).is_some();
    let client = client_ip(
        connect.as_ref().map(|c| &c.0),
        &headers,
        &data.config.server.trusted_proxies,
    );
    let target = match lookup(&data, &limits, &client, &account, local_dev).await {
        Ok(found) => interaction_url(&found, &uri, follow, local_dev)
            .unwrap_or_else(|| account.authorize_interaction(&uri, local_dev)),
        Err(None) => {
            let mut response = message_page(
                &data,
                StatusCode::TOO_MANY_REQUESTS,
                ui.get("bad_request_title"),
                ui.get("interact_rate_limited"),
            );
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("60"));
            return response;
        }
        Err(Some(reason)) => {
            tracing::info!(handle = %handle, %reason, "remote interaction lookup failed");
            return bad(ui.get("handle_unknown").replacen("%s", &handle, 1));
        }
    };
    match HeaderValue::from_str(target.as_str()) {
        Ok(location) => (
            StatusCode::SEE_OTHER,
            [
                (header::LOCATION, location),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            ],
        )
            .into_response(),
        Err(_) => bad(ui.get("handle_unknown").replacen("%s", &handle, 1)),
    }
}

/// A reader's account: `@user@host` (`user@host` and `acct:user@host` too).
#[derive(Debug, PartialEq)]
struct Account {
    user: String,
    /// Host, with a port only in local development.
    host: String,
}

impl Account {
    fn parse(handle: &str, local_dev: bool) -> Option<Account> {
        let handle = handle.trim();
        let handle = handle.strip_prefix("acct:").unwrap_or(handle);
        let (user, host) = handle.strip_prefix('@').unwrap_or(handle).split_once('@')?;
        let valid_user = !user.is_empty()
            && user.len() <= 100
            && user
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
        if !valid_user || host.is_empty() || host.len() > 253 {
            return None;
        }
        let url = Url::parse(&format!("https://{host}/")).ok()?;
        let domain = url.domain()?.to_ascii_lowercase();
        // The whole host must survive parsing unchanged: no path, query, user info or spaces.
        let same = match url.port() {
            Some(port) => host.eq_ignore_ascii_case(&format!("{domain}:{port}")),
            None => host.eq_ignore_ascii_case(&domain),
        };
        if !same {
            return None;
        }
        // Outside local development: a public DNS name on the default port.
        if !local_dev && (url.port().is_some() || !domain.contains('.')) {
            return None;
        }
        Some(Account {
            user: user.to_string(),
            host: host.to_ascii_lowercase(),
        })
    }

    fn scheme(local_dev: bool) -> &'static str {
        if local_dev { "http" } else { "https" }
    }

    fn webfinger_url(&self, local_dev: bool) -> Option<Url> {
        let mut url = Url::parse(&format!(
            "{}://{}/.well-known/webfinger",
            Self::scheme(local_dev),
            self.host
        ))
        .ok()?;
        url.query_pairs_mut()
            .append_pair("resource", &format!("acct:{}@{}", self.user, self.host));
        Some(url)
    }

    /// Mastodon's page for interacting with `uri`, for servers that publish no template.
    fn authorize_interaction(&self, uri: &Url, local_dev: bool) -> Url {
        let fallback = format!(
            "{}://{}/authorize_interaction",
            Self::scheme(local_dev),
            self.host
        );
        let mut url = Url::parse(&fallback).unwrap_or_else(|_| uri.clone());
        url.query_pairs_mut().append_pair("uri", uri.as_str());
        url
    }
}

/// Whether `url` may be asked: https (http only in local development), a DNS name, and in
/// production no explicit port.
fn allowed(url: &Url, local_dev: bool) -> bool {
    match url.scheme() {
        "https" => {}
        "http" if local_dev => {}
        _ => return false,
    }
    url.domain().is_some() && (local_dev || url.port().is_none())
}

async fn webfinger(
    data: &Data<AppState>,
    account: &Account,
    local_dev: bool,
) -> Result<Webfinger, String> {
    let mut url = account.webfinger_url(local_dev).ok_or("no WebFinger URL")?;
    for _ in 0..=MAX_REDIRECTS {
        if !allowed(&url, local_dev) {
            return Err(format!("{url} may not be asked"));
        }
        let mut response = data
            .http
            .get(url.as_str())
            .header(header::ACCEPT, "application/jrd+json, application/json")
            .timeout(Duration::from_secs(5))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if response.status().is_redirection() {
            let location = response
                .headers()
                .get(header::LOCATION)
                .and_then(|l| l.to_str().ok())
                .ok_or("redirect without Location")?;
            url = url.join(location).map_err(|e| e.to_string())?;
            continue;
        }
        if !response.status().is_success() {
            return Err(format!("WebFinger answered {}", response.status()));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| e.to_string())? {
            if body.len() + chunk.len() > MAX_WEBFINGER_BYTES {
                return Err("WebFinger answer too large".into());
            }
            body.extend_from_slice(&chunk);
        }
        return parse_webfinger(&body);
    }
    Err("too many redirects".into())
}

fn parse_webfinger(body: &[u8]) -> Result<Webfinger, String> {
    serde_json::from_slice(body).map_err(|e| format!("not WebFinger: {e}"))
}

/// Where to send the reader: the best template their server publishes, filled with `uri`.
fn interaction_url(found: &Webfinger, uri: &Url, follow: bool, local_dev: bool) -> Option<Url> {
    let preferred: &[&str] = if follow {
        &[FEP_3B86_FOLLOW, FEP_3B86_OBJECT, OSTATUS_SUBSCRIBE]
    } else {
        &[FEP_3B86_OBJECT, OSTATUS_SUBSCRIBE]
    };
    preferred.iter().find_map(|rel| {
        let template = found
            .links
            .iter()
            .find(|l| l.rel.as_deref() == Some(rel))?
            .template
            .as_deref()?;
        Url::parse(&fill(template, uri.as_str()))
            .ok()
            .filter(|u| allowed(u, local_dev))
    })
}

/// Fills a URI template: `{uri}` and `{object}` with the percent-encoded address, any other
/// variable with nothing (as FEP-3b86 asks).
fn fill(template: &str, uri: &str) -> String {
    let encoded: String = url::form_urlencoded::byte_serialize(uri.as_bytes()).collect();
    let mut out = String::with_capacity(template.len() + encoded.len());
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('}') else {
            out.push_str(&rest[start..]);
            return out;
        };
        if matches!(&rest[start + 1..start + end], "uri" | "object") {
            out.push_str(&encoded);
        }
        rest = &rest[start + end + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles() {
        let parsed = Account::parse("@Jane@Social.Example", false);
        assert_eq!(
            parsed,
            Some(Account {
                user: "Jane".into(),
                host: "social.example".into()
            })
        );
        assert!(Account::parse("jane@social.example", false).is_some());
        assert!(Account::parse("acct:jane@social.example", false).is_some());
        for bad in [
            "",
            "jane",
            "@jane",
            "@@social.example",
            "@ja ne@social.example",
            "@jane@social.example/path",
            "@jane@social.example:8443",
            "@jane@localhost",
            "@jane@127.0.0.1",
            "@jane@[::1]",
            "@jane@user:pw@social.example",
            "@jane@social.example?x=1",
        ] {
            assert_eq!(Account::parse(bad, false), None, "{bad}");
        }
        // Local development talks to other blogs on localhost ports.
        assert!(Account::parse("@jane@localhost:8081", true).is_some());
        let account = Account::parse("@jane@social.example", false).unwrap();
        assert_eq!(
            account.webfinger_url(false).unwrap().as_str(),
            "https://social.example/.well-known/webfinger?resource=acct%3Ajane%40social.example"
        );
    }

    #[test]
    fn templates() {
        let post = Url::parse("https://blog.example/posts/a?b=c").unwrap();
        assert_eq!(
            fill(
                "https://x.example/authorize_interaction?uri={uri}",
                post.as_str()
            ),
            "https://x.example/authorize_interaction?uri=https%3A%2F%2Fblog.example%2Fposts%2Fa%3Fb%3Dc"
        );
        assert_eq!(
            fill("https://x.example/i?o={object}&s={on-success}", "u"),
            "https://x.example/i?o=u&s="
        );
        let found: Webfinger = parse_webfinger(
            br#"{"subject":"acct:j@x.example","links":[
                {"rel":"http://ostatus.org/schema/1.0/subscribe","template":"https://x.example/authorize_interaction?uri={uri}"},
                {"rel":"https://w3id.org/fep/3b86/Object","template":"https://x.example/intent/object?id={object}"},
                {"rel":"https://w3id.org/fep/3b86/Follow","template":"javascript:alert({object})"}]}"#,
        )
        .unwrap();
        assert_eq!(
            interaction_url(&found, &post, false, false)
                .unwrap()
                .as_str(),
            "https://x.example/intent/object?id=https%3A%2F%2Fblog.example%2Fposts%2Fa%3Fb%3Dc"
        );
        // A template that is no https address is passed over.
        assert_eq!(
            interaction_url(&found, &post, true, false)
                .unwrap()
                .host_str(),
            Some("x.example")
        );
        let account = Account::parse("@j@x.example", false).unwrap();
        assert_eq!(
            account.authorize_interaction(&post, false).as_str(),
            "https://x.example/authorize_interaction?uri=https%3A%2F%2Fblog.example%2Fposts%2Fa%3Fb%3Dc"
        );
        assert!(!allowed(&Url::parse("http://x.example/").unwrap(), false));
        assert!(!allowed(&Url::parse("https://10.0.0.1/").unwrap(), false));
        assert!(!allowed(
            &Url::parse("https://x.example:444/").unwrap(),
            false
        ));
    }
}
