//! `feder inbox …`: received activities that wait for another try, were refused, or failed on
//! every try (dead letters), with their reasons; one shown whole; and trying them again. On the
//! database alone: a running `feder serve` takes what is made due at its next look.

use super::open::database;
use crate::{
    config::Config,
    db::entities::inbox_activity,
    services::inbox::{self, Retry, Trouble},
};
use anyhow::Context;

/// Dead letters, refusals and activities waiting for a retry (only dead letters with `dead`).
pub(super) async fn list(config: &Config, dead: bool) -> anyhow::Result<()> {
    let db = database(config).await?;
    let trouble = if dead { Trouble::Dead } else { Trouble::Any };
    let rows = inbox::troubled(&db, trouble, 100).await?;
    if rows.is_empty() {
        println!("nothing failed");
    }
    for row in rows {
        println!(
            "{:>6}  {}  {:<8} {:<9} tries={}  {}  {}",
            row.id,
            row.received_at.format("%Y-%m-%d %H:%M"),
            row.status,
            row.kind,
            row.attempts,
            row.activity_id,
            row.last_error.as_deref().unwrap_or_default()
        );
    }
    Ok(())
}

pub(super) async fn show(config: &Config, id: i64) -> anyhow::Result<()> {
    let db = database(config).await?;
    let row = inbox::find(&db, id)
        .await?
        .with_context(|| format!("no received activity {id}"))?;
    let when = |t: Option<chrono::DateTime<chrono::Utc>>| {
        t.map(|t| t.to_rfc3339()).unwrap_or_else(|| "-".into())
    };
    println!("activity:  {}", row.activity_id);
    println!("kind:      {}", row.kind);
    println!("signed by: {}", row.actor);
    println!("received:  {}", row.received_at.to_rfc3339());
    println!("status:    {} after {} tries", row.status, row.attempts);
    if row.status == inbox_activity::PENDING {
        println!("next try:  {}", row.next_attempt_at.to_rfc3339());
    }
    println!("finished:  {}", when(row.finished_at));
    println!("reason:    {}", row.last_error.as_deref().unwrap_or("-"));
    let document = serde_json::from_str::<serde_json::Value>(&row.document)
        .and_then(|doc| serde_json::to_string_pretty(&doc))
        .unwrap_or(row.document);
    println!("{document}");
    Ok(())
}

pub(super) async fn retry(config: &Config, id: Option<i64>, all: bool) -> anyhow::Result<()> {
    let which = match (id, all) {
        (Some(id), false) => Retry::One(id),
        (None, true) => Retry::AllDead,
        _ => anyhow::bail!("name one activity (its number from `feder inbox list`) or --all"),
    };
    let db = database(config).await?;
    let count = inbox::retry(&db, which, chrono::Utc::now()).await?;
    if let Retry::One(id) = which {
        anyhow::ensure!(
            count == 1,
            "activity {id} is not there, is done, or is being processed"
        );
    }
    println!("{count} to be tried again by the server");
    Ok(())
}
