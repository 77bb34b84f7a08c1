//! Waking the workers of every node: `NOTIFY` on commit of new deliveries, and a listener per
//! process that turns notifications into wake-ups (PostgreSQL only; SQLite has one node).

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
