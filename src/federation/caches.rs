//! What the federation layer keeps in memory between requests, kept apart from the code that
//! uses it so the shared state can hold it without importing that code: the keys of recent
//! senders, and the recent fetches of their key documents.

use crate::db::entities::actor;
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};
use tokio::sync::OnceCell;

/// Keys of recent senders, in memory: the inbox verifies every request, and a database read
/// per request would cost more than the check itself. Entries live `KEY_TTL`.
#[derive(Default)]
pub struct KeyCache {
    entries: Mutex<HashMap<String, (Instant, actor::Model)>>,
    /// Key documents fetched lately, by address (the keyId without its fragment).
    pub fetches: KeyFetches,
}

const KEY_TTL: Duration = Duration::from_secs(600);
/// Entries of each map; past it, expired ones go, and if that is not enough, all.
const MAX_ENTRIES: usize = 10_000;

impl KeyCache {
    pub fn get(&self, key_id: &str) -> Option<actor::Model> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .get(key_id)
            .filter(|(at, _)| at.elapsed() < KEY_TTL)
            .map(|(_, actor)| actor.clone())
    }

    pub fn put(&self, key_id: &str, actor: &actor::Model) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= MAX_ENTRIES {
            entries.retain(|_, (at, _)| at.elapsed() < KEY_TTL);
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
        }
        entries.insert(key_id.to_string(), (Instant::now(), actor.clone()));
    }
}

/// The outcome of fetching one key document: the actor it gave, or why it gave none.
pub type FetchOutcome = Result<actor::Model, String>;

/// One fetch of a key document: all who ask while it runs wait for it (single flight), and
/// its outcome answers everyone who asks within `REFETCH_AFTER` (or `RETRY_AFTER`, when it
/// failed). Forged signatures and made-up keys so cost one fetch per document and interval,
/// not one per request.
pub type KeyFetch = Arc<OnceCell<FetchOutcome>>;

/// A key document that answered is not fetched again sooner than this, even when a
/// signature fails with its key (keys rotate, but not every few minutes).
pub const REFETCH_AFTER: Duration = Duration::from_secs(300);
/// A key document that could not be fetched is not asked for again sooner than this.
pub const RETRY_AFTER: Duration = Duration::from_secs(60);

#[derive(Default)]
pub struct KeyFetches {
    flights: Mutex<HashMap<String, (Instant, KeyFetch)>>,
}

impl KeyFetches {
    /// The fetch of `url` to wait for or to run: the current one, or a new one when there is
    /// none or the last one is old enough to be repeated.
    pub fn flight(&self, url: &str) -> KeyFetch {
        let mut flights = self.flights.lock().unwrap_or_else(|e| e.into_inner());
        if flights.len() >= MAX_ENTRIES {
            flights.retain(|_, (at, fetch)| !expired(*at, fetch));
            if flights.len() >= MAX_ENTRIES {
                flights.clear();
            }
        }
        if let Some((at, fetch)) = flights.get(url)
            && !expired(*at, fetch)
        {
            return fetch.clone();
        }
        let fetch = KeyFetch::default();
        flights.insert(url.to_string(), (Instant::now(), fetch.clone()));
        fetch
    }
}

/// Whether a fetch is done and old enough to be run again (one still running never is).
fn expired(at: Instant, fetch: &KeyFetch) -> bool {
    match fetch.get() {
        None => false,
        Some(Ok(_)) => at.elapsed() >= REFETCH_AFTER,
        Some(Err(_)) => at.elapsed() >= RETRY_AFTER,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn one_flight_per_document_until_it_expires() {
        let fetches = KeyFetches::default();
        let first = fetches.flight("https://a.test/u");
        assert!(Arc::ptr_eq(&first, &fetches.flight("https://a.test/u")));
        assert!(!Arc::ptr_eq(&first, &fetches.flight("https://b.test/u")));
        let _ = first.set(Err("gone".into()));
        // Done, but recent: still the same outcome.
        assert!(Arc::ptr_eq(&first, &fetches.flight("https://a.test/u")));
    }
}
