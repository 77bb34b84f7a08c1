//! `feder serve`: the blog's HTTP server, delivery worker and scheduler, until a signal.

use crate::{Server, config::Config, federation::state::AppState};
use anyhow::Context;

pub(super) async fn serve(config: Config) -> anyhow::Result<()> {
    // Held until the process ends: a second server on the same SQLite file refuses to start.
    let _lock = crate::db::lock_for_server(&config.database.url)?;
    let federation = AppState::open(config.clone()).await?;
    if config.is_local_dev() {
        tracing::info!("local development mode: http and loopback peers are allowed");
    }
    let listener = tokio::net::TcpListener::bind(config.listen_addr()?)
        .await
        .with_context(|| format!("cannot listen on {}", config.server.listen))?;
    let base = federation.urls.base().clone();
    let server = Server::start(federation, listener).await?;
    tracing::info!("Feder serves {} on http://{}", base, server.addr);
    let stopper = server.stopper();
    tokio::spawn(async move {
        shutdown_signal().await;
        tracing::info!("shutting down; queued deliveries resume on the next start");
        stopper.notify_one();
    });
    // Returns once requests in progress are answered.
    server.wait().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = terminate => {}
    }
}
