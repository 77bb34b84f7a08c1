//! The blocks of actors and domains as the inbox and pages read them — the owner's own, and
//! the domains of the shared lists they applied, less their exceptions —: loaded from the
//! database and kept in memory until they change (`BlockCache`), so the inbox does not read
//! the tables on every request. Adding and removing blocks is `moderation`'s, lists
//! `blocklists`'.

use crate::{
    db::entities::{block, blocklist, blocklist_exception},
    error::AppResult,
};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::{
    collections::HashSet,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};
use url::Url;

/// The domains of a stored list.
pub fn list_domains(list: &blocklist::Model) -> impl Iterator<Item = &str> {
    list.domains.lines().filter(|d| !d.is_empty())
}

/// A host and every domain above it: `a.b.example` → `a.b.example`, `b.example`, `example`.
fn domains_of(host: &str) -> Vec<String> {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let mut out = vec![host.clone()];
    let mut rest = host.as_str();
    while let Some((_, parent)) = rest.split_once('.') {
        out.push(parent.to_string());
        rest = parent;
    }
    out
}

/// All blocks, for filtering what is shown.
#[derive(Debug, Default)]
pub struct Blocks {
    actors: HashSet<String>,
    domains: HashSet<String>,
    /// Domains of the applied lists, and the owner's exceptions to them.
    listed: HashSet<String>,
    exceptions: HashSet<String>,
}

impl Blocks {
    pub async fn load(db: &DatabaseConnection) -> AppResult<Blocks> {
        let mut blocks = Blocks::default();
        for b in block::Entity::find().all(db).await? {
            if b.kind == block::DOMAIN {
                blocks.domains.insert(b.value);
            } else {
                blocks.actors.insert(b.value);
            }
        }
        let lists = blocklist::Entity::find()
            .filter(blocklist::Column::Applied.eq(true))
            .all(db)
            .await?;
        for list in &lists {
            blocks.listed.extend(list_domains(list).map(str::to_string));
        }
        blocks.exceptions = blocklist_exception::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|e| e.domain)
            .collect();
        Ok(blocks)
    }

    /// The blocks one list would make, with the owner's exceptions (to show its effect).
    pub fn of_list<'a>(domains: impl Iterator<Item = &'a str>, exceptions: &[String]) -> Blocks {
        Blocks {
            listed: domains.map(str::to_string).collect(),
            exceptions: exceptions.iter().cloned().collect(),
            ..Blocks::default()
        }
    }

    pub fn blocks(&self, actor: &str) -> bool {
        if self.actors.contains(actor) {
            return true;
        }
        Url::parse(actor)
            .ok()
            .and_then(|u| u.host_str().map(|h| self.blocks_server(h, u.port())))
            .unwrap_or(false)
    }

    /// Whether everything from `host` is blocked: by the owner, or by a list unless the host
    /// (or a domain above it) is an exception.
    pub fn blocks_domain(&self, host: &str) -> bool {
        self.blocks_server(host, None)
    }

    /// [`Self::blocks_domain`] for a server that may name its port: a block or exception of
    /// `host:port` (as `add_block` takes one) is for that server alone.
    fn blocks_server(&self, host: &str, port: Option<u16>) -> bool {
        let mut domains = domains_of(host);
        if let Some(port) = port {
            domains.push(format!("{}:{port}", domains[0]));
        }
        domains.iter().any(|d| self.domains.contains(d))
            || (domains.iter().any(|d| self.listed.contains(d))
                && !domains.iter().any(|d| self.exceptions.contains(d)))
    }
}

/// The blocks, kept in memory for the inbox and pages. Loaded once, again at once when this
/// process changes them (`invalidate`), and when another process (the CLI, another node)
/// did: at most every `CHECK_EVERY`, one caller asks the database for the tables' `Stamp`
/// (a few numbers, no domains) and loads only when it differs from the loaded one, while
/// the others go on with what is in memory.
///
/// It used to load whenever its copy was older than two seconds: under a stream of replies
/// (each asks four times: the sender, its key, the note's author, its thread) every call
/// made between the expiry and the end of the first load loaded too, all three tables with
/// every domain of the applied lists, every two seconds, although no block had changed.
#[derive(Default)]
pub struct BlockCache {
    loaded: std::sync::Mutex<Loaded>,
    /// Held by the one caller that checks or loads.
    refreshing: tokio::sync::Mutex<()>,
    /// How many times the blocks were read from the database.
    loads: AtomicU64,
}

#[derive(Default)]
struct Loaded {
    /// The blocks, what the tables looked like when they were read, and when that was last
    /// checked; `None` before the first load and after `invalidate`.
    blocks: Option<(Arc<Blocks>, Stamp, Instant)>,
    /// Counts `invalidate`s: a load that began before one does not keep what it read.
    generation: u64,
}

/// How long what the tables looked like is taken as current. Another process's change is
/// in force here within this time.
const CHECK_EVERY: Duration = Duration::from_secs(2);

/// What the block tables hold, in a few numbers that change with every change of them:
/// blocks and exceptions are only ever inserted and deleted, with ids that are never used
/// again (`AUTOINCREMENT`, a PostgreSQL sequence), so their count and highest id change with
/// any change of the set; a list changes by being subscribed, removed, applied or not, or
/// fetched again (`fetched_at`), so each list's id, flag and fetch time say it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct Stamp {
    blocks: (i64, Option<i32>),
    exceptions: (i64, Option<i32>),
    lists: Vec<(i32, bool, Option<DateTime<Utc>>)>,
}

impl Stamp {
    async fn read(db: &DatabaseConnection) -> AppResult<Stamp> {
        let blocks = block::Entity::find()
            .select_only()
            .column_as(block::Column::Id.count(), "count")
            .column_as(block::Column::Id.max(), "last")
            .into_tuple::<(i64, Option<i32>)>()
            .one(db)
            .await?
            .unwrap_or_default();
        let exceptions = blocklist_exception::Entity::find()
            .select_only()
            .column_as(blocklist_exception::Column::Id.count(), "count")
            .column_as(blocklist_exception::Column::Id.max(), "last")
            .into_tuple::<(i64, Option<i32>)>()
            .one(db)
            .await?
            .unwrap_or_default();
        let lists = blocklist::Entity::find()
            .select_only()
            .columns([
                blocklist::Column::Id,
                blocklist::Column::Applied,
                blocklist::Column::FetchedAt,
            ])
            .order_by_asc(blocklist::Column::Id)
            .into_tuple()
            .all(db)
            .await?;
        Ok(Stamp {
            blocks,
            exceptions,
            lists,
        })
    }
}

impl BlockCache {
    pub async fn current(&self, db: &DatabaseConnection) -> AppResult<Arc<Blocks>> {
        if let Some((blocks, _, checked)) = &self.lock().blocks
            && checked.elapsed() < CHECK_EVERY
        {
            return Ok(blocks.clone());
        }
        // One caller checks; the others use the blocks in memory meanwhile (there are none
        // before the first load, or after this process changed them: then they wait for it).
        let _refreshing = match self.refreshing.try_lock() {
            Ok(guard) => guard,
            Err(_) => {
                let in_memory = self.lock().blocks.as_ref().map(|(b, _, _)| b.clone());
                match in_memory {
                    Some(blocks) => return Ok(blocks),
                    None => self.refreshing.lock().await,
                }
            }
        };
        let (known, generation) = {
            let loaded = self.lock();
            match &loaded.blocks {
                // Checked by another caller while this one waited.
                Some((blocks, _, checked)) if checked.elapsed() < CHECK_EVERY => {
                    return Ok(blocks.clone());
                }
                Some((blocks, stamp, _)) => {
                    (Some((blocks.clone(), stamp.clone())), loaded.generation)
                }
                None => (None, loaded.generation),
            }
        };
        let stamp = Stamp::read(db).await?;
        let blocks = match known {
            Some((blocks, known)) if known == stamp => blocks,
            _ => {
                self.loads.fetch_add(1, Ordering::Relaxed);
                tracing::debug!("blocks loaded");
                Arc::new(Blocks::load(db).await?)
            }
        };
        let mut loaded = self.lock();
        if loaded.generation == generation {
            loaded.blocks = Some((blocks.clone(), stamp, Instant::now()));
        }
        Ok(blocks)
    }

    /// Whether the owner blocked `actor` (itself, or its server). Asked once by every service
    /// that stores what a remote actor sent: the inbox drops a blocked sender before anything
    /// else, but an activity may wait (for its parent, for a retry) while a block is added,
    /// and fetched replies come from anyone.
    pub async fn refuses(&self, db: &DatabaseConnection, actor: &str) -> AppResult<bool> {
        Ok(self.current(db).await?.blocks(actor))
    }

    /// After this process changed the blocks: the next caller loads them.
    pub fn invalidate(&self) {
        let mut loaded = self.lock();
        loaded.blocks = None;
        loaded.generation += 1;
    }

    /// How many times the blocks were read from the database so far (not counting the
    /// checks whether they changed).
    pub fn loads(&self) -> u64 {
        self.loads.load(Ordering::Relaxed)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Loaded> {
        self.loaded.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_and_parents() {
        assert_eq!(
            domains_of("A.b.Example."),
            vec!["a.b.example", "b.example", "example"]
        );
        let blocks = Blocks {
            actors: ["https://x.example/users/bad".to_string()]
                .into_iter()
                .collect(),
            domains: ["spam.example".to_string()].into_iter().collect(),
            listed: ["listed.example".to_string(), "ok.example".to_string()]
                .into_iter()
                .collect(),
            exceptions: ["fine.ok.example".to_string(), "ok.example:8443".to_string()]
                .into_iter()
                .collect(),
        };
        assert!(blocks.blocks("https://x.example/users/bad"));
        assert!(!blocks.blocks("https://x.example/users/good"));
        assert!(blocks.blocks("https://mail.spam.example/u/1"));
        assert!(!blocks.blocks("https://notspam.example/u/1"));
        assert!(blocks.blocks("https://a.listed.example/u/1"));
        assert!(blocks.blocks("https://ok.example/u/1"));
        assert!(!blocks.blocks("https://fine.ok.example/u/1"));
        assert!(!blocks.blocks("https://ok.example:8443/u/1"));
    }
}
