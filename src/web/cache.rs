//! Rendered pages kept in memory for a moment, with ETag and Last-Modified so browsers and
//! feed readers revalidate with a 304 instead of downloading again.
//!
//! An entry is fresh for [`FRESH_FOR`], and dropped at once when this process wrote to a table
//! pages are made of (`db::changes`: a comment arrived, a post was published, a comment was
//! approved, whether by a request or a background task). Changes made by another process (`feder post publish` on the command line) show
//! once the entry is no longer fresh. Then one request renders the page again while the
//! others still get the copy, so a busy page is not rendered by every waiting request at
//! once. Bodies are stored as sent, compressed or not: each encoding is its own entry.

use crate::{db::changes, web::respond::wants_activity_json};
use axum::{
    body::{Body, Bytes},
    extract::{Request, State},
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use sha2::{Digest, Sha256};
use std::{
    collections::HashMap,
    fmt::Write,
    sync::{
        Arc, RwLock,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant, SystemTime},
};

/// How long an entry is served without rendering again. Short: it only bounds how late a change
/// made by another process shows, and one render a second per page costs nothing.
pub const FRESH_FOR: Duration = Duration::from_secs(1);

/// Past this many entries the cache starts over (encodings and page numbers make keys
/// unbounded); with pages of ~50 kB that bounds it near 50 MB.
const MAX_ENTRIES: usize = 1024;

#[derive(Default)]
pub struct PageCache {
    entries: RwLock<HashMap<Key, Arc<Entry>>>,
}

#[derive(Hash, PartialEq, Eq)]
struct Key {
    /// The path, and `?page=N` when asked: the only parameter pages read, so other query
    /// strings cannot fill the cache with copies.
    path_and_query: String,
    activity_json: bool,
    accept_encoding: Vec<u8>,
}

struct Entry {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
    etag: String,
    last_modified: SystemTime,
    filled: Instant,
    generation: u64,
    /// Set while one request renders this page again.
    refreshing: AtomicBool,
}

/// What a lookup found.
enum Lookup {
    /// Serve this.
    Hit(Arc<Entry>),
    /// Render; for an entry that only aged, the guard lets others use it meanwhile.
    Miss(Option<Refresh>),
}

/// Marks an entry as being rendered again; dropping it (stored, failed or cancelled) clears
/// the mark, so a failed render never leaves the old copy in place for good.
struct Refresh(Arc<Entry>);

impl Drop for Refresh {
    fn drop(&mut self) {
        self.0.refreshing.store(false, Ordering::Release);
    }
}

impl PageCache {
    fn generation(&self) -> u64 {
        changes::count()
    }

    fn lookup(&self, key: &Key) -> Lookup {
        let Some(entry) = self
            .entries
            .read()
            .ok()
            .and_then(|entries| entries.get(key).cloned())
        else {
            return Lookup::Miss(None);
        };
        if entry.generation != self.generation() {
            // Something changed: everyone waits for the new page.
            return Lookup::Miss(None);
        }
        if entry.filled.elapsed() < FRESH_FOR || entry.refreshing.swap(true, Ordering::AcqRel) {
            return Lookup::Hit(entry);
        }
        Lookup::Miss(Some(Refresh(entry)))
    }

    fn previous(&self, key: &Key) -> Option<(String, SystemTime)> {
        let entries = self.entries.read().ok()?;
        entries.get(key).map(|e| (e.etag.clone(), e.last_modified))
    }

    fn put(&self, key: Key, entry: Entry) {
        if let Ok(mut entries) = self.entries.write() {
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
            entries.insert(key, Arc::new(entry));
        }
    }
}

/// Middleware for pages: answers from the cache, or renders, stores and answers.
pub async fn serve(State(cache): State<Arc<PageCache>>, request: Request, next: Next) -> Response {
    // HEAD answers come back without a body, so only GET fills the cache; a post page
    // answering a comment or greeting its writer is one reader's, and not kept.
    if request.method() != Method::GET || for_one_reader(request.uri()) {
        return next.run(request).await;
    }
    let key = Key {
        path_and_query: cache_path(request.uri()),
        activity_json: wants_activity_json(request.headers()),
        accept_encoding: request
            .headers()
            .get(header::ACCEPT_ENCODING)
            .map(|v| v.as_bytes().to_vec())
            .unwrap_or_default(),
    };
    let conditions = Conditions::of(request.headers());
    let _refresh = match cache.lookup(&key) {
        Lookup::Hit(entry) => return entry.respond(&conditions),
        Lookup::Miss(refresh) => refresh,
    };
    let generation = cache.generation();
    let response = next.run(request).await;
    if !matches!(response.status(), StatusCode::OK | StatusCode::GONE) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let body = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(body) => body,
        Err(e) => {
            tracing::error!(error = %e, "page body");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    // A page that names its own ETag (a post page, whose form token changes every time)
    // keeps it, per encoding.
    let etag = match parts
        .headers
        .get(header::ETAG)
        .and_then(|v| v.to_str().ok())
    {
        Some(own) => format!(
            "\"{}-{}\"",
            own.trim_matches('"'),
            parts
                .headers
                .get(header::CONTENT_ENCODING)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("identity")
        ),
        None => etag_of(&body),
    };
    // A page rendered again without change keeps the time it last changed.
    let last_modified = match cache.previous(&key) {
        Some((old, since)) if old == etag => since,
        _ => SystemTime::now(),
    };
    set_cache_headers(&mut parts.headers, &etag, last_modified);
    let entry = Entry {
        status: parts.status,
        headers: parts.headers,
        body,
        etag,
        last_modified,
        filled: Instant::now(),
        generation,
        refreshing: AtomicBool::new(false),
    };
    let response = entry.respond(&conditions);
    cache.put(key, entry);
    response
}

fn cache_path(uri: &axum::http::Uri) -> String {
    let page = uri.query().and_then(|q| {
        url::form_urlencoded::parse(q.as_bytes())
            .find(|(name, _)| name == "page")
            .map(|(_, value)| value.into_owned())
    });
    match page {
        Some(page) => format!("{}?page={page}", uri.path()),
        None => uri.path().to_string(),
    }
}

/// `?reply_to=` (the form answers a comment) and `?comment=` (the notice for its writer).
fn for_one_reader(uri: &axum::http::Uri) -> bool {
    uri.query().is_some_and(|q| {
        url::form_urlencoded::parse(q.as_bytes())
            .any(|(name, _)| name == "reply_to" || name == "comment")
    })
}

fn etag_of(body: &[u8]) -> String {
    let hash = Sha256::digest(body);
    let mut etag = String::with_capacity(34);
    etag.push('"');
    for byte in &hash[..16] {
        let _ = write!(etag, "{byte:02x}");
    }
    etag.push('"');
    etag
}

/// Browsers revalidate pages every time (a 304 is cheap, comments arrive any moment);
/// ActivityPub documents may be kept a minute. `Vary: Accept` (set where the answer is
/// negotiated) keeps the two apart in shared caches.
fn set_cache_headers(headers: &mut HeaderMap, etag: &str, last_modified: SystemTime) {
    if let Ok(value) = HeaderValue::from_str(etag) {
        headers.insert(header::ETAG, value);
    }
    if let Ok(value) = HeaderValue::from_str(&httpdate::fmt_http_date(last_modified)) {
        headers.insert(header::LAST_MODIFIED, value);
    }
    if !headers.contains_key(header::CACHE_CONTROL) {
        let html = headers
            .get(header::CONTENT_TYPE)
            .is_some_and(|t| t.as_bytes().starts_with(b"text/html"));
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static(if html {
                "no-cache"
            } else {
                "public, max-age=60"
            }),
        );
    }
}

/// A request's `If-None-Match` / `If-Modified-Since`.
struct Conditions {
    if_none_match: Option<String>,
    if_modified_since: Option<SystemTime>,
}

impl Conditions {
    fn of(headers: &HeaderMap) -> Conditions {
        Conditions {
            if_none_match: headers
                .get(header::IF_NONE_MATCH)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string),
            if_modified_since: headers
                .get(header::IF_MODIFIED_SINCE)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| httpdate::parse_http_date(v).ok()),
        }
    }

    /// Whether the client's copy is current (RFC 9110 §13.2.2: `If-None-Match` wins).
    fn not_modified(&self, etag: &str, last_modified: SystemTime) -> bool {
        if let Some(tags) = &self.if_none_match {
            let bare = |t: &str| t.trim().trim_start_matches("W/").to_string();
            return tags.trim() == "*" || tags.split(',').any(|t| bare(t) == bare(etag));
        }
        // HTTP dates have whole seconds: compare at that precision.
        let seconds = |t: SystemTime| {
            t.duration_since(SystemTime::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or_default()
        };
        self.if_modified_since
            .is_some_and(|since| seconds(last_modified) <= seconds(since))
    }
}

impl Entry {
    fn respond(&self, conditions: &Conditions) -> Response {
        if self.status == StatusCode::OK && conditions.not_modified(&self.etag, self.last_modified)
        {
            let mut response = StatusCode::NOT_MODIFIED.into_response();
            for name in [
                header::ETAG,
                header::LAST_MODIFIED,
                header::CACHE_CONTROL,
                header::VARY,
            ] {
                for value in self.headers.get_all(&name) {
                    response.headers_mut().append(name.clone(), value.clone());
                }
            }
            return response;
        }
        let mut response = Response::new(Body::from(self.body.clone()));
        *response.status_mut() = self.status;
        *response.headers_mut() = self.headers.clone();
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> Key {
        Key {
            path_and_query: "/".into(),
            activity_json: false,
            accept_encoding: vec![],
        }
    }

    #[test]
    fn one_request_renders_an_aged_page_again() {
        let cache = PageCache::default();
        assert!(matches!(cache.lookup(&key()), Lookup::Miss(None)));
        cache.put(
            key(),
            Entry {
                status: StatusCode::OK,
                headers: HeaderMap::new(),
                body: Bytes::from_static(b"page"),
                etag: "\"e\"".into(),
                last_modified: SystemTime::now(),
                filled: Instant::now() - FRESH_FOR,
                generation: cache.generation(),
                refreshing: AtomicBool::new(false),
            },
        );
        let Lookup::Miss(Some(refresh)) = cache.lookup(&key()) else {
            panic!("the first request after expiry renders");
        };
        assert!(
            matches!(cache.lookup(&key()), Lookup::Hit(_)),
            "others get the copy"
        );
        drop(refresh);
        assert!(
            matches!(cache.lookup(&key()), Lookup::Miss(Some(_))),
            "a failed render is retried"
        );
        let write = sea_orm::Statement::from_string(
            sea_orm::DbBackend::Sqlite,
            r#"UPDATE "comments" SET "status" = 'approved'"#,
        );
        changes::observe(&sea_orm::metric::Info {
            elapsed: Duration::ZERO,
            statement: &write,
            failed: false,
        });
        assert!(
            matches!(cache.lookup(&key()), Lookup::Miss(None)),
            "a change is never served stale"
        );
    }

    #[test]
    fn keys_keep_only_the_page_number() {
        let path = |u: &str| cache_path(&u.parse().unwrap());
        assert_eq!(path("/posts/a?utm_source=x"), "/posts/a");
        assert_eq!(path("/?page=2&x=1"), "/?page=2");
        assert_eq!(path("/tags/r%C3%BCck"), "/tags/r%C3%BCck");
    }

    #[test]
    fn conditions() {
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let mut headers = HeaderMap::new();
        headers.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_static("W/\"a\", \"b\""),
        );
        assert!(Conditions::of(&headers).not_modified("\"b\"", t));
        assert!(Conditions::of(&headers).not_modified("\"a\"", t));
        assert!(!Conditions::of(&headers).not_modified("\"c\"", t));
        let mut headers = HeaderMap::new();
        headers.insert(
            header::IF_MODIFIED_SINCE,
            HeaderValue::from_str(&httpdate::fmt_http_date(t)).unwrap(),
        );
        assert!(Conditions::of(&headers).not_modified("\"x\"", t));
        assert!(!Conditions::of(&headers).not_modified("\"x\"", t + Duration::from_secs(1)));
        assert!(!Conditions::of(&HeaderMap::new()).not_modified("\"x\"", t));
    }
}
