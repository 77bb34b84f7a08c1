//! What the federation layer keeps in memory between requests, kept apart from the code that
//! uses it so the shared state can hold it without importing that code: the keys of recent
//! senders.

use crate::db::entities::actor;

/// Keys of recent senders, in memory: the inbox verifies every request, and a database read
/// per request would cost more than the check itself. Entries live `KEY_TTL`; a key that fails
/// to verify is fetched again anyway.
#[derive(Default)]
pub struct KeyCache {
    entries:
        std::sync::Mutex<std::collections::HashMap<String, (std::time::Instant, actor::Model)>>,
}

const KEY_TTL: std::time::Duration = std::time::Duration::from_secs(600);

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
        if entries.len() >= 10_000 {
            entries.retain(|_, (at, _)| at.elapsed() < KEY_TTL);
            if entries.len() >= 10_000 {
                entries.clear();
            }
        }
        entries.insert(
            key_id.to_string(),
            (std::time::Instant::now(), actor.clone()),
        );
    }
}
