//! The state every handler and federation worker shares: the services' [`Site`] (database,
//! configuration, URLs), the templates, the blog's and the application actor's keys, the federation layer's caches, and the
//! federation crate's configuration built from them. It holds only types of this layer and the
//! layers below; handlers reach the services' `Site` through `Deref`.

use crate::{
    config::Config,
    db,
    federation::{
        caches::KeyCache,
        delivery::HostHealth,
        inbox::{Arrivals, DoneMarks},
        limits::RateLimiter,
        local_actor::{KeyedActor, load_or_create_key},
    },
    render::templates::Templates,
    services::{Site, local_actor::LocalActor, stored_html},
};
use activitypub_federation::{
    config::{Data, FederationConfig},
    resolver::ValidatingDnsResolver,
};
use anyhow::Context;
use sea_orm::DatabaseConnection;
use std::{ops::Deref, sync::Arc, time::Duration};
use tokio::sync::{Notify, Semaphore};

#[derive(Clone)]
pub struct AppState(Arc<StateInner>);

pub struct StateInner {
    pub site: Site,
    pub templates: Templates,
    pub actor: KeyedActor,
    /// The `Application` actor: signs our fetches.
    pub application: KeyedActor,
    /// Woken when this process adds deliveries, so the worker need not wait for its next poll.
    pub delivery_wakeup: Notify,
    /// For our own requests that are not ActivityPub fetches (deliveries).
    pub http: reqwest_middleware::ClientWithMiddleware,
    /// Incoming activities per actor and per server.
    pub actor_limits: RateLimiter,
    pub domain_limits: RateLimiter,
    /// In-memory views the inbox reads on every request (the blocks are the services').
    pub keys: KeyCache,
    pub host_health: HostHealth,
    /// Inbox activities being processed at once, by requests and the worker (`inbox`).
    pub inbox_work: Arc<Semaphore>,
    /// Woken to make the inbox worker look for due activities before its next poll.
    pub inbox_wakeup: Notify,
    /// Inbox activities processed, whose rows are marked done in batches.
    pub inbox_done: Arc<DoneMarks>,
    /// Verified activities waiting to be stored together (`inbox::arrivals`).
    pub inbox_arrivals: Arc<Arrivals>,
}

/// Remote documents one request may make the blog fetch (the federation crate counts them
/// per `Data`): the signer's key, an object sent by reference, a few parents of a reply.
/// Background work (backfill, profile refreshes) starts each unit of work with a fresh count.
pub const FETCHES_PER_REQUEST: u32 = 5;
/// Inbox activities processed at once; past it, stored ones wait for their turn.
const INBOX_WORK: usize = 256;

impl Deref for AppState {
    type Target = StateInner;
    fn deref(&self) -> &StateInner {
        &self.0
    }
}

impl Deref for StateInner {
    type Target = Site;
    fn deref(&self) -> &Site {
        &self.site
    }
}

/// The name of the application actor's key in `site_keys` (the blog's is its
/// `LocalActor::name`).
const APPLICATION_KEY: &str = "application";

impl AppState {
    /// Opens and migrates the database, loads (or on first start creates) the blog's and the
    /// application actor's keys, and builds the federation configuration.
    pub async fn open(config: Config) -> anyhow::Result<FederationConfig<AppState>> {
        let db = db::connect(&config.database.url).await?;
        Self::with_db(config, db).await
    }

    pub async fn with_db(
        config: Config,
        db: DatabaseConnection,
    ) -> anyhow::Result<FederationConfig<AppState>> {
        let key = load_or_create_key(&db, &LocalActor::Blog.name()).await?;
        let application_key = load_or_create_key(&db, APPLICATION_KEY).await?;
        let templates = Templates::load(config.server.theme_dir.as_deref())?;
        let http = http_client(&config)?;
        let local = config.is_local_dev();
        let actor_limits = RateLimiter::new(config.limits.per_actor_per_minute);
        let domain_limits = RateLimiter::new(config.limits.per_domain_per_minute);
        let site = Site::new(db, config)?;
        site.settings.reload(&site.db).await?;
        // Before any page is served: bodies stored under an older allowlist are cleaned.
        stored_html::refresh(&site.db, &site.urls).await?;
        let urls = site.urls.clone();
        let actor = KeyedActor::new(&urls, key.public_key_pem, key.private_key_pem);
        let application = KeyedActor::application(
            &urls,
            application_key.public_key_pem,
            application_key.private_key_pem,
        );
        let state = AppState(Arc::new(StateInner {
            site,
            templates,
            actor,
            application: application.clone(),
            delivery_wakeup: Notify::new(),
            http: http.clone(),
            actor_limits,
            domain_limits,
            keys: KeyCache::default(),
            host_health: HostHealth::default(),
            inbox_work: Arc::new(Semaphore::new(INBOX_WORK)),
            inbox_wakeup: Notify::new(),
            inbox_done: Arc::default(),
            inbox_arrivals: Arc::default(),
        }));
        let federation = FederationConfig::builder()
            .domain(urls.host())
            .app_data(state)
            .client(http)
            .debug(local)
            .allow_http_urls(local)
            .http_fetch_limit(FETCHES_PER_REQUEST)
            .request_timeout(Duration::from_secs(10))
            // Mastodon's own signature form (Date, not (created)): Pleroma and Akkoma reject
            // the newer one, Mastodon and Fedify take both.
            .http_signature_compat(true)
            // Fetches are made for the instance, not on the blog's behalf, so they are signed
            // by the application actor, as Mastodon signs them with its instance actor: a
            // fetch is no act of the blog, and a secure-mode server checking our key fetches
            // an actor that needs nothing fetched in return.
            .signed_fetch_actor(&application)
            .build()
            .await
            .context("federation configuration")?;
        Ok(federation)
    }
}

/// Federation data for work that does not come from a request (CLI, workers).
pub fn detached(federation: &FederationConfig<AppState>) -> Data<AppState> {
    federation.to_request_data()
}

fn http_client(config: &Config) -> anyhow::Result<reqwest_middleware::ClientWithMiddleware> {
    let timeout = config.delivery_timeout();
    let mut builder = reqwest::Client::builder()
        .user_agent(concat!("Feder/", env!("CARGO_PKG_VERSION")))
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .connect_timeout(Duration::from_secs(5))
        .pool_idle_timeout(Duration::from_secs(60))
        .tls_backend_rustls();
    if !config.is_local_dev() {
        // Refuse to connect to loopback or private addresses, also after DNS rebinding.
        builder = builder.dns_resolver(Arc::new(ValidatingDnsResolver::new(vec![], true)));
    }
    Ok(builder.build().context("HTTP client")?.into())
}
