//! `feder post publish|delete|list`.

use super::open::{database, federation, read_file, send_recorded};
use crate::{config::Config, services::posts};
use std::path::Path;

/// Stores the post and queues its Create (or Update, for a slug that exists) for followers.
pub(super) async fn publish(config: Config, file: &Path) -> anyhow::Result<()> {
    let text = read_file(file)?;
    let input = posts::parse_markdown_file(&text)?;
    let data = federation(config).await?;
    let (post, how) = posts::publish(&data, input).await?;
    println!("{:?} {}", how, data.urls.post(&post.slug));
    send_recorded(&data).await
}

pub(super) async fn delete(config: Config, slug: &str) -> anyhow::Result<()> {
    let data = federation(config).await?;
    posts::delete(&data, slug).await?;
    println!("deleted {}", data.urls.post(slug));
    send_recorded(&data).await
}

pub(super) async fn list(config: &Config) -> anyhow::Result<()> {
    let db = database(config).await?;
    let (list, _) = posts::page(&db, 1, 10_000).await?;
    for post in list {
        println!(
            "{}  {}  {}",
            post.published_at.format("%Y-%m-%d"),
            post.slug,
            post.title
        );
    }
    Ok(())
}
