//! `feder outbox …`: events that failed to become activities (waiting for another try, or dead
//! letters after the last one), with their reasons, and trying them again. On the database
//! alone: a running `feder serve` takes what is made due at its next look.

use super::open::database;
use crate::{config::Config, services::outbox};

/// Events that failed at least once, newest first, with the reason.
pub(super) async fn list(config: &Config) -> anyhow::Result<()> {
    let db = database(config).await?;
    let rows = outbox::troubled(&db, 100).await?;
    if rows.is_empty() {
        println!("nothing failed");
    }
    for row in rows {
        let state = if row.dead_at.is_some() {
            "dead"
        } else {
            "waiting"
        };
        println!(
            "{:>6}  {}  {:<8} tries={}  {}  {}",
            row.id,
            row.created_at.format("%Y-%m-%d %H:%M"),
            state,
            row.attempts,
            row.event,
            row.last_error.as_deref().unwrap_or_default()
        );
    }
    Ok(())
}

pub(super) async fn retry(config: &Config, id: Option<i32>, all: bool) -> anyhow::Result<()> {
    let which = match (id, all) {
        (Some(id), false) => Some(id),
        (None, true) => None,
        _ => anyhow::bail!("name one event (its number from `feder outbox list`) or --all"),
    };
    let db = database(config).await?;
    let count = outbox::retry(&db, which).await?;
    if let Some(id) = which {
        anyhow::ensure!(count == 1, "event {id} is not there (federated already?)");
    }
    println!("{count} to be tried again by the server");
    Ok(())
}
