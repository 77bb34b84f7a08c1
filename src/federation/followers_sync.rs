//! FEP-8fcf followers collection synchronization, as Mastodon sends and reads it, for each of
//! our actors: a delivery to a shared inbox of an activity addressed to its actor's followers
//! carries `Collection-Synchronization: collectionId="…", url="…", digest="…"`, the digest
//! being the XOR of the SHA-256 of the ids of that actor's followers on that server
//! (`scheme://host[:port]`, as Mastodon's `URL_PREFIX_RE` takes it), in hex. The receiver
//! compares it with its own view and, if they differ, fetches `url`: the followers on its
//! server, for a signed GET only. (Mastodon takes the header only when `collectionId` is the
//! followers collection of the actor that signed the delivery.)

use crate::{
    error::AppResult,
    federation::{
        inbox,
        signatures::{RequestParts, Signature},
        state::AppState,
    },
    services::{followers, local_actor::LocalActor},
    urls::Urls,
};
use activitypub_federation::config::Data;
use chrono::Utc;
use sea_orm::DatabaseConnection;
use sha2::{Digest, Sha256};
use std::{
    collections::{HashMap, HashSet},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

pub const HEADER: &str = "collection-synchronization";

/// How long the worker's view of the followers is used: a digest a few seconds old costs the
/// receiver at most one needless fetch of the (always fresh) partial collection.
const SNAPSHOT_TTL: Duration = Duration::from_secs(10);

/// `scheme://host[:port]` of `url`, or `None` if it is not an http(s) URL.
pub fn url_prefix(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let host_len = rest.find('/').unwrap_or(rest.len());
    (host_len > 0).then(|| &url[..url.len() - rest.len() + host_len])
}

/// Whether `id` is on the server `prefix` (it is the prefix, or under it).
fn on_server(id: &str, prefix: &str) -> bool {
    id.strip_prefix(prefix)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// The XOR of the SHA-256 of each id, in lowercase hex (32 zero bytes for none).
pub fn digest<'a>(ids: impl IntoIterator<Item = &'a str>) -> String {
    let mut acc = [0u8; 32];
    for id in ids {
        for (a, b) in acc.iter_mut().zip(Sha256::digest(id.as_bytes())) {
            *a ^= b;
        }
    }
    acc.iter().map(|b| format!("{b:02x}")).collect()
}

/// The followers of `local` on the server `prefix`, by actor id.
pub async fn followers_on(
    db: &DatabaseConnection,
    local: &LocalActor,
    prefix: &str,
) -> AppResult<Vec<String>> {
    // LIKE narrows the rows (its `_` and `%` may match more), `on_server` decides.
    let ids = followers::ids_starting_with(db, local, prefix).await?;
    Ok(ids.into_iter().filter(|id| on_server(id, prefix)).collect())
}

/// The actor that signed a GET (our signed-fetch check: the key's owner, its key refreshed
/// once if the signature does not verify with the stored one).
pub async fn requester(data: &Data<AppState>, req: &RequestParts<'_>) -> AppResult<String> {
    let signature = Signature::parse(req, Utc::now())?;
    let signer = inbox::verify_signer(data, &signature).await?;
    Ok(signer.model().ap_id.clone())
}

/// What the delivery worker needs of one actor's followers: their shared inboxes and the
/// digest per server.
#[derive(Default)]
struct Followers {
    shared_inboxes: HashSet<String>,
    digests: HashMap<String, String>,
}

/// The followers of each of our actors.
type Snapshot = HashMap<LocalActor, Followers>;

/// The worker's view of the followers, refreshed every `SNAPSHOT_TTL` while it delivers.
#[derive(Default)]
pub struct FollowersSync {
    snapshot: Mutex<Option<(Instant, Arc<Snapshot>)>>,
    /// Held by the one delivery that reads the followers again (single flight): a fan-out
    /// starts hundreds of deliveries at once, and each reading all followers itself made the
    /// 100-shared-inbox fan-out three times slower.
    refreshing: tokio::sync::Mutex<()>,
}

impl FollowersSync {
    /// The header for a delivery to `inbox` of an activity `local` sent to its followers:
    /// only for a shared inbox of its followers (a personal inbox speaks for one account).
    pub async fn header_for(
        &self,
        db: &DatabaseConnection,
        urls: &Urls,
        local: &LocalActor,
        inbox: &str,
    ) -> AppResult<Option<String>> {
        let snapshot = self.snapshot(db).await?;
        let Some(followers) = snapshot
            .get(local)
            .filter(|f| f.shared_inboxes.contains(inbox))
        else {
            return Ok(None);
        };
        let Some(prefix) = url_prefix(inbox) else {
            return Ok(None);
        };
        let digest = followers
            .digests
            .get(prefix)
            .cloned()
            .unwrap_or_else(|| digest([]));
        Ok(Some(format!(
            "collectionId=\"{}\", url=\"{}\", digest=\"{digest}\"",
            local.followers(urls),
            local.followers_synchronization(urls)
        )))
    }

    /// The current view, read again by one delivery at a time when it is older than
    /// [`SNAPSHOT_TTL`]; the others wait for that read and share it.
    async fn snapshot(&self, db: &DatabaseConnection) -> AppResult<Arc<Snapshot>> {
        if let Some(snapshot) = self.current() {
            return Ok(snapshot);
        }
        let _refreshing = self.refreshing.lock().await;
        if let Some(snapshot) = self.current() {
            return Ok(snapshot);
        }
        let snapshot = Arc::new(read_snapshot(db).await?);
        *self.snapshot.lock().unwrap_or_else(|e| e.into_inner()) =
            Some((Instant::now(), snapshot.clone()));
        Ok(snapshot)
    }

    fn current(&self) -> Option<Arc<Snapshot>> {
        match &*self.snapshot.lock().unwrap_or_else(|e| e.into_inner()) {
            Some((at, snapshot)) if at.elapsed() < SNAPSHOT_TTL => Some(snapshot.clone()),
            _ => None,
        }
    }
}

/// Every follower of each of our actors: shared inboxes, and digests per server.
async fn read_snapshot(db: &DatabaseConnection) -> AppResult<Snapshot> {
    let mut by_server: HashMap<(LocalActor, String), Vec<String>> = HashMap::new();
    let mut snapshot = Snapshot::new();
    for (local, id, shared) in followers::all_ids(db).await? {
        let entry = snapshot.entry(local.clone()).or_default();
        entry.shared_inboxes.extend(shared);
        if let Some(prefix) = url_prefix(&id) {
            let key = (local, prefix.to_string());
            by_server.entry(key).or_default().push(id);
        }
    }
    for ((local, prefix), ids) in by_server {
        let entry = snapshot.entry(local).or_default();
        entry
            .digests
            .insert(prefix, digest(ids.iter().map(String::as_str)));
    }
    Ok(snapshot)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_and_digests() {
        assert_eq!(
            url_prefix("https://social.example/inbox"),
            Some("https://social.example")
        );
        assert_eq!(
            url_prefix("http://localhost:3000"),
            Some("http://localhost:3000")
        );
        assert_eq!(url_prefix("ftp://x/y"), None);
        assert!(on_server("https://a.example/users/x", "https://a.example"));
        assert!(!on_server(
            "https://a.example.evil/users/x",
            "https://a.example"
        ));
        // XOR: order does not matter, an id twice cancels out.
        let (a, b) = ("https://a.example/users/1", "https://a.example/users/2");
        assert_eq!(digest([a, b]), digest([b, a]));
        assert_eq!(digest([a, a]), "0".repeat(64));
        assert_eq!(
            digest([a]),
            Sha256::digest(a.as_bytes())
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        );
    }
}
