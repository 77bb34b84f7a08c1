//! Waking the workers of every node: `NOTIFY` on commit of new deliveries, and a listener per
//! process that turns notifications into wake-ups (PostgreSQL). SQLite has one server, and
//! the CLI beside it: the server listens on a Unix datagram socket beside the database file
//! (`<file>.wake`), and a command that queued deliveries sends it a byte, so a post published
//! with `feder post publish` goes out at once instead of at the worker's next poll (up to
//! `delivery.poll_millis` later; that poll stays the fallback).

use crate::{error::AppResult, federation::state::AppState};
use activitypub_federation::config::FederationConfig;
use sea_orm::{ConnectionTrait, DatabaseTransaction};
use std::time::Duration;

/// The PostgreSQL channel that wakes workers.
const CHANNEL: &str = "feder_deliveries";

/// Queues a notification that PostgreSQL delivers to every listener when `txn` commits.
pub(super) async fn on_commit(txn: &DatabaseTransaction) -> AppResult<()> {
    txn.execute_unprepared(&format!("NOTIFY {CHANNEL}")).await?;
    Ok(())
}

/// Turns PostgreSQL notifications into wake-ups of this process's worker.
pub(super) async fn listen(federation: FederationConfig<AppState>) {
    use sea_orm::sqlx::postgres::PgListener;
    loop {
        let result = async {
            let mut listener = PgListener::connect(&federation.config.database.url).await?;
            listener.listen(CHANNEL).await?;
            loop {
                listener.recv().await?;
                federation.delivery_wakeup.notify_one();
            }
            #[allow(unreachable_code)] // the loop only ends with an error; this names the type
            Ok::<(), sea_orm::sqlx::Error>(())
        }
        .await;
        if let Err(e) = result {
            tracing::warn!(error = %e, "delivery notifications interrupted; reconnecting");
        }
        tokio::time::sleep(Duration::from_secs(5)).await;
    }
}

/// The socket the server of the SQLite database `url` listens on for wake-ups.
fn wake_socket(url: &str) -> Option<std::path::PathBuf> {
    let mut path = crate::db::sqlite_file(url)?.into_os_string();
    path.push(".wake");
    Some(path.into())
}

/// Turns datagrams on the database's wake socket into wake-ups of this process's worker
/// (SQLite). The server holds the database's lock, so a socket file left there is a dead
/// server's and is replaced. Without a socket (a path too long for one), the poll remains.
#[cfg(unix)]
pub(super) async fn listen_on_socket(federation: FederationConfig<AppState>) {
    let Some(path) = wake_socket(&federation.config.database.url) else {
        return;
    };
    let _ = std::fs::remove_file(&path);
    let socket = match tokio::net::UnixDatagram::bind(&path) {
        Ok(socket) => socket,
        Err(e) => {
            tracing::debug!(path = %path.display(), error = %e, "no wake socket: the delivery worker polls");
            return;
        }
    };
    let mut byte = [0u8; 1];
    loop {
        match socket.recv(&mut byte).await {
            Ok(_) => federation.delivery_wakeup.notify_one(),
            Err(e) => {
                tracing::warn!(error = %e, "wake socket");
                tokio::time::sleep(Duration::from_secs(5)).await;
            }
        }
    }
}

#[cfg(not(unix))]
pub(super) async fn listen_on_socket(_federation: FederationConfig<AppState>) {}

/// Wakes the server of the SQLite database `url`, if one runs, to deliver what this process
/// (a CLI command) queued. Nothing happens without one: it finds the rows when it starts.
pub fn wake_server(url: &str) {
    #[cfg(unix)]
    if let Some(path) = wake_socket(url)
        && let Ok(socket) = std::os::unix::net::UnixDatagram::unbound()
    {
        let _ = socket.send_to(b"!", path);
    }
    #[cfg(not(unix))]
    let _ = url;
}
