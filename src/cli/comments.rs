//! `feder reply …`, `feder comments …` and `feder mentions`: conversations with the fediverse.

use super::open::{database, federation, send_recorded};
use crate::{
    config::Config,
    federation::{actions, backfill},
    services::{local_actor::LocalActor, mentions as mention_list, moderation, posts},
};
use url::Url;

pub(super) async fn reply_create(config: Config, url: &Url, text: &str) -> anyhow::Result<()> {
    let data = federation(config).await?;
    let note = actions::reply(&data, url, &LocalActor::Blog, text).await?;
    println!("{}", note.ap_id);
    send_recorded(&data).await
}

pub(super) async fn reply_edit(config: Config, id: &Url, text: &str) -> anyhow::Result<()> {
    let data = federation(config).await?;
    actions::edit_reply(&data, id, text).await?;
    println!("updated {id}");
    send_recorded(&data).await
}

pub(super) async fn reply_delete(config: Config, id: &Url) -> anyhow::Result<()> {
    let data = federation(config).await?;
    actions::delete_reply(&data, id).await?;
    println!("deleted {id}");
    send_recorded(&data).await
}

pub(super) async fn list(config: &Config, status: &str) -> anyhow::Result<()> {
    let db = database(config).await?;
    for c in moderation::queue(&db, status, 200).await? {
        let text = c.content_html.chars().take(100).collect::<String>();
        println!(
            "{:>6}  {}  {}  {}",
            c.id,
            c.published_at.format("%Y-%m-%d %H:%M"),
            c.author_ap_id,
            text
        );
    }
    Ok(())
}

pub(super) async fn set_status(
    config: &Config,
    id: i32,
    status: &'static str,
    what: &str,
) -> anyhow::Result<()> {
    let db = database(config).await?;
    let found = moderation::set_status(&db, id, status).await?;
    done(found, id, what)
}

pub(super) async fn delete(config: &Config, id: i32) -> anyhow::Result<()> {
    let db = database(config).await?;
    let found = moderation::delete(&db, id).await?;
    done(found, id, "deleted")
}

/// Prints what became of comment `id`, or fails when there is none.
fn done(found: bool, id: i32, what: &str) -> anyhow::Result<()> {
    anyhow::ensure!(found, "no comment {id}");
    println!("comment {id} {what}");
    Ok(())
}

/// Walks the post's threads for replies nobody sent to the blog.
pub(super) async fn refresh(config: Config, slug: &str) -> anyhow::Result<()> {
    let data = federation(config).await?;
    let post = posts::find(&data.db, slug)
        .await?
        .filter(|p| p.deleted_at.is_none())
        .ok_or_else(|| anyhow::anyhow!("no post {slug}"))?;
    let stored = backfill::refresh(&data, &post).await?;
    println!("{stored} new comments");
    send_recorded(&data).await
}

pub(super) async fn mentions(config: &Config) -> anyhow::Result<()> {
    let db = database(config).await?;
    for m in mention_list::latest(&db, 50).await? {
        let text = m.content_html.chars().take(100).collect::<String>();
        // Non-public replies say so, and to what: only the owner sees them.
        let kind = match &m.in_reply_to {
            Some(parent) => format!("{} reply to {parent}  ", m.visibility),
            None => String::new(),
        };
        println!(
            "{}  {}  {}  {kind}{}",
            m.published_at.format("%Y-%m-%d %H:%M"),
            m.author_ap_id,
            m.url.unwrap_or(m.ap_id),
            text
        );
    }
    Ok(())
}
