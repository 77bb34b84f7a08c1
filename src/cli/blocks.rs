//! `feder block add|remove|list|import`: actors and domains whose activities are dropped.

use super::open::{database, read_file, site};
use crate::{config::Config, services::moderation};
use std::path::Path;

pub(super) async fn add(config: Config, target: &str) -> anyhow::Result<()> {
    let site = site(config).await?;
    println!("blocked {}", moderation::add_block(&site, target).await?);
    Ok(())
}

pub(super) async fn remove(config: Config, target: &str) -> anyhow::Result<()> {
    let site = site(config).await?;
    if !moderation::remove_block(&site, target).await? {
        anyhow::bail!("{target} was not blocked");
    }
    println!("unblocked {target}");
    Ok(())
}

pub(super) async fn list(config: &Config) -> anyhow::Result<()> {
    let db = database(config).await?;
    for b in moderation::list_blocks(&db).await? {
        println!("{:<7} {}", b.kind, b.value);
    }
    Ok(())
}

/// Blocks the domains of a Mastodon domain-block export.
pub(super) async fn import(config: Config, file: &Path) -> anyhow::Result<()> {
    let text = read_file(file)?;
    let site = site(config).await?;
    println!(
        "{} domains blocked",
        moderation::import_domain_blocks(&site, &text).await?
    );
    Ok(())
}
