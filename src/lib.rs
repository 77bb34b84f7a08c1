//! Feder: a self-hosted blog server that lives in the fediverse.
//!
//! `cli` is the `feder` command, `web` answers HTTP, `services` is what the blog does,
//! `federation` speaks ActivityPub (and owns every conversion between rows and JSON), `db`
//! stores, `render` makes HTML.

pub mod cli;
pub mod config;
pub mod db;
pub mod error;
pub mod federation;
pub mod render;
pub mod services;
pub mod urls;
pub mod web;

use activitypub_federation::config::{Data, FederationConfig};
use federation::state::AppState;
use std::{net::SocketAddr, sync::Arc};
use tokio::{net::TcpListener, task::JoinHandle};

/// Installs the one TLS crypto provider (ring) the HTTP client uses. Safe to call repeatedly.
pub fn install_crypto() {
    // An error only means a provider is installed already.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// A running server: its HTTP listener, its delivery worker and its scheduler.
pub struct Server {
    pub addr: SocketAddr,
    pub federation: FederationConfig<AppState>,
    http: JoinHandle<()>,
    outbox: JoinHandle<()>,
    worker: JoinHandle<()>,
    inbox: JoinHandle<()>,
    backfill: JoinHandle<()>,
    scheduler: JoinHandle<()>,
    settings: JoinHandle<()>,
    stopping: Arc<tokio::sync::Notify>,
    mail: JoinHandle<()>,
    blocklists: JoinHandle<()>,
}

impl Server {
    /// Serves `federation`'s blog on `listener`, starts delivering what is queued and
    /// publishing scheduled posts.
    pub async fn start(
        federation: FederationConfig<AppState>,
        listener: TcpListener,
    ) -> anyhow::Result<Server> {
        let addr = listener.local_addr()?;
        let app = web::app(federation.clone());
        let limits = web::serve::ConnectionLimits {
            header_timeout: std::time::Duration::from_secs(
                federation.config.server.header_timeout_seconds.max(1),
            ),
            max_connections: federation.config.server.max_connections,
        };
        let stopping = Arc::new(tokio::sync::Notify::new());
        let signal = stopping.clone();
        let http = tokio::spawn(web::serve::serve(listener, app, limits, async move {
            signal.notified().await
        }));
        let outbox = tokio::spawn(federation::outbox::worker(federation.clone()));
        let worker = tokio::spawn(federation::delivery::worker(federation.clone()));
        let inbox = tokio::spawn(federation::inbox::worker(federation.clone()));
        let backfill = tokio::spawn(federation::backfill::periodic(federation.clone()));
        let site = federation.to_request_data().site.clone();
        let blocklists = tokio::spawn(federation::blocklist_sync::worker(
            site.clone(),
            federation.to_request_data().http.clone(),
        ));
        let scheduler = tokio::spawn(services::schedule::worker(site.clone()));
        let mail = tokio::spawn(services::mail::send::worker(site.clone()));
        let settings = tokio::spawn(services::refresh_settings(site));
        Ok(Server {
            addr,
            federation,
            http,
            outbox,
            worker,
            inbox,
            backfill,
            scheduler,
            settings,
            stopping,
            mail,
            blocklists,
        })
    }

    /// Federation data for calling services directly (the CLI does the same).
    pub fn data(&self) -> Data<AppState> {
        self.federation.to_request_data()
    }

    /// Something that, when notified, makes the server stop accepting connections and end
    /// once those open are done (within a few seconds); `wait` then returns.
    pub fn stopper(&self) -> Arc<tokio::sync::Notify> {
        self.stopping.clone()
    }

    /// Waits until the HTTP server ends (after `stopper` was notified).
    pub async fn wait(self) {
        let _ = self.http.await;
        self.outbox.abort();
        self.worker.abort();
        self.inbox.abort();
        self.backfill.abort();
        self.scheduler.abort();
        self.settings.abort();
        self.mail.abort();
        self.blocklists.abort();
    }

    /// Stops at once, as a crash would: queued deliveries stay in the database. Returns once
    /// the listener is closed.
    pub async fn stop(self) {
        self.http.abort();
        self.outbox.abort();
        self.worker.abort();
        self.inbox.abort();
        self.backfill.abort();
        let _ = self.http.await;
        let _ = self.worker.await;
        let _ = self.inbox.await;
        self.scheduler.abort();
        self.settings.abort();
        self.mail.abort();
        self.blocklists.abort();
    }
}
