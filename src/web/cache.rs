//! Rendered pages kept in memory, with ETag and Last-Modified so browsers and feed readers
//! revalidate with a 304 instead of downloading again.
//!
//! A page says what it shows (its handler calls [`showing`]; see `db::changes::Shows`) and is
//! kept until this process changes some of that — a like on a post makes that post's page
//! stale, not the archive — or until it is [`FRESH_FOR`] old, which bounds how late a change
//! made by another process (`feder post publish`, another node) shows. A page that says
//! nothing is stale after any change. One request at a time renders a page (single flight):
//! meanwhile the others get the previous copy (stale-while-revalidate) or, when there is
//! none, wait for it. While likes and boosts come in a row (the kept copy was itself rendered
//! because of one), a page is rendered again at most every [`RENDER_GAP`]: a post liked a
//! hundred times a second is not rendered a hundred times. The first like after anything
//! else, and a comment, an edit or a block at any time, show at the next request. Bodies are
//! stored as sent, compressed or not: each encoding is its own entry. `X-Cache` tells how a page was answered: `hit`, `stale` (the previous copy while
//! another request renders it), or why this request rendered it: `miss` (nothing kept),
//! `changed`, `expired`.

use crate::{
    db::changes::{self, Shows, Version},
    web::respond::wants_activity_json,
};
use axum::{
    body::{Body, Bytes},
    extract::{Request, State},
    http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use sha2::{Digest, Sha256};
use std::{
    collections::HashMap,
    fmt::Write,
    sync::{
        Arc, RwLock, RwLockReadGuard, RwLockWriteGuard,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant, SystemTime},
};
use tokio::sync::watch;

/// How long an entry is served without rendering again when nothing it shows changed in this
/// process. Short: it only bounds how late a change made by another process shows, and one
/// render a second per page costs nothing.
pub const FRESH_FOR: Duration = Duration::from_secs(1);

/// A page changed again this soon after it was rendered because of a change is served as it is
/// meanwhile: a post liked a hundred times a second is rendered five times a second, while
/// the first change after a calm shows at once.
const RENDER_GAP: Duration = Duration::from_millis(200);

/// How long the others rely on one request's render (wait for it, or get the previous copy)
/// before one of them renders itself: a render taking longer is stuck.
const FLIGHT_LIMIT: Duration = Duration::from_secs(5);

/// Past this many entries the cache starts over (encodings and page numbers make keys
/// unbounded); with pages of ~50 kB that bounds it near 50 MB.
const MAX_ENTRIES: usize = 1024;

/// The header that tells how a page was answered.
static X_CACHE: HeaderName = HeaderName::from_static("x-cache");

pub struct PageCache {
    slots: RwLock<HashMap<Key, Slot>>,
    /// The changes of the database the pages are made from.
    log: Arc<changes::Log>,
    flights: AtomicU64,
}

#[derive(Clone, Hash, PartialEq, Eq)]
struct Key {
    /// The path, and `?page=N` and `publication=N` when asked: the only parameters pages
    /// read, so other query strings cannot fill the cache with copies.
    path_and_query: String,
    activity_json: bool,
    accept_encoding: Vec<u8>,
}

/// A page's copy, and the render of it under way.
#[derive(Default)]
struct Slot {
    entry: Option<Arc<Entry>>,
    flight: Option<Flight>,
}

struct Flight {
    id: u64,
    started: Instant,
    /// Ends (the sender is dropped) when the render is done, stored or not.
    done: watch::Receiver<()>,
}

impl Flight {
    /// Whether it may still be relied on; a render taking longer is stuck.
    fn on(&self) -> bool {
        self.started.elapsed() < FLIGHT_LIMIT
    }
}

struct Entry {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
    etag: String,
    last_modified: SystemTime,
    filled: Instant,
    /// What it was rendered from, and what of the blog it shows (`None`: it did not say).
    version: Version,
    shows: Option<Shows>,
    /// Rendered because likes or boosts, and nothing else it shows, changed: a run of
    /// reactions is going on, and the next ones may wait for [`RENDER_GAP`].
    after_reactions: bool,
}

/// What a request does with a page.
enum Decision {
    /// Answer with this copy: `hit` or `stale`.
    Serve(Arc<Entry>, &'static str),
    /// Another request renders a page not kept yet: wait until it is done.
    Wait(watch::Receiver<()>),
    /// Render it (`miss`, `changed` or `expired`); the guard ends the flight, if it is ours.
    Render(Flown, &'static str),
}

/// The render this request does; dropping it (stored, failed or cancelled) ends the flight,
/// so the others wake up and a failed render is tried again.
struct Flown {
    cache: Arc<PageCache>,
    key: Key,
    flight: Option<(u64, watch::Sender<()>)>,
    /// Only likes and boosts changed since the kept copy.
    reactions_only: bool,
}

impl Drop for Flown {
    fn drop(&mut self) {
        let Some((id, _done)) = self.flight.take() else {
            return;
        };
        if let Some(slot) = self.cache.write().get_mut(&self.key)
            && slot.flight.as_ref().is_some_and(|f| f.id == id)
        {
            slot.flight = None;
        }
    }
}

impl PageCache {
    pub fn new(log: Arc<changes::Log>) -> PageCache {
        PageCache {
            slots: RwLock::default(),
            log,
            flights: AtomicU64::new(0),
        }
    }

    fn read(&self) -> RwLockReadGuard<'_, HashMap<Key, Slot>> {
        self.slots.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, HashMap<Key, Slot>> {
        self.slots.write().unwrap_or_else(|e| e.into_inner())
    }

    /// Serve, wait or render. `waited`: this request waited for another's render already,
    /// which stored nothing (an error page): it renders now instead of queueing again.
    fn decide(self: &Arc<Self>, key: &Key, waited: bool) -> Decision {
        if let Some(slot) = self.read().get(key)
            && let Some(served) = self.serve_kept(slot)
        {
            return served;
        }
        let mut slots = self.write();
        if slots.len() >= MAX_ENTRIES && !slots.contains_key(key) {
            slots.retain(|_, slot| slot.flight.is_some());
        }
        let slot = slots.entry(key.clone()).or_default();
        if let Some(served) = self.serve_kept(slot) {
            return served;
        }
        let why = match &slot.entry {
            Some(entry) if self.log.changed_since(entry.version, entry.shows.as_ref()) => "changed",
            Some(_) => "expired",
            None => "miss",
        };
        let reactions_only = why == "changed"
            && slot.entry.as_ref().is_some_and(|entry| {
                !self
                    .log
                    .changed_beyond_reactions(entry.version, entry.shows.as_ref())
            });
        if slot.flight.as_ref().is_some_and(Flight::on) {
            if let (Some(flight), false) = (&slot.flight, waited) {
                return Decision::Wait(flight.done.clone());
            }
            // The first render stored nothing (an error page): no queue behind the next one.
            let flown = Flown {
                cache: self.clone(),
                key: key.clone(),
                flight: None,
                reactions_only,
            };
            return Decision::Render(flown, why);
        }
        let id = self.flights.fetch_add(1, Ordering::Relaxed);
        let (sender, done) = watch::channel(());
        slot.flight = Some(Flight {
            id,
            started: Instant::now(),
            done,
        });
        Decision::Render(
            Flown {
                cache: self.clone(),
                key: key.clone(),
                flight: Some((id, sender)),
                reactions_only,
            },
            why,
        )
    }

    /// The kept copy, if it may be served: current (`hit`), or (`stale`) while another
    /// request renders it, or while likes and boosts come in a row (it was rendered because
    /// of a like or boost less than [`RENDER_GAP`] ago, and only reactions changed since).
    fn serve_kept(&self, slot: &Slot) -> Option<Decision> {
        let entry = slot.entry.as_ref()?;
        let changed = self.log.changed_since(entry.version, entry.shows.as_ref());
        let age = entry.filled.elapsed();
        if !changed && age < FRESH_FOR {
            return Some(Decision::Serve(entry.clone(), "hit"));
        }
        let busy = changed
            && entry.after_reactions
            && age < RENDER_GAP
            && !self
                .log
                .changed_beyond_reactions(entry.version, entry.shows.as_ref());
        if busy || slot.flight.as_ref().is_some_and(Flight::on) {
            return Some(Decision::Serve(entry.clone(), "stale"));
        }
        None
    }

    /// The copy's ETag and when it last changed, to keep the time for an unchanged render.
    fn previous(&self, key: &Key) -> Option<(String, SystemTime)> {
        let slots = self.read();
        let entry = slots.get(key)?.entry.as_ref()?;
        Some((entry.etag.clone(), entry.last_modified))
    }

    /// Keeps `entry`, unless a render from a later version was kept meanwhile.
    fn put(&self, key: Key, entry: Entry) {
        let mut slots = self.write();
        let slot = slots.entry(key).or_default();
        if slot
            .entry
            .as_ref()
            .is_none_or(|old| old.version <= entry.version)
        {
            slot.entry = Some(Arc::new(entry));
        }
    }
}

/// Says what `response`, a page, shows, so that only changes to that make it stale.
pub fn showing(mut response: Response, shows: Shows) -> Response {
    response.extensions_mut().insert(shows);
    response
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
    let mut waited = false;
    let (flown, why) = loop {
        match cache.decide(&key, waited) {
            Decision::Serve(entry, how) => return entry.respond(&conditions, how),
            Decision::Render(flown, why) => break (flown, why),
            Decision::Wait(mut done) => {
                // Ends when the render is done (its sender dropped), or gives up on it.
                let _ = tokio::time::timeout(FLIGHT_LIMIT, done.changed()).await;
                waited = true;
            }
        }
    };
    let version = cache.log.version();
    let response = next.run(request).await;
    let rendered = Rendered {
        version,
        why,
        after_reactions: flown.reactions_only,
    };
    let response = render_and_keep(&cache, key, rendered, response, &conditions).await;
    drop(flown);
    response
}

/// How a page came to be rendered: from which version, why (for `X-Cache`), and whether only
/// likes and boosts had changed.
struct Rendered {
    version: Version,
    why: &'static str,
    after_reactions: bool,
}

/// Keeps a rendered page (200 or 410) and answers with it.
async fn render_and_keep(
    cache: &PageCache,
    key: Key,
    rendered: Rendered,
    response: Response,
    conditions: &Conditions,
) -> Response {
    let Rendered {
        version,
        why,
        after_reactions,
    } = rendered;
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
        shows: parts.extensions.remove::<Shows>(),
        headers: parts.headers,
        body,
        etag,
        last_modified,
        filled: Instant::now(),
        version,
        after_reactions,
    };
    let response = entry.respond(conditions, why);
    cache.put(key, entry);
    response
}

/// The path, with the parameters pages read: `page`, and `publication` (which one of a
/// post's object ids, `Urls::post_object`).
fn cache_path(uri: &axum::http::Uri) -> String {
    let mut key = uri.path().to_string();
    for kept in ["page", "publication"] {
        let value = uri.query().and_then(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .find(|(name, _)| name == kept)
                .map(|(_, value)| value.into_owned())
        });
        if let Some(value) = value {
            key.push(if key.contains('?') { '&' } else { '?' });
            key.push_str(&format!("{kept}={value}"));
        }
    }
    key
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
    /// The copy, or 304 when the client has it; `how`: the `X-Cache` value.
    fn respond(&self, conditions: &Conditions, how: &'static str) -> Response {
        let mut response = self.response(conditions);
        response
            .headers_mut()
            .insert(X_CACHE.clone(), HeaderValue::from_static(how));
        response
    }

    fn response(&self, conditions: &Conditions) -> Response {
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

    fn entry(version: Version, shows: Option<Shows>, age: Duration) -> Entry {
        Entry {
            status: StatusCode::OK,
            headers: HeaderMap::new(),
            body: Bytes::from_static(b"page"),
            etag: "\"e\"".into(),
            last_modified: SystemTime::now(),
            filled: Instant::now() - age,
            version,
            shows,
            after_reactions: true,
        }
    }

    fn how(decision: &Decision) -> &'static str {
        match decision {
            Decision::Serve(_, how) | Decision::Render(_, how) => how,
            Decision::Wait(_) => "wait",
        }
    }

    #[test]
    fn one_request_renders_at_a_time() {
        let cache = Arc::new(PageCache::new(Arc::default()));
        let log = cache.log.clone();
        let first = cache.decide(&key(), false);
        assert_eq!(how(&first), "miss");
        let Decision::Wait(done) = cache.decide(&key(), false) else {
            panic!("others wait for the first render of a page");
        };
        drop(first);
        assert!(
            done.has_changed().is_err(),
            "a render that stored nothing wakes them"
        );
        assert_eq!(how(&cache.decide(&key(), true)), "miss");

        let post = Shows {
            threads: vec![7],
            ..Shows::default()
        };
        cache.put(
            key(),
            entry(log.version(), Some(post.clone()), Duration::ZERO),
        );
        assert_eq!(how(&cache.decide(&key(), false)), "hit");
        log.record(changes::Change::Reactions(8));
        assert_eq!(
            how(&cache.decide(&key(), false)),
            "hit",
            "another post's like"
        );
        log.record(changes::Change::Reactions(7));
        assert_eq!(
            how(&cache.decide(&key(), false)),
            "stale",
            "a page rendered because of a like just now is not rendered again at once"
        );
        let calm = Entry {
            after_reactions: false,
            ..entry(log.version(), Some(post.clone()), Duration::ZERO)
        };
        cache.put(key(), calm);
        log.record(changes::Change::Reactions(7));
        assert_eq!(
            how(&cache.decide(&key(), false)),
            "changed",
            "the first change after a calm shows at once"
        );
        cache.put(key(), entry(log.version() - 1, Some(post), RENDER_GAP));
        let render = cache.decide(&key(), false);
        assert_eq!(how(&render), "changed");
        assert_eq!(
            how(&cache.decide(&key(), false)),
            "stale",
            "the others get the previous copy meanwhile"
        );
        drop(render);
        assert_eq!(
            how(&cache.decide(&key(), false)),
            "changed",
            "a failed render is tried again"
        );
    }

    #[test]
    fn aged_pages_are_rendered_again() {
        let cache = Arc::new(PageCache::new(Arc::default()));
        let log = cache.log.clone();
        cache.put(
            key(),
            entry(log.version(), Some(Shows::default()), FRESH_FOR),
        );
        let render = cache.decide(&key(), false);
        assert_eq!(how(&render), "expired");
        assert_eq!(how(&cache.decide(&key(), false)), "stale");
        cache.put(
            key(),
            entry(log.version(), Some(Shows::default()), Duration::ZERO),
        );
        drop(render);
        assert_eq!(how(&cache.decide(&key(), false)), "hit");
    }

    #[test]
    fn keys_keep_only_the_page_number() {
        let path = |u: &str| cache_path(&u.parse().unwrap());
        assert_eq!(path("/posts/a?utm_source=x"), "/posts/a");
        assert_eq!(path("/?page=2&x=1"), "/?page=2");
        assert_eq!(path("/tags/r%C3%BCck"), "/tags/r%C3%BCck");
        assert_eq!(path("/posts/a?x=1&publication=2"), "/posts/a?publication=2");
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
