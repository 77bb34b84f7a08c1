//! The blocks of actors and domains as the inbox and pages read them — the owner's own, and
//! the domains of the shared lists they applied, less their exceptions —: loaded from the
//! database and kept in memory for a moment (`BlockCache`), so the inbox does not read the
//! tables on every request. Adding and removing blocks is `moderation`'s, lists `blocklists`'.

use crate::{
    db::entities::{block, blocklist, blocklist_exception},
    error::AppResult,
};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use std::collections::HashSet;
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

/// The blocks, kept in memory for the inbox: reloaded when older than `BLOCKS_TTL` (another
/// process, the CLI, may have changed them) and at once when this process changes them.
#[derive(Default)]
pub struct BlockCache {
    loaded: std::sync::Mutex<Option<(std::time::Instant, std::sync::Arc<Blocks>)>>,
}

const BLOCKS_TTL: std::time::Duration = std::time::Duration::from_secs(2);

impl BlockCache {
    pub async fn current(&self, db: &DatabaseConnection) -> AppResult<std::sync::Arc<Blocks>> {
        if let Some((at, blocks)) = self
            .loaded
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            && at.elapsed() < BLOCKS_TTL
        {
            return Ok(blocks.clone());
        }
        let blocks = std::sync::Arc::new(Blocks::load(db).await?);
        *self.loaded.lock().unwrap_or_else(|e| e.into_inner()) =
            Some((std::time::Instant::now(), blocks.clone()));
        Ok(blocks)
    }

    /// Whether the owner blocked `actor` (itself, or its server). Asked once by every service
    /// that stores what a remote actor sent: the inbox drops a blocked sender before anything
    /// else, but an activity may wait (for its parent, for a retry) while a block is added,
    /// and fetched replies come from anyone.
    pub async fn refuses(&self, db: &DatabaseConnection, actor: &str) -> AppResult<bool> {
        Ok(self.current(db).await?.blocks(actor))
    }

    pub fn invalidate(&self) {
        *self.loaded.lock().unwrap_or_else(|e| e.into_inner()) = None;
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
