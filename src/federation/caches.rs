//! What the federation layer keeps in memory between requests, kept apart from the code that
//! uses it so the shared state can hold it without importing that code: the keys of recent
//! senders (as stored, and read from their PEM), and the recent fetches of their key
//! documents. Times are the site's clock (`services::clock`), so tests move past a window
//! instead of waiting it out.

use crate::{db::entities::actor, federation::signatures::PublicKey};
use chrono::{DateTime, Duration, Utc};
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};
use tokio::sync::OnceCell;

/// Keys of recent senders, in memory: the inbox verifies every request, and a database read
/// per request would cost more than the check itself. Entries live `KEY_TTL`.
#[derive(Default)]
pub struct KeyCache {
    entries: Mutex<HashMap<String, (DateTime<Utc>, actor::Model)>>,
    /// Key documents fetched lately, by address (the keyId without its fragment).
    pub fetches: KeyFetches,
    /// The keys of those senders, read from their PEM.
    pub parsed: ParsedKeys,
}

const KEY_TTL: Duration = Duration::minutes(10);
/// Entries of each map; past it, expired ones go, and if that is not enough, all.
const MAX_ENTRIES: usize = 10_000;

impl KeyCache {
    pub fn get(&self, key_id: &str, now: DateTime<Utc>) -> Option<actor::Model> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .get(key_id)
            .filter(|(at, _)| now - *at < KEY_TTL)
            .map(|(_, actor)| actor.clone())
    }

    /// Remembers `actor` (as stored) under `key_id`.
    pub fn put(&self, key_id: &str, actor: &actor::Model, now: DateTime<Utc>) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= MAX_ENTRIES {
            entries.retain(|_, (at, _)| now - *at < KEY_TTL);
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
        }
        entries.insert(key_id.to_string(), (now, actor.clone()));
    }

    /// `actor` as fetched anew: its key is the one checked from now on, and any other key of
    /// the same actor remembered here (rotated away, under another id) is forgotten.
    pub fn replace(&self, actor: &actor::Model, now: DateTime<Utc>) {
        {
            let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
            entries.retain(|key_id, (_, known)| {
                known.ap_id != actor.ap_id || *key_id == actor.public_key_id
            });
        }
        self.put(&actor.public_key_id, actor, now);
    }
}

/// Public keys read from their PEM, by key id, each with the text it was read from: a key
/// whose stored text changed (rotated, refetched) is read again, and the entry replaced.
#[derive(Default)]
pub struct ParsedKeys {
    entries: Mutex<HashMap<String, (String, Arc<PublicKey>)>>,
}

impl ParsedKeys {
    /// The key `key_id` as `pem` gives it: read once, then kept. `None` when `pem` is no key.
    pub fn get(&self, key_id: &str, pem: &str) -> Option<Arc<PublicKey>> {
        {
            let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
            if let Some((text, key)) = entries.get(key_id)
                && text == pem
            {
                return Some(key.clone());
            }
        }
        let key = Arc::new(PublicKey::from_pem(pem)?);
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        // Entries hold no time to expire by: past the bound, all go and are read again.
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(key_id.to_string(), (pem.to_string(), key.clone()));
        Some(key)
    }
}

/// The outcome of fetching one key document: the actor it gave, or why it gave none.
pub type FetchOutcome = Result<actor::Model, String>;

/// One fetch of a key document: all who ask while it runs wait for it (single flight), and
/// its outcome answers everyone who asks while it is fresh enough for them (`flight`), or
/// within `RETRY_AFTER` when it failed. Forged signatures and made-up keys so cost one fetch
/// per document and window, not one per request.
pub type KeyFetch = Arc<OnceCell<FetchOutcome>>;

/// A key document that answered is not fetched again sooner than this to look up a key not
/// stored yet (a made-up `#fragment` of a real actor's keyId).
pub const REFETCH_AFTER: Duration = Duration::minutes(5);
/// A signature that fails with the stored key has that key's document fetched again, as keys
/// rotate, unless it was fetched this recently: a rotated key works on the sender's next try,
/// and forged signatures cost at most one fetch per document in this window.
pub const REFRESH_AFTER: Duration = Duration::seconds(10);
/// A key document that could not be fetched is not asked for again sooner than this.
pub const RETRY_AFTER: Duration = Duration::minutes(1);

#[derive(Default)]
pub struct KeyFetches {
    flights: Mutex<HashMap<String, (DateTime<Utc>, KeyFetch)>>,
}

impl KeyFetches {
    /// The fetch of `url` to wait for or to run: the current one, or a new one when there is
    /// none, or the last one is done and older than `fresh_for` (failed: `RETRY_AFTER`).
    pub fn flight(&self, url: &str, now: DateTime<Utc>, fresh_for: Duration) -> KeyFetch {
        let mut flights = self.flights.lock().unwrap_or_else(|e| e.into_inner());
        if flights.len() >= MAX_ENTRIES {
            flights.retain(|_, (at, fetch)| !expired(*at, fetch, now, REFETCH_AFTER));
            if flights.len() >= MAX_ENTRIES {
                flights.clear();
            }
        }
        if let Some((at, fetch)) = flights.get(url)
            && !expired(*at, fetch, now, fresh_for)
        {
            return fetch.clone();
        }
        let fetch = KeyFetch::default();
        flights.insert(url.to_string(), (now, fetch.clone()));
        fetch
    }
}

/// Whether a fetch is done and old enough to be run again (one still running never is).
fn expired(at: DateTime<Utc>, fetch: &KeyFetch, now: DateTime<Utc>, fresh_for: Duration) -> bool {
    match fetch.get() {
        None => false,
        Some(Ok(_)) => now - at >= fresh_for,
        Some(Err(_)) => now - at >= RETRY_AFTER,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn one_flight_per_document_until_it_expires() {
        let fetches = KeyFetches::default();
        let now = Utc::now();
        let first = fetches.flight("https://a.test/u", now, REFETCH_AFTER);
        assert!(Arc::ptr_eq(
            &first,
            &fetches.flight("https://a.test/u", now, REFETCH_AFTER)
        ));
        assert!(!Arc::ptr_eq(
            &first,
            &fetches.flight("https://b.test/u", now, REFETCH_AFTER)
        ));
        let _ = first.set(Err("gone".into()));
        // Done, but recent: still the same outcome, even for a refresh.
        let soon = now + Duration::seconds(30);
        assert!(Arc::ptr_eq(
            &first,
            &fetches.flight("https://a.test/u", soon, REFRESH_AFTER)
        ));
        // A failure is asked for again after RETRY_AFTER.
        let later = now + RETRY_AFTER;
        assert!(!Arc::ptr_eq(
            &first,
            &fetches.flight("https://a.test/u", later, REFETCH_AFTER)
        ));
    }

    #[tokio::test]
    async fn an_answer_is_refreshed_after_seconds_and_looked_up_after_minutes() {
        let fetches = KeyFetches::default();
        let now = Utc::now();
        let answered = fetches.flight("https://a.test/u", now, REFETCH_AFTER);
        let _ = answered.set(Ok(actor::Model {
            id: 1,
            ap_id: "https://a.test/u".into(),
            kind: "Person".into(),
            preferred_username: None,
            name: None,
            summary: None,
            url: None,
            icon_url: None,
            inbox: "https://a.test/u/inbox".into(),
            shared_inbox: None,
            public_key_id: "https://a.test/u#main-key".into(),
            public_key_pem: String::new(),
            domain: "a.test".into(),
            fetched_at: now,
            moved_to: None,
        }));
        let within = now + Duration::seconds(5);
        assert!(Arc::ptr_eq(
            &answered,
            &fetches.flight("https://a.test/u", within, REFRESH_AFTER)
        ));
        let after = now + REFRESH_AFTER;
        let refreshed = fetches.flight("https://a.test/u", after, REFRESH_AFTER);
        assert!(
            !Arc::ptr_eq(&answered, &refreshed),
            "refetched for a refresh"
        );
        // The refetch is itself the current flight for everyone now.
        assert!(Arc::ptr_eq(
            &refreshed,
            &fetches.flight("https://a.test/u", after, REFETCH_AFTER)
        ));
    }

    #[test]
    fn a_key_is_read_again_when_its_text_changes() {
        let pem = || {
            use rsa::pkcs8::{EncodePublicKey, LineEnding};
            let private = rsa::RsaPrivateKey::new(&mut rand::thread_rng(), 1024)
                .unwrap_or_else(|e| panic!("{e}"));
            rsa::RsaPublicKey::from(&private)
                .to_public_key_pem(LineEnding::LF)
                .unwrap_or_else(|e| panic!("{e}"))
        };
        let (old, new) = (pem(), pem());
        let keys = ParsedKeys::default();
        let id = "https://a.test/u#main-key";
        let first = keys.get(id, &old).unwrap_or_else(|| panic!("a key"));
        let again = keys.get(id, &old).unwrap_or_else(|| panic!("a key"));
        assert!(Arc::ptr_eq(&first, &again), "read once");
        let rotated = keys.get(id, &new).unwrap_or_else(|| panic!("a key"));
        assert!(!Arc::ptr_eq(&first, &rotated), "a new text is read");
        assert!(keys.get(id, "not a key").is_none());
    }
}
