//! What the blog does: publishing and deleting posts, following and being followed, storing
//! and threading comments, counting likes and boosts. Handlers, the CLI and the inbox call
//! these with a [`Site`]; what must reach the fediverse they record in the outbox
//! ([`outbox::record`]) in the same transaction as the change, and the federation layer turns
//! those events into activities. Services never import the federation layer.

pub mod authorizations;
pub mod authors;
pub mod blocklists;
pub mod blocks;
pub mod clock;
pub mod comment_feed;
pub mod comment_filters;
pub mod comment_policy;
pub mod comments;
pub mod dashboard;
pub mod deliveries;
pub mod export;
pub mod followers;
pub mod follows;
pub mod import;
pub mod inbox;
pub mod local_actor;
pub mod mail;
pub mod media;
pub mod mentions;
pub mod moderation;
pub mod moves;
pub mod notifications;
pub mod outbox;
pub mod pages;
pub mod passwords;
pub mod posts;
pub mod profile;
pub mod reactions;
pub mod reader;
pub mod reading;
pub mod received;
pub mod redirects;
pub mod remote_actors;
pub mod remote_notes;
pub mod reports;
pub mod schedule;
pub mod settings;
pub mod spam_filter;
pub mod stats;
pub mod stored_html;
pub mod throttle;
pub mod tokens;
pub mod users;
pub mod web_comments;

use crate::{config::Config, db::changes, urls::Urls};
use sea_orm::DatabaseConnection;
use std::{ops::Deref, sync::Arc};
use tokio::sync::Notify;

/// What every service works with: the database, the configuration, the blog's addresses, and
/// the few things services keep in memory. Cheap to clone; the federation layer's `AppState`
/// derefs to it, so a handler passes `&data` where a service wants `&Site`.
#[derive(Clone)]
pub struct Site(Arc<SiteInner>);

pub struct SiteInner {
    pub db: DatabaseConnection,
    pub config: Config,
    pub urls: Urls,
    /// The blocks, kept in memory for the inbox (see `moderation`).
    pub blocks: blocks::BlockCache,
    /// Woken when this process records outbox events, so they are federated at once.
    pub outbox_wakeup: Notify,
    /// What /admin/settings changed over config.toml: read by every page (see `settings`).
    pub settings: settings::SettingsCache,
    /// The time queues and windows go by (tests move it forward).
    pub clock: clock::Clock,
    /// What this process changed of what pages show, for the page cache (`db::changes`).
    pub changes: Arc<changes::Log>,
}

impl Site {
    pub fn new(mut db: DatabaseConnection, config: Config) -> anyhow::Result<Site> {
        let urls = Urls::new(config.base_url()?);
        let changes = Arc::new(changes::Log::default());
        let log = changes.clone();
        db.set_metric_callback(move |info| log.observe(info));
        Ok(Site(Arc::new(SiteInner {
            db,
            changes,
            urls,
            blocks: blocks::BlockCache::default(),
            outbox_wakeup: Notify::new(),
            settings: settings::SettingsCache::new(&config.blog, &config.mail),
            clock: clock::Clock::default(),
            config,
        })))
    }
}

impl Deref for Site {
    type Target = SiteInner;
    fn deref(&self) -> &SiteInner {
        &self.0
    }
}

/// Settings saved by another process (another node, or the CLI) reach this one's copy within
/// a few seconds; those saved here apply at once.
pub async fn refresh_settings(site: Site) {
    loop {
        tokio::time::sleep(std::time::Duration::from_secs(5)).await;
        if let Err(e) = site.settings.reload(&site.db).await {
            tracing::warn!(error = %e, "settings not reloaded");
        }
    }
}
