//! `feder post publish|delete|unpublish|trash|restore|list`.

use super::open::{database, federation, read_file, send_recorded};
use crate::{
    config::Config,
    db::entities::post,
    services::posts::{self},
};
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

pub(super) async fn unpublish(config: Config, slug: &str) -> anyhow::Result<()> {
    let data = federation(config).await?;
    posts::unpublish(&data, slug).await?;
    println!("unpublished {}: a draft again", data.urls.post(slug));
    send_recorded(&data).await
}

pub(super) async fn trash(config: Config, slug: &str) -> anyhow::Result<()> {
    let data = federation(config).await?;
    let post = posts::trash(&data, slug).await?;
    println!(
        "moved {slug} to the trash (was {})",
        post.trashed_from.as_deref().unwrap_or(post::DRAFT)
    );
    send_recorded(&data).await
}

pub(super) async fn restore(config: Config, slug: &str) -> anyhow::Result<()> {
    let data = federation(config).await?;
    let post = posts::restore(&data, slug).await?;
    println!("restored {slug}: {}", post.status);
    send_recorded(&data).await
}

/// Every post that is not deleted, newest first; `status` picks one status.
pub(super) async fn list(config: &Config, status: Option<&str>) -> anyhow::Result<()> {
    if let Some(status) = status
        && !post::STATUSES.contains(&status)
    {
        anyhow::bail!("no status {status:?}: one of {}", post::STATUSES.join(", "));
    }
    let db = database(config).await?;
    for post in posts::all(&db).await? {
        if post.deleted_at.is_some() || status.is_some_and(|s| s != post.status) {
            continue;
        }
        println!(
            "{}  {}  {}  {}",
            post.published_at.format("%Y-%m-%d"),
            post.status,
            post.slug,
            post.title
        );
    }
    Ok(())
}
